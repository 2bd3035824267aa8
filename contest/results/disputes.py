"""A participant disputes a question of their paper from their result page (the review),
while the round's answer-key challenge window is open (``services/disputes.py``). A reason
the service refuses is shown beside its question on the result page (422)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from contest.db import utcnow
from contest.extensions import db
from contest.results.forms import DisputeForm
from contest.services import attempts, disputes
from contest.services.errors import Conflict, ValidationFailed
from contest.web.result_page import render_result

bp = Blueprint("disputes", __name__)


@bp.post("/luot-thi/<int:attempt_id>/khieu-nai/<int:question_id>")
@login_required
def file(attempt_id: int, question_id: int):
    attempt = attempts.get_own_attempt(attempt_id, current_user)
    back = url_for("quiz.result", attempt_id=attempt.id) + f"#cau-{question_id}"
    form = DisputeForm()
    if not form.validate_on_submit():
        flash(_("Yêu cầu không hợp lệ. Vui lòng tải lại trang."), "danger")
        return redirect(back)
    try:
        disputes.file_dispute(
            attempt,
            question_id,
            form.reason.data,
            actor=current_user._get_current_object(),
            now=utcnow(),
        )
    except ValidationFailed as exc:
        # Shown beside the question (a flash would sit at the top, out of sight on a
        # phone), with the reason kept to correct.
        db.session.rollback()
        error = {
            "question_id": question_id,
            "message": str(exc.fields.get("reason") or exc.message),
            "reason": form.reason.data or "",
        }
        return render_result(attempt, utcnow(), dispute_error=error), 422
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return redirect(back), 303
    db.session.commit()
    flash(_("Đã gửi khiếu nại. Ban Tổ chức sẽ trả lời trên trang này."), "success")
    return redirect(back)
