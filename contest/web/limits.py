"""Rate limits on sign-in and registration (S4), shared by the pages and the API.

Counters live in Redis when ``REDIS_URL`` is set (``RATELIMIT_STORAGE_URI``), so every app
server and worker counts the same attempts; otherwise each process counts its own
(docs/security.md, S4).

The per-account limit counts failed sign-ins only and is keyed on the account, not on how
its phone or email was spelt (``accounts.login_key``): ``+84977000012``, ``0977 000 012``
and the account's email share one counter.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps

from flask import current_app, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded

from contest.extensions import db, limiter
from contest.services import accounts
from contest.web.errors import api_error


def _login_ip_limit():
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _login_account_limit():
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def register_limit():
    return current_app.config["REGISTER_LIMIT_PER_IP"]


# The API's registration endpoint counts under its own name (``limiter.limit``); the page
# counts in the same counter, so together they allow REGISTER_LIMIT_PER_IP.
_REGISTER_SCOPE = "api.register"


def register_limits(view: Callable) -> Callable:
    """The per-IP limit on registrations (S4), on POST only, shared by the registration
    page and ``/api/auth/register``: it bounds how many phone numbers or CCCDs one address
    can try (docs/security.md, "Registration")."""
    return limiter.shared_limit(register_limit, _REGISTER_SCOPE, methods=["POST"])(view)


def _posted_login() -> str:
    """The ``login`` of a sign-in form or JSON body; ``''`` when there is none (a body that
    is not JSON, too deep, not an object … is refused by the view itself)."""
    if not request.is_json:
        return request.form.get("login", "")
    try:
        data = request.get_json(silent=True)
    except (RecursionError, ValueError):
        return ""
    value = data.get("login") if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


def login_account_key() -> str:
    """Rate-limit key of one account, whatever the spelling of its phone or email."""
    key = accounts.login_key(_posted_login())
    db.session.commit()  # end the look-up before the view runs
    return key


def _failed(response) -> bool:
    """A sign-in that did not succeed (wrong password, unknown account, bad form)."""
    return 400 <= response.status_code < 500 and response.status_code != 429


def _blocked_message() -> str:
    limit = limiter.current_limit
    seconds = limit.reset_at - time.time() if limit else 60
    return _(
        "Bạn đã đăng nhập sai quá nhiều lần với tài khoản này. Để bảo vệ tài khoản, vui "
        "lòng thử lại sau %(minutes)s phút, hoặc liên hệ Ban Tổ chức nếu bạn quên mật khẩu.",
        minutes=max(1, math.ceil(seconds / 60)),
    )


def login_limits(view: Callable | None = None, *, page: Callable[[str], object] | None = None):
    """Per-IP and per-account limits on sign-in attempts (S4), on POST only.

    When the account's limit is reached the answer is 429 with ``Retry-After`` and a
    message saying how long to wait: the JSON error shape under ``/api/``, else
    ``page(message)`` (a view's own rendering; the error page without one).
    The sign-in page and ``/api/auth/login`` share both counters. Use as
    ``@login_limits`` or ``@login_limits(page=...)``.
    """
    if view is None:
        return lambda v: login_limits(v, page=page)
    # Shared scopes: the page and the API count the same tries.
    limited = limiter.shared_limit(_login_ip_limit, "login-ip", methods=["POST"])(view)
    limited = limiter.shared_limit(
        _login_account_limit,
        "login-account",
        key_func=login_account_key,
        methods=["POST"],
        deduct_when=_failed,
    )(limited)

    @wraps(view)
    def guarded(*args, **kwargs):
        try:
            return limited(*args, **kwargs)
        except RateLimitExceeded as exc:
            if exc.limit.key_func is not login_account_key:
                raise
            if request.path.startswith("/api/"):
                return api_error(429, "too_many_requests", _blocked_message())
            if page is None:
                raise
            return page(_blocked_message())

    return guarded
