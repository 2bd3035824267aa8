"""A round's settings as typed: the input record and its checks (one message a field)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from contest.extensions import db
from contest.models.question import QuestionBank
from contest.models.quiz import PredictionTarget, ReviewPolicy, TieBreak
from contest.services.errors import ValidationFailed
from contest.services.i18n import _, lazy_gettext
from question_bank.text import normalise_text

DEFAULT_PRIZE_TIERS = [
    {"name": "Giải Nhất", "count": 1},
    {"name": "Giải Nhì", "count": 2},
    {"name": "Giải Ba", "count": 3},
    {"name": "Giải Khuyến khích", "count": 10},
]

DEFAULT_PREDICTION_TEXT = "Có bao nhiêu người trả lời đúng tất cả các câu hỏi của đợt thi này?"

# ``RoundInput.min_score`` when the caller says nothing: a new round gets
# ``default_min_score``; an edited one keeps its own.
DEFAULT = "default"


def default_min_score(question_count: int) -> int:
    """The minimum score for any prize a new round starts with: half the questions,
    rounded up (so 2 of 8 right never wins a prize)."""
    return math.ceil(question_count / 2)


@dataclass
class RoundInput:
    """A round's settings as typed. ``None`` for ``prize_options`` and ``grace_seconds``
    means: keep the round's own (a new round gets the defaults); the form never shows them.
    ``min_score`` is the prize option of that name (``None``: no minimum; ``DEFAULT``:
    keep the round's own, or ``default_min_score`` for a new round)."""

    name: str = ""
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    question_count: int | None = 20
    time_limit_minutes: int | None = 20
    max_attempts: int | None = 3
    allow_practice: bool = False
    shuffle_questions: bool = True
    shuffle_options: bool = True
    review_policy: str = "after_close"
    bank_ids: list[int] = field(default_factory=list)
    quotas: list[dict] = field(default_factory=list)
    eligible_category_ids: list[int] = field(default_factory=list)
    eligible_unit_ids: list[int] = field(default_factory=list)
    min_age: int | None = None
    prediction_text: str = DEFAULT_PREDICTION_TEXT
    prediction_target: str = "perfect_participants"
    tie_break: str = "default"
    prize_tiers: list[dict] = field(default_factory=lambda: [dict(t) for t in DEFAULT_PRIZE_TIERS])
    prize_options: dict | None = None
    min_score: int | None | str = DEFAULT
    grace_seconds: int | None = None


def _enum(cls, value, errors, name, message):
    try:
        return cls(value)
    except ValueError:
        errors[name] = message
        return None


# Whole numbers of a round: (attribute, lowest, highest, message).
_RANGES = (
    ("question_count", 1, 200, lazy_gettext("Số câu hỏi phải từ %(low)s đến %(high)s.")),
    (
        "time_limit_minutes",
        1,
        600,
        lazy_gettext("Thời gian làm bài phải từ %(low)s đến %(high)s."),
    ),
    ("max_attempts", 1, 100, lazy_gettext("Số lượt thi phải từ %(low)s đến %(high)s.")),
)


@dataclass(frozen=True)
class CleanRound:
    name: str
    review: ReviewPolicy | None
    target: PredictionTarget | None
    tie: TieBreak | None
    quotas: list[dict]
    tiers: list[dict]


def _check_times(data: RoundInput, errors: dict[str, str]) -> None:
    if data.opens_at is None:
        errors["opens_at"] = _("Vui lòng chọn thời điểm mở.")
    if data.closes_at is None:
        errors["closes_at"] = _("Vui lòng chọn thời điểm đóng.")
    elif data.opens_at and data.closes_at <= data.opens_at:
        errors["closes_at"] = _("Thời điểm đóng phải sau thời điểm mở.")


def _check_numbers(data: RoundInput, errors: dict[str, str]) -> None:
    for attr, low, high, message in _RANGES:
        value = getattr(data, attr)
        if value is None or not (low <= value <= high):
            errors[attr] = message % {"low": low, "high": high}
    if data.min_age is not None and not (0 <= data.min_age <= 120):
        errors["min_age"] = _("Tuổi tối thiểu không hợp lệ.")
    if data.grace_seconds is not None and not (0 <= data.grace_seconds <= 120):
        errors["grace_seconds"] = _("Thời gian ân hạn từ 0 đến 120 giây.")
    score = data.min_score
    if score != DEFAULT and score is not None and not (0 <= score <= 10000):
        errors["min_score"] = _("Điểm tối thiểu để xét giải phải là số không âm.")


def _check_banks(bank_ids: list[int], errors: dict[str, str]) -> None:
    banks = [db.session.get(QuestionBank, b) for b in bank_ids]
    if not bank_ids:
        errors["bank_ids"] = _("Vui lòng chọn ít nhất một ngân hàng câu hỏi.")
    elif any(b is None for b in banks):
        errors["bank_ids"] = _("Ngân hàng câu hỏi không tồn tại.")


def _clean_quotas(quotas: list[dict], errors: dict[str, str]) -> list[dict]:
    """The quotas with a count, topics normalised; a negative count is an error."""
    cleaned = []
    for q in quotas:
        count = int(q.get("count") or 0)
        if count < 0:
            errors["quotas"] = _("Số câu theo chủ đề, mức độ không được âm.")
        elif count:
            cleaned.append(
                {
                    "topic": normalise_text(q.get("topic") or "") or None,
                    "difficulty": q.get("difficulty") or None,
                    "count": count,
                }
            )
    return cleaned


def _clean_tiers(tiers: list[dict]) -> list[dict]:
    """The prize tiers that have a name and a count; the others are dropped."""
    cleaned = []
    for t in tiers:
        tier_name = normalise_text(t.get("name") or "")
        count = int(t.get("count") or 0)
        if tier_name and count > 0:
            cleaned.append(
                {
                    "name": tier_name,
                    "count": count,
                    **({"collective": True} if t.get("collective") else {}),
                }
            )
    return cleaned


def check_round(data: RoundInput) -> CleanRound:
    """The round's input checked and cleaned; raises ValidationFailed (one message a field)."""
    errors: dict[str, str] = {}
    name = normalise_text(data.name)
    if not name:
        errors["name"] = _("Vui lòng nhập tên đợt thi.")
    _check_times(data, errors)
    _check_numbers(data, errors)
    review = _enum(
        ReviewPolicy,
        data.review_policy,
        errors,
        "review_policy",
        _("Chính sách xem đáp án không hợp lệ."),
    )
    target = _enum(
        PredictionTarget,
        data.prediction_target,
        errors,
        "prediction_target",
        _("Cách tính đáp án câu dự đoán không hợp lệ."),
    )
    tie = _enum(TieBreak, data.tie_break, errors, "tie_break", _("Cách xếp hạng không hợp lệ."))
    _check_banks(data.bank_ids, errors)
    quotas = _clean_quotas(data.quotas, errors)
    tiers = _clean_tiers(data.prize_tiers)
    if errors:
        raise ValidationFailed(errors)
    return CleanRound(name, review, target, tie, quotas, tiers)
