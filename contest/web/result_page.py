"""The result page of a finished attempt (``quiz/result.html``), rendered by the quiz
blueprint and, with a refused dispute shown beside its question, by the disputes one."""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from flask_login import current_user

from contest.models import Attempt
from contest.services import attempts, disputes, rounds


def render_result(attempt: Attempt, now: datetime, dispute_error: dict | None = None) -> str:
    """The page; ``dispute_error`` ({question_id, message, reason}) shows a refused dispute
    beside its question, with what was typed."""
    return render_template(
        "quiz/result.html",
        attempt=attempt,
        round=attempt.round,
        contest=attempt.round.contest,
        review=attempts.review_items(attempt, now),
        unsent=attempts.unsent_report(attempt),
        left=attempts.attempts_left(attempt.round, current_user),
        state=rounds.state_of(attempt.round, now),
        disputes=None if attempt.is_practice else disputes.review_context(attempt, now),
        decision_text=disputes.decision_text,
        dispute_error=dispute_error,
    )
