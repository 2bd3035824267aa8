"""Shapes of the essay forms. They validate shape only; the services check the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from contest.web.forms import WholeNumberField

RULE_CHOICES = [
    SelectChoice("third_judge", "Điểm của giám khảo thứ ba là điểm chính thức"),
    SelectChoice("closest_two_mean", "Trung bình cộng hai kết quả gần nhau nhất"),
]


class EntryForm(FlaskForm):
    title = StringField(
        "Tên bài dự thi", validators=[Length(max=300, message="Tên bài dài tối đa 300 ký tự.")]
    )
    text = TextAreaField("Nội dung bài viết")


class UploadForm(FlaskForm):
    file = FileField("Tệp bài viết (.docx hoặc .pdf, tối đa 10 MB)")


class SubmitForm(FlaskForm):
    declaration = BooleanField(
        "Tôi cam kết bài viết là của chính tôi, chưa từng công bố hoặc gửi dự thi ở nơi khác, "
        "và chịu trách nhiệm về nội dung bài viết."
    )


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class ScoreForm(FlaskForm):
    comment = TextAreaField(
        "Nhận xét", validators=[Length(max=5000, message="Nhận xét dài tối đa 5000 ký tự.")]
    )


class ReassignForm(FlaskForm):
    judge_id = SelectField("Chuyển cho giám khảo", coerce=int, validate_choice=False)


class DisqualifyForm(FlaskForm):
    reason = TextAreaField(
        "Lý do loại bài",
        validators=[InputRequired("Vui lòng ghi lý do loại bài."), Length(max=2000)],
    )


class EssayContestForm(FlaskForm):
    title = StringField(
        "Tên cuộc thi", validators=[InputRequired("Vui lòng nhập tên cuộc thi."), Length(max=300)]
    )
    summary = StringField("Giới thiệu ngắn", validators=[Length(max=500)])
    rules_text = TextAreaField("Thể lệ", validators=[Length(max=20000)])
    opens_at = DateTimeLocalField(
        "Bắt đầu nhận bài (giờ Việt Nam)",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Vui lòng chọn thời điểm.")],
    )
    closes_at = DateTimeLocalField(
        "Hạn nộp bài (giờ Việt Nam)",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Vui lòng chọn hạn nộp bài.")],
    )
    min_words = WholeNumberField(
        "Số chữ tối thiểu (không bắt buộc)", validators=[Optional(), NumberRange(0, 1_000_000)]
    )
    max_words = WholeNumberField(
        "Số chữ tối đa (không bắt buộc)", validators=[Optional(), NumberRange(1, 1_000_000)]
    )
    allow_online = BooleanField("Viết trực tiếp trên trang", default=True)
    allow_docx = BooleanField("Tải lên tệp Word (.docx)", default=True)
    allow_pdf = BooleanField("Tải lên tệp PDF (thí sinh dán kèm nội dung để chấm)", default=True)
    max_entries = WholeNumberField(
        "Số bài mỗi người được gửi", validators=[InputRequired(), NumberRange(1, 10)]
    )
    judges_per_entry = WholeNumberField(
        "Số giám khảo chấm mỗi bài", validators=[InputRequired(), NumberRange(1, 5)]
    )
    discrepancy = StringField(
        "Độ lệch tối đa giữa hai giám khảo (điểm)",
        validators=[InputRequired("Vui lòng nhập độ lệch."), Length(max=10)],
    )
    discrepancy_rule = SelectField(
        "Khi điểm lệch quá mức: chấm thêm giám khảo thứ ba và", choices=RULE_CHOICES
    )
    criteria = TextAreaField(
        "Tiêu chí chấm",
        validators=[Length(max=4000)],
        description="Mỗi dòng: tên tiêu chí | điểm tối đa. Ví dụ: Nội dung | 60",
    )
    stages = TextAreaField(
        "Các vòng chấm",
        validators=[Length(max=2000)],
        description="Mỗi dòng một vòng, theo thứ tự. Vòng trước vòng cuối "
        "ghi số bài vào vòng sau hoặc điểm sàn, ví dụ: "
        "Sơ khảo | 10 bài, hoặc Sơ khảo | từ 70 điểm. "
        "Vòng cuối chỉ ghi tên: Chung khảo",
    )
    prize_tiers = TextAreaField(
        "Cơ cấu giải",
        validators=[Length(max=2000)],
        description="Mỗi dòng: tên giải | số lượng. Ví dụ: Giải Nhất | 1",
    )
    judge_ids = SelectMultipleField(
        "Ban Giám khảo (để trống: mọi giám khảo)", coerce=int, validate_choice=False
    )
    excluded = TextAreaField(
        "Không xét giải (Ban Tổ chức, Tổ thư ký…)",
        validators=[Length(max=20000)],
        description="Mỗi dòng một số điện thoại hoặc email.",
    )
