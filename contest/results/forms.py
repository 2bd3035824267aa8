"""Organiser forms for results: shape only; the services check the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

COLLECTIVE_CHOICES = [
    SelectChoice("participants", "Theo số người dự thi"),
    SelectChoice("participation_rate", "Theo tỉ lệ tham gia (cần số người của đơn vị)"),
    SelectChoice(
        "points",
        "Theo tổng điểm xếp hạng (10 → 1 điểm cho 10 đơn vị đứng đầu mỗi "
        "tiêu chí: số người, tổng điểm, số lượt thi)",
    ),
]


class CloseForm(FlaskForm):
    actual = IntegerField(
        "Đáp án câu hỏi dự đoán",
        validators=[Optional(), NumberRange(min=0, message="Đáp án phải là số nguyên không âm.")],
    )


class PublishForm(FlaskForm):
    result_id = HiddenField(validators=[InputRequired()])


class ConfirmForm(FlaskForm):
    """A button with nothing but the CSRF token."""


class DisqualifyForm(FlaskForm):
    reason = TextAreaField(
        "Lý do truất quyền",
        validators=[InputRequired("Vui lòng nhập lý do truất quyền."), Length(max=1000)],
    )


class PrizeOptionsForm(FlaskForm):
    min_score = IntegerField(
        "Điểm tối thiểu để xét giải",
        validators=[Optional(), NumberRange(min=0, message="Điểm tối thiểu không được âm.")],
    )
    max_share = DecimalField(
        "Tỉ lệ giải tối đa (% số người được xếp hạng)",
        places=None,
        validators=[Optional(), NumberRange(min=0.01, max=100, message="Tỉ lệ từ 0,01 đến 100 %.")],
    )
    once_per_contest = BooleanField(
        "Mỗi người chỉ đoạt giải cá nhân một lần trong cuộc thi "
        "(bỏ qua người đã đoạt giải ở đợt trước)"
    )
    other_quota = IntegerField(
        "Số giải tối đa cho các đối tượng khác",
        validators=[Optional(), NumberRange(min=0, message="Số giải không được âm.")],
    )
    collective_method = SelectField("Xếp hạng tập thể", choices=COLLECTIVE_CHOICES)


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
            errors[cid] = "Vui lòng nhập số nguyên không âm."
            continue
        quotas[cid] = int(raw)
    return quotas, errors
