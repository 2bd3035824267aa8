"""Form pieces every area shares: a whole-number field with a translated parse error, the
GET search box, putting a service's field errors beside a form's fields, and saving a
form's data so that those errors re-render the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, TypeVar

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import Length

from contest.extensions import db
from contest.services.errors import ValidationFailed

T = TypeVar("T")


class WholeNumberField(IntegerField):
    """An integer field whose parse error is ``message`` (translated when shown)."""

    def __init__(
        self, label=None, validators=None, message=_l("Vui lòng nhập một số nguyên."), **kwargs
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
        _l("Tìm theo họ tên, số điện thoại hoặc số CCCD"),
        validators=[Length(max=100, message=_l("Nội dung tìm kiếm quá dài."))],
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


class Saved(NamedTuple):
    """What ``save_form`` did: ``ok`` (committed) and what the service returned."""

    ok: bool
    value: object = None


def save_form(form, save: Callable[[], T]) -> Saved:
    """Run ``save()`` (a service call) for a form that passed its own checks, and commit.

    A ValidationFailed is the one error a form view handles itself: the session is rolled
    back, the messages go beside ``form``'s fields (``apply_errors``) and ``Saved(False)``
    is returned, so the view shows the form again with status 422. Every other domain error
    goes to ``contest.web.errors``.
    """
    try:
        value = save()
    except ValidationFailed as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return Saved(False)
    db.session.commit()
    return Saved(True, value)


def flash_refusal(exc: ValidationFailed) -> None:
    """Roll back and flash every reason of a refused change, for a view that goes back to
    its own page (the error handler would go back to the referrer with a general message)."""
    db.session.rollback()
    flash(" ".join(str(text) for text in exc.fields.values()), "danger")
