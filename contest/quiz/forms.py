"""Organiser forms for contests and rounds: shape only; the services check the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from contest.services import ranking

REVIEW_CHOICES = [
    SelectChoice("after_close", "Sau khi đợt thi kết thúc"),
    SelectChoice("after_submit", "Ngay sau khi nộp bài"),
    SelectChoice("never", "Không công bố"),
]


class ContestForm(FlaskForm):
    title = StringField(
        "Tên cuộc thi", validators=[InputRequired("Vui lòng nhập tên cuộc thi."), Length(max=300)]
    )
    summary = StringField("Giới thiệu ngắn", validators=[Length(max=500)])
    rules_text = TextAreaField("Thể lệ", validators=[Length(max=20000)])


class RoundForm(FlaskForm):
    name = StringField(
        "Tên đợt thi", validators=[InputRequired("Vui lòng nhập tên đợt thi."), Length(max=200)]
    )
    opens_at = DateTimeLocalField(
        "Mở lúc (giờ Việt Nam)",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Vui lòng chọn thời điểm mở.")],
    )
    closes_at = DateTimeLocalField(
        "Đóng lúc (giờ Việt Nam)",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Vui lòng chọn thời điểm đóng.")],
    )
    question_count = IntegerField("Số câu hỏi", validators=[InputRequired(), NumberRange(1, 200)])
    time_limit_minutes = IntegerField(
        "Thời gian làm bài (phút)", validators=[InputRequired(), NumberRange(1, 600)]
    )
    max_attempts = IntegerField(
        "Số lượt thi tối đa", validators=[InputRequired(), NumberRange(1, 100)]
    )
    allow_practice = BooleanField("Cho phép thi thử không tính điểm")
    shuffle_questions = BooleanField("Xáo trộn thứ tự câu hỏi", default=True)
    shuffle_options = BooleanField("Xáo trộn thứ tự phương án", default=True)
    review_policy = SelectField("Công bố đáp án", choices=REVIEW_CHOICES)
    bank_ids = SelectMultipleField("Ngân hàng câu hỏi", coerce=int, validate_choice=False)
    quotas = TextAreaField(
        "Số câu theo chủ đề và mức độ (không bắt buộc)",
        validators=[Length(max=4000)],
        description="Mỗi dòng: chủ đề | mức độ | số câu. Để trống chủ đề hoặc mức độ nghĩa là "
        "bất kỳ. Ví dụ: Đại hội XIV của Đảng | Khó | 2",
    )
    eligible_category_ids = SelectMultipleField(
        "Chỉ dành cho đối tượng (để trống: tất cả)", coerce=int, validate_choice=False
    )
    eligible_unit_ids = SelectMultipleField(
        "Chỉ dành cho đơn vị (để trống: tất cả)", coerce=int, validate_choice=False
    )
    min_age = IntegerField(
        "Tuổi tối thiểu (không bắt buộc)", validators=[Optional(), NumberRange(0, 120)]
    )
    prediction_text = TextAreaField("Câu hỏi dự đoán", validators=[Length(max=1000)])
    prediction_target = SelectField("Đáp án câu dự đoán là")
    tie_break = SelectField("Thứ tự xếp hạng")
    prize_tiers = TextAreaField(
        "Cơ cấu giải",
        validators=[Length(max=2000)],
        description="Mỗi dòng: tên giải | số lượng. Ví dụ: Giải Nhất | 1",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices from the rule registries, in the request's language.
        self.prediction_target.choices = [
            SelectChoice(name, str(target.choice)) for name, target in ranking.TARGETS.items()
        ]
        self.tie_break.choices = [
            SelectChoice(name, ranking.preset_label(name)) for name in ranking.PRESETS
        ]
