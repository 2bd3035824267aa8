"""The public verification page of a certificate (``/xac-minh/<mã>``: the masked name, the
contest, the prize and the date — never personal data), and a participant's own
certificate from their results page."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contest.certificates.forms import VerifyForm
from contest.extensions import limiter
from contest.models import Role
from contest.services import certificates, certificates_pdf
from contest.services.errors import NotFound
from contest.web.security import role_required

bp = Blueprint("certificates", __name__)
# Codes carry ~78 bits; the limit keeps a scan of guesses slow all the same.
VERIFY_LIMIT = "30 per minute"


@bp.get("/xac-minh")
@limiter.limit(VERIFY_LIMIT)
def verify_form():
    form = VerifyForm(request.args)
    if form.ma.data:
        code = certificates.normalise_code(form.ma.data)
        if code:
            return redirect(url_for("certificates.verify", code=certificates.format_code(code)))
    return render_template("certificates/verify_form.html", form=form)


@bp.get("/xac-minh/<code>")
@limiter.limit(VERIFY_LIMIT)
def verify(code: str):
    found = certificates.verify(code)
    response = make_response(
        render_template(
            "certificates/verify.html",
            found=found,
            form=VerifyForm(formdata=None, ma=code),
        ),
        200 if found else 404,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/dot-thi/<int:round_id>/giay-chung-nhan.pdf")
@role_required(Role.participant)
def own(round_id: int):
    """The signed-in participant's certificate for the round, drawn now."""
    cert = certificates.own_certificate(round_id, current_user.id)
    if cert is None:
        raise NotFound(
            _(
                "Bạn chưa có giấy chứng nhận của đợt thi này. Giấy chứng nhận được cấp sau khi "
                "Ban Tổ chức công bố kết quả và cấp giấy."
            )
        )
    data = certificates_pdf.render(certificates_pdf.face_of(cert, request.url_root))
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=giay-chung-nhan-dot-{round_id}.pdf"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_template_global()
def own_certificate(round_id: int, user):
    """For templates: the signed-in participant's certificate in force, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.role is not Role.participant:
        return None
    return certificates.own_certificate(round_id, user.id)
