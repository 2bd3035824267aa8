"""What a round's result depends on, loaded as plain data, and its hash.

``load_inputs`` reads the round's ranked attempts straight from the driver (a round can
have a million) with its settings; ``inputs_hash`` is the SHA-256 of all of it, so closing
again with the same inputs stores nothing (``result_closing``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter

from sqlalchemy import String, and_, case, func, select, type_coerce

from contest.extensions import db
from contest.models import Attempt, AttemptStatus, Role, Round, Unit, User
from contest.models.results import Disqualification, ResultRow
from contest.services import answer_keys, exclusions, prizes, ranking, result_pages
from contest.services.errors import ValidationFailed
from contest.services.i18n import _

FINISHED = (AttemptStatus.submitted, AttemptStatus.expired)


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
    # Revised answer keys the round served: {question version: revision} (answer_keys).
    keys: dict[int, int] | None = None


def _finished_ranked(round_id: int):
    return and_(
        Attempt.round_id == round_id, Attempt.is_practice.is_(False), Attempt.status.in_(FINISHED)
    )


def load_inputs(round_: Round) -> Inputs:
    """Load the round's ranked entries and settings.

    For each participant (role ``participant`` only: staff never rank) only the finished
    ranked attempts reaching their top score are loaded — every ranking preset starts
    with the score, so no other attempt can be their best — together with their number
    of finished ranked attempts and whether one of them was perfect. Excluded (the
    round's and its contest's exclusion list, ``exclusions``) and disqualified
    participants are left out here. Submission times are naive UTC (read
    without the ORM's per-value conversion: a round can have a million attempts).
    Raises ValidationFailed (the round's prize options are not valid).
    """
    excluded = exclusions.excluded_ids(round_.contest, round_)
    disqualified = frozenset(
        db.session.scalars(
            select(Disqualification.participant_id).where(Disqualification.round_id == round_.id)
        )
    )
    rows = _fetch_rows(round_.id)
    digest = rows_digest(rows)
    entries, summaries, counts, profile = _entries_of(rows, excluded | disqualified)
    del rows
    options = _prize_options(round_)
    return Inputs(
        entries=entries,
        summaries=summaries,
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
        keys=answer_keys.revisions_served(round_.id),
    )


def _best_attempts(round_id: int):
    """Each participant's finished ranked attempts at their top score, with their number
    of such attempts, whether one was perfect, and their unit and category.

    One pass: window aggregates per participant over the round's finished ranked attempts,
    then only the rows at the participant's top score (on PostgreSQL 1.2 s for a million
    attempts, where an aggregate joined back to the attempts took 1.75 s)."""
    per = {"partition_by": Attempt.participant_id}
    perfect = case((and_(Attempt.score == Attempt.total, Attempt.total > 0), 1), else_=0)
    ranked = (
        select(
            Attempt.id,
            Attempt.participant_id,
            Attempt.score,
            Attempt.total,
            Attempt.prediction,
            Attempt.duration_ms,
            type_coerce(Attempt.submitted_at, String).label("submitted"),
            func.max(Attempt.score).over(**per).label("top"),
            func.count(Attempt.id).over(**per).label("n"),
            func.max(perfect).over(**per).label("perfect"),
        )
        .where(_finished_ranked(round_id))
        .subquery("ranked")
    )
    c = ranked.c
    return (
        select(
            c.id,
            c.participant_id,
            c.score,
            c.total,
            c.prediction,
            c.duration_ms,
            c.submitted,
            c.n,
            c.perfect,
            User.unit_id,
            User.category_id,
        )
        .join(User, User.id == c.participant_id)
        .where(c.score == c.top, User.role == Role.participant)
    )


def _fetch_rows(round_id: int) -> list[tuple]:
    """``_best_attempts`` straight from the driver: plain tuples, no per-value conversion
    (the statement holds only the round id and fixed enum values, rendered inline)."""
    connection = db.session.connection()
    sql = str(
        _best_attempts(round_id).compile(
            dialect=connection.dialect, compile_kwargs={"literal_binds": True}
        )
    )
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
        return cursor.fetchall()
    finally:
        cursor.close()


def _entries_of(
    rows: list[tuple], skip: frozenset[int]
) -> tuple[
    list[ranking.Entry],
    list[ranking.ParticipantSummary],
    dict[int, int],
    dict[int, tuple[int | None, int | None]],
]:
    """Entries, summaries, attempt counts and (unit, category) of every participant not in
    ``skip``, from the driver's rows. The hot loop of a close: a million rows."""
    entries: list[ranking.Entry] = []
    summaries: dict[int, ranking.ParticipantSummary] = {}
    counts: dict[int, int] = {}
    profile: dict[int, tuple[int | None, int | None]] = {}
    Entry, Summary = ranking.Entry, ranking.ParticipantSummary  # noqa: N806 (hot loop)
    parse = datetime.fromisoformat
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
    return entries, list(summaries.values()), counts, profile


def _prize_options(round_: Round) -> prizes.PrizeOptions:
    """The round's prize options. Raises ValidationFailed."""
    try:
        return prizes.PrizeOptions.from_dict(round_.prize_options)
    except prizes.InvalidPrizeOptions as exc:
        raise ValidationFailed(
            {"prize_options": str(exc)}, _("Cài đặt giải thưởng của đợt thi chưa hợp lệ.")
        ) from exc


def earlier_winners(round_: Round) -> set[int]:
    """Participants with an individual prize in an earlier round of the same contest
    (by each earlier round's published result, or its newest one if none is published).
    Only rounds of the same funnel level count: each level's prizes stand apart."""
    earlier = [
        r
        for r in round_.contest.rounds
        if (r.opens_at, r.id) < (round_.opens_at, round_.id)
        and r.funnel_level == round_.funnel_level
    ]
    winners: set[int] = set()
    for r in earlier:
        result = result_pages.published_result(r.id) or result_pages.current_result(r.id)
        if result is not None:
            winners.update(
                db.session.scalars(
                    select(ResultRow.participant_id).where(
                        ResultRow.result_id == result.id, ResultRow.prize.is_not(None)
                    )
                )
            )
    return winners


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
    if inputs.keys:  # absent when no key was revised: earlier hashes stay the same
        head["keys"] = sorted(inputs.keys.items())
    return hashlib.sha256(json.dumps(head, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def rows_digest(rows: list[tuple]) -> str:
    """SHA-256 of attempt rows as loaded (attempt id first, so sorting them is canonical);
    ``repr`` of plain tuples runs in C, a line-by-line format did not."""
    rows.sort(key=itemgetter(0))
    h = hashlib.sha256()
    for start in range(0, len(rows), 20_000):
        h.update(repr(rows[start : start + 20_000]).encode())
    return h.hexdigest()
