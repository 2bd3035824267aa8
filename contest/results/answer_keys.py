"""Organiser pages for a round's questions after it closed: the item statistics (with the
likely-wrong-key flags), the disputes grouped by question, the decision (keep, change the
key, accept a further answer, void) that starts the regrade job, and the rank diff of the
recomputed result before it is published."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contest import jobs
from contest.db import utcnow
from contest.extensions import db
from contest.models import Role
from contest.results.forms import DecisionForm, PublishForm
from contest.services import (
    answer_keys,
    disputes,
    item_export,
    item_report,
    item_stats,
    rank_diff,
    result_pages,
    rounds,
)
from contest.services.errors import NotFound, ValidationFailed
from contest.web.forms import apply_errors
from contest.web.responses import send_xlsx
from contest.web.security import role_required

bp = Blueprint("answer_keys", __name__, url_prefix="/ban-to-chuc/dap-an")


@bp.before_request
@role_required(Role.organiser)
def guard():
    return None


def _dispute_counts(round_id: int) -> dict[int, int]:
    return {g.question.id: len(g.disputes) for g in disputes.grouped(round_id)}


@bp.route("/dot-thi/<int:round_id>")
def items(round_id: int):
    round_ = rounds.get_round_any(round_id)
    now = utcnow()
    report = item_report.round_report(round_id, _dispute_counts(round_id))
    return render_template(
        "answer_keys/items.html",
        round=round_,
        report=report,
        rows_by_question={r.question.id: r for r in report.rows},
        groups=disputes.grouped(round_id),
        window=disputes.window_state(round_, now),
        window_ends=disputes.window_ends_at(round_),
        flag_words=FLAG_WORDS,
        decision_text=disputes.decision_text,
        min_attempts=item_stats.MIN_ATTEMPTS,
    )


@bp.route("/dot-thi/<int:round_id>/thong-ke.xlsx")
def items_xlsx(round_id: int):
    """The item statistics as an Excel sheet (never cached: the keys of a round)."""
    round_ = rounds.get_round_any(round_id)
    now = utcnow()
    report = item_report.round_report(round_id, _dispute_counts(round_id))
    return send_xlsx(
        lambda out: item_export.write_item_stats(round_, report, out, now=now),
        item_export.export_filename(round_, now),
        private=True,
    )


FLAG_WORDS = {
    item_stats.STRONG_CHOOSE_OTHER: "strong",
    item_stats.NEGATIVE: "negative",
}


@bp.route("/dot-thi/<int:round_id>/cau/<int:question_id>", methods=["GET", "POST"])
def decide(round_id: int, question_id: int):
    round_ = rounds.get_round_any(round_id)
    question = answer_keys.get_question(question_id)
    options = answer_keys.option_rows(question_id)
    group = next((g for g in disputes.grouped(round_id) if g.question.id == question_id), None)
    report = item_report.round_report(round_id)
    row = next((r for r in report.rows if r.question.id == question_id), None)
    if row is None and group is None:
        raise NotFound(_("Câu hỏi này không có trong đợt thi."))
    form = DecisionForm()
    form.option_ids.choices = [(o.id, answer_keys.LETTERS[o.position]) for o in options]
    status = 200
    if form.validate_on_submit():
        try:
            disputes.decide(
                round_,
                question,
                form.decision.data,
                form.reply.data,
                form.option_ids.data or [],
                actor=current_user._get_current_object(),
                now=utcnow(),
            )
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc)
            status = 422
        else:
            db.session.commit()
            flash(_("Đã lưu quyết định và câu trả lời cho người khiếu nại."), "success")
            if form.decision.data == "keep":
                return redirect(url_for("answer_keys.items", round_id=round_id))
            job = jobs.enqueue(
                "regrade",
                {"question_id": question_id, "round_id": round_id},
                actor=current_user._get_current_object(),
                now=utcnow(),
            )
            return redirect(url_for("jobs.show", job_id=job.id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "answer_keys/decide.html",
        round=round_,
        question=question,
        options=options,
        group=group,
        row=row,
        form=form,
        key=answer_keys.key_in_force(question),
        history=answer_keys.history(question_id),
        rounds_serving=len(_serving(question_id)),
        decision_text=disputes.decision_text,
    ), status


def _serving(question_id: int) -> list[int]:
    from contest.services import regrade

    return regrade.rounds_serving(question_id)


@bp.route("/dot-thi/<int:round_id>/thay-doi")
def changes(round_id: int):
    round_ = rounds.get_round_any(round_id)
    now = utcnow()
    current = result_pages.current_result(round_id)
    before = rank_diff.baseline(round_id)
    diff = rank_diff.compare(before, current) if before is not None and current else None
    return render_template(
        "answer_keys/changes.html",
        round=round_,
        current=current,
        before=before,
        diff=diff,
        publish_form=PublishForm(),
        window=disputes.window_state(round_, now),
        window_ends=disputes.window_ends_at(round_),
    )
