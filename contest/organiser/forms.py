"""Shapes of the organiser's forms (units, imports, search). They never persist anything."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from contest.models import UnitKind
from contest.services.units import UNIT_KIND_LABELS


class WholeNumberField(IntegerField):
    """An integer field whose parse error is in Vietnamese."""

    def __init__(
        self, label=None, validators=None, message="Vui lòng nhập một số nguyên.", **kwargs
    ):
        super().__init__(label, validators, **kwargs)
        self.parse_message = message

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError as exc:
            self.data = None
            raise ValueError(self.parse_message) from exc


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


class SearchForm(FlaskForm):
    """GET search box: no CSRF needed, nothing changes."""

    class Meta:
        csrf = False

    q = StringField(
        "Tìm theo họ tên, số điện thoại hoặc số CCCD",
        validators=[Length(max=100, message="Nội dung tìm kiếm quá dài.")],
    )
