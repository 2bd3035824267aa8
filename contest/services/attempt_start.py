"""Starting an attempt on the start rush's path, and the client's receipt (issue 12).

Thousands open the link at the published hour, so a new attempt is written in one short
transaction without the ORM's object graph, after its reads (which on SQLite hold no
write lock: ``contest.db.reading``): one read of the shared quiz cache version
(``shared_cache``: the round's settings and pool are cached per process while it holds),
one of the participant's attempts in the round, one INSERT of the attempt and one
batched INSERT of its paper's rows. The paper is drawn from the round's pool, cached per
process (``papers.round_pool``). Resuming an attempt in progress, a lost race and
anything unusual take the full path (``attempts.begin_attempt``), which this path
mirrors rule for rule: the same checks in the same order, the same errors.

The clock (``attempt_clock``): the attempt's ``started_at`` is the hand-out; when the
client confirms receipt (``confirm_receipt``) the clock restarts at the confirmation,
bounded by the request's arrival + a maximum delay and by the round's close.

Functions flush; the caller commits.
"""

from __future__ import annotations

import secrets
import threading
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import bindparam, select

from contest.db import reading
from contest.extensions import db
from contest.models import Contest, User
from contest.models.quiz import Attempt, AttemptQuestion, AttemptStatus, Round
from contest.services import attempt_clock, shared_cache
from contest.services.attempts import check_may_start, iso
from contest.services.errors import AttemptLimitReached, NotFound
from contest.services.i18n import _
from contest.services.papers import build_paper

_ROUND_COLUMNS = [
    c for c in Round.__table__.c if c.key not in ("prize_tiers", "prize_options", "actual_value")
]
# Built once: the start rush runs them thousands of times (compiled once per engine).
_ROUND_QUERY = (
    select(*_ROUND_COLUMNS, Contest.is_published.label("contest_published"))
    .join(Contest, Contest.id == Round.contest_id)
    .where(Round.id == bindparam("round_id"))
)
_MINE_QUERY = select(Attempt.number, Attempt.is_practice, Attempt.status).where(
    Attempt.round_id == bindparam("round_id"), Attempt.participant_id == bindparam("user_id")
)
_PAPER_INSERT = AttemptQuestion.__table__.insert()


def _insert(dialect_name: str):
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert


def _core():
    """The session's connection: the rush's statements name columns and tables only, so
    they skip the ORM's execution layer (a third of a short statement's CPU) while staying
    in the session's transaction. Nothing is pending in the session on this path."""
    return db.session.connection()


# (database, round id) -> (shared quiz version, the round's settings); read-only values.
_rounds: dict[tuple[str, int], tuple[int, SimpleNamespace]] = {}
_rounds_lock = threading.Lock()


def _forget_rounds() -> None:
    with _rounds_lock:
        _rounds.clear()


shared_cache.on_stale(shared_cache.QUIZ, _forget_rounds)


def _round(round_id: int, version: int) -> SimpleNamespace:
    """The round's settings as plain values (with ``contest.is_published``), cached while
    the shared quiz ``version`` holds; raises NotFound for a draft or a round of an
    unpublished contest, as ``get_round`` does."""
    key = (str(db.session.get_bind().engine.url), round_id)
    with _rounds_lock:
        cached = _rounds.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    row = _core().execute(_ROUND_QUERY, {"round_id": round_id}).first()
    if row is None or row.published_at is None or not row.contest_published:
        raise NotFound(_("Không tìm thấy đợt thi."))
    values = row._asdict()
    round_ = SimpleNamespace(contest=SimpleNamespace(is_published=True), **values)
    with _rounds_lock:
        _rounds[key] = (version, round_)
    return round_


def start_new(
    round_id: int,
    user: User,
    *,
    requested_at: datetime,
    now: datetime,
    practice: bool = False,
) -> dict | None:
    """Start a new attempt and return its API body (``attempts.attempt_view``'s shape), or
    None when the participant has an attempt in progress or another start won the race
    (the caller then takes ``attempts.begin_attempt``). Raises NotFound, RoundNotOpen,
    NotEligible, AttemptLimitReached, PoolTooSmall."""
    # The reads take no write lock on SQLite (``reading``); the INSERTs below re-check
    # what they relied on: a unique rule refuses a second attempt in progress and a
    # number already used, and the caller then takes the locked full path.
    with reading(db.session):
        version = shared_cache.version(shared_cache.QUIZ)
        round_ = _round(round_id, version)
        check_may_start(round_, user, now, practice=practice)
        mine = _core().execute(_MINE_QUERY, {"round_id": round_id, "user_id": user.id}).all()
        if any(row.status is AttemptStatus.in_progress for row in mine):
            return None
        used = max((row.number for row in mine if row.is_practice is practice), default=0)
        if not practice and used >= round_.max_attempts:
            raise AttemptLimitReached(
                _("Bạn đã dùng hết %(count)s lượt thi của đợt này.", count=round_.max_attempts)
            )
        seed = secrets.randbits(52)
        paper = build_paper(round_, seed, version=version)
    clock = attempt_clock.attempt_clock(
        requested_at,
        now,
        None,
        time_limit_minutes=round_.time_limit_minutes,
        closes_at=round_.closes_at,
    )
    attempt_id = _insert_attempt(
        round_id=round_id,
        participant_id=user.id,
        number=used + 1,
        is_practice=practice,
        seed=seed,
        status=AttemptStatus.in_progress,
        started_at=clock.started_at,
        deadline=clock.deadline,
        requested_at=requested_at,
        handed_out_at=now,
    )
    if attempt_id is None:
        return None
    _core().execute(
        _PAPER_INSERT, [{"attempt_id": attempt_id, "points": 1, **item} for item in paper]
    )
    return _body(attempt_id, round_, used + 1, practice, clock, now, paper)


_ATTEMPT_VALUES = (
    "round_id",
    "participant_id",
    "number",
    "is_practice",
    "seed",
    "status",
    "started_at",
    "deadline",
    "requested_at",
    "handed_out_at",
)
_ATTEMPT_INSERTS: dict[str, object] = {}


def _insert_attempt(**values) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: None when a unique rule (one attempt
    in progress, unique numbers) refused it, with the transaction still usable. The
    statement is built once per dialect."""
    dialect = db.session.get_bind().dialect.name
    stmt = _ATTEMPT_INSERTS.get(dialect)
    if stmt is None:
        table = Attempt.__table__
        stmt = _ATTEMPT_INSERTS[dialect] = (
            _insert(dialect)(table)
            .values({name: bindparam(name) for name in _ATTEMPT_VALUES})
            .on_conflict_do_nothing()
            .returning(table.c.id)
        )
    return _core().execute(stmt, values).scalar()


def _body(attempt_id, round_, number, practice, clock, now, paper) -> dict:
    return {
        "id": attempt_id,
        "round_id": round_.id,
        "number": number,
        "is_practice": practice,
        "status": AttemptStatus.in_progress.value,
        "started_at": iso(clock.started_at),
        "deadline": iso(clock.deadline),
        "server_time": iso(now),
        "grace_seconds": round_.grace_seconds,
        "questions": [
            {
                "id": q["question_id"],
                "position": q["position"],
                "text": q["text"],
                "multiple": len(q["correct_option_ids"]) > 1,
                "options": q["options"],
                "image": q["image"],
            }
            for q in paper
        ],
        "answers": {},
        "prediction": None,
        "prediction_text": round_.prediction_text,
    }


def confirm_receipt(
    attempt: Attempt,
    *,
    arrived_at: datetime,
    max_delay_seconds: float = attempt_clock.DEFAULT_MAX_DELAY_SECONDS,
) -> bool:
    """The client says the paper has arrived: the clock counts from now (bounded, see
    ``attempt_clock``). Only the first confirmation of an attempt in progress counts; a
    repeat, or one for a finished attempt, changes nothing. The caller has locked the
    attempt. A confirmation after the deadline comes too late to change it. Returns
    whether the clock moved."""
    if attempt.delivered_at is not None or attempt.is_finished or arrived_at >= attempt.deadline:
        return False
    attempt.delivered_at = arrived_at
    clock = attempt_clock.attempt_clock(
        attempt.requested_at or attempt.started_at,
        attempt.handed_out_at or attempt.started_at,
        arrived_at,
        time_limit_minutes=attempt.round.time_limit_minutes,
        closes_at=attempt.round.closes_at,
        max_delay_seconds=max_delay_seconds,
    )
    moved = clock.deadline > attempt.deadline
    if moved:  # the clock only ever gives time back
        attempt.started_at, attempt.deadline = clock.started_at, clock.deadline
    db.session.flush()
    return moved


_RECEIPT_QUERY = (
    select(
        Attempt.participant_id,
        Attempt.status,
        Attempt.started_at,
        Attempt.deadline,
        Attempt.requested_at,
        Attempt.handed_out_at,
        Attempt.delivered_at,
        Round.time_limit_minutes,
        Round.closes_at,
        Round.grace_seconds,
    )
    .join(Round, Round.id == Attempt.round_id)
    .where(Attempt.id == bindparam("attempt_id"))
    .with_for_update(of=Attempt)
)


# The receipt's one write, guarded by what its read saw (in progress, not yet confirmed,
# the deadline unchanged), so a read without a lock stays exact.
_RECEIPT_UPDATE = (
    Attempt.__table__.update()
    .where(
        Attempt.id == bindparam("attempt_id"),
        Attempt.status == AttemptStatus.in_progress,
        Attempt.delivered_at.is_(None),
        Attempt.deadline == bindparam("deadline_read"),
    )
    .values(
        delivered_at=bindparam("delivered_at", type_=Attempt.delivered_at.type),
        started_at=bindparam("started_at", type_=Attempt.started_at.type),
        deadline=bindparam("deadline", type_=Attempt.deadline.type),
    )
)


def confirm_own_receipt(
    attempt_id: int,
    user: User,
    *,
    arrived_at: datetime,
    max_delay_seconds: float = attempt_clock.DEFAULT_MAX_DELAY_SECONDS,
) -> dict | None:
    """``confirm_receipt`` on the rush's path: one read (locked on PostgreSQL, without the
    write lock on SQLite) and one UPDATE guarded by what it read, no ORM objects. Returns
    the clock's API body, or None for anything unusual (not the participant's, finished,
    already confirmed, past its deadline, changed since the read), which the caller sends
    through ``attempts.get_own_attempt`` and ``confirm_receipt``."""
    with reading(db.session):  # on SQLite without the write lock: the UPDATE re-checks
        head = _core().execute(_RECEIPT_QUERY, {"attempt_id": attempt_id}).first()
    if (
        head is None
        or head.participant_id != user.id
        or head.status is not AttemptStatus.in_progress
        or head.delivered_at is not None
        or arrived_at >= head.deadline
    ):
        return None
    clock = attempt_clock.attempt_clock(
        head.requested_at or head.started_at,
        head.handed_out_at or head.started_at,
        arrived_at,
        time_limit_minutes=head.time_limit_minutes,
        closes_at=head.closes_at,
        max_delay_seconds=max_delay_seconds,
    )
    values = {"delivered_at": arrived_at, "started_at": head.started_at, "deadline": head.deadline}
    if clock.deadline > head.deadline:  # the clock only ever gives time back
        values.update(started_at=clock.started_at, deadline=clock.deadline)
    updated = _core().execute(
        _RECEIPT_UPDATE, {"attempt_id": attempt_id, "deadline_read": head.deadline, **values}
    )
    if updated.rowcount != 1:  # changed since the read (a submit, another receipt)
        return None
    return {
        "id": attempt_id,
        "status": AttemptStatus.in_progress.value,
        "started_at": iso(values["started_at"]),
        "deadline": iso(values["deadline"]),
        "delivered_at": iso(arrived_at),
        "grace_seconds": head.grace_seconds,
    }
