"""The participant's quiz journey: contest page, start, the quiz, the result, history."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from contest.db import utcnow
from contest.extensions import db
from contest.models import Attempt, ContestKind, Role
from contest.services import attempts, funnel, ranking, rounds
from contest.services.errors import DomainError
from contest.web.result_page import render_result

bp = Blueprint("quiz", __name__)


@bp.route("/cuoc-thi/<slug>")
def contest_page(slug: str):
    contest = rounds.get_contest_by_slug(slug)
    if contest.kind is ContestKind.essay:
        return redirect(url_for("essay.contest_page", slug=slug), 301)
    now = utcnow()
    items = []
    for r in rounds.published_rounds(contest):
        item = {"round": r, "state": rounds.state_of(r, now), "left": None, "current": None}
        participant = current_user.is_authenticated and current_user.role is Role.participant
        if participant:
            item["left"] = attempts.attempts_left(r, current_user)
            item["current"] = attempts.in_progress_attempt(r.id, current_user.id)
        if r.qualified_only:  # a funnel's higher round (docs/funnel.md)
            item["entry"] = funnel.entry_text(r.id)
            item["qualified"] = funnel.is_qualified(r.id, current_user.id) if participant else None
        items.append(item)
    return render_template(
        "quiz/contest.html",
        contest=contest,
        items=items,
        now=now,
        chain_text=ranking.chain_text,
        target_text=ranking.target_text,
    )


@bp.route("/dot-thi/<int:round_id>/bat-dau", methods=["GET", "POST"])
@login_required
def start(round_id: int):
    round_ = attempts.get_round(round_id)
    now = utcnow()
    if request.method == "POST":
        practice = request.form.get("practice") == "1"
        try:
            attempt, _created = attempts.start_attempt(
                round_, current_user, now=now, practice=practice
            )
        except DomainError as exc:
            # Unlike the error handler (an error page for NotEligible's 403, the referrer for
            # the others), every refusal comes back to this start page, which explains it.
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("quiz.start", round_id=round_id))
        db.session.commit()
        return redirect(url_for("quiz.take", attempt_id=attempt.id))
    return render_template(
        "quiz/start.html",
        round=round_,
        contest=round_.contest,
        state=rounds.state_of(round_, now),
        problem=attempts.eligibility_problem(round_, current_user, now),
        left=attempts.attempts_left(round_, current_user),
        current=attempts.in_progress_attempt(round_.id, current_user.id),
    )


@bp.route("/luot-thi/<int:attempt_id>")
@login_required
def take(attempt_id: int):
    attempt = attempts.get_own_attempt(attempt_id, current_user)
    if attempts.finalise_if_overdue(attempt, utcnow()):
        db.session.commit()
    if attempt.is_finished:
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    return render_template(
        "quiz/take.html", attempt=attempt, round=attempt.round, contest=attempt.round.contest
    )


@bp.route("/luot-thi/<int:attempt_id>/ket-qua")
@login_required
def result(attempt_id: int):
    attempt = attempts.get_own_attempt(attempt_id, current_user)
    now = utcnow()
    if attempts.finalise_if_overdue(attempt, now):
        db.session.commit()
    if not attempt.is_finished:
        return redirect(url_for("quiz.take", attempt_id=attempt.id))
    return render_result(attempt, now)


@bp.route("/luot-thi-cua-toi")
@login_required
def my_attempts():
    if current_user.role is not Role.participant:
        abort(404)
    items = db.session.scalars(
        select(Attempt)
        .where(Attempt.participant_id == current_user.id)
        .order_by(Attempt.started_at.desc())
    ).all()
    return render_template("quiz/my_attempts.html", items=items)
