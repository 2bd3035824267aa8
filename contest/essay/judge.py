"""The judges' pages: their queue, the anonymous reading view with the scoring sheet, and the
stripped .docx named by the entry's code. Nothing here may reveal who wrote what (P2)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contest.db import utcnow
from contest.essay.forms import ScoreForm
from contest.extensions import db
from contest.models import Role
from contest.models.essay import AssignmentStatus, FileKind
from contest.services import essay_contests, essay_entries, essay_judging, judging
from contest.services.errors import DomainError, ValidationFailed
from contest.web.responses import send_essay_file
from contest.web.security import role_required

bp = Blueprint("judge", __name__, url_prefix="/cham-bai")


@bp.before_request
@role_required(Role.judge)
def guard():
    return None


@bp.route("/")
def queue():
    todo, done = essay_judging.judge_queue(current_user)
    return render_template("judge/queue.html", todo=todo, done=done)


def _sheet_page(assignment, *, form=None, errors=None, values=None, status=200):
    version = essay_judging.judged_version(assignment.entry)
    criteria = essay_contests.criteria_of(assignment.stage.contest)
    if values is None:
        given = {s.criterion_id: s.points_x100 for s in assignment.scores}
        # Shown the Vietnamese way (7,25); typed back with a comma or a point, both read.
        values = {c.id: judging.points_text(given.get(c.id)) for c in criteria}
    form = form or ScoreForm(data={"comment": assignment.comment})
    return render_template(
        "judge/sheet.html",
        assignment=assignment,
        entry_code=assignment.entry.code,
        version=version,
        criteria=criteria,
        values=values,
        errors=errors or {},
        form=form,
        stage=assignment.stage,
        contest=assignment.stage.contest,
        locked=assignment.status is AssignmentStatus.submitted
        or assignment.stage.closed_at is not None,
        has_docx=version.file is not None and version.file.kind is FileKind.docx,
    ), status


@bp.route("/<int:assignment_id>", methods=["GET", "POST"])
def sheet(assignment_id: int):
    assignment = essay_judging.get_judge_assignment(
        assignment_id, current_user, lock=request.method == "POST"
    )
    if request.method == "GET":
        return _sheet_page(assignment)
    form = ScoreForm()
    criteria = essay_contests.criteria_of(assignment.stage.contest)
    values = {c.id: request.form.get(f"score_{c.id}", "") for c in criteria}
    if not form.validate():
        return _sheet_page(assignment, form=form, values=values, status=422)
    submit = request.form.get("action") == "submit"
    try:
        essay_judging.save_scores(
            assignment, values, form.comment.data or "", submit=submit, now=utcnow()
        )
    except ValidationFailed as exc:
        # The sheet comes back with what was typed and a message beside each criterion.
        db.session.rollback()
        return _sheet_page(assignment, form=form, values=values, errors=exc.fields, status=422)
    except DomainError as exc:
        # Closed stage or submitted sheet: the locked sheet is shown with the reason.
        db.session.rollback()
        flash(str(exc.message), "danger")
        return _sheet_page(assignment, status=exc.status)
    db.session.commit()
    if submit:
        flash(_("Đã nộp phiếu chấm bài %(code)s.", code=assignment.entry.code), "success")
        return redirect(url_for("judge.queue"), 303)
    flash(_("Đã lưu nháp phiếu chấm."), "success")
    return redirect(url_for("judge.sheet", assignment_id=assignment.id), 303)


@bp.get("/<int:assignment_id>/tep")
def download(assignment_id: int):
    assignment = essay_judging.get_judge_assignment(assignment_id, current_user)
    version = essay_judging.judged_version(assignment.entry)
    stored = version.file
    # Judges get .docx files only (metadata stripped at upload); PDFs keep what their
    # author's software wrote, so judges read the typed text instead.
    if stored is None or stored.kind is not FileKind.docx:
        abort(404)
    return send_essay_file(stored, essay_entries.download_name(assignment.entry, stored))
