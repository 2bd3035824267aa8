"""Rate limits on sign-in and registration (S4), shared by the pages and the API.

Counters live in Redis when ``REDIS_URL`` is set, so every app server counts the same
attempts; otherwise in each process.
"""

from __future__ import annotations

from flask import current_app

from contest.extensions import limiter, login_account_key


def _login_ip_limit():
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _login_account_limit():
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def register_limit():
    return current_app.config["REGISTER_LIMIT_PER_IP"]


def login_limits(view):
    """Per-IP and per-account limits on sign-in attempts (S4), counted on POST only."""
    view = limiter.limit(_login_ip_limit, methods=["POST"])(view)
    return limiter.limit(_login_account_limit, key_func=login_account_key, methods=["POST"])(view)
