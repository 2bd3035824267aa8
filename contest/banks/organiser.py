"""Organiser pages of the question banks (Ngân hàng câu hỏi).

Import (an ``.xlsx`` or a Word ``.docx``) is upload → preview → confirm. The uploaded bytes
wait on disk under a random token (``bank_files.stage_upload``), never in the cookie session;
the preview parses them, the confirm parses them again and saves everything or nothing. A
file above ``bank_staging.runs_as_job``'s limits (the preview noted its rows) is confirmed
into a job (``contest/jobs/imports.py``) and the page answers with the job's page.
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from contest.banks import uploads
from contest.banks.forms import BankForm, QuestionForm
from contest.banks.images import picture_url
from contest.banks.question_input import apply_question_errors, question_input
from contest.db import utcnow
from contest.extensions import db
from contest.jobs import imports as job_imports
from contest.models import Difficulty, Role
from contest.services import bank_files, bank_staging, banks, question_images, questions
from contest.services.errors import NotFound, ValidationFailed
from contest.web import menu
from contest.web.forms import apply_errors
from contest.web.security import role_required

bp = Blueprint("banks", __name__, url_prefix="/ban-to-chuc/ngan-hang")

menu.add(
    5, "banks.list_banks", _l("Ngân hàng câu hỏi"), _l("Nhập từ Excel, tìm kiếm, sửa câu hỏi.")
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.before_request
@role_required(Role.organiser)
def guard():
    return None


def _actor():
    return current_user._get_current_object()


def _save(form, save, put_errors=apply_errors):
    """``(saved, general)``: ``save()`` committed; or ``None`` and what ``put_errors`` returns
    after putting the ValidationFailed's messages on the form (the page is shown again)."""
    try:
        saved = save()
    except ValidationFailed as exc:
        db.session.rollback()
        return None, put_errors(form, exc)
    db.session.commit()
    return saved, None


def _safe_back(default: str) -> str:
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


# --- banks ----------------------------------------------------------------------------------


@bp.route("/")
def list_banks():
    bank_list = banks.list_banks()
    counts = banks.count_questions([b.id for b in bank_list])
    return render_template("banks/list.html", banks=bank_list, counts=counts)


@bp.route("/tao-moi", methods=["GET", "POST"])
def create_bank():
    form = BankForm()
    if form.validate_on_submit():
        bank, _general = _save(
            form,
            lambda: banks.create_bank(
                form.name.data, form.description.data, actor=_actor(), now=utcnow()
            ),
        )
        if bank is not None:
            flash(
                _(
                    "Đã tạo ngân hàng «%(name)s». Bạn có thể nhập câu hỏi từ Excel.",
                    name=bank.name,
                ),
                "success",
            )
            return redirect(url_for("banks.upload_file", bank_id=bank.id))
    status = 422 if form.errors else 200
    return render_template("banks/bank_form.html", form=form, bank=None), status


@bp.route("/<int:bank_id>/sua", methods=["GET", "POST"])
def edit_bank(bank_id: int):
    bank = banks.get_bank(bank_id)
    form = BankForm(obj=bank)
    if form.validate_on_submit():
        saved, _general = _save(
            form,
            lambda: banks.update_bank(
                bank,
                name=form.name.data,
                description=form.description.data,
                actor=_actor(),
                now=utcnow(),
            ),
        )
        if saved is not None:
            flash(_("Đã lưu thông tin ngân hàng."), "success")
            return redirect(url_for("banks.show_bank", bank_id=bank.id))
    status = 422 if form.errors else 200
    return render_template("banks/bank_form.html", form=form, bank=bank), status


@bp.route("/<int:bank_id>")
def show_bank(bank_id: int):
    bank = banks.get_bank(bank_id)
    args = request.args
    filters = {
        "q": args.get("q", "").strip()[:200],
        "topic": args.get("topic", ""),
        "difficulty": args.get("difficulty", ""),
        "status": args.get("status", ""),
    }
    pagination = banks.search_questions(
        bank,
        query=filters["q"],
        topic=filters["topic"],
        difficulty=filters["difficulty"],
        status=filters["status"],
        page=args.get("page", 1, type=int),
    )
    return render_template(
        "banks/show.html",
        bank=bank,
        counts=banks.count_questions([bank.id])[bank.id],
        topics=banks.list_topics(bank),
        difficulties=list(Difficulty),
        pagination=pagination,
        filters=filters,
    )


@bp.route("/mau-ngan-hang-cau-hoi.xlsx")
def download_template():
    return send_file(
        io.BytesIO(bank_files.template_bytes()),
        mimetype=XLSX,
        as_attachment=True,
        download_name="mau-ngan-hang-cau-hoi.xlsx",
        max_age=0,
    )


@bp.route("/mau-ngan-hang-cau-hoi.docx")
def download_docx_template():
    return send_file(
        io.BytesIO(bank_files.docx_template_bytes()),
        mimetype=DOCX,
        as_attachment=True,
        download_name="mau-ngan-hang-cau-hoi.docx",
        max_age=0,
    )


def _export(bank_id: int, fmt: str):
    bank = banks.get_bank(bank_id)
    fmt = bank_files.export_format(bank, fmt)  # a bank with pictures: a .zip
    data = bank_files.export_bank(bank, actor=_actor(), now=utcnow(), fmt=fmt)
    db.session.commit()
    response = send_file(
        io.BytesIO(data),
        mimetype={"docx": DOCX, "zip": "application/zip"}.get(fmt, XLSX),
        as_attachment=True,
        download_name=bank_files.export_filename(bank, fmt),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:bank_id>/xuat-excel")
def export_bank(bank_id: int):
    return _export(bank_id, "xlsx")


@bp.route("/<int:bank_id>/xuat-word")
def export_bank_docx(bank_id: int):
    return _export(bank_id, "docx")


# --- import: upload → preview → confirm -----------------------------------------------------


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    message = bank_files.too_large_message()
    bank_id = (request.view_args or {}).get("bank_id")
    if request.endpoint == "banks.upload_file" and bank_id is not None:
        try:
            return uploads.upload_page(banks.get_bank(bank_id), message, 413)
        except NotFound:
            pass
    return render_template(
        "errors/error.html", status=413, title=_("Tệp quá lớn"), message=message
    ), 413


@bp.route("/<int:bank_id>/nhap-excel", methods=["GET", "POST"])
def upload_file(bank_id: int):
    bank = banks.get_bank(bank_id)
    if request.method == "GET":
        return uploads.upload_page(bank, None, 200)
    # CSRFProtect has already checked the token (a form field, also sent by upload.js).
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return uploads.upload_page(bank, bank_files.empty_upload_message(), 400)
    data = upload.stream.read(bank_files.MAX_FILE_BYTES + 1)
    try:
        bank_files.check_upload(data, upload.filename)
    except bank_files.FileTooLarge as exc:
        return uploads.upload_page(bank, exc.message, 413)
    except bank_files.UnreadableFile as exc:
        return uploads.upload_page(bank, exc.message, 400)
    token = bank_files.stage_upload(
        uploads.staging_dir(),
        data,
        bank_id=bank.id,
        actor_id=current_user.id,
        now=utcnow(),
        filename=upload.filename,
    )
    target = url_for("banks.preview_import", bank_id=bank.id, token=token)
    if uploads.wants_json():
        return jsonify({"redirect": target})
    return redirect(target, 303)


@bp.route("/<int:bank_id>/nhap-excel/<token>")
def preview_import(bank_id: int, token: str):
    bank = banks.get_bank(bank_id)
    staged, response = uploads.staged_preview(bank, token)
    if response is not None:
        return response
    _data, filename, preview = staged
    bank_staging.note_rows(uploads.staging_dir(), token, preview.rows_read)
    return uploads.preview_page(bank, token, filename, preview)


@bp.route("/<int:bank_id>/nhap-excel/<token>", methods=["POST"])
def confirm_import(bank_id: int, token: str):
    """Save the previewed file here, or, above the limits, queue it as a job (the staged
    upload and its job share the token: a second click finds the same job)."""
    bank = banks.get_bank(bank_id)
    job = job_imports.bank_import_job(bank.id, token)
    if job is not None:
        return uploads.job_page(job)
    found, response = uploads.staged(bank, token)
    if response is not None:
        return response
    data, filename = found
    if uploads.runs_as_job(len(data), bank_staging.noted_rows(uploads.staging_dir(), token)):
        return uploads.queue_import(bank, token, data, filename, actor=_actor())
    staged, response = uploads.staged_preview(bank, token)
    if response is not None:
        return response
    data, filename, preview = staged
    if not preview.ok:
        return uploads.preview_page(bank, token, filename, preview)
    if uploads.runs_as_job(len(data), preview.rows_read):  # confirmed without a preview
        return uploads.queue_import(bank, token, data, filename, actor=_actor())
    try:
        result = bank_files.save_import(bank, preview, actor=_actor(), now=utcnow())
        db.session.commit()
    except IntegrityError:
        # The same questions were saved meanwhile (a second click, another organiser).
        db.session.rollback()
        flash(
            _("Các câu hỏi này vừa được nhập vào ngân hàng. Vui lòng kiểm tra lại danh sách."),
            "warning",
        )
        return redirect(url_for("banks.show_bank", bank_id=bank.id))
    bank_files.discard_staged(uploads.staging_dir(), token)
    if result.duplicates:
        message = _(
            "Đã nhập %(count)s câu hỏi vào ngân hàng «%(name)s». Bỏ qua %(duplicates)s câu trùng.",
            count=result.imported,
            name=bank.name,
            duplicates=result.duplicates,
        )
    else:
        message = _(
            "Đã nhập %(count)s câu hỏi vào ngân hàng «%(name)s».",
            count=result.imported,
            name=bank.name,
        )
    flash(message, "success")
    return redirect(url_for("banks.show_bank", bank_id=bank.id))


# --- questions ------------------------------------------------------------------------------


def _question_page(form, bank, question, general, status=200):
    return render_template(
        "banks/question_form.html",
        form=form,
        bank=bank,
        question=question,
        general=general,
        topics=banks.list_topics(bank),
        picture_url=picture_url,
        image_mb=question_images.MAX_BYTES // 1048576,
        image_px=question_images.MAX_SIDE,
    ), status


@bp.route("/<int:bank_id>/cau-hoi/moi", methods=["GET", "POST"])
def create_question(bank_id: int):
    bank = banks.get_bank(bank_id)
    form = QuestionForm()
    general: dict[str, str] = {}
    if form.validate_on_submit():
        question, general = _save(
            form,
            lambda: questions.create_question(
                bank, question_input(form), actor=_actor(), now=utcnow()
            ),
            apply_question_errors,
        )
        if question is not None:
            flash(_("Đã thêm câu hỏi số %(number)s.", number=question.id), "success")
            return redirect(url_for("banks.show_bank", bank_id=bank.id))
    status = 422 if request.method == "POST" else 200
    return _question_page(form, bank, None, general, status)


def _saved_message(saved, question_id: int) -> str:
    if saved.id != question_id:
        return _(
            "Đã lưu phiên bản %(version)s của câu hỏi (số %(number)s). Các lượt "
            "thi đã làm vẫn giữ nguyên câu hỏi và đáp án cũ.",
            version=saved.version,
            number=saved.id,
        )
    return _("Đã lưu câu hỏi số %(number)s.", number=saved.id)


@bp.route("/<int:bank_id>/cau-hoi/<int:question_id>/sua", methods=["GET", "POST"])
def edit_question(bank_id: int, question_id: int):
    bank = banks.get_bank(bank_id)
    question = banks.get_question(bank, question_id)
    if request.method == "GET":
        options = [{"text": o.text, "is_correct": o.is_correct} for o in question.options]
        form = QuestionForm(
            data={
                "topic": question.topic,
                "difficulty": question.difficulty.value,
                "text": question.text,
                "explanation": question.explanation,
                "image_alt": question.image_alt,
                "options": options + [{"text": "", "is_correct": False}] * (6 - len(options)),
            }
        )
    else:
        form = QuestionForm()
    general: dict[str, str] = {}
    if form.validate_on_submit():
        saved, general = _save(
            form,
            lambda: questions.update_question(
                question, question_input(form), actor=_actor(), now=utcnow()
            ),
            apply_question_errors,
        )
        if saved is not None:
            flash(_saved_message(saved, question_id), "success")
            return redirect(url_for("banks.show_bank", bank_id=bank.id))
    status = 422 if request.method == "POST" else 200
    return _question_page(form, bank, question, general, status)


@bp.route("/<int:bank_id>/cau-hoi/<int:question_id>/trang-thai", methods=["POST"])
def set_question_active(bank_id: int, question_id: int):
    bank = banks.get_bank(bank_id)
    question = banks.get_question(bank, question_id)
    active = request.form.get("active") == "1"
    questions.set_question_active(question, active, actor=_actor(), now=utcnow())
    db.session.commit()
    if active:
        flash(_("Đã dùng lại câu hỏi số %(number)s.", number=question.id), "success")
    else:
        flash(
            _(
                "Đã ngừng sử dụng câu hỏi số %(number)s. Câu này không được rút vào đề thi "
                "mới; các lượt thi đã làm không thay đổi.",
                number=question.id,
            ),
            "success",
        )
    return redirect(_safe_back(url_for("banks.show_bank", bank_id=bank.id)))
