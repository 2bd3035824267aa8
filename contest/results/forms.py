"""Organiser forms for results: shape only; the services check the rules."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from contest.services.result_publishing import MAX_REASON
from contest.services.unit_ranking import UNIT_METHODS


class CloseForm(FlaskForm):
    actual = IntegerField(
        _l("Đáp án câu hỏi dự đoán"),
        validators=[
            Optional(),
            NumberRange(min=0, message=_l("Đáp án phải là số nguyên không âm.")),
        ],
    )


class PublishForm(FlaskForm):
    result_id = HiddenField(validators=[InputRequired()])
    # Confirms publishing while the answer-key challenge window is still open.
    early = BooleanField(_l("Công bố trước khi hết hạn khiếu nại đáp án"))


class ConfirmForm(FlaskForm):
    """A button with nothing but the CSRF token."""


class DisqualifyForm(FlaskForm):
    reason = TextAreaField(
        _l("Lý do truất quyền"),
        validators=[InputRequired(_l("Vui lòng nhập lý do truất quyền.")), Length(max=MAX_REASON)],
    )


class PrizeOptionsForm(FlaskForm):
    min_score = IntegerField(
        _l("Điểm tối thiểu để xét giải"),
        validators=[Optional(), NumberRange(min=0, message=_l("Điểm tối thiểu không được âm."))],
    )
    max_share = DecimalField(
        _l("Tỉ lệ giải tối đa (% số người được xếp hạng)"),
        places=None,
        validators=[
            Optional(),
            NumberRange(min=0.01, max=100, message=_l("Tỉ lệ từ 0,01 đến 100 %.")),
        ],
    )
    once_per_contest = BooleanField(
        _l(
            "Mỗi người chỉ đoạt giải cá nhân một lần trong cuộc thi "
            "(bỏ qua người đã đoạt giải ở đợt trước)"
        )
    )
    other_quota = IntegerField(
        _l("Số giải tối đa cho các đối tượng khác"),
        validators=[Optional(), NumberRange(min=0, message=_l("Số giải không được âm."))],
    )
    collective_method = SelectField(_l("Xếp hạng tập thể"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices come from the registry of methods, in the request's language.
        self.collective_method.choices = [
            SelectChoice(name, str(method.choice)) for name, method in UNIT_METHODS.items()
        ]


def parse_quotas(data, category_ids) -> tuple[dict[int, int], dict[int, str]]:
    """Read the ``quota_<category id>`` inputs: (quotas, errors), both by category id.
    A blank input means no quota for that category."""
    quotas: dict[int, int] = {}
    errors: dict[int, str] = {}
    for cid in category_ids:
        raw = (data.get(f"quota_{cid}") or "").strip()
        if not raw:
            continue
        if not raw.isdigit():
            errors[cid] = _("Vui lòng nhập số nguyên không âm.")
            continue
        quotas[cid] = int(raw)
    return quotas, errors


class DisputeForm(FlaskForm):
    """A participant's dispute of one question (the service checks the limits)."""

    reason = TextAreaField(_l("Lý do khiếu nại"), validators=[Length(max=4000)])


DECISION_CHOICES = [
    SelectChoice("keep", _l("Giữ nguyên đáp án")),
    SelectChoice("change", _l("Sửa đáp án đúng")),
    SelectChoice("accept", _l("Chấp nhận thêm một đáp án")),
    SelectChoice("void", _l("Huỷ câu hỏi: mọi người được câu này cho điểm")),
]


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Quyết định"), choices=DECISION_CHOICES)
    option_ids = SelectMultipleField(
        _l("Đáp án mới hoặc đáp án được chấp nhận thêm"), coerce=int, validate_choice=False
    )
    reply = TextAreaField(_l("Trả lời người khiếu nại (công khai)"), validators=[Length(max=4000)])
