"""A round's life-cycle: draft → published → running → closed → results published;
what may still change once people have taken part, publishing, ending early."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import func, select

from contest.extensions import db
from contest.models import User
from contest.models.quiz import Attempt, AttemptStatus, Round
from contest.services import attempts, audit, grading
from contest.services.errors import Conflict, ValidationFailed
from contest.services.i18n import _, lazy_gettext

DRAFT, PUBLISHED, RUNNING, CLOSED, RESULTS_PUBLISHED = (
    "draft",
    "published",
    "running",
    "closed",
    "results_published",
)
STATE_LABELS = {
    DRAFT: lazy_gettext("Bản nháp"),
    PUBLISHED: lazy_gettext("Đã công bố, chưa mở"),
    RUNNING: lazy_gettext("Đang diễn ra"),
    CLOSED: lazy_gettext("Đã kết thúc"),
    RESULTS_PUBLISHED: lazy_gettext("Đã công bố kết quả"),
}

# The settings that change results: locked once the round has an attempt. What stays
# editable: the name, a later close time and the prize names (``_check_locked``).
LOCKED_SETTINGS = (
    "opens_at",
    "question_count",
    "time_limit_minutes",
    "max_attempts",
    "allow_practice",
    "shuffle_questions",
    "shuffle_options",
    "review_policy",
    "bank_ids",
    "quotas",
    "eligible_category_ids",
    "eligible_unit_ids",
    "min_age",
    "prediction_text",
    "prediction_target",
    "tie_break",
    "prize_options",
    "grace_seconds",
)
# The round form's field for a setting, where the names differ.
FORM_FIELD = {"prize_options": "min_score"}
# The round form's fields that stay editable once the round has an attempt.
EDITABLE_WHEN_LOCKED = frozenset({"name", "closes_at", "prize_tiers"})

LOCKED_MESSAGE = lazy_gettext(
    "Đợt thi đã có người dự thi nên không thể thay đổi mục này: thay đổi sẽ làm kết quả "
    "không công bằng với những người đã thi."
)


def lock_round(round_id: int) -> Round:
    """The round row, locked until the transaction ends (``SELECT … FOR UPDATE`` on
    PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers) and read afresh.
    An attempt's INSERT waits for it (its foreign key takes a share lock on the row), so
    checking the locks and saving a round cannot interleave with the first attempt."""
    return db.session.scalar(
        select(Round)
        .where(Round.id == round_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def has_attempts(round_id: int) -> bool:
    """Whether anyone has started an attempt (ranked or practice) in the round."""
    return (
        db.session.scalar(select(Attempt.id).where(Attempt.round_id == round_id).limit(1))
        is not None
    )


def in_progress_count(round_id: int) -> int:
    """Attempts of the round still being taken (ranked and practice)."""
    return (
        db.session.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.round_id == round_id, Attempt.status == AttemptStatus.in_progress
            )
        )
        or 0
    )


def is_closed(round_: Round, now: datetime) -> bool:
    return grading.round_state(round_.opens_at, round_.closes_at, round_.closed_at, now) == "closed"


def state(round_: Round, now: datetime, *, results_published: bool = False) -> str:
    """Where the round is in its life-cycle (one of the ``STATE_LABELS`` keys)."""
    if round_.published_at is None:
        return DRAFT
    if results_published:
        return RESULTS_PUBLISHED
    clock = grading.round_state(round_.opens_at, round_.closes_at, round_.closed_at, now)
    return {"upcoming": PUBLISHED, "open": RUNNING}.get(clock, CLOSED)


def locked_form_fields(round_: Round | None, now: datetime, form_fields) -> set[str]:
    """The round form's fields to show disabled: all of them for a closed round, the
    result-changing ones once the round has an attempt, none otherwise."""
    if round_ is None:
        return set()
    if is_closed(round_, now):
        return set(form_fields)
    if has_attempts(round_.id):
        return set(form_fields) - EDITABLE_WHEN_LOCKED
    return set()


def _plain(value):
    """A setting's value as JSON for the audit log."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def jsonable_changes(changes: dict[str, tuple]) -> dict[str, dict]:
    """``{setting: {"old": …, "new": …}}`` for the audit log."""
    return {k: {"old": _plain(old), "new": _plain(new)} for k, (old, new) in changes.items()}


def _tier_shape(tiers: list[dict]) -> list[tuple[int, bool]]:
    return [(int(t.get("count") or 0), bool(t.get("collective"))) for t in tiers or ()]


def _check_locked(changes: dict[str, tuple]) -> dict[str, str]:
    errors = {FORM_FIELD.get(k, k): str(LOCKED_MESSAGE) for k in changes if k in LOCKED_SETTINGS}
    if "closes_at" in changes:
        old, new = changes["closes_at"]
        if new < old:
            errors["closes_at"] = _(
                "Đợt thi đã có người dự thi nên chỉ có thể lùi thời điểm đóng. Muốn dừng "
                "đợt thi ngay, hãy dùng «Kết thúc sớm»."
            )
    if "prize_tiers" in changes:
        old, new = changes["prize_tiers"]
        if _tier_shape(old) != _tier_shape(new):
            errors["prize_tiers"] = _(
                "Đợt thi đã có người dự thi nên chỉ có thể đổi tên các giải, không thể đổi "
                "số giải, số lượng hay loại giải."
            )
    return errors


def check_changes(round_: Round, changes: dict[str, tuple], *, now: datetime) -> None:
    """Raise unless ``changes`` ({setting: (old, new)}) may be made to the round now:
    Conflict for a closed round (read-only), ValidationFailed (one message a field) for a
    result-changing setting of a round that has an attempt. The caller holds the round's
    lock (``lock_round``) until it has saved."""
    if not changes:
        return
    if is_closed(round_, now):
        raise Conflict(_("Đợt thi đã kết thúc nên không thể sửa nữa."))
    if not has_attempts(round_.id):
        return
    errors = _check_locked(changes)
    if errors:
        raise ValidationFailed(
            errors,
            _(
                "Đợt thi đã có người dự thi nên không lưu thay đổi nào. Chỉ có thể sửa tên "
                "đợt thi, tên các giải và lùi thời điểm đóng."
            ),
        )


def publish_round(round_: Round, *, actor: User | None, now: datetime) -> None:
    """ "Công bố đợt thi": participants see the round from now on (audited). Raises
    Conflict when it is published already, already closed, or its draw cannot be met."""
    from contest.services.papers import check_draw

    round_ = lock_round(round_.id)
    if round_.published_at is not None:
        raise Conflict(_("Đợt thi này đã được công bố."))
    if is_closed(round_, now):
        raise Conflict(
            _("Thời điểm đóng của đợt thi đã qua. Vui lòng sửa thời gian trước khi công bố.")
        )
    problems = check_draw(round_)
    if problems:
        raise Conflict(" ".join(problems))
    round_.published_at = now
    db.session.flush()
    audit.record(actor, "round.publish", "round", round_.id, now=now, name=round_.name)


def end_early(round_: Round, *, actor: User | None, now: datetime) -> int:
    """ "Kết thúc sớm": close an open round now. Every attempt still in progress is
    finalised from its saved answers. Returns how many were. Raises Conflict unless the
    round is published and open."""
    round_ = lock_round(round_.id)
    clock = grading.round_state(round_.opens_at, round_.closes_at, round_.closed_at, now)
    if round_.published_at is None or clock != "open":
        raise Conflict(_("Chỉ có thể kết thúc sớm một đợt thi đã công bố và đang mở."))
    planned = round_.closes_at
    round_.closes_at = round_.closed_at = now
    finalised = attempts.finalise_overdue(now, round_.id, include_open=True)
    audit.record(
        actor,
        "round.end_early",
        "round",
        round_.id,
        now=now,
        old=_plain(planned),
        new=_plain(now),
        finalised=finalised,
    )
    db.session.flush()
    return finalised
