"""A round's ranking read in the database's order and decided by the pure rule.

The database sorts the round's candidate attempts (each eligible participant's finished
ranked attempts at their top score) by the round's chain (``SQL_ORDER``: the SQL mirror
of each ranking key), and ``ranking.rank_sorted`` decides in one streaming pass: it
computes every attempt's key with the pure code, checks that each is greater than the one
before, keeps each participant's first attempt as their best and numbers the ranks. When
the database's order is not the pure order (a collation, a stored time in another
format), the same attempts are sorted by ``ranking.rank`` instead: the result is the same
either way, only slower.

Rows come straight from the driver (a round can have a million attempts), as plain
tuples; submission times end up naive UTC.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter

from sqlalchemy import String, and_, case, func, select, type_coerce
from sqlalchemy.sql import ColumnElement

from contest.extensions import db
from contest.models import Attempt, AttemptStatus, Role, User
from contest.services import ranking

FINISHED = (AttemptStatus.submitted, AttemptStatus.expired)

Columns = dict[str, ColumnElement]

# Each ranking key as SQL ORDER BY terms over the candidate rows' columns, best first: the
# same order as the key's part in ``ranking`` (no prediction after every prediction, an
# unknown actual value leaves the prediction out). The pure pass checks the order it gets.
SQL_ORDER: dict[str, Callable[[Columns, int | None], list[ColumnElement]]] = {
    "score": lambda c, _a: [c["score"].desc()],
    "prediction": lambda c, a: (
        []
        if a is None
        else [case((c["prediction"].is_(None), 1), else_=0), func.abs(c["prediction"] - a)]
    ),
    "duration": lambda c, _a: [c["duration_ms"]],
    "submitted": lambda c, _a: [c["submitted"]],
    "attempts": lambda c, _a: [c["n"]],
    "attempt_id": lambda c, _a: [c["id"]],
}


def finished_ranked(round_id: int):
    return and_(
        Attempt.round_id == round_id, Attempt.is_practice.is_(False), Attempt.status.in_(FINISHED)
    )


@dataclass
class Loaded:
    """The round's ranking and what was read with it."""

    ranked: list[ranking.Ranked]
    profile: dict[int, tuple[int | None, int | None]]  # participant → (unit, category)
    facts: ranking.RoundFacts  # of the ranked participants
    digest: str  # of the rows read (``rows_digest``)
    in_database_order: bool  # False: the database's order was not the pure order


def load_ranking(round_id: int, preset: str, actual: int | None, skip: frozenset[int]) -> Loaded:
    """Rank the round's eligible participants (role ``participant`` and not in ``skip``)."""
    rows = fetch_rows(round_id, preset, actual)
    entries, counts, profile, facts = _entries_of(rows, skip)
    digest = rows_digest(rows)  # sorts them: the entries keep the database's order
    del rows
    try:
        ranked = list(ranking.rank_sorted(entries, preset, actual, counts, aware=False))
        in_order = True
    except ranking.OrderMismatch:
        ranked = ranking.rank(entries, preset, actual, counts)
        in_order = False
    return Loaded(ranked, profile, facts, digest, in_order)


def candidates(round_id: int, preset: str, actual: int | None):
    """Each participant's finished ranked attempts at their top score — every preset starts
    with the score, so no other attempt can be their best — with their number of such
    attempts, whether one was perfect, and their unit and category, in the order of
    ``preset`` (``SQL_ORDER``).

    One pass: window aggregates per participant over the round's finished ranked attempts,
    then only the rows at the participant's top score."""
    per = {"partition_by": Attempt.participant_id}
    perfect = case((and_(Attempt.score == Attempt.total, Attempt.total > 0), 1), else_=0)
    inner = (
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
        .where(finished_ranked(round_id))
        .subquery("ranked")
    )
    c = inner.c
    columns = {name: c[name] for name in ("id", "score", "prediction", "duration_ms", "n")}
    columns["submitted"] = c.submitted
    order = [term for key in ranking.chain_of(preset) for term in SQL_ORDER[key](columns, actual)]
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
        .order_by(*order)
    )


def tune_postgresql() -> None:
    """On PostgreSQL, for this transaction (SET LOCAL): hash and sort a close's aggregates
    in memory (the 4 MB default spills, and parallel workers each recompute the window
    aggregate); JIT only adds compile time here; a cursor is read to its end (the default
    plans a server-side cursor for its first 10 %)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return
    cursor = connection.connection.driver_connection.cursor()
    try:
        for setting in (
            "work_mem = '64MB'",
            "max_parallel_workers_per_gather = 0",
            "jit = off",
            "cursor_tuple_fraction = 1.0",
        ):
            cursor.execute(f"SET LOCAL {setting}")
    finally:
        cursor.close()


def fetch_rows(round_id: int, preset: str, actual: int | None) -> list[tuple]:
    """``candidates`` straight from the driver: plain tuples, no per-value conversion (the
    statement holds only integers and fixed enum values, rendered inline), fetched 50,000
    at a time (on PostgreSQL through a server-side cursor, so the driver never holds the
    whole result beside the tuples)."""
    connection = db.session.connection()
    sql = str(
        candidates(round_id, preset, actual).compile(
            dialect=connection.dialect, compile_kwargs={"literal_binds": True}
        )
    )
    tune_postgresql()
    raw = connection.connection.driver_connection
    postgresql = connection.dialect.name == "postgresql"
    cursor = raw.cursor(name="close_ranking") if postgresql else raw.cursor()
    rows: list[tuple] = []
    try:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(50_000):
            rows.extend(chunk)
    finally:
        cursor.close()
    return rows


def _entries_of(
    rows: list[tuple], skip: frozenset[int]
) -> tuple[
    list[ranking.Entry],
    dict[int, int],
    dict[int, tuple[int | None, int | None]],
    ranking.RoundFacts,
]:
    """Entries, attempt counts, (unit, category) and the facts of every participant not in
    ``skip``, from the driver's rows (in their order). The hot loop of a close."""
    entries: list[ranking.Entry] = []
    counts: dict[int, int] = {}
    profile: dict[int, tuple[int | None, int | None]] = {}
    attempts = perfect_participants = 0
    Entry = ranking.Entry  # noqa: N806 (hot loop)
    parse = datetime.fromisoformat
    append = entries.append
    for aid, pid, score, total, prediction, duration, submitted, n, perfect, unit, cat in rows:
        if pid in skip:
            continue
        if submitted.__class__ is str:  # SQLite stores text
            submitted = parse(submitted)
        elif submitted.tzinfo is not None:
            submitted = submitted.astimezone(UTC).replace(tzinfo=None)
        append(Entry(aid, pid, score, total, prediction, duration, submitted))
        if pid not in counts:
            counts[pid] = n
            profile[pid] = (unit, cat)
            attempts += n
            perfect_participants += 1 if perfect else 0
    return entries, counts, profile, ranking.RoundFacts(len(counts), attempts, perfect_participants)


def rows_digest(rows: list[tuple]) -> str:
    """SHA-256 of attempt rows as loaded (sorted by attempt id, first, so the digest does
    not depend on the order they came in); ``repr`` of plain tuples runs in C."""
    rows.sort(key=itemgetter(0))
    h = hashlib.sha256()
    for start in range(0, len(rows), 20_000):
        h.update(repr(rows[start : start + 20_000]).encode())
    return h.hexdigest()
