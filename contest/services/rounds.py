"""Contests and rounds: creating, editing, publishing, live counts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from contest.extensions import db
from contest.models import User
from contest.models.question import QuestionBank
from contest.models.quiz import (
    Attempt,
    AttemptStatus,
    Contest,
    ContestKind,
    PredictionTarget,
    ReviewPolicy,
    Round,
    TieBreak,
)
from contest.services import audit, grading
from contest.services.errors import NotFound, ValidationFailed
from contest.services.i18n import _, lazy_gettext
from contest.services.papers import check_draw, invalidate_pool
from question_bank.text import fold, normalise_text

DEFAULT_PRIZE_TIERS = [
    {"name": "Giải Nhất", "count": 1},
    {"name": "Giải Nhì", "count": 2},
    {"name": "Giải Ba", "count": 3},
    {"name": "Giải Khuyến khích", "count": 10},
]

DEFAULT_PREDICTION_TEXT = "Có bao nhiêu người trả lời đúng tất cả các câu hỏi của đợt thi này?"


def slugify(title: str) -> str:
    """An ASCII address part for a title (``cuoc-thi`` when nothing is left)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")
    return slug[:100] or "cuoc-thi"


def get_contest_by_slug(slug: str, *, published_only: bool = True) -> Contest:
    """The contest at ``slug`` (published only, unless told); raises ``NotFound``."""
    contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
    if contest is None or (published_only and not contest.is_published):
        raise NotFound(_("Không tìm thấy cuộc thi."))
    return contest


def get_contest(contest_id: int) -> Contest:
    """Any contest, published or not; raises ``NotFound``."""
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        raise NotFound(_("Không tìm thấy cuộc thi."))
    return contest


def get_round_any(round_id: int) -> Round:
    """Any round, of a published contest or not; raises ``NotFound``."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise NotFound(_("Không tìm thấy đợt thi."))
    return round_


def list_contests(*, published_only: bool = True, kind: ContestKind | None = None):
    """Contests, newest first, optionally only published ones or of one kind."""
    stmt = select(Contest).order_by(Contest.created_at.desc(), Contest.id.desc())
    if published_only:
        stmt = stmt.where(Contest.is_published.is_(True))
    if kind is not None:
        stmt = stmt.where(Contest.kind == kind)
    return list(db.session.scalars(stmt))


@dataclass
class ContestInput:
    title: str = ""
    summary: str = ""
    rules_text: str = ""
    kind: str = "quiz"
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def save_contest(
    data: ContestInput, *, actor: User, now: datetime, contest: Contest | None = None
) -> Contest:
    """Create or edit a contest. Raises ValidationFailed."""
    errors = {}
    title = normalise_text(data.title)
    if not title:
        errors["title"] = _("Vui lòng nhập tên cuộc thi.")
    elif len(title) > 300:
        errors["title"] = _("Tên cuộc thi dài tối đa 300 ký tự.")
    if len(data.rules_text or "") > 20000:
        errors["rules_text"] = _("Thể lệ dài tối đa 20.000 ký tự.")
    if data.starts_at and data.ends_at and data.ends_at <= data.starts_at:
        errors["ends_at"] = _("Thời điểm kết thúc phải sau thời điểm bắt đầu.")
    try:
        kind = ContestKind(data.kind)
    except ValueError:
        errors["kind"] = _("Loại cuộc thi không hợp lệ.")
        kind = ContestKind.quiz
    if errors:
        raise ValidationFailed(errors)
    created = contest is None
    if created:
        base = slugify(title)
        slug, n = base, 1
        while db.session.scalar(select(Contest.id).where(Contest.slug == slug)) is not None:
            n += 1
            slug = f"{base}-{n}"
        contest = Contest(
            slug=slug, created_by_id=actor.id if actor else None, created_at=now, kind=kind
        )
        db.session.add(contest)
    contest.title = title
    contest.summary = normalise_text(data.summary)
    contest.rules_text = (data.rules_text or "").replace("\r\n", "\n").strip()
    contest.starts_at, contest.ends_at = data.starts_at, data.ends_at
    db.session.flush()
    audit.record(
        actor,
        "contest.create" if created else "contest.update",
        "contest",
        contest.id,
        now=now,
        title=title,
    )
    return contest


def set_published(contest: Contest, published: bool, *, actor: User, now: datetime) -> None:
    """Publish or hide a contest (audited)."""
    contest.is_published = published
    audit.record(
        actor,
        "contest.publish" if published else "contest.unpublish",
        "contest",
        contest.id,
        now=now,
    )


@dataclass
class RoundInput:
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
    excluded_user_ids: list[int] = field(default_factory=list)
    prediction_text: str = DEFAULT_PREDICTION_TEXT
    prediction_target: str = "perfect_participants"
    tie_break: str = "default"
    prize_tiers: list[dict] = field(default_factory=lambda: [dict(t) for t in DEFAULT_PRIZE_TIERS])
    prize_options: dict = field(default_factory=dict)
    grace_seconds: int = 10


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
class _CleanRound:
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
    if not (0 <= data.grace_seconds <= 120):
        errors["grace_seconds"] = _("Thời gian ân hạn từ 0 đến 120 giây.")


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


def _check_round(data: RoundInput) -> _CleanRound:
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
    return _CleanRound(name, review, target, tie, quotas, tiers)


def _apply(round_: Round, data: RoundInput, clean: _CleanRound) -> None:
    round_.name = clean.name
    round_.opens_at, round_.closes_at = data.opens_at, data.closes_at
    round_.question_count = data.question_count
    round_.time_limit_minutes = data.time_limit_minutes
    round_.max_attempts = data.max_attempts
    round_.allow_practice = data.allow_practice
    round_.shuffle_questions, round_.shuffle_options = data.shuffle_questions, data.shuffle_options
    round_.review_policy, round_.prediction_target = clean.review, clean.target
    round_.tie_break = clean.tie
    round_.bank_ids = sorted(set(data.bank_ids))
    round_.quotas = clean.quotas
    round_.eligible_category_ids = sorted(set(data.eligible_category_ids))
    round_.eligible_unit_ids = sorted(set(data.eligible_unit_ids))
    round_.min_age = data.min_age
    round_.excluded_user_ids = sorted(set(data.excluded_user_ids))
    round_.prediction_text = normalise_text(data.prediction_text) or DEFAULT_PREDICTION_TEXT
    round_.prize_tiers = clean.tiers
    round_.prize_options = dict(data.prize_options)
    round_.grace_seconds = data.grace_seconds


def save_round(
    contest: Contest, data: RoundInput, *, actor: User, now: datetime, round_: Round | None = None
) -> Round:
    """Create or edit a round, checking the draw against the bank before saving.

    Raises ValidationFailed with one message per field (including ``bank_ids`` when the
    pool cannot satisfy the question count or quotas).
    """
    clean = _check_round(data)
    created = round_ is None
    if created:
        round_ = Round(contest_id=contest.id, created_at=now)
        db.session.add(round_)
    _apply(round_, data, clean)
    db.session.flush()
    invalidate_pool(round_.id)
    problems = check_draw(round_)
    if problems:
        raise ValidationFailed({"bank_ids": " ".join(problems)})
    audit.record(
        actor,
        "round.create" if created else "round.update",
        "round",
        round_.id,
        now=now,
        name=clean.name,
    )
    return round_


def state_of(round_: Round, now: datetime) -> str:
    """``upcoming``, ``open`` or ``closed`` at ``now``."""
    return grading.round_state(round_.opens_at, round_.closes_at, round_.closed_at, now)


def live_counts(round_ids: list[int]) -> dict[int, dict[str, int]]:
    """Attempts per round by status, plus distinct participants."""
    counts = {
        rid: {"in_progress": 0, "submitted": 0, "expired": 0, "participants": 0}
        for rid in round_ids
    }
    if not round_ids:
        return counts
    for rid, status, n in db.session.execute(
        select(Attempt.round_id, Attempt.status, func.count(Attempt.id))
        .where(Attempt.round_id.in_(round_ids), Attempt.is_practice.is_(False))
        .group_by(Attempt.round_id, Attempt.status)
    ):
        counts[rid][status.value] = n
    for rid, n in db.session.execute(
        select(Attempt.round_id, func.count(func.distinct(Attempt.participant_id)))
        .where(Attempt.round_id.in_(round_ids), Attempt.is_practice.is_(False))
        .group_by(Attempt.round_id)
    ):
        counts[rid]["participants"] = n
    return counts


def finished_statuses():
    """The statuses of an attempt that is over."""
    return (AttemptStatus.submitted, AttemptStatus.expired)
