"""Regrading a round after a key revision (``answer_keys``), then a new result version.

``regrade_round`` grades again, with the pure ``grading.grade`` and each question's key in
force, every finished attempt of the round that was served a revised question, and writes
the scores that changed. Papers are not touched (they keep what was shown). When the round
already has a result, it is recomputed by ``result_closing.close_round`` as a new version
(SHA-256 of its inputs, which include the key revisions), so the organiser sees the rank
diff (``rank_diff``) before publishing it; the published version stays public until then.

The regrade streams its rows straight from the driver (a round can have 100,000 attempts
of 20 questions: two million answers), so its memory does not grow with the round.
Functions flush; the caller (the ``regrade`` job, a test, the benchmark) commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, select, update

from contest.extensions import db
from contest.models import Answer, Attempt, AttemptQuestion, AttemptStatus, Round, User
from contest.services import answer_keys, audit, grading, result_closing, result_pages

FINISHED = (AttemptStatus.submitted, AttemptStatus.expired)
BATCH = 5_000
FETCH = 20_000


@dataclass
class RegradeOutcome:
    """What a regrade did: attempts graded again, how many scores changed, and the new
    result version (None: the round has no result yet)."""

    round_id: int
    regraded: int
    changed: int
    close: result_closing.CloseOutcome | None = None


def rounds_serving(question_id: int) -> list[int]:
    """The rounds with an attempt that was served this question version."""
    return list(
        db.session.scalars(
            select(Attempt.round_id)
            .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
            .where(AttemptQuestion.question_id == question_id)
            .distinct()
            .order_by(Attempt.round_id)
        )
    )


def _rows_sql(round_id: int, revised: list[int], dialect) -> str:
    """Each served question of the round's finished attempts that were served a revised
    question, with its points and the saved choice, by attempt."""
    served = select(AttemptQuestion.attempt_id).where(AttemptQuestion.question_id.in_(revised))
    stmt = (
        select(
            Attempt.id,
            Attempt.score,
            AttemptQuestion.question_id,
            AttemptQuestion.correct_option_ids,
            AttemptQuestion.points,
            Answer.option_ids,
        )
        .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
        .outerjoin(
            Answer,
            and_(
                Answer.attempt_id == AttemptQuestion.attempt_id,
                Answer.question_id == AttemptQuestion.question_id,
            ),
        )
        .where(
            Attempt.round_id == round_id,
            Attempt.status.in_(FINISHED),
            Attempt.id.in_(served),
        )
        .order_by(Attempt.id)
    )
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _parser() -> Callable[[object], frozenset[int]]:
    """JSON option lists → frozensets, memoised: a round's answers repeat a few hundred
    distinct lists millions of times."""
    seen: dict[object, frozenset[int]] = {}

    def parse(raw) -> frozenset[int]:
        if raw is None:
            return frozenset()
        key = raw if isinstance(raw, str) else tuple(raw)
        value = seen.get(key)
        if value is None:
            value = seen[key] = frozenset(json.loads(raw) if isinstance(raw, str) else raw)
        return value

    return parse


def new_scores(rows, keys: dict[int, answer_keys.Key]) -> tuple[int, list[tuple[int, int]]]:
    """From rows ordered by attempt (id, score, question, served key, points, choice):
    (attempts seen, [(new score, attempt id) for the scores that change]). Pure."""
    parse = _parser()
    items: dict[tuple[int, int, object], grading.PaperItem] = {}
    changed: list[tuple[int, int]] = []
    seen = 0
    current, old, score = None, 0, 0
    for aid, stored, qid, served, points, chosen in rows:
        if aid != current:
            if current is not None and score != old:
                changed.append((score, current))
            current, old, score = aid, stored, 0
            seen += 1
        if served.__class__ is list:  # PostgreSQL's driver parses JSON
            served = tuple(served)
        item = items.get((qid, points, served))
        if item is None:
            key = keys.get(qid)
            item = (
                key.item(qid, points)
                if key is not None
                else grading.PaperItem(qid, parse(served), points)
            )
            items[(qid, points, served)] = item
        if item.scores(parse(chosen)):
            score += points
    if current is not None and score != old:
        changed.append((score, current))
    return seen, changed


def regrade_round(
    round_: Round,
    *,
    actor: User | None,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> RegradeOutcome:
    """Grade the round's finished attempts again with the keys in force, store the scores
    that changed and, when the round has a result, compute its new version (audited)."""
    keys = answer_keys.all_revised()
    connection = db.session.connection()
    served = (
        {
            qid
            for (qid,) in db.session.execute(
                select(AttemptQuestion.question_id)
                .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
                .where(Attempt.round_id == round_.id, AttemptQuestion.question_id.in_(list(keys)))
                .distinct()
            )
        }
        if keys
        else set()
    )
    regraded, changed = 0, []
    if served:
        rows = _stream(connection, _rows_sql(round_.id, sorted(served), connection.dialect))
        regraded, changed = new_scores(rows, {q: keys[q] for q in served})
        if progress:
            progress(40)
        _store(changed)
    if progress:
        progress(60)
    audit.record(
        actor,
        "round.regrade",
        "round",
        round_.id,
        now=now,
        questions=sorted(served),
        regraded=regraded,
        changed=len(changed),
    )
    db.session.flush()
    outcome = RegradeOutcome(round_.id, regraded, len(changed))
    if result_pages.current_result(round_.id) is not None:
        outcome.close = result_closing.close_round(round_, actor=actor, now=now)
    return outcome


def _stream(connection, sql: str):
    """The rows of ``sql`` straight from the driver, ``FETCH`` at a time: on PostgreSQL a
    server-side (named) cursor, so neither the driver nor Python ever holds the two million
    rows at once; SQLite's cursor steps through its result as it goes."""
    raw = connection.connection.driver_connection
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        # A cursor is planned for its first 10 % of rows by default (nested loops); this
        # one is read to the end: plan it like the plain query (hash joins, one sort).
        raw.execute("SET LOCAL cursor_tuple_fraction = 1.0")
    cursor = raw.cursor(name="regrade_rows") if postgres else raw.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(FETCH):
            yield from batch
    finally:
        cursor.close()


def _store(changed: list[tuple[int, int]]) -> None:
    """Write the changed scores in batches (one executemany per batch)."""
    stmt = update(Attempt.__table__).where(Attempt.__table__.c.id == bindparam("aid"))
    for start in range(0, len(changed), BATCH):
        batch = changed[start : start + BATCH]
        db.session.execute(
            stmt.values(score=bindparam("new")), [{"new": s, "aid": a} for s, a in batch]
        )
