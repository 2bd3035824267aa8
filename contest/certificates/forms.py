"""Shapes of the certificate pages' forms; the services check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import Length, Optional

TOO_LONG = _l("Nội dung dài tối đa %(max)d ký tự.")


def _text(label, max_length: int, description=None) -> StringField:
    return StringField(
        label, validators=[Length(max=max_length, message=TOO_LONG)], description=description
    )


class TemplateForm(FlaskForm):
    """The contest's document template: blank fields print the defaults."""

    parent_body = _text(
        _l("Cơ quan chủ quản"), 200, _l("Ví dụ: UBND TỈNH BẮC NINH. Có thể để trống.")
    )
    organiser_name = _text(
        _l("Tên Ban Tổ chức"), 200, _l("Ví dụ: BAN TỔ CHỨC HỘI THI TÌM HIỂU PHÁP LUẬT.")
    )
    contest_name = _text(_l("Tên cuộc thi in trên giấy"), 300, _l("Để trống: dùng tên cuộc thi."))
    place = _text(_l("Địa danh"), 100, _l("In trước ngày ký, ví dụ: Bắc Ninh."))
    on_behalf = _text(_l("Thẩm quyền ký"), 120, _l("Ví dụ: TM. BAN TỔ CHỨC."))
    signer_title = _text(_l("Chức vụ người ký"), 120, _l("Ví dụ: TRƯỞNG BAN."))
    signer_name = _text(_l("Họ và tên người ký"), 120)
    winner_text = _text(_l("Lời chứng nhận người đoạt giải"), 200, _l("Mặc định: Đã đạt."))
    participant_text = TextAreaField(
        _l("Lời chứng nhận người tham gia"),
        validators=[Length(max=300, message=TOO_LONG)],
        description=_l("Mặc định: Đã tham gia và hoàn thành phần thi."),
    )
    include_participants = BooleanField(_l("Cấp cả cho người tham gia đã hoàn thành bài thi"))
    signature = FileField(_l("Ảnh chữ ký (PNG nền trong suốt hoặc JPG, tối đa 2 MB)"))
    seal = FileField(_l("Ảnh con dấu (PNG nền trong suốt, tối đa 2 MB)"))
    remove_signature = BooleanField(_l("Xoá ảnh chữ ký hiện có"))
    remove_seal = BooleanField(_l("Xoá ảnh con dấu hiện có"))


class DecisionForm(FlaskForm):
    """The number and date of the round's prize decision."""

    number = _text(_l("Số quyết định"), 60, _l("Ví dụ: 12/QĐ-BTC."))
    signed_on = DateField(
        _l("Ngày ký quyết định"),
        validators=[Optional()],
        description=_l("Ngày in trên danh sách và giấy chứng nhận."),
    )


class IssueForm(FlaskForm):
    """A button with nothing but the CSRF token."""


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False

    ma = StringField(_l("Mã xác minh"), validators=[Length(max=40, message=TOO_LONG)])
