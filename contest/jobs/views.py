"""The job page: what a long piece of work is doing, and what came of it (blueprint
``jobs``). Its progress survives a reload: the page and its JSON read the stored row."""

from __future__ import annotations

import io

from flask import Blueprint, abort, jsonify, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from contest.db import utcnow
from contest.extensions import db
from contest.jobs.registry import KINDS, JobKind
from contest.models import Role
from contest.models.job import Job, JobStatus
from contest.services.errors import NotFound
from contest.web.security import is_unit_organiser, role_required, unit_scoped

bp = Blueprint("jobs", __name__, url_prefix="/ban-to-chuc/cong-viec")

STATUS_TEXT = {
    JobStatus.queued: _l("Đang chờ đến lượt"),
    JobStatus.running: _l("Đang chạy"),
    JobStatus.done: _l("Đã xong"),
    JobStatus.failed: _l("Không thành công"),
}


@bp.before_request
@role_required(Role.organiser)
def guard():
    return None


def _visible(job_id: int) -> tuple[Job, JobKind]:
    """The job, if its kind lets the signed-in user see it (the same role as the action
    itself); 404 for an unknown job, 403 for a kind above the user's role. A unit
    organiser sees only the jobs they started of a ``unit_scoped`` kind (404 for the
    others): a participant import into their subtree."""
    job = db.session.get(Job, job_id)
    kind = KINDS.get(job.kind) if job is not None else None
    if kind is None or (
        is_unit_organiser(current_user)
        and (job.actor_id != current_user.id or not kind.unit_scoped)
    ):
        raise NotFound(_("Không tìm thấy công việc này."))
    if not current_user.has_role(kind.role):
        abort(403)
    return job, kind


def _state(job: Job) -> dict:
    """What the page's script needs to redraw the bar."""
    finished = job.status in (JobStatus.done, JobStatus.failed)
    return {
        "id": job.id,
        "status": job.status.value,
        "status_text": str(STATUS_TEXT[job.status]),
        "progress": job.progress,
        "step": _(job.step) if job.step else None,
        "finished": finished,
        "error": _(job.error) if job.error else None,
        "download_url": url_for("jobs.download", job_id=job.id)
        if job.status is JobStatus.done and job.result_name
        else None,
    }


@bp.get("/<int:job_id>")
@unit_scoped
def show(job_id: int):
    job, kind = _visible(job_id)
    back = kind.back(job.params)
    return render_template(
        "jobs/show.html",
        job=job,
        kind=kind,
        state=_state(job),
        lines=kind.describe(job.summary or {}) if job.status is JobStatus.done else [],
        back_url=url_for(back[0], **back[1]) if back else None,
        back_text=kind.back_text,
    )


@bp.get("/<int:job_id>.json")
@unit_scoped
def status(job_id: int):
    job, _kind = _visible(job_id)
    response = jsonify(_state(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:job_id>/tai-ve")
@unit_scoped
def download(job_id: int):
    """The job's file: audited like the export itself, never cached (E3)."""
    job, kind = _visible(job_id)
    if job.status is not JobStatus.done or job.result_file is None:
        raise NotFound(_("Tệp của công việc này chưa sẵn sàng."))
    if kind.on_download is not None:
        kind.on_download(job.params, current_user._get_current_object(), utcnow(), job.summary)
        db.session.commit()
    response = send_file(
        io.BytesIO(job.result_file),
        mimetype=job.result_mime or "application/octet-stream",
        as_attachment=True,
        download_name=job.result_name,
        max_age=0,
        etag=False,
        last_modified=None,
        conditional=False,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
