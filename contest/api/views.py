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
from contest.web.errors import api_error
from contest.web.limits import login_limits, register_limit

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)  # checked below, after the sign-in check, so a stranger gets 401 first

OPEN_WRITES = {"api.register", "api.login"}


@bp.before_request
def check_session_and_csrf():
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in OPEN_WRITES:
        return None
    if not current_user.is_authenticated:
        return api_error(401, "unauthorized", _("Bạn cần đăng nhập để tiếp tục."))
    csrf.protect()  # S3: X-CSRFToken on every JSON write
    return None


def json_body() -> dict:
    data = request.get_json(silent=True)
    if data is None and request.form:
        data = request.form.to_dict()
    if not isinstance(data, dict):
        return {}
    return data


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
    data = json_body()
    user = participants.register_participant(
        participants.ProfileInput.from_mapping(data),
        now=utcnow(),
        min_age=current_app.config["MIN_AGE"],
        policy_version=current_app.config["PRIVACY_POLICY_VERSION"],
    )
    db.session.commit()
    login_user(user)
    return jsonify({"user": user_json(user), "csrf_token": generate_csrf()}), 201


@bp.post("/auth/login")  # the contract: login returns the token later writes send
@login_limits
def login():
    data = json_body()
    user = accounts.find_by_login(str(data.get("login", "")))
    db.session.commit()  # end the look-up: no lock is held while the password is hashed
    try:
        user = accounts.check_password(user, str(data.get("password", "")), now=utcnow())
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
