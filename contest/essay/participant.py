"""The participant's essay pages: the contest page, writing and uploading an entry,
submitting it, their entries and results, and the public winners page."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from contest.db import utcnow
from contest.essay.forms import ActionForm, EntryForm, SubmitForm, UploadForm
from contest.extensions import db
from contest.models import Role
from contest.services import documents, essay_contests, essay_entries, essay_stages, judging
from contest.services.errors import DomainError, ValidationFailed
from contest.web.errors import api_error
from contest.web.responses import send_essay_file

bp = Blueprint("essay", __name__)

DOCX_MIME = documents.DOCX_MIME


@bp.app_template_filter("points")
def points_filter(value_x100):
    return judging.points_text(value_x100)


@bp.app_template_filter("vn_int")
def vn_int_filter(value):
    """12000 → "12.000" (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else value


def _entry_page(
    entry,
    *,
    status: int = 200,
    errors: dict | None = None,
    form=None,
    upload_error: str | None = None,
):
    now = utcnow()
    settings = entry.contest.essay_settings
    # Display-only forms never read the request (it may be the one that was too large).
    form = form or EntryForm(formdata=None, data={"title": entry.title, "text": entry.text})
    for name, message in (errors or {}).items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [str(message)]
    published = settings.results_published_at is not None
    return render_template(
        "essay/entry.html",
        entry=entry,
        contest=entry.contest,
        settings=settings,
        form=form,
        upload_form=UploadForm(formdata=None),
        submit_form=SubmitForm(formdata=None),
        action_form=ActionForm(formdata=None),
        state=essay_contests.submission_state(settings, now),
        errors=errors or {},
        problems=essay_entries.submission_problems(entry),
        upload_error=upload_error,
        has_docx=essay_entries.has_docx(entry),
        changed=essay_entries.has_unsubmitted_changes(entry),
        results=essay_stages.entry_results(entry) if published else [],
    ), status


def _attempt(entry, save, *, form=None, upload: bool = False):
    """Run ``save()`` (a service call on ``entry``) and commit: ``(value, None)``.

    On a domain error the session is rolled back and the entry page is shown again with the
    error's status, ``(None, page)``: an upload's refusal beside the upload box (``upload``),
    field errors beside the writing form, any other message as a flash. The page, not a
    redirect, so what the participant typed stays on screen.
    """
    try:
        value = save()
    except DomainError as exc:
        db.session.rollback()
        if upload:
            return None, _entry_page(entry, status=exc.status, upload_error=exc.message)
        if isinstance(exc, ValidationFailed):
            return None, _entry_page(entry, status=422, errors=exc.fields, form=form)
        flash(str(exc.message), "danger")
        return None, _entry_page(entry, status=exc.status, form=form)
    db.session.commit()
    return value, None


def _own(entry_id: int):
    # Writes lock the entry's row: concurrent saves, uploads and submits run one at a time.
    return essay_entries.get_own_entry(entry_id, current_user, lock=request.method == "POST")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    message = _(
        "Tệp quá lớn. Vui lòng tải lên tệp không quá %(max)s MB.",
        max=documents.MAX_FILE_BYTES // documents.MB,
    )
    entry_id = (request.view_args or {}).get("entry_id")
    if entry_id is not None and current_user.is_authenticated:
        try:
            return _entry_page(_own(entry_id), status=413, upload_error=message)
        except DomainError:
            pass
    return render_template(
        "errors/error.html", status=413, title=_("Tệp quá lớn"), message=message
    ), 413


@bp.route("/cuoc-thi-viet/<slug>")
def contest_page(slug: str):
    contest = essay_contests.get_essay_contest_by_slug(slug)
    settings = contest.essay_settings
    mine = []
    if current_user.is_authenticated and current_user.role is Role.participant:
        mine = essay_entries.list_own_entries(current_user, contest)
    return render_template(
        "essay/contest.html",
        contest=contest,
        settings=settings,
        state=essay_contests.submission_state(settings, utcnow()),
        criteria=essay_contests.criteria_of(contest),
        stages=essay_contests.stages_of(contest),
        mine=mine,
        form=ActionForm(),
    )


@bp.post("/cuoc-thi-viet/<slug>/viet-bai")
@login_required
def new_entry(slug: str):
    contest = essay_contests.get_essay_contest_by_slug(slug)
    try:
        entry = essay_entries.create_entry(contest, current_user, now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return redirect(url_for("essay.contest_page", slug=slug), 303)
    db.session.commit()
    return redirect(url_for("essay.edit_entry", entry_id=entry.id), 303)


@bp.route("/cuoc-thi-viet/<slug>/ket-qua")
def winners(slug: str):
    contest = essay_contests.get_essay_contest_by_slug(slug)
    settings = contest.essay_settings
    published = settings.results_published_at is not None
    return render_template(
        "essay/winners.html",
        contest=contest,
        published=published,
        rows=essay_stages.winners(contest) if published else [],
    )


@bp.route("/bai-du-thi-cua-toi")
@login_required
def my_entries():
    if current_user.role is not Role.participant:
        abort(404)
    entries = essay_entries.list_own_entries(current_user)
    results = {
        e.id: essay_stages.entry_results(e)
        for e in entries
        if e.contest.essay_settings.results_published_at is not None
    }
    return render_template(
        "essay/my_entries.html",
        entries=entries,
        results=results,
        now=utcnow(),
        state_of=essay_contests.submission_state,
    )


@bp.route("/bai-du-thi/<int:entry_id>", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int):
    entry = _own(entry_id)
    if request.method == "GET":
        return _entry_page(entry)
    form = EntryForm()
    if not form.validate():
        return _entry_page(entry, status=422, form=form)
    _saved, page = _attempt(
        entry,
        lambda: essay_entries.save_draft(
            entry, title=form.title.data or "", text=form.text.data or "", now=utcnow()
        ),
        form=form,
    )
    if page:
        return page
    flash(_("Đã lưu bản nháp."), "success")
    return redirect(url_for("essay.edit_entry", entry_id=entry.id), 303)


@bp.post("/bai-du-thi/<int:entry_id>/tu-dong-luu")
@login_required
def autosave(entry_id: int):
    entry = _own(entry_id)
    payload = request.get_json(silent=True) or {}
    try:
        seq = int(payload.get("seq"))
    except (TypeError, ValueError):
        seq = None
    try:
        saved = essay_entries.save_draft(
            entry,
            title=str(payload.get("title") or ""),
            text=str(payload.get("text") or ""),
            now=utcnow(),
            seq=seq,
        )
    except DomainError as exc:
        # The editor's script reads JSON, also outside /api/.
        db.session.rollback()
        extra = {}
        if isinstance(exc, ValidationFailed):
            extra["fields"] = {name: str(text) for name, text in exc.fields.items()}
        return api_error(exc.status, exc.code, exc.message, **extra)
    db.session.commit()
    return jsonify(
        {"saved": saved, "word_count": entry.word_count, "saved_at": entry.updated_at.isoformat()}
    )


@bp.post("/bai-du-thi/<int:entry_id>/tai-tep")
@login_required
def upload(entry_id: int):
    entry = _own(entry_id)
    form = UploadForm()
    if not form.validate():
        return _entry_page(
            entry,
            status=400,
            upload_error=_("Phiên làm việc đã hết hạn. Vui lòng tải lại trang rồi thử lại."),
        )
    stored = request.files.get("file")
    if stored is None or not stored.filename:
        return _entry_page(
            entry, status=422, upload_error=_("Vui lòng chọn tệp bài viết (.docx hoặc .pdf).")
        )
    data = stored.stream.read(documents.MAX_FILE_BYTES + 1)
    _file, page = _attempt(
        entry,
        lambda: essay_entries.attach_file(entry, data, filename=stored.filename, now=utcnow()),
        upload=True,
    )
    if page:
        return page
    flash(_("Đã tải lên tệp bài viết."), "success")
    return redirect(url_for("essay.edit_entry", entry_id=entry.id), 303)


@bp.post("/bai-du-thi/<int:entry_id>/go-tep")
@login_required
def remove_file(entry_id: int):
    entry = _own(entry_id)
    _none, page = _attempt(
        entry, lambda: essay_entries.remove_file(entry, now=utcnow()), upload=True
    )
    if page:
        return page
    flash(_("Đã gỡ tệp. Bạn có thể viết trực tiếp hoặc tải lên tệp khác."), "success")
    return redirect(url_for("essay.edit_entry", entry_id=entry.id), 303)


@bp.post("/bai-du-thi/<int:entry_id>/nop-bai")
@login_required
def submit(entry_id: int):
    entry = _own(entry_id)
    form = SubmitForm()
    if not form.validate():
        return _entry_page(entry, status=400)

    def save_and_submit():
        if "title" in request.form:
            # The button belongs to the writing form: save what is on screen first.
            essay_entries.save_draft(
                entry,
                title=request.form.get("title", ""),
                text=request.form.get("text", entry.text),
                now=utcnow(),
            )
        return essay_entries.submit_entry(entry, declared=bool(form.declaration.data), now=utcnow())

    version, page = _attempt(entry, save_and_submit)
    if page:
        return page
    flash(
        _("Đã nộp bài dự thi.")
        if version.number == 1
        else _(
            "Đã nộp lại bài dự thi (lần %(number)s). Ban Giám khảo sẽ chấm bản này.",
            number=version.number,
        ),
        "success",
    )
    return redirect(url_for("essay.edit_entry", entry_id=entry.id), 303)


@bp.get("/bai-du-thi/<int:entry_id>/tep/<int:file_id>")
@login_required
def download(entry_id: int, file_id: int):
    entry = _own(entry_id)
    stored = next((f for f in entry.files if f.id == file_id), None)
    if stored is None:
        abort(404)
    # Named neutrally: the author never learns the code judges know the entry by.
    return send_essay_file(stored, f"bai-du-thi.{stored.kind.value}")
