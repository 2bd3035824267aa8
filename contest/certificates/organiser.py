"""Organiser pages for a contest's official documents: the template of its certificates
and lists (issuer, signer, signature and seal images), each round's prize decision, a
sample certificate, and issuing a round's certificates as a job (a zip of PDFs)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from contest import jobs
from contest.certificates.forms import DecisionForm, IssueForm, TemplateForm
from contest.db import utcnow
from contest.extensions import db
from contest.jobs import certificate_kinds  # noqa: F401  (registers the "certificates" kind)
from contest.models import ContestKind, Role
from contest.services import (
    certificates,
    certificates_images,
    certificates_pdf,
    certificates_template,
    result_pages,
    rounds,
)
from contest.services.errors import Conflict
from contest.services.formatting import LOCAL_TZ
from contest.services.upload_refusals import UploadRefused
from contest.web import menu
from contest.web.security import role_required

bp = Blueprint("certificates_admin", __name__, url_prefix="/ban-to-chuc/giay-chung-nhan")
menu.add(
    6,
    "certificates_admin.index",
    _l("Giấy chứng nhận và văn bản"),
    _l(
        "Mẫu giấy chứng nhận, chữ ký, con dấu, số quyết định; "
        "cấp giấy chứng nhận cho người đoạt giải."
    ),
)
LABELS = {"signature": _l("ảnh chữ ký"), "seal": _l("ảnh con dấu")}


@bp.before_request
@role_required(Role.organiser)
def guard():
    return None


@bp.get("/")
def index():
    return render_template(
        "certificates/index.html",
        contests=rounds.list_contests(published_only=False, kind=ContestKind.quiz),
    )


def _page(contest, form: TemplateForm, status: int = 200):
    issued = {r.id: len(certificates.in_force(r.id)) for r in contest.rounds}
    return (
        render_template(
            "certificates/contest.html",
            contest=contest,
            form=form,
            template=certificates_template.template_of(contest.id),
            issued=issued,
            decisions={r.id: _decision_form(r.id) for r in contest.rounds},
            published={r.id: result_pages.published_result(r.id) for r in contest.rounds},
            issue_form=IssueForm(),
        ),
        status,
    )


def _decision_form(round_id: int) -> DecisionForm:
    decision = certificates_template.decision_of(round_id)
    form = DecisionForm(formdata=None, prefix=f"d{round_id}")
    if decision is not None:
        form.number.data, form.signed_on.data = decision.number, decision.signed_on
    return form


@bp.route("/cuoc-thi/<int:contest_id>", methods=["GET", "POST"])
def contest(contest_id: int):
    contest = rounds.get_contest(contest_id)
    form = TemplateForm()
    if request.method == "GET":
        template = certificates_template.template_of(contest_id)
        if template is not None:
            form.process(obj=template)
        return _page(contest, form)
    if not form.validate_on_submit():
        return _page(contest, form, 422)
    images = {}
    for name in ("signature", "seal"):
        upload = getattr(form, name).data
        if upload and getattr(upload, "filename", ""):
            try:
                images[name] = certificates_images.prepare_image(
                    upload.read(), label=str(LABELS[name])
                )
            except UploadRefused as exc:
                getattr(form, name).errors = [str(exc.message)]
                return _page(contest, form, 413 if exc.too_large else 422)
    certificates_template.save_template(
        contest,
        certificates_template.TemplateData(
            **{name: getattr(form, name).data or "" for name in certificates_template.TEXT_FIELDS},
            include_participants=form.include_participants.data,
        ),
        signature=images.get("signature"),
        seal=images.get("seal"),
        remove=tuple(n for n in ("signature", "seal") if getattr(form, f"remove_{n}").data),
        actor=current_user._get_current_object(),
        now=utcnow(),
    )
    db.session.commit()
    flash(_("Đã lưu mẫu giấy chứng nhận và văn bản."), "success")
    return redirect(url_for("certificates_admin.contest", contest_id=contest_id))


@bp.get("/cuoc-thi/<int:contest_id>/anh/<name>.png")
def image(contest_id: int, name: str):
    template = certificates_template.template_of(contest_id)
    data = getattr(template, f"{name}_png", None) if name in LABELS and template else None
    if data is None:
        abort(404)
    return _private(data, "image/png")


def _private(data: bytes, mime: str):
    """Bytes for the organiser only: never cached."""
    response = make_response(data)
    response.headers["Content-Type"] = mime
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/cuoc-thi/<int:contest_id>/mau.pdf")
def sample(contest_id: int):
    """A sample certificate with the template as it is now (nobody's data)."""
    contest = rounds.get_contest(contest_id)
    face = certificates_pdf.sample_face(contest, request.url_root, local_today())
    response = _private(certificates_pdf.render(face), "application/pdf")
    response.headers["Content-Disposition"] = "inline; filename=giay-chung-nhan-mau.pdf"
    return response


def local_today():
    return utcnow().astimezone(LOCAL_TZ).date()


@bp.post("/dot-thi/<int:round_id>/quyet-dinh")
def decision(round_id: int):
    round_ = rounds.get_round_any(round_id)
    form = DecisionForm(prefix=f"d{round_id}")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "danger")
    else:
        certificates_template.save_decision(
            round_,
            form.number.data or "",
            form.signed_on.data,
            actor=current_user._get_current_object(),
            now=utcnow(),
        )
        db.session.commit()
        flash(_("Đã lưu số và ngày quyết định của %(round)s.", round=round_.name), "success")
    return redirect(url_for("certificates_admin.contest", contest_id=round_.contest_id))


@bp.post("/dot-thi/<int:round_id>/cap")
def issue(round_id: int):
    """Issue the round's certificates as a job; its page gives the zip."""
    round_ = rounds.get_round_any(round_id)
    if not IssueForm().validate_on_submit():
        flash(_("Yêu cầu không hợp lệ. Vui lòng tải lại trang."), "danger")
        return redirect(url_for("certificates_admin.contest", contest_id=round_.contest_id))
    published = result_pages.published_result(round_id)
    if published is None:
        raise Conflict(
            _(
                "Kết quả của đợt thi chưa được công bố. "
                "Vui lòng công bố kết quả trước khi cấp giấy chứng nhận."
            )
        )
    params = {
        "round_id": round_id,
        "contest_id": round_.contest_id,
        "result_id": published.id,
        "base_url": request.url_root,
    }
    job = jobs.enqueue(
        "certificates", params, actor=current_user._get_current_object(), now=utcnow()
    )
    return redirect(url_for("jobs.show", job_id=job.id))
