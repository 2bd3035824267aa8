"""Organiser forms for contests and rounds: shape only; the services check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
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
    SelectChoice("after_close", _l("Sau khi đợt thi kết thúc")),
    SelectChoice("after_submit", _l("Ngay sau khi nộp bài")),
    SelectChoice("never", _l("Không công bố")),
]


class ContestForm(FlaskForm):
    title = StringField(
        _l("Tên cuộc thi"),
        validators=[InputRequired(_l("Vui lòng nhập tên cuộc thi.")), Length(max=300)],
    )
    summary = StringField(_l("Giới thiệu ngắn"), validators=[Length(max=500)])
    rules_text = TextAreaField(_l("Thể lệ"), validators=[Length(max=20000)])
    complaint_days = IntegerField(
        _l("Thời hạn khiếu nại (số ngày sau khi công bố kết quả)"),
        default=30,
        validators=[
            Optional(),
            NumberRange(1, 365, _l("Thời hạn khiếu nại là từ 1 đến 365 ngày.")),
        ],
    )
    challenge_days = IntegerField(
        _l("Thời hạn khiếu nại đáp án (số ngày sau khi đợt thi kết thúc)"),
        default=3,
        validators=[
            Optional(),
            NumberRange(0, 30, _l("Thời hạn khiếu nại đáp án là từ 0 đến 30 ngày.")),
        ],
    )


class RoundForm(FlaskForm):
    name = StringField(
        _l("Tên đợt thi"),
        validators=[InputRequired(_l("Vui lòng nhập tên đợt thi.")), Length(max=200)],
    )
    opens_at = DateTimeLocalField(
        _l("Mở lúc (giờ Việt Nam)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Vui lòng chọn thời điểm mở."))],
    )
    closes_at = DateTimeLocalField(
        _l("Đóng lúc (giờ Việt Nam)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Vui lòng chọn thời điểm đóng."))],
    )
    question_count = IntegerField(
        _l("Số câu hỏi"), validators=[InputRequired(), NumberRange(1, 200)]
    )
    time_limit_minutes = IntegerField(
        _l("Thời gian làm bài (phút)"), validators=[InputRequired(), NumberRange(1, 600)]
    )
    max_attempts = IntegerField(
        _l("Số lượt thi tối đa"), validators=[InputRequired(), NumberRange(1, 100)]
    )
    allow_practice = BooleanField(_l("Cho phép thi thử không tính điểm"))
    shuffle_questions = BooleanField(_l("Xáo trộn thứ tự câu hỏi"), default=True)
    shuffle_options = BooleanField(_l("Xáo trộn thứ tự phương án"), default=True)
    review_policy = SelectField(_l("Công bố đáp án"), choices=REVIEW_CHOICES)
    bank_ids = SelectMultipleField(_l("Ngân hàng câu hỏi"), coerce=int, validate_choice=False)
    quotas = TextAreaField(
        _l("Số câu theo chủ đề và mức độ (không bắt buộc)"),
        validators=[Length(max=4000)],
        description=_l(
            "Mỗi dòng: chủ đề | mức độ | số câu. Để trống chủ đề hoặc mức độ nghĩa là "
            "bất kỳ. Ví dụ: Đại hội XIV của Đảng | Khó | 2"
        ),
    )
    eligible_category_ids = SelectMultipleField(
        _l("Chỉ dành cho đối tượng (để trống: tất cả)"), coerce=int, validate_choice=False
    )
    eligible_unit_ids = SelectMultipleField(
        _l("Chỉ dành cho đơn vị (để trống: tất cả)"), coerce=int, validate_choice=False
    )
    min_age = IntegerField(
        _l("Tuổi tối thiểu (không bắt buộc)"), validators=[Optional(), NumberRange(0, 120)]
    )
    prediction_text = TextAreaField(_l("Câu hỏi dự đoán"), validators=[Length(max=1000)])
    prediction_target = SelectField(_l("Đáp án câu dự đoán là"))
    tie_break = SelectField(_l("Thứ tự xếp hạng"))
    min_score = IntegerField(
        _l("Điểm tối thiểu để đoạt giải"),
        validators=[Optional(), NumberRange(0, 10000)],
        description=_l(
            "Người có điểm thấp hơn không được xét giải cá nhân. Mặc định là một nửa số câu "
            "hỏi (làm tròn lên); để trống nếu không đặt điểm tối thiểu."
        ),
    )
    prize_tiers = TextAreaField(
        _l("Cơ cấu giải"),
        validators=[Length(max=2000)],
        description=_l(
            "Mỗi dòng: tên giải | số lượng; thêm «| tập thể» cho giải dành cho đơn vị. "
            "Ví dụ: Giải Nhất | 1 hoặc Giải tập thể | 3 | tập thể"
        ),
    )
    referral_prizes = IntegerField(
        _l("Số giải lan tỏa"),
        validators=[Optional(), NumberRange(0, 100, _l("Số giải lan tỏa là từ 0 đến 100."))],
        description=_l(
            "Trao cho những người giới thiệu được nhiều người mới làm bài nhất trong đợt này; "
            "để trống hoặc 0 nếu không trao."
        ),
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


class CopyRoundForm(FlaskForm):
    name = StringField(
        _l("Tên đợt thi mới"),
        validators=[InputRequired(_l("Vui lòng nhập tên đợt thi.")), Length(max=200)],
    )
    opens_at = DateTimeLocalField(
        _l("Mở lúc (giờ Việt Nam)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Vui lòng chọn thời điểm mở."))],
    )
    closes_at = DateTimeLocalField(
        _l("Đóng lúc (giờ Việt Nam)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Vui lòng chọn thời điểm đóng."))],
    )


class ScheduleRoundsForm(FlaskForm):
    weeks = IntegerField(
        _l("Số đợt cần tạo"),
        validators=[InputRequired(_l("Vui lòng nhập số đợt.")), NumberRange(1, 52)],
    )
    first_opens_at = DateTimeLocalField(
        _l("Đợt đầu tiên mở lúc (giờ Việt Nam)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Vui lòng chọn thời điểm mở."))],
    )
    length_days = IntegerField(
        _l("Mỗi đợt kéo dài (ngày)"),
        validators=[InputRequired(_l("Vui lòng nhập số ngày.")), NumberRange(1, 365)],
    )
    gap_days = IntegerField(
        _l("Đợt sau mở cách đợt trước (ngày)"),
        default=7,
        validators=[InputRequired(_l("Vui lòng nhập số ngày.")), NumberRange(1, 365)],
    )


class FunnelForm(FlaskForm):
    """One round's place in the funnel (its level and where its best go next); the choices
    are filled by the view, the service checks the rules. One per round on the funnel
    page (a prefix each): the app-wide CSRF check covers the post."""

    class Meta:
        csrf = False

    level = SelectField(_l("Cấp của đợt thi"))
    target_round_id = SelectField(_l("Chuyển người đạt lên đợt thi"), coerce=int, default=0)
    group_kind = SelectField(_l("Xếp hạng riêng theo"))
    top_k = IntegerField(
        _l("Số người mỗi đơn vị (K)"),
        validators=[Optional(), NumberRange(1, 100_000, _l("K phải từ 1 đến 100.000."))],
    )
    min_score = IntegerField(
        _l("Hoặc: điểm tối thiểu"),
        validators=[Optional(), NumberRange(0, 100_000, _l("Điểm phải từ 0 đến 100.000."))],
    )
    quotas = TextAreaField(
        _l("Chỉ tiêu riêng (mỗi dòng: đơn vị: số người)"), validators=[Length(max=20000)]
    )
