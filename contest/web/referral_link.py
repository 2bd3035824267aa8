"""The referral link's trip through the browser (docs/sharing.md).

A page opened with ``?ref=<code>`` of an active participant keeps the code in a cookie
(``gioi_thieu``, 30 days, HttpOnly, SameSite=Lax), so it survives the visitor's wandering
to /dang-ky and any redirect. The first link wins: a later ``?ref`` never replaces it.
When the browser is, or later becomes, signed in as the code's owner, the cookie is
marked: an account registered from it is the referrer's own and is not credited.
Registration (the page, and ``/api/auth/register``, which may also carry the code in
its body) calls ``credit_registration``; the cookie is then dropped.
"""

from __future__ import annotations

from datetime import timedelta

from flask import g, request
from flask_login import current_user

from contest.db import utcnow
from contest.services import referrals, rounds
from contest.services.errors import NotFound

COOKIE = "gioi_thieu"
MAX_AGE = int(timedelta(days=30).total_seconds())


def _read() -> tuple[str, str, bool] | None:
    """(code, contest slug, opened by the referrer) from the cookie, or None."""
    raw = request.cookies.get(COOKIE) or ""
    code, _sep, rest = raw.partition("|")
    slug, _sep, flag = rest.partition("|")
    if not referrals.CODE_RE.fullmatch(code):
        return None
    return code, slug, flag == "1"


def _value(code: str, slug: str, own: bool) -> str:
    return f"{code}|{slug}|{'1' if own else '0'}"


def capture() -> None:
    """Before a request: note a new ``?ref`` (first touch wins) or mark the cookie as the
    referrer's own when its owner is signed in here. Sets ``g.referral_cookie``."""
    if request.endpoint == "static" or request.path.startswith("/api/"):
        return  # pages carry the link; the quiz API's hot path never loads a user for it
    stored = _read()
    if stored is not None:
        code, slug, own = stored
        if not own and current_user.is_authenticated:
            referrer = referrals.referrer_of(code)
            if referrer is not None and referrer.id == current_user.id:
                g.referral_cookie = _value(code, slug, True)
        return
    code = request.args.get("ref", "")
    if not referrals.CODE_RE.fullmatch(code):
        return
    referrer = referrals.referrer_of(code)
    if referrer is None:
        return
    signed_in = current_user.is_authenticated
    own = signed_in and referrer.id == current_user.id
    if signed_in and not own:
        return  # someone signed in does not register: leave the cookie for a newcomer
    slug = (request.view_args or {}).get("slug", "") if request.endpoint else ""
    g.referral_cookie = _value(code, str(slug)[:120].replace("|", ""), own)


def store(response):
    """After a request: write or drop the cookie as ``capture`` or registration decided."""
    value = g.pop("referral_cookie", None)
    if value == "":
        response.delete_cookie(COOKIE, samesite="Lax")
    elif value:
        response.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


def credit_registration(newcomer, code: str | None = None) -> None:
    """Record the just-registered ``newcomer`` against the cookie's code (flushes; the
    caller commits) and drop the cookie. ``code`` is a client's own copy of the link's
    ``ref`` (the JSON API's body field): used only when the browser holds no cookie, so
    the first link still wins. Registering while signed in as the code's owner is a
    self-referral like opening the link as them."""
    stored = _read()
    if stored is None:
        if not code or not referrals.CODE_RE.fullmatch(code):
            return
        stored = (code, "", False)
    code, slug, own = stored
    contest_id = None
    if slug:
        try:
            contest_id = rounds.get_contest_by_slug(slug).id
        except NotFound:
            contest_id = None
    if not own and current_user.is_authenticated:
        referrer = referrals.referrer_of(code)
        own = referrer is not None and referrer.id == current_user.id
    referrals.record_signup(
        newcomer, code, contest_id=contest_id, opened_as_referrer=own, now=utcnow()
    )
    g.referral_cookie = ""
