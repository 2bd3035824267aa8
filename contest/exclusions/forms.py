"""Shapes of the exclusion list's forms; the service checks the rules (who, why)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from contest.services.exclusions import MAX_REASON

REASON_HELP = _l("Ví dụ: Thành viên Ban Tổ chức; Người ra đề; Tổ thư ký.")
WIDE_LABEL = _l("Áp dụng cho mọi đợt thi của cuộc thi này")
LONG_REASON = _l("Lý do dài tối đa %(n)s ký tự.", n=MAX_REASON)


class AddForm(FlaskForm):
    """One person, by the phone or CCCD they registered with."""

    number = StringField(
        _l("Số điện thoại hoặc số CCCD"),
        validators=[Length(max=30, message=_l("Số quá dài. Vui lòng kiểm tra lại."))],
    )
    reason = StringField(
        _l("Lý do không xét giải"),
        validators=[Length(max=MAX_REASON, message=LONG_REASON)],
        description=REASON_HELP,
    )
    contest_wide = BooleanField(WIDE_LABEL)


class ImportForm(FlaskForm):
    """A list in the participant template's columns (plus an optional «Lý do»)."""

    file = FileField(
        _l("Tệp Excel (.xlsx)"),
        validators=[FileRequired(_l("Vui lòng chọn tệp Excel (.xlsx) cần nhập."))],
    )
    reason = StringField(
        _l("Lý do cho các dòng không ghi lý do"),
        validators=[Length(max=MAX_REASON, message=LONG_REASON)],
    )
    contest_wide = BooleanField(WIDE_LABEL)


class RemoveForm(FlaskForm):
    """A button with nothing but the CSRF token."""
