"""Shapes of the admin's and organiser's forms (roles, categories, audit filter, units,
imports). They never persist."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from contest.models import Role, UnitKind
from contest.services.accounts import ROLE_LABELS
from contest.services.units import UNIT_KIND_LABELS
from contest.web.forms import SearchForm, WholeNumberField

__all__ = [
    "AuditFilterForm",
    "CategoryForm",
    "ImportForm",
    "RoleForm",
    "ScopeForm",
    "SearchForm",
    "UnitForm",
    "UserSearchForm",
]


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Vai trò"),
        coerce=str,
        validate_choice=False,
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
    )

    def validate_role(self, field):
        if field.data not in {role.value for role in Role}:
            raise ValidationError(_l("Vui lòng chọn một vai trò trong danh sách."))


class ScopeForm(FlaskForm):
    """An organiser's unit scope: blank for a province organiser (the choices are the
    units, filled by the view)."""

    scope_unit_id = SelectField(_l("Phạm vi đơn vị"), coerce=str, validate_choice=False)

    def validate_scope_unit_id(self, field):
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_l("Vui lòng chọn một đơn vị trong danh sách."))


class UserSearchForm(SearchForm):
    role = SelectField(
        _l("Vai trò"),
        coerce=str,
        validate_choice=False,
        choices=[SelectChoice("", _l("Tất cả"))]
        + [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
    )


class CategoryForm(FlaskForm):
    name = StringField(
        _l("Tên đối tượng"),
        validators=[
            InputRequired(_l("Vui lòng nhập tên đối tượng.")),
            Length(max=120, message=_l("Tên đối tượng dài tối đa 120 ký tự.")),
        ],
    )
    position = WholeNumberField(
        _l("Thứ tự hiển thị"),
        validators=[
            Optional(),
            NumberRange(min=0, max=999, message=_l("Thứ tự là số từ 0 đến 999.")),
        ],
        message=_l("Thứ tự là số nguyên, ví dụ 1, 2, 3."),
    )
    is_active = BooleanField(_l("Đang sử dụng (hiện trong danh sách đăng ký)"), default=True)


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("Thao tác"), coerce=str, validate_choice=False)


class UnitForm(FlaskForm):
    name = StringField(
        _l("Tên đơn vị"),
        validators=[
            InputRequired(_l("Vui lòng nhập tên đơn vị.")),
            Length(max=200, message=_l("Tên đơn vị dài tối đa 200 ký tự.")),
        ],
    )
    parent_id = SelectField(_l("Đơn vị cấp trên"), coerce=str, validate_choice=False)
    kind = SelectField(
        _l("Loại đơn vị"),
        coerce=str,
        validate_choice=False,
        choices=[SelectChoice(kind.value, label) for kind, label in UNIT_KIND_LABELS.items()],
        default=UnitKind.other.value,
    )
    headcount = WholeNumberField(
        _l("Số người (không bắt buộc)"),
        validators=[Optional(), NumberRange(min=0, message=_l("Số người phải là số không âm."))],
        message=_l("Số người phải là số nguyên không âm, ví dụ 1200."),
    )


class ImportForm(FlaskForm):
    file = FileField(
        _l("Tệp Excel (.xlsx)"),
        validators=[FileRequired(_l("Vui lòng chọn tệp Excel (.xlsx) cần nhập."))],
    )
