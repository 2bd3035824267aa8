"""Sign-in wiring (session revocation, roles), security headers and proxy handling."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from contest.extensions import db, login_manager
from contest.models import Role, User
from contest.web import session_user

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # The id carries the session token: after logout or a password change the token
    # changes, so an old (even replayed) cookie no longer loads anyone (S2).
    raw_id, _, token = (user_id or "").partition(":")
    if not raw_id.isdigit() or not token:
        return None
    if request.endpoint in session_user.LEAN_ENDPOINTS:  # the quiz API: who, not the object
        return session_user.load(int(raw_id), token)
    user = db.session.get(User, int(raw_id))
    if user is None or user.session_token != token or not user.is_active_account:
        return None
    return user


def role_required(*roles: Role):
    """Allow only signed-in users with one of ``roles`` (admins pass every check)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def cross_site_request() -> bool:
    """Whether the browser says this request was sent by a page of another origin: its
    ``Sec-Fetch-Site`` is ``cross-site``, or it carries an ``Origin`` (every browser
    sends one on a cross-origin POST, ``null`` from sandboxes and ``data:`` pages) that
    is not this app's own. A script or a test client sends neither and passes."""
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    return origin.strip().lower().rstrip("/") != request.host_url.lower().rstrip("/")


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("HSTS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user and getattr(current_user, "is_authenticated", False):
        headers.setdefault("Cache-Control", "private, no-store")
    return response


def init_app(app: Flask) -> None:
    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect, url_for

        if request.path.startswith("/api/"):
            from contest.web.errors import api_error

            return api_error(401, "unauthorized", _("Bạn cần đăng nhập để tiếp tục."))
        flash(str(login_manager.login_message), "warning")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    app.after_request(_security_headers)
