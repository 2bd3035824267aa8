"""Form pieces every area shares: a whole-number field with a Vietnamese parse error, the
GET search box, and putting a service's field errors beside a form's fields."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import Length


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


class SearchForm(FlaskForm):
    """GET search box: no CSRF needed, nothing changes."""

    class Meta:
        csrf = False

    q = StringField(
        "Tìm theo họ tên, số điện thoại hoặc số CCCD",
        validators=[Length(max=100, message="Nội dung tìm kiếm quá dài.")],
    )


def apply_errors(form, exc) -> None:
    """Put a ValidationFailed's messages beside the form's fields; a message for a field the
    form does not show becomes a flash, so none is lost."""
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [str(message)]
        else:
            flash(str(message), "danger")
