"""Self-service password reset by email (issue 11 item 5): a signed, single-use,
short-lived link. No Flask; the secret, the clock and the mail settings come in as data.

The link carries the account id, when it was issued and a fingerprint of the account's
current password hash and session token (``itsdangerous``, salted). It is refused after
``max_minutes``, and once used: choosing the new password changes both, so the same link,
and every other link issued before, stops matching. Nothing is stored.

Asking for a link never says whether the email has an account (``request_reset`` returns
nothing); people without an email are told whom to contact (the page), and an organiser's
reset gives a temporary password that only lets them choose a new one.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from contest.extensions import db
from contest.models import User
from contest.services import audit, mail, vn
from contest.services.accounts import revoke_sessions
from contest.services.errors import ValidationFailed
from contest.services.i18n import _
from contest.services.passwords import hash_password, password_problem

SALT = "password-reset"


class LinkRefused(Exception):
    """The link is damaged, expired or already used; ``message`` says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _fingerprint(user: User) -> str:
    digest = hashlib.sha256(f"{user.password_hash}|{user.session_token}".encode())
    return digest.hexdigest()[:24]


def make_token(user: User, *, secret: str, now: datetime) -> str:
    """A link token for ``user``, issued at ``now``."""
    payload = {"u": user.id, "f": _fingerprint(user), "t": int(now.timestamp())}
    return URLSafeSerializer(secret, salt=SALT).dumps(payload)


def check_token(token: str, *, secret: str, now: datetime, max_minutes: int) -> User:
    """The account a token resets; raises ``LinkRefused`` when it cannot be used."""
    try:
        payload = URLSafeSerializer(secret, salt=SALT).loads(token)
        user_id, fingerprint, issued = int(payload["u"]), str(payload["f"]), int(payload["t"])
    except (BadSignature, KeyError, TypeError, ValueError, OverflowError):
        raise LinkRefused(_damaged()) from None
    age = now.timestamp() - issued
    if age < 0 or age > max_minutes * 60:
        raise LinkRefused(
            _(
                "Liên kết đặt lại mật khẩu đã hết hạn (chỉ dùng được trong %(minutes)s phút). "
                "Vui lòng yêu cầu liên kết mới.",
                minutes=max_minutes,
            )
        )
    user = db.session.get(User, user_id)
    if user is None or not hmac.compare_digest(_fingerprint(user), fingerprint):
        raise LinkRefused(
            _(
                "Liên kết này đã được dùng hoặc không còn hiệu lực (mật khẩu đã được đổi sau "
                "khi gửi thư). Vui lòng yêu cầu liên kết mới nếu bạn vẫn cần."
            )
        )
    if not user.is_active_account:
        raise LinkRefused(_("Tài khoản này đang bị khoá. Vui lòng liên hệ Ban Tổ chức."))
    return user


def _damaged() -> str:
    return _(
        "Liên kết đặt lại mật khẩu không đúng (có thể bị cắt mất khi sao chép). Vui lòng mở "
        "đúng liên kết trong thư, hoặc yêu cầu liên kết mới."
    )


def find_by_email(email: str) -> User | None:
    """The account whose email is ``email`` in its canonical spelling, if any."""
    key = vn.normalise_email(email)
    if not key:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == key.lower()))


def request_reset(
    email: str,
    *,
    secret: str,
    now: datetime,
    link_for,
    settings: mail.MailSettings,
    site_name: str,
    max_minutes: int,
) -> None:
    """Email a reset link when ``email`` belongs to an active account; otherwise do
    nothing, and say nothing about it. ``link_for(token)`` builds the absolute URL.
    Raises ``mail.MailNotSent`` when the server cannot take the message."""
    user = find_by_email(email or "")
    if user is None or not user.is_active_account or not user.email:
        return
    link = link_for(make_token(user, secret=secret, now=now))
    body = _(
        "Xin chào %(name)s,\n\n"
        "Có người (có thể là bạn) vừa yêu cầu đặt lại mật khẩu tài khoản %(site)s của bạn. "
        "Để chọn mật khẩu mới, mở liên kết sau trong vòng %(minutes)s phút:\n\n%(link)s\n\n"
        "Liên kết chỉ dùng được một lần. Nếu bạn không yêu cầu, hãy bỏ qua thư này: mật khẩu "
        "của bạn không thay đổi.\n\n%(site)s",
        name=user.full_name,
        site=site_name,
        minutes=max_minutes,
        link=link,
    )
    subject = _("Đặt lại mật khẩu — %(site)s", site=site_name)
    mail.send(settings, mail.compose(settings, to=user.email, subject=subject, body=body))


def reset_with_token(
    token: str, new_password: str, *, secret: str, now: datetime, max_minutes: int
) -> User:
    """Set the new password the link allows; the link (and every older one) is spent and
    every session of the account ends. Raises ``LinkRefused`` or ``ValidationFailed``."""
    user = check_token(token, secret=secret, now=now, max_minutes=max_minutes)
    problem = password_problem(new_password)
    if problem:
        raise ValidationFailed({"new_password": problem})
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    revoke_sessions(user)
    audit.record(user, "user.reset_password_self", "user", user.id, now=now)
    return user
