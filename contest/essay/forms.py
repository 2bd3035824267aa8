"""Shapes of the essay forms. They validate shape only; the services check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
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
    SelectChoice("third_judge", _l("Điểm của giám khảo thứ ba là điểm chính thức")),
    SelectChoice("closest_two_mean", _l("Trung bình cộng hai kết quả gần nhau nhất")),
]


class EntryForm(FlaskForm):
    title = StringField(
        _l("Tên bài dự thi"),
        validators=[Length(max=300, message=_l("Tên bài dài tối đa 300 ký tự."))],
    )
    text = TextAreaField(_l("Nội dung bài viết"))


class UploadForm(FlaskForm):
    file = FileField(_l("Tệp bài viết (.docx hoặc .pdf, tối đa 10 MB)"))


class SubmitForm(FlaskForm):
    declaration = BooleanField(
        _l(
            "Tôi cam kết bài viết là của chính tôi, chưa từng công bố hoặc gửi dự thi ở nơi khác, "
            "và chịu trách nhiệm về nội dung bài viết."
        )
    )


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class ScoreForm(FlaskForm):
    comment = TextAreaField(
        _l("Nhận xét"), validators=[Length(max=5000, message=_l("Nhận xét dài tối đa 5000 ký tự."))]
    )


class ReassignForm(FlaskForm):
    judge_id = SelectField(_l("Chuyển cho giám khảo"), coerce=int, validate_choice=False)


class DisqualifyForm(FlaskForm):
    reason = TextAreaField(
        _l("Lý do loại bài"),
        validators=[InputRequired(_l("Vui lòng ghi lý do loại bài.")), Length(max=2000)],
    )


class EssayContestForm(FlaskForm):
    title = StringField(
        _l("Tên cuộc thi"),
        validators=[InputRequired(_l("Vui lòng nhập tên cuộc thi.")), Length(max=300)],
    )
    summary = StringField(_l("Giới thiệu ngắn"), validators=[Length(max=500)])
    rules_text = TextAreaField(_l("Thể lệ"), validators=[Length(max=20000)])
    complaint_days = WholeNumberField(
        _l("Thời hạn khiếu nại (số ngày sau khi công bố kết quả)"),
        default=30,
        validators=[
            Optional(),
            NumberRange(1, 365, _l("Thời hạn khiếu nại là từ 1 đến 365 ngày.")),
        ],
    )
    opens_at = DateTimeLocalField(
        _l("Bắt đầu nhận bài (giờ Việt Nam)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Vui lòng chọn thời điểm."))],
    )
    closes_at = DateTimeLocalField(
        _l("Hạn nộp bài (giờ Việt Nam)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Vui lòng chọn hạn nộp bài."))],
    )
    min_words = WholeNumberField(
        _l("Số chữ tối thiểu (không bắt buộc)"), validators=[Optional(), NumberRange(0, 1_000_000)]
    )
    max_words = WholeNumberField(
        _l("Số chữ tối đa (không bắt buộc)"), validators=[Optional(), NumberRange(1, 1_000_000)]
    )
    allow_online = BooleanField(_l("Viết trực tiếp trên trang"), default=True)
    allow_docx = BooleanField(_l("Tải lên tệp Word (.docx)"), default=True)
    allow_pdf = BooleanField(
        _l("Tải lên tệp PDF (thí sinh dán kèm nội dung để chấm)"), default=True
    )
    max_entries = WholeNumberField(
        _l("Số bài mỗi người được gửi"), validators=[InputRequired(), NumberRange(1, 10)]
    )
    judges_per_entry = WholeNumberField(
        _l("Số giám khảo chấm mỗi bài"), validators=[InputRequired(), NumberRange(1, 5)]
    )
    discrepancy = StringField(
        _l("Độ lệch tối đa giữa hai giám khảo (điểm)"),
        validators=[InputRequired(_l("Vui lòng nhập độ lệch.")), Length(max=10)],
    )
    discrepancy_rule = SelectField(
        _l("Khi điểm lệch quá mức: chấm thêm giám khảo thứ ba và"), choices=RULE_CHOICES
    )
    criteria = TextAreaField(
        _l("Tiêu chí chấm"),
        validators=[Length(max=4000)],
        description=_l("Mỗi dòng: tên tiêu chí | điểm tối đa. Ví dụ: Nội dung | 60"),
    )
    stages = TextAreaField(
        _l("Các vòng chấm"),
        validators=[Length(max=2000)],
        description=_l(
            "Mỗi dòng một vòng, theo thứ tự. Vòng trước vòng cuối "
            "ghi số bài vào vòng sau hoặc điểm sàn, ví dụ: "
            "Sơ khảo | 10 bài, hoặc Sơ khảo | từ 70 điểm. "
            "Vòng cuối chỉ ghi tên: Chung khảo"
        ),
    )
    prize_tiers = TextAreaField(
        _l("Cơ cấu giải"),
        validators=[Length(max=2000)],
        description=_l("Mỗi dòng: tên giải | số lượng. Ví dụ: Giải Nhất | 1"),
    )
    judge_ids = SelectMultipleField(
        _l("Ban Giám khảo (để trống: mọi giám khảo)"), coerce=int, validate_choice=False
    )


class SimilarityForm(FlaskForm):
    """How the organiser asks a stage's entries to be compared (essay_similarity)."""

    threshold_pct = WholeNumberField(
        _l("Ngưỡng giống nhau (%, chỉ số Jaccard)"),
        validators=[InputRequired(_l("Vui lòng nhập ngưỡng, ví dụ 50."))],
        default=50,
    )
    shingle_words = WholeNumberField(
        _l("Độ dài đoạn so sánh (số chữ liên tiếp)"),
        validators=[InputRequired(_l("Vui lòng nhập độ dài đoạn, ví dụ 5."))],
        default=5,
    )
    fold_diacritics = BooleanField(
        _l("Không phân biệt dấu (bài gõ lại không dấu vẫn được phát hiện)")
    )
