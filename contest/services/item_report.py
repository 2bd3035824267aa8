"""A round's item statistics for the organiser pages: load the served questions and the
choices of its finished ranked attempts, and compute with the pure ``item_stats``, with
each question's key in force (``answer_keys``). Nothing here writes.

At most ``MAX_ATTEMPTS`` attempts (the newest) are read, so the page stays quick on a
round of 100,000 attempts; the page says when it used a sample.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, select

from contest.extensions import db
from contest.models import Answer, Attempt, AttemptQuestion, AttemptStatus, Option, Question
from contest.services import answer_keys, item_stats

MAX_ATTEMPTS = 20_000
FINISHED = (AttemptStatus.submitted, AttemptStatus.expired)


@dataclass
class ItemRow:
    """One line of the page: the question, its keys (served, in force) and its figures."""

    question: Question
    number: int
    stats: item_stats.ItemStats
    letters: dict[int, str]  # option id → letter (bank order)
    served_key: str
    key: str
    revised: bool
    disputes: int = 0


@dataclass
class Report:
    rows: list[ItemRow]
    attempts: int  # attempts read
    finished: int  # finished ranked attempts of the round
    sampled: bool


def _attempt_ids(round_id: int) -> tuple[list[int], int]:
    where = and_(
        Attempt.round_id == round_id, Attempt.is_practice.is_(False), Attempt.status.in_(FINISHED)
    )
    total = db.session.scalar(select(func.count(Attempt.id)).where(where)) or 0
    ids = list(
        db.session.scalars(
            select(Attempt.id).where(where).order_by(Attempt.id.desc()).limit(MAX_ATTEMPTS)
        )
    )
    return ids, total


def round_report(round_id: int, dispute_counts: dict[int, int] | None = None) -> Report:
    """The item statistics of every question the round served."""
    ids, total = _attempt_ids(round_id)
    choices: dict[int, dict[int, frozenset[int]]] = defaultdict(dict)
    for start in range(0, len(ids), 2_000):
        chunk = ids[start : start + 2_000]
        for aid, qid, option_ids in db.session.execute(
            select(AttemptQuestion.attempt_id, AttemptQuestion.question_id, Answer.option_ids)
            .outerjoin(
                Answer,
                and_(
                    Answer.attempt_id == AttemptQuestion.attempt_id,
                    Answer.question_id == AttemptQuestion.question_id,
                ),
            )
            .where(AttemptQuestion.attempt_id.in_(chunk))
        ):
            choices[aid][qid] = frozenset(option_ids or ())
    question_ids = sorted({q for c in choices.values() for q in c})
    questions = {
        q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(question_ids)))
    }
    options: dict[int, list[Option]] = defaultdict(list)
    for o in db.session.scalars(
        select(Option).where(Option.question_id.in_(question_ids)).order_by(Option.position)
    ):
        options[o.question_id].append(o)
    revised = answer_keys.keys_in_force(question_ids)
    items, keys = {}, {}
    for qid in question_ids:
        served = answer_keys.Key((frozenset(o.id for o in options[qid] if o.is_correct),))
        key = revised.get(qid, served)
        keys[qid] = (served, key)
        items[qid] = item_stats.Item(qid, tuple(o.id for o in options[qid]), key.item(qid))
    stats = item_stats.item_statistics(items, choices.items())
    rows = []
    for n, s in enumerate(stats, start=1):
        positions = {o.id: o.position for o in options[s.question_id]}
        served, key = keys[s.question_id]
        rows.append(
            ItemRow(
                questions[s.question_id],
                n,
                s,
                {oid: answer_keys.LETTERS[p] for oid, p in positions.items()},
                served.letters(positions),
                key.letters(positions),
                s.question_id in revised,
                (dispute_counts or {}).get(s.question_id, 0),
            )
        )
    return Report(rows, len(ids), total, total > len(ids))
