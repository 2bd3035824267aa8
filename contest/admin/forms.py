"""Shapes of the admin's and organiser's forms (roles, categories, audit filter, units,
imports). They never persist."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from contest.models import Role, UnitKind
from contest.services.units import UNIT_KIND_LABELS
from contest.web.forms import SearchForm, WholeNumberField

ROLE_LABELS = {
    Role.participant: "Thí sinh",
    Role.organiser: "Ban Tổ chức",
    Role.judge: "Giám khảo",
    Role.admin: "Quản trị",
}

__all__ = [
    "AuditFilterForm",
    "CategoryForm",
    "ROLE_LABELS",
    "RoleForm",
    "SearchForm",
    "UserSearchForm",
]


class RoleForm(FlaskForm):
    role = SelectField(
        "Vai trò",
        coerce=str,
        validate_choice=False,
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
    )

    def validate_role(self, field):
        if field.data not in {role.value for role in Role}:
            raise ValidationError("Vui lòng chọn một vai trò trong danh sách.")


class UserSearchForm(SearchForm):
    role = SelectField(
        "Vai trò",
        coerce=str,
        validate_choice=False,
        choices=[SelectChoice("", "Tất cả")]
        + [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
    )


class CategoryForm(FlaskForm):
    name = StringField(
        "Tên đối tượng",
        validators=[
            InputRequired("Vui lòng nhập tên đối tượng."),
            Length(max=120, message="Tên đối tượng dài tối đa 120 ký tự."),
        ],
    )
    position = WholeNumberField(
        "Thứ tự hiển thị",
        validators=[Optional(), NumberRange(min=0, max=999, message="Thứ tự là số từ 0 đến 999.")],
        message="Thứ tự là số nguyên, ví dụ 1, 2, 3.",
    )
    is_active = BooleanField("Đang sử dụng (hiện trong danh sách đăng ký)", default=True)


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField("Thao tác", coerce=str, validate_choice=False)


class UnitForm(FlaskForm):
    name = StringField(
        "Tên đơn vị",
        validators=[
            InputRequired("Vui lòng nhập tên đơn vị."),
            Length(max=200, message="Tên đơn vị dài tối đa 200 ký tự."),
        ],
    )
    parent_id = SelectField("Đơn vị cấp trên", coerce=str, validate_choice=False)
    kind = SelectField(
        "Loại đơn vị",
        coerce=str,
        validate_choice=False,
        choices=[SelectChoice(kind.value, label) for kind, label in UNIT_KIND_LABELS.items()],
        default=UnitKind.other.value,
    )
    headcount = WholeNumberField(
        "Số người (không bắt buộc)",
        validators=[Optional(), NumberRange(min=0, message="Số người phải là số không âm.")],
        message="Số người phải là số nguyên không âm, ví dụ 1200.",
    )


class ImportForm(FlaskForm):
    file = FileField(
        "Tệp Excel (.xlsx)", validators=[FileRequired("Vui lòng chọn tệp Excel (.xlsx) cần nhập.")]
    )
