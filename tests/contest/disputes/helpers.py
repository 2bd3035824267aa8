"""Rounds whose attempts are written directly: each participant answers by option letter."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from contest.models import Answer, Attempt, AttemptQuestion, AttemptStatus, Option, Question
from contest.services import attempts
from tests.conftest import NOW


def questions_of(db, bank, n):
    qs = list(
        db.session.scalars(
            select(Question).where(Question.bank_id == bank.id).order_by(Question.id)
        )
    )[:n]
    return qs


def option_id(db, question, letter):
    return db.session.scalar(
        select(Option.id).where(
            Option.question_id == question.id, Option.position == "ABCD".index(letter)
        )
    )


def sit(db, round_, user, questions, picks, *, at=None):
    """A finished ranked attempt of ``user`` answering ``picks[i]`` (a letter or None) to
    question i, graded by the real finalise."""
    at = at or round_.opens_at + timedelta(hours=1)
    attempt = Attempt(
        round_id=round_.id,
        participant_id=user.id,
        number=1,
        seed=1,
        status=AttemptStatus.in_progress,
        started_at=at - timedelta(minutes=5),
        deadline=at + timedelta(minutes=10),
    )
    db.session.add(attempt)
    db.session.flush()
    for pos, (q, letter) in enumerate(zip(questions, picks, strict=True)):
        opts = sorted(q.options, key=lambda o: o.position)
        db.session.add(
            AttemptQuestion(
                attempt_id=attempt.id,
                position=pos,
                question_id=q.id,
                text=q.text,
                options=[{"id": o.id, "text": o.text} for o in opts],
                correct_option_ids=[o.id for o in opts if o.is_correct],
            )
        )
        if letter:
            db.session.add(
                Answer(
                    attempt_id=attempt.id,
                    question_id=q.id,
                    option_ids=[option_id(db, q, letter)],
                    saved_at=at,
                )
            )
    db.session.flush()
    db.session.refresh(attempt)
    attempts.finalise(attempt, at, AttemptStatus.submitted)
    db.session.commit()
    return attempt


CLOSED_AT = NOW - timedelta(hours=1)
