"""Grading and the attempt clock: pure functions over plain records.

Grading keys on option ids, never on the position shown (G1); the maximum counts only the
questions served (G4). A question with several correct options scores only when the
chosen set equals the correct set. After a dispute a question's key may be revised
(``services/answer_keys.py``): ``accepted`` adds option sets that score too, ``void``
gives its points to everyone it was served to, answered or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PaperItem:
    question_id: int
    correct: frozenset[int]
    points: int = 1
    accepted: tuple[frozenset[int], ...] = ()  # further option sets that score
    void: bool = False  # everyone served the question gets its points

    def scores(self, chosen: frozenset[int]) -> bool:
        """Whether ``chosen`` earns the question's points."""
        if self.void:
            return True
        return bool(chosen) and (chosen == self.correct or chosen in self.accepted)


@dataclass(frozen=True)
class Grade:
    score: int
    total: int
    correct_question_ids: frozenset[int]


def grade(paper: Sequence[PaperItem], answers: Mapping[int, Iterable[int]]) -> Grade:
    """Score = sum of points of questions whose chosen option set equals the correct set;
    total = sum of points of the questions served. Answers to questions not on the paper
    are ignored."""
    score, total, right = 0, 0, set()
    for item in paper:
        total += item.points
        chosen = frozenset(answers.get(item.question_id, ()))
        if item.scores(chosen):
            score += item.points
            right.add(item.question_id)
    return Grade(score, total, frozenset(right))


def attempt_deadline(
    started_at: datetime, time_limit_minutes: int, closes_at: datetime
) -> datetime:
    """T1: min(start + time limit, round close)."""
    return min(started_at + timedelta(minutes=time_limit_minutes), closes_at)


def accepts_writes(deadline: datetime, grace_seconds: int, arrived_at: datetime) -> bool:
    """T4/T5: a save or submit counts when its request *arrived* by deadline + grace."""
    return arrived_at <= deadline + timedelta(seconds=grace_seconds)


def is_overdue(deadline: datetime, grace_seconds: int, now: datetime) -> bool:
    """An in-progress attempt is finalised once no in-flight request can still count."""
    return now > deadline + timedelta(seconds=grace_seconds)


def submission_time(arrived_at: datetime, deadline: datetime) -> datetime:
    """A submit that arrives in the grace period counts as made at the deadline."""
    return min(arrived_at, deadline)


def duration_ms(started_at: datetime, submitted_at: datetime, time_limit_minutes: int) -> int:
    """submitted − started in milliseconds, capped at the time limit, never negative."""
    elapsed = int((submitted_at - started_at) / timedelta(milliseconds=1))
    return max(0, min(elapsed, time_limit_minutes * 60_000))


def round_state(
    opens_at: datetime, closes_at: datetime, closed_at: datetime | None, now: datetime
) -> str:
    """'upcoming', 'open' or 'closed'."""
    if closed_at is not None or now >= closes_at:
        return "closed"
    if now < opens_at:
        return "upcoming"
    return "open"
