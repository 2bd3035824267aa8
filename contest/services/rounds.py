"""Contests and rounds: creating, editing, publishing, live counts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from contest.extensions import db
from contest.models import User
from contest.models.quiz import (
    Attempt,
    AttemptStatus,
    Contest,
    ContestKind,
    Round,
)
from contest.services import audit, grading, round_lifecycle
from contest.services.errors import NotFound, ValidationFailed
from contest.services.i18n import _
from contest.services.papers import check_draw, invalidate_pool
from contest.services.round_checks import (  # noqa: F401  (re-exported for callers)
    DEFAULT,
    DEFAULT_PREDICTION_TEXT,
    DEFAULT_PRIZE_TIERS,
    CleanRound,
    RoundInput,
    check_round,
    default_min_score,
)
from question_bank.text import fold, normalise_text

DEFAULT_GRACE_SECONDS = 10


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
    # Days after results are published during which complaints are heard (then the personal
    # data of those who won nothing is erased, services/privacy.py). None: keep / default.
    complaint_days: int | None = None
    # Days after a round closes during which its participants may dispute the key
    # (services/disputes.py; 0: none). None: keep / default.
    challenge_days: int | None = None


MAX_COMPLAINT_DAYS = 365
MAX_CHALLENGE_DAYS = 30


def _contest_errors(data: ContestInput, title: str) -> tuple[dict, ContestKind]:
    """What is wrong with a contest's input (field → message), and its kind."""
    errors = {}
    if not title:
        errors["title"] = _("Vui lòng nhập tên cuộc thi.")
    elif len(title) > 300:
        errors["title"] = _("Tên cuộc thi dài tối đa 300 ký tự.")
    if len(data.rules_text or "") > 20000:
        errors["rules_text"] = _("Thể lệ dài tối đa 20.000 ký tự.")
    if data.starts_at and data.ends_at and data.ends_at <= data.starts_at:
        errors["ends_at"] = _("Thời điểm kết thúc phải sau thời điểm bắt đầu.")
    if data.complaint_days is not None and not 1 <= data.complaint_days <= MAX_COMPLAINT_DAYS:
        errors["complaint_days"] = _(
            "Thời hạn khiếu nại là từ 1 đến %(max)s ngày.", max=MAX_COMPLAINT_DAYS
        )
    if data.challenge_days is not None and not 0 <= data.challenge_days <= MAX_CHALLENGE_DAYS:
        errors["challenge_days"] = _(
            "Thời hạn khiếu nại đáp án là từ 0 đến %(max)s ngày.", max=MAX_CHALLENGE_DAYS
        )
    try:
        kind = ContestKind(data.kind)
    except ValueError:
        errors["kind"] = _("Loại cuộc thi không hợp lệ.")
        kind = ContestKind.quiz
    return errors, kind


def save_contest(
    data: ContestInput, *, actor: User, now: datetime, contest: Contest | None = None
) -> Contest:
    """Create or edit a contest. Raises ValidationFailed."""
    title = normalise_text(data.title)
    errors, kind = _contest_errors(data, title)
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
    changed = {}
    if data.complaint_days is not None and data.complaint_days != contest.complaint_days:
        if not created:
            changed = {"old": contest.complaint_days, "new": data.complaint_days}
        contest.complaint_days = data.complaint_days
    window = {}
    if data.challenge_days is not None and data.challenge_days != contest.challenge_days:
        if not created:
            window = {"old": contest.challenge_days, "new": data.challenge_days}
        contest.challenge_days = data.challenge_days
    db.session.flush()
    audit.record(
        actor,
        "contest.create" if created else "contest.update",
        "contest",
        contest.id,
        now=now,
        title=title,
        **({"complaint_days": changed} if changed else {}),
        **({"challenge_days": window} if window else {}),
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


def _prize_options(data: RoundInput, round_: Round | None) -> dict:
    """The prize options to store: the round's own unless given, with ``min_score``."""
    if data.prize_options is not None:
        options = dict(data.prize_options)
    else:
        options = dict(round_.prize_options or {}) if round_ is not None else {}
    if data.min_score == DEFAULT:
        if round_ is None:
            options.setdefault("min_score", default_min_score(data.question_count))
    elif data.min_score is None:
        options.pop("min_score", None)
    else:
        options["min_score"] = data.min_score
    return options


def round_values(data: RoundInput, clean: CleanRound, round_: Round | None) -> dict:
    """Every setting of the round as it will be stored (column name → value)."""
    grace = data.grace_seconds
    if grace is None:
        grace = round_.grace_seconds if round_ is not None else DEFAULT_GRACE_SECONDS
    return {
        "name": clean.name,
        "opens_at": data.opens_at,
        "closes_at": data.closes_at,
        "question_count": data.question_count,
        "time_limit_minutes": data.time_limit_minutes,
        "max_attempts": data.max_attempts,
        "allow_practice": data.allow_practice,
        "shuffle_questions": data.shuffle_questions,
        "shuffle_options": data.shuffle_options,
        "review_policy": clean.review,
        "prediction_target": clean.target,
        "tie_break": clean.tie,
        "bank_ids": sorted(set(data.bank_ids)),
        "quotas": clean.quotas,
        "eligible_category_ids": sorted(set(data.eligible_category_ids)),
        "eligible_unit_ids": sorted(set(data.eligible_unit_ids)),
        "min_age": data.min_age,
        "prediction_text": normalise_text(data.prediction_text) or DEFAULT_PREDICTION_TEXT,
        "prize_tiers": clean.tiers,
        "prize_options": _prize_options(data, round_),
        "grace_seconds": grace,
    }


def save_round(
    contest: Contest, data: RoundInput, *, actor: User, now: datetime, round_: Round | None = None
) -> Round:
    """Create (as a draft) or edit a round, checking the draw against the bank first.

    An edit keeps every setting the input leaves out; once the round has an attempt the
    settings that change results are locked, and a closed round is read-only
    (``round_lifecycle.check_changes``, under the round's row lock, so the first attempt
    cannot slip in between). Every change is audited with its old and new values. Raises
    ValidationFailed with one message per field (including ``bank_ids`` when the pool
    cannot satisfy the question count or quotas), or Conflict.
    """
    if round_ is not None:  # held until the caller commits: no first attempt in between
        round_ = round_lifecycle.lock_round(round_.id)
    clean = check_round(data)
    values = round_values(data, clean, round_)
    created = round_ is None
    if created:
        round_ = Round(contest_id=contest.id, created_at=now, published_at=None)
        db.session.add(round_)
        changes = {}
    else:
        changes = {k: (getattr(round_, k), v) for k, v in values.items() if getattr(round_, k) != v}
        round_lifecycle.check_changes(round_, changes, now=now)
    for key, value in values.items():
        setattr(round_, key, value)
    db.session.flush()
    invalidate_pool(round_.id)
    problems = check_draw(round_)
    if problems:
        raise ValidationFailed({"bank_ids": " ".join(problems)})
    if created:
        audit.record(actor, "round.create", "round", round_.id, now=now, name=clean.name)
    elif changes:
        audit.record(
            actor,
            "round.update",
            "round",
            round_.id,
            now=now,
            name=clean.name,
            changes=round_lifecycle.jsonable_changes(changes),
        )
    return round_


def published_rounds(contest: Contest) -> list[Round]:
    """The contest's rounds participants may see (drafts are the organisers' only)."""
    return [r for r in contest.rounds if r.published_at is not None]


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
