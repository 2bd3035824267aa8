"""The JSON API (product.md §5). The quiz page's own script uses it."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from contest.api.openapi import build_spec
from contest.db import utcnow
from contest.extensions import csrf, db, limiter
from contest.services import accounts, participants, units
from contest.services.errors import ValidationFailed
from contest.web import referral_link
from contest.web.errors import api_error
from contest.web.json_input import MAX_ID
from contest.web.limits import login_limits, register_limit
from contest.web.security import cross_site_request

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)  # checked below, after the sign-in check, so a stranger gets 401 first

OPEN_WRITES = {"api.register", "api.login"}


@bp.before_request
def check_session_and_csrf():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.endpoint in OPEN_WRITES:
        # Login CSRF: a page on another site must not sign the visitor in (to its account).
        if cross_site_request():
            return api_error(
                403,
                "cross_site",
                _(
                    "Yêu cầu này được gửi từ một trang web khác nên đã bị từ chối. "
                    "Vui lòng mở trang của hội thi và đăng nhập tại đó."
                ),
            )
        return None
    if not current_user.is_authenticated:
        return api_error(401, "unauthorized", _("Bạn cần đăng nhập để tiếp tục."))
    csrf.protect()  # S3: X-CSRFToken on every JSON write
    return None


def json_object(*, required: bool) -> dict:
    """The request's body as a JSON object, strictly: a body that is not one (garbled
    JSON, an array, a form) is a 422, never read as empty; no body at all is a 422 when
    ``required``, else ``{}``."""
    if not request.get_data(cache=True).strip():
        if required:
            raise ValidationFailed({"body": _("Thiếu nội dung JSON của yêu cầu.")})
        return {}
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed(
            {"body": _("Nội dung yêu cầu không phải một đối tượng JSON hợp lệ.")}
        )
    return data


def _text_fields(data: dict, *names: str) -> dict:
    """``names`` as texts: a number, a list or an object there is a 422, not ``str()``."""
    wrong = {
        name: _("Giá trị phải là một chuỗi ký tự.")
        for name in names
        if data.get(name) is not None and not isinstance(data[name], str)
    }
    if wrong:
        raise ValidationFailed(wrong)
    return {name: data.get(name) or "" for name in names}


def _bounded_ids(data: dict, *names: str) -> dict:
    """An id no table can hold (``2**63``, 5,000 digits) reads as no choice at all: the
    service then says "choose one", instead of the database driver overflowing."""
    bounded = dict(data)
    for name in names:
        try:
            number = int(str(data.get(name)).strip())
        except (TypeError, ValueError):
            continue
        if abs(number) > MAX_ID:
            bounded[name] = None
    return bounded


def user_json(user) -> dict:
    return {
        "id": user.id,
        "full_name": user.full_name,
        "role": user.role.value,
        "must_change_password": user.must_change_password,
    }


@bp.post("/auth/register")  # no session yet: the response hands out the CSRF token
@limiter.limit(register_limit)
def register():
    data = _bounded_ids(json_object(required=False), "unit_id", "category", "category_id")
    ref = _text_fields(data, "ref")["ref"]  # optional: the referral link's code
    user = participants.register_participant(
        participants.ProfileInput.from_mapping(data),
        now=utcnow(),
        min_age=current_app.config["MIN_AGE"],
        policy_version=current_app.config["PRIVACY_POLICY_VERSION"],
    )
    referral_link.credit_registration(user, ref)
    db.session.commit()
    login_user(user)
    return jsonify({"user": user_json(user), "csrf_token": generate_csrf()}), 201


@bp.post("/auth/login")  # the contract: login returns the token later writes send
@login_limits
def login():
    data = json_object(required=True)
    fields = _text_fields(data, "login", "password")
    user = accounts.find_by_login(fields["login"])
    db.session.commit()  # end the look-up: no lock is held while the password is hashed
    try:
        user = accounts.check_password(user, fields["password"], now=utcnow())
    finally:
        db.session.commit()
    login_user(user, remember=bool(data.get("remember")))
    return jsonify({"user": user_json(user), "csrf_token": generate_csrf()})


@bp.post("/auth/logout")
@login_required
def logout():
    accounts.revoke_sessions(current_user)
    db.session.commit()
    logout_user()
    return jsonify({"ok": True})


@bp.get("/auth/me")
def me():
    if not current_user.is_authenticated:
        return api_error(401, "unauthorized", _("Bạn cần đăng nhập để tiếp tục."))
    return jsonify({"user": user_json(current_user), "csrf_token": generate_csrf()})


@bp.get("/units")
def list_units():
    return jsonify(
        {
            "units": [
                {
                    "id": u.id,
                    "name": u.name,
                    "path": u.path,
                    "parent_id": u.parent_id,
                    "kind": u.kind.value,
                }
                for u in units.list_units()
            ]
        }
    )


@bp.get("/categories")
def list_categories():
    return jsonify({"categories": [{"id": c.id, "name": c.name} for c in units.list_categories()]})


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())


from contest.api import quiz as _quiz  # noqa: E402,F401  (registers the quiz endpoints)
