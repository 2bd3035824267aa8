"""Sign-in wiring (session revocation, roles), security headers and proxy handling."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from contest.extensions import db, login_manager
from contest.models import Role, Unit, User
from contest.services import unit_scope
from contest.services.errors import Forbidden
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
    """Allow only signed-in users with one of ``roles`` (admins pass every check).

    Deny by default for unit organisers (issue 15 item 1): an organiser with a scope unit
    passes only into views marked ``unit_scoped``; every other guarded view (whether the
    guard is the blueprint's ``before_request`` or the view's own decorator) answers 403,
    so a page added later is closed to them until it narrows what it shows."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            if is_unit_organiser(current_user) and not is_unit_scoped(request.endpoint):
                raise Forbidden(outside_scope_message(current_user))
            return view(*args, **kwargs)

        wrapped.required_roles = frozenset(roles)  # read by the scope sweep test
        return wrapped

    return decorator


def unit_scoped(view):
    """Mark an organiser view as open to unit organisers: it shows, exports and changes
    only what lies in ``unit_scope.scope_of(current_user)``. Put it under the route
    decorator (the endpoint's own function must carry the mark)."""
    view.unit_scoped = True
    return view


def is_unit_scoped(endpoint: str | None) -> bool:
    """Whether the view of ``endpoint`` is marked ``unit_scoped``."""
    view = current_app.view_functions.get(endpoint or "")
    return bool(getattr(view, "unit_scoped", False))


def is_unit_organiser(user) -> bool:
    """An organiser account limited to a unit's subtree (the quiz API's lean user is read
    in full: the answer must never default to "not limited")."""
    if not getattr(user, "is_authenticated", False) or user.role is not Role.organiser:
        return False
    full = user if isinstance(user, User) else user.full()
    return full is not None and full.is_unit_organiser


def current_scope() -> set[int] | None:
    """The unit ids the signed-in user may see (``unit_scope.scope_of``; None: all)."""
    if not current_user.is_authenticated:
        return None
    return unit_scope.scope_of(current_user._get_current_object())


def may_open(endpoint: str) -> bool:
    """Whether the signed-in user's scope lets them open ``endpoint`` (for links and
    cards: a unit organiser sees only those of ``unit_scoped`` pages)."""
    return not is_unit_organiser(current_user) or is_unit_scoped(endpoint)


def outside_scope_message(user) -> str:
    unit = db.session.get(Unit, user.scope_unit_id)
    return _(
        "Trang này dành cho Ban Tổ chức cấp tỉnh. Tài khoản của bạn là Ban Tổ chức của "
        "«%(unit)s»: bạn làm việc với thí sinh, danh sách chưa tham gia, chỉ tiêu, thống kê "
        "và kết quả của đơn vị mình và các đơn vị trực thuộc. Hãy mở các trang đó từ trang "
        "Ban Tổ chức.",
        unit=unit.path if unit is not None else "—",
    )


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
    app.jinja_env.globals["may_open"] = may_open
