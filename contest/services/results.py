"""Round results in the database: close a round, store and publish its result,
disqualify participants, and read results for pages and exports.

The rules themselves live in the pure modules ``ranking`` and ``prizes``; this module
loads their inputs, stores their outputs, and keeps the history honest:

* ``close_round`` finalises every open attempt, freezes the actual value, ranks, allocates
  the prizes and stores a new ``RoundResult`` version with one ``ResultRow`` per ranked
  participant and a SHA-256 of every input. Closing again with the same inputs stores
  nothing; with different inputs (a disqualification, a changed setting) it stores a new
  version, records what changed and writes the audit log.
* The public sees only a version an organiser published (``publish_result``); a newer
  version stays a draft until it is published in turn, so a published result never
  changes silently.

Functions flush; the caller commits. They take an explicit ``actor`` and ``now``.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from operator import itemgetter

from sqlalchemy import String, and_, case, delete, func, select, type_coerce
from sqlalchemy.exc import IntegrityError

from contest.extensions import db
from contest.models import (
    Attempt,
    AttemptStatus,
    Category,
    PredictionTarget,
    Role,
    Round,
    Unit,
    User,
)
from contest.models.results import Disqualification, ResultRow, RoundResult
from contest.services import attempts as attempts_service
from contest.services import audit, prizes, ranking
from contest.services.errors import (  # noqa: F401 (raised here; callers catch them as essays.X)
    ActualValueNeeded,
    Conflict,
    DomainError,
    NotFound,
    ResultNotReady,
    ResultOutdated,
    RoundStillOpen,
    ValidationFailed,
)

FINISHED = (AttemptStatus.submitted, AttemptStatus.expired)
MAX_LISTED_CHANGES = 200


# --- loading the inputs ---------------------------------------------------------------


@dataclass
class Inputs:
    """Everything a result depends on, as plain data."""

    entries: list[ranking.Entry]
    summaries: list[ranking.ParticipantSummary]
    counts: dict[int, int]
    profile: dict[int, tuple[int | None, int | None]]  # participant → (unit, category)
    excluded: frozenset[int]
    disqualified: frozenset[int]
    earlier_winners: frozenset[int]
    headcounts: dict[int, int | None]
    tiers: list[prizes.Tier]
    options: prizes.PrizeOptions
    preset: str
    target: str
    rows_digest: str = ""


def _finished_ranked(round_id: int):
    return and_(
        Attempt.round_id == round_id, Attempt.is_practice.is_(False), Attempt.status.in_(FINISHED)
    )


def load_inputs(round_: Round) -> Inputs:
    """Load the round's ranked entries and settings.

    For each participant (role ``participant`` only: staff never rank) only the finished
    ranked attempts reaching their top score are loaded — every ranking preset starts
    with the score, so no other attempt can be their best — together with their number
    of finished ranked attempts and whether one of them was perfect. Excluded and
    disqualified participants are left out here. Submission times are naive UTC (read
    without the ORM's per-value conversion: a round can have a million attempts).
    """
    agg = (
        select(
            Attempt.participant_id.label("pid"),
            func.max(Attempt.score).label("top"),
            func.count(Attempt.id).label("n"),
            func.max(
                case((and_(Attempt.score == Attempt.total, Attempt.total > 0), 1), else_=0)
            ).label("perfect"),
        )
        .where(_finished_ranked(round_.id))
        .group_by(Attempt.participant_id)
        .cte("agg")
    )
    stmt = (
        select(
            Attempt.id,
            Attempt.participant_id,
            Attempt.score,
            Attempt.total,
            Attempt.prediction,
            Attempt.duration_ms,
            type_coerce(Attempt.submitted_at, String),
            agg.c.n,
            agg.c.perfect,
            User.unit_id,
            User.category_id,
        )
        .join(agg, and_(agg.c.pid == Attempt.participant_id, Attempt.score == agg.c.top))
        .join(User, User.id == Attempt.participant_id)
        .where(_finished_ranked(round_.id), User.role == Role.participant)
    )
    excluded = frozenset(int(x) for x in round_.excluded_user_ids or ())
    disqualified = frozenset(
        db.session.scalars(
            select(Disqualification.participant_id).where(Disqualification.round_id == round_.id)
        )
    )
    skip = excluded | disqualified
    entries: list[ranking.Entry] = []
    summaries: dict[int, ranking.ParticipantSummary] = {}
    counts: dict[int, int] = {}
    profile: dict[int, tuple[int | None, int | None]] = {}
    Entry, Summary = ranking.Entry, ranking.ParticipantSummary  # noqa: N806 (hot loop)
    parse = datetime.fromisoformat
    # Straight from the driver: plain tuples, no per-value conversion (the statement
    # holds only the round id and fixed enum values, rendered inline).
    connection = db.session.connection()
    sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.driver_connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            # One big aggregate and join: hash them in memory (the 4 MB default spills
            # and makes parallel workers each recompute the aggregate); JIT only adds
            # compile time here. SET LOCAL: this transaction only.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    digest = rows_digest(rows)
    for (
        aid,
        pid,
        score,
        total,
        prediction,
        duration,
        submitted,
        n,
        perfect,
        unit_id,
        category_id,
    ) in rows:
        if pid in skip:
            continue
        if submitted.__class__ is str:  # SQLite stores text
            submitted = parse(submitted)
        elif submitted.tzinfo is not None:
            submitted = submitted.astimezone(UTC).replace(tzinfo=None)
        entries.append(Entry(aid, pid, score, total, prediction, duration, submitted))
        if pid not in summaries:
            summaries[pid] = Summary(pid, n, bool(perfect))
            counts[pid] = n
            profile[pid] = (unit_id, category_id)
    del rows
    try:
        options = prizes.PrizeOptions.from_dict(round_.prize_options)
    except prizes.InvalidPrizeOptions as exc:
        raise ValidationFailed(
            {"prize_options": str(exc)}, "Cài đặt giải thưởng của đợt thi chưa hợp lệ."
        ) from exc
    return Inputs(
        entries=entries,
        summaries=list(summaries.values()),
        counts=counts,
        profile=profile,
        excluded=excluded,
        disqualified=disqualified,
        earlier_winners=frozenset(earlier_winners(round_))
        if options.once_per_contest
        else frozenset(),
        headcounts=dict(db.session.execute(select(Unit.id, Unit.headcount)).all()),
        tiers=prizes.tiers_from(round_.prize_tiers),
        options=options,
        preset=round_.tie_break.value,
        target=round_.prediction_target.value,
        rows_digest=digest,
    )


def earlier_winners(round_: Round) -> set[int]:
    """Participants with an individual prize in an earlier round of the same contest
    (by each earlier round's published result, or its newest one if none is published)."""
    earlier = [
        r for r in round_.contest.rounds if (r.opens_at, r.id) < (round_.opens_at, round_.id)
    ]
    winners: set[int] = set()
    for r in earlier:
        result = published_result(r.id) or current_result(r.id)
        if result is not None:
            winners.update(
                db.session.scalars(
                    select(ResultRow.participant_id).where(
                        ResultRow.result_id == result.id, ResultRow.prize.is_not(None)
                    )
                )
            )
    return winners


# --- computing ----------------------------------------------------------------------------


@dataclass
class Computed:
    actual: int | None
    facts: ranking.RoundFacts
    ranked: list[ranking.Ranked]
    allocation: prizes.Allocation
    collective: list[dict]
    inputs_hash: str
    settings: dict
    profile: dict[int, tuple[int | None, int | None]]


def compute(inputs: Inputs, *, manual: int | None = None) -> Computed:
    """Rank, allocate and hash, from loaded inputs. Raises ActualValueNeeded."""
    facts = ranking.facts_of(inputs.summaries)
    try:
        actual = ranking.actual_value(inputs.target, facts, manual)
    except ranking.ActualValueRequired as exc:
        raise ActualValueNeeded() from exc
    ranked = ranking.rank(inputs.entries, inputs.preset, actual, inputs.counts)
    profile = inputs.profile
    contenders = (
        prizes.Contender(r.entry.participant_id, r.entry.score, profile[r.entry.participant_id][1])
        for r in ranked
    )
    allocation = prizes.allocate(
        contenders,
        inputs.tiers,
        inputs.options,
        earlier_winners=inputs.earlier_winners,
        ineligible=inputs.excluded | inputs.disqualified,
        participants=len(ranked),
    )
    collective = _collective(ranked, inputs)
    settings = {
        "tiers": [
            {"name": t.name, "count": t.count, **({"collective": True} if t.collective else {})}
            for t in inputs.tiers
        ],
        "options": inputs.options.to_dict(),
        "excluded": sorted(inputs.excluded),
        "disqualified": sorted(inputs.disqualified),
        "earlier_winners": len(inputs.earlier_winners),
        "facts": {
            "participants": facts.participants,
            "attempts": facts.attempts,
            "perfect_participants": facts.perfect_participants,
        },
        "cap": allocation.cap,
    }
    return Computed(
        actual,
        facts,
        ranked,
        allocation,
        collective,
        inputs_hash(inputs, actual),
        settings,
        inputs.profile,
    )


def _collective(ranked: list[ranking.Ranked], inputs: Inputs) -> list[dict]:
    tallies: dict[int, list[int]] = {}
    for r in ranked:
        unit_id = inputs.profile[r.entry.participant_id][0]
        if unit_id is None:
            continue
        t = tallies.setdefault(unit_id, [0, 0, 0])
        t[0] += 1
        t[1] += r.entry.score
        t[2] += r.attempts
    records = [
        ranking.UnitTally(uid, p, s, a, inputs.headcounts.get(uid))
        for uid, (p, s, a) in tallies.items()
    ]
    method = inputs.options.collective_method
    ordered = ranking.rank_units(records, method, inputs.options.points_top)
    awards = prizes.allocate_collective(
        [u.tally.unit_id for u in ordered if u.rank is not None], inputs.tiers
    )
    out = []
    for u in ordered:
        award = awards.get(u.tally.unit_id)
        out.append(
            {
                "unit_id": u.tally.unit_id,
                "rank": u.rank,
                "participants": u.tally.participants,
                "total_score": u.tally.total_score,
                "attempts": u.tally.attempts,
                "headcount": u.tally.headcount,
                "rate": None if u.tally.rate is None else round(u.tally.rate, 6),
                "points": u.points,
                "breakdown": list(u.breakdown),
                "prize": award.tier_name if award else None,
            }
        )
    return out


def inputs_hash(inputs: Inputs, actual: int | None) -> str:
    """SHA-256 over every input of the result: the settings, then the digest of the
    loaded attempt rows (``Inputs.rows_digest``)."""
    head = {
        "preset": inputs.preset,
        "target": inputs.target,
        "actual": actual,
        "tiers": [[t.name, t.count, t.collective] for t in inputs.tiers],
        "options": inputs.options.to_dict(),
        "excluded": sorted(inputs.excluded),
        "disqualified": sorted(inputs.disqualified),
        "earlier_winners": sorted(inputs.earlier_winners),
        "headcounts": sorted((k, v) for k, v in inputs.headcounts.items() if v is not None),
        "rows": inputs.rows_digest,
    }
    return hashlib.sha256(json.dumps(head, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def rows_digest(rows: list[tuple]) -> str:
    """SHA-256 of attempt rows as loaded (attempt id first, so sorting them is canonical);
    ``repr`` of plain tuples runs in C, a line-by-line format did not."""
    rows.sort(key=itemgetter(0))
    h = hashlib.sha256()
    for start in range(0, len(rows), 20_000):
        h.update(repr(rows[start : start + 20_000]).encode())
    return h.hexdigest()


# --- closing --------------------------------------------------------------------------------


@dataclass
class CloseOutcome:
    result: RoundResult
    created: bool  # False: the inputs were unchanged, nothing stored
    changes: dict = field(default_factory=dict)
    finalised: int = 0


def close_round(
    round_: Round, *, actor: User | None, now: datetime, actual: int | None = None
) -> CloseOutcome:
    """Close the round (or recompute a closed one) and store its result.

    Finalises every attempt still open (from its saved answers), freezes the actual value
    (``actual`` is needed — and only accepted — for the ``manual`` target; a manual value
    frozen earlier is kept when none is given), ranks and allocates the prizes. Raises
    RoundStillOpen (before closing time and grace), ActualValueNeeded, ValidationFailed
    (``actual`` given for a computed target, or bad prize options), Conflict (a
    concurrent close).
    """
    round_ = db.session.scalar(
        select(Round)
        .where(Round.id == round_.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if round_.closed_at is None and now < round_.closes_at + timedelta(
        seconds=round_.grace_seconds
    ):
        raise RoundStillOpen()
    manual_target = round_.prediction_target is PredictionTarget.manual
    if actual is not None and not manual_target:
        raise ValidationFailed(
            {"actual": "Đáp án câu dự đoán của đợt này được tính tự động."},
            "Đáp án câu dự đoán của đợt này được tính tự động, không nhập tay.",
        )
    if actual is not None and not (0 <= actual <= attempts_service.MAX_PREDICTION):
        raise ValidationFailed(
            {"actual": "Đáp án phải là số nguyên không âm."},
            "Đáp án câu dự đoán phải là số nguyên không âm.",
        )
    if manual_target and actual is None:
        actual = round_.actual_value
    finalised = attempts_service.finalise_overdue(now, round_.id, include_open=True)
    if round_.closed_at is None:
        round_.closed_at = now
    with _cyclic_gc_paused():
        computed = compute(load_inputs(round_), manual=actual)
    previous = current_result(round_.id)
    round_.actual_value = computed.actual
    if previous is not None and previous.inputs_hash == computed.inputs_hash:
        audit.record(
            actor,
            "round.reclose",
            "round",
            round_.id,
            now=now,
            version=previous.version,
            changed=False,
        )
        db.session.flush()
        return CloseOutcome(previous, False, {}, finalised)

    result = RoundResult(
        round_id=round_.id,
        version=(previous.version + 1) if previous else 1,
        actual_value=computed.actual,
        tie_break=round_.tie_break.value,
        prediction_target=round_.prediction_target.value,
        inputs_hash=computed.inputs_hash,
        participants=len(computed.ranked),
        winners=len(computed.allocation.awards),
        settings=computed.settings,
        collective=computed.collective,
        changes={},
        created_at=now,
        created_by_id=actor.id if actor else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(result)
            db.session.flush()
    except IntegrityError:
        raise Conflict("Đợt thi đang được đóng ở một phiên khác. Vui lòng tải lại trang.") from None
    with _cyclic_gc_paused():
        _store_rows(result.id, computed)
        changes = _diff(previous, result, computed) if previous is not None else {}
    result.changes = changes
    _prune(round_.id, keep=result.id)
    audit.record(
        actor,
        "round.close" if previous is None else "round.reclose",
        "round",
        round_.id,
        now=now,
        version=result.version,
        inputs_hash=computed.inputs_hash,
        participants=result.participants,
        winners=result.winners,
        actual_value=computed.actual,
        finalised=finalised,
        changed=True,
        prize_changes=changes.get("prize_changes_total", 0),
        removed=changes.get("removed_total", 0),
    )
    db.session.flush()
    return CloseOutcome(result, True, changes, finalised)


@contextmanager
def _cyclic_gc_paused():
    """Pause the cyclic garbage collector while a ranking's millions of short-lived,
    acyclic tuples are built (its repeated scans cost ~15 % of a large close); reference
    counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


ROW_COLUMNS = (
    "result_id",
    "rank",
    "participant_id",
    "attempt_id",
    "score",
    "total",
    "prediction",
    "distance",
    "duration_ms",
    "submitted_at",
    "attempts",
    "unit_id",
    "category_id",
    "prize_tier",
    "prize",
    "decided_by",
    "note",
)
ROW_PG_TYPES = (
    "int4",
    "int4",
    "int4",
    "int8",
    "int4",
    "int4",
    "int8",
    "int8",
    "int8",
    "timestamp",
    "int4",
    "int4",
    "int4",
    "int4",
    "varchar",
    "varchar",
    "varchar",
)


def _row_tuples(result_id: int, computed: Computed, timestamp) -> Iterator[tuple]:
    """One tuple per ranked participant, in ROW_COLUMNS order; ``timestamp`` turns the
    submission time into what the driver stores."""
    awards, skipped = computed.allocation.awards, computed.allocation.skipped
    profile = computed.profile
    for rank_, e, attempts_, distance_, decided in computed.ranked:
        pid = e[1]
        award = awards.get(pid)
        unit_id, category_id = profile[pid]
        yield (
            result_id,
            rank_,
            pid,
            e[0],
            e[2],
            e[3],
            e[4],
            distance_,
            e[5],
            timestamp(e[6]),
            attempts_,
            unit_id,
            category_id,
            award.tier_index if award else None,
            award.tier_name if award else None,
            decided,
            skipped.get(pid),
        )


def _store_rows(result_id: int, computed: Computed) -> None:
    """Write the result rows in bulk on the session's connection (so in its transaction):
    COPY on PostgreSQL, executemany on SQLite; both several times faster than ORM inserts
    for 10^5 rows. Submission times are stored as naive UTC, like UTCDateTime does."""
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with (
            raw.cursor() as cursor,
            cursor.copy(
                f"COPY result_rows ({', '.join(ROW_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.set_types(ROW_PG_TYPES)
            for row in _row_tuples(result_id, computed, _naive_utc):
                copy.write_row(row)
        return
    placeholders = ", ".join("?" * len(ROW_COLUMNS))
    sql = f"INSERT INTO result_rows ({', '.join(ROW_COLUMNS)}) VALUES ({placeholders})"
    rows = _row_tuples(result_id, computed, lambda v: _naive_utc(v).isoformat(" ", "microseconds"))
    cursor = raw.cursor()
    try:
        while batch := list(islice(rows, 50_000)):
            cursor.executemany(sql, batch)
    finally:
        cursor.close()


def _naive_utc(value: datetime) -> datetime:
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def _diff(previous: RoundResult, result: RoundResult, computed: Computed) -> dict:
    """What changed from ``previous`` to the new result (participant ids, no PII)."""
    before = {
        pid: (rank, prize)
        for pid, rank, prize in db.session.execute(
            select(ResultRow.participant_id, ResultRow.rank, ResultRow.prize).where(
                ResultRow.result_id == previous.id
            )
        )
    }
    awards = computed.allocation.awards
    prize_changes, rank_changes, added = [], 0, 0
    after_ids = set()
    for r in computed.ranked:
        pid = r.entry.participant_id
        after_ids.add(pid)
        award = awards.get(pid)
        prize = award.tier_name if award else None
        old = before.get(pid)
        if old is None:
            added += 1
            if prize is not None:
                prize_changes.append(
                    {
                        "participant_id": pid,
                        "before": None,
                        "after": prize,
                        "rank_before": None,
                        "rank_after": r.rank,
                    }
                )
            continue
        if old[0] != r.rank:
            rank_changes += 1
        if old[1] != prize:
            prize_changes.append(
                {
                    "participant_id": pid,
                    "before": old[1],
                    "after": prize,
                    "rank_before": old[0],
                    "rank_after": r.rank,
                }
            )
    removed = [pid for pid in before if pid not in after_ids]
    for pid in removed:
        if before[pid][1] is not None:
            prize_changes.append(
                {
                    "participant_id": pid,
                    "before": before[pid][1],
                    "after": None,
                    "rank_before": before[pid][0],
                    "rank_after": None,
                }
            )
    prize_changes.sort(key=lambda c: c["rank_before"] or c["rank_after"] or 0)
    return {
        "previous_version": previous.version,
        "previous_published": previous.is_published,
        "actual": [previous.actual_value, result.actual_value],
        "participants": [previous.participants, result.participants],
        "prize_changes": prize_changes[:MAX_LISTED_CHANGES],
        "prize_changes_total": len(prize_changes),
        "rank_changes": rank_changes,
        "added": added,
        "removed": sorted(removed)[:MAX_LISTED_CHANGES],
        "removed_total": len(removed),
        "settings_changed": previous.settings.get("tiers") != result.settings.get("tiers")
        or previous.settings.get("options") != result.settings.get("options"),
    }


def _prune(round_id: int, *, keep: int) -> None:
    """Drop the rows of versions nobody can see any more: keep the newest version and the
    newest published one (version headers stay, with their hashes and changes)."""
    published = published_result(round_id)
    keep_ids = {keep} | ({published.id} if published else set())
    stale = select(RoundResult.id).where(
        RoundResult.round_id == round_id, RoundResult.id.not_in(keep_ids)
    )
    db.session.execute(delete(ResultRow).where(ResultRow.result_id.in_(stale)))


# --- publishing and disqualifying ------------------------------------------------------------


def publish_result(
    round_: Round, result_id: int, *, actor: User | None, now: datetime
) -> RoundResult:
    """Publish the round's newest result. ``result_id`` is the version the organiser saw;
    if a newer one exists, raises ResultOutdated. Raises ResultNotReady."""
    result = current_result(round_.id)
    if result is None:
        raise ResultNotReady()
    if result.id != result_id:
        raise ResultOutdated()
    if result.published_at is None:
        result.published_at, result.published_by_id = now, actor.id if actor else None
        audit.record(
            actor,
            "result.publish",
            "round",
            round_.id,
            now=now,
            version=result.version,
            inputs_hash=result.inputs_hash,
            winners=result.winners,
        )
        db.session.flush()
    return result


def disqualify(
    round_: Round, participant_id: int, reason: str, *, actor: User | None, now: datetime
) -> CloseOutcome | None:
    """Disqualify a participant in a round with a reason (kept in the audit log). A closed
    round is recomputed at once; returns that outcome (None for a round not closed yet).
    Raises ValidationFailed (no reason, unknown participant), Conflict (already)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed({"reason": "Vui lòng nhập lý do truất quyền."})
    if len(reason) > 1000:
        raise ValidationFailed({"reason": "Lý do dài tối đa 1.000 ký tự."})
    user = db.session.get(User, participant_id)
    if user is None:
        raise ValidationFailed({"participant_id": "Không tìm thấy người dự thi."})
    exists = db.session.scalar(
        select(Disqualification.id).where(
            Disqualification.round_id == round_.id,
            Disqualification.participant_id == participant_id,
        )
    )
    if exists is not None:
        raise Conflict("Người dự thi này đã bị truất quyền trong đợt thi.")
    db.session.add(
        Disqualification(
            round_id=round_.id,
            participant_id=participant_id,
            reason=reason,
            created_at=now,
            created_by_id=actor.id if actor else None,
        )
    )
    audit.record(
        actor,
        "result.disqualify",
        "round",
        round_.id,
        now=now,
        participant_id=participant_id,
        reason=reason,
    )
    db.session.flush()
    if current_result(round_.id) is None:
        return None
    return close_round(round_, actor=actor, now=now)


def reinstate(
    round_: Round, participant_id: int, *, actor: User | None, now: datetime
) -> CloseOutcome | None:
    """Undo a disqualification (audited) and recompute a closed round. Raises NotFound."""
    row = db.session.scalar(
        select(Disqualification).where(
            Disqualification.round_id == round_.id,
            Disqualification.participant_id == participant_id,
        )
    )
    if row is None:
        raise NotFound("Người dự thi này không bị truất quyền trong đợt thi.")
    db.session.delete(row)
    audit.record(
        actor, "result.reinstate", "round", round_.id, now=now, participant_id=participant_id
    )
    db.session.flush()
    if current_result(round_.id) is None:
        return None
    return close_round(round_, actor=actor, now=now)


# --- reading ---------------------------------------------------------------------------------


def current_result(round_id: int) -> RoundResult | None:
    """The newest result version of the round (the organisers' working result)."""
    return db.session.scalar(
        select(RoundResult)
        .where(RoundResult.round_id == round_id)
        .order_by(RoundResult.version.desc())
        .limit(1)
    )


def published_result(round_id: int) -> RoundResult | None:
    """The newest published version: what the public sees."""
    return db.session.scalar(
        select(RoundResult)
        .where(RoundResult.round_id == round_id, RoundResult.published_at.is_not(None))
        .order_by(RoundResult.version.desc())
        .limit(1)
    )


def list_versions(round_id: int) -> list[RoundResult]:
    return list(
        db.session.scalars(
            select(RoundResult)
            .where(RoundResult.round_id == round_id)
            .order_by(RoundResult.version.desc())
        )
    )


def list_disqualifications(round_id: int) -> list[Disqualification]:
    return list(
        db.session.scalars(
            select(Disqualification)
            .where(Disqualification.round_id == round_id)
            .order_by(Disqualification.created_at)
        )
    )


def _filtered(stmt, unit_ids: Iterable[int] | None, category_id: int | None):
    if unit_ids is not None:
        stmt = stmt.where(ResultRow.unit_id.in_(list(unit_ids)))
    if category_id is not None:
        stmt = stmt.where(ResultRow.category_id == category_id)
    return stmt


def list_rows(
    result: RoundResult,
    *,
    unit_ids: Iterable[int] | None = None,
    category_id: int | None = None,
    winners_only: bool = False,
    page: int = 1,
    per_page: int = 100,
) -> tuple[list[tuple[ResultRow, User]], int]:
    """One page of the ranking (rows with their participant) and the total count."""
    unit_ids = None if unit_ids is None else list(unit_ids)
    base = select(ResultRow).where(ResultRow.result_id == result.id)
    if winners_only:
        base = base.where(ResultRow.prize.is_not(None))
    base = _filtered(base, unit_ids, category_id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.execute(
        base.add_columns(User)
        .join(User, User.id == ResultRow.participant_id)
        .order_by(ResultRow.rank)
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    ).all()
    return [(r, u) for r, u in rows], total


def winners(result: RoundResult) -> list[tuple[ResultRow, User]]:
    """The prize winners of a result in ranking order, with their participant."""
    return [
        (r, u)
        for r, u in db.session.execute(
            select(ResultRow, User)
            .join(User, User.id == ResultRow.participant_id)
            .where(ResultRow.result_id == result.id, ResultRow.prize.is_not(None))
            .order_by(ResultRow.rank)
        )
    ]


def row_of(result: RoundResult, participant_id: int) -> ResultRow | None:
    return db.session.scalar(
        select(ResultRow).where(
            ResultRow.result_id == result.id, ResultRow.participant_id == participant_id
        )
    )


def row_at(result: RoundResult, rank: int) -> ResultRow | None:
    return db.session.scalar(
        select(ResultRow).where(ResultRow.result_id == result.id, ResultRow.rank == rank)
    )


def published_row_of(round_id: int, participant_id: int) -> ResultRow | None:
    """The participant's row in the published result (None: not published or not ranked)."""
    result = published_result(round_id)
    return row_of(result, participant_id) if result is not None else None


def unit_paths() -> dict[int, str]:
    """Unit id → 'Parent / Child' path, from one query."""
    rows = {
        uid: (name, parent)
        for uid, name, parent in db.session.execute(select(Unit.id, Unit.name, Unit.parent_id))
    }
    paths: dict[int, str] = {}

    def path(uid: int, depth: int = 0) -> str:
        if uid in paths:
            return paths[uid]
        name, parent = rows[uid]
        text = (
            name
            if parent is None or parent not in rows or depth > 20
            else (f"{path(parent, depth + 1)} / {name}")
        )
        paths[uid] = text
        return text

    for uid in rows:
        path(uid)
    return paths


def unit_names() -> dict[int, str]:
    return dict(db.session.execute(select(Unit.id, Unit.name)).all())


def category_names() -> dict[int, str]:
    return dict(db.session.execute(select(Category.id, Category.name)).all())


# --- explaining --------------------------------------------------------------------------------


def chain_text(tie_break: str) -> list[str]:
    """The ranking chain of a preset in plain words (the rules page's wording)."""
    return ranking.chain_text(tie_break)


def explain(row: ResultRow, result: RoundResult) -> str:
    """Why a row ranks where it does, in plain Vietnamese: its keys, and the first key of
    the chain that puts it above the next participant."""
    from contest.services.formatting import format_duration

    parts = [f"Đúng {row.score}/{row.total} câu"]
    chain = ranking.chain_of(result.tie_break)
    if "prediction" in chain:
        if row.prediction is None:
            parts.append("không trả lời câu dự đoán")
        else:
            parts.append(f"dự đoán {row.prediction:,} (lệch {row.distance:,})".replace(",", "."))
    if "duration" in chain or "prediction" not in chain:
        parts.append(f"thời gian làm bài {format_duration(row.duration_ms)}")
    if "attempts" in chain:
        parts.append(f"{row.attempts} lượt thi")
    text = "; ".join(parts) + "."
    if row.decided_by is not None:
        text += f" Xếp trên người hạng {row.rank + 1} vì {ranking.decided_text(row.decided_by)}."
    return text


def skip_text(code: str | None) -> str:
    return prizes.SKIP_TEXT.get(code or "", "")


def round_results_overview(round_ids: list[int]) -> dict[int, dict]:
    """Per round: newest version, whether it is published, and whether a newer draft
    waits for publication."""
    out: dict[int, dict] = {rid: {"current": None, "published": None} for rid in round_ids}
    if not round_ids:
        return out
    for result in db.session.scalars(
        select(RoundResult).where(RoundResult.round_id.in_(round_ids)).order_by(RoundResult.version)
    ):
        out[result.round_id]["current"] = result
        if result.published_at is not None:
            out[result.round_id]["published"] = result
    return out


def save_prize_options(
    round_: Round, options: prizes.PrizeOptions, *, actor: User | None, now: datetime
) -> None:
    """Store the round's prize options (audited). A closed round must be recomputed for
    them to take effect (``close_round``)."""
    round_.prize_options = options.to_dict()
    audit.record(
        actor, "round.prize_options", "round", round_.id, now=now, options=round_.prize_options
    )
    db.session.flush()
