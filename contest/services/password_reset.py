"""Self-service password reset by email (issue 11 item 5): a signed, single-use,
short-lived link. No Flask; the secret, the clock and the mail settings come in as data.

The link carries the account id, when it was issued and a fingerprint of the account's
current password hash and session token (``itsdangerous``, salted). It is refused after
``max_minutes``, and once used: choosing the new password changes both, so the same link,
and every other link issued before, stops matching. Nothing is stored.

Asking for a link never says whether the email has an account, by what the page says or
by how long it takes: the page looks the address up (``account_to_mail``) and queues the
mail as a job whatever it found (``contest.jobs.reset_mail``), so the SMTP round trip,
and a mail server that is down, happen outside the request for every address alike. The
job sends the link (``link_message``) or, for an unknown address, nothing. Asking is limited
per account too, on a hash of the normalised address (``account_key``), never the address.
People without an email are told whom to contact (the page), and an organiser's reset
gives a temporary password that only lets them choose a new one.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import datetime
from email.message import EmailMessage

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


def _canonical(email: str | None) -> str:
    email = email or ""
    return vn.normalise_email(email) or "".join(
        unicodedata.normalize("NFKC", email).casefold().split()
    )


def _keyed_hash(email: str | None, secret: str) -> str:
    return hmac.new(secret.encode(), _canonical(email).encode(), hashlib.sha256).hexdigest()


def account_key(email: str | None, *, secret: str) -> str:
    """The per-account rate-limit key of a reset request: a keyed hash of the address in
    its canonical spelling (``Mai.Lo@EXAMPLE.vn`` and ``mai.lo@example.vn`` share it), the
    same whether or not the address has an account, never the address itself (and not
    one a list of addresses could be hashed to find, without the site's secret)."""
    return "reset:" + _keyed_hash(email, secret)[:32]


def address_digest(email: str | None, *, secret: str) -> str:
    """What a log line may say about an address: a short keyed hash, never the address."""
    return _keyed_hash(email, secret)[:12]


def account_to_mail(email: str | None) -> int | None:
    """The id of the active account with an email that ``email`` names, else None. The
    caller queues the mail job with it either way (same work, same time)."""
    user = find_by_email(email or "")
    if user is None or not user.is_active_account or not user.email:
        return None
    return user.id


def link_message(
    user: User,
    *,
    secret: str,
    now: datetime,
    link_for,
    settings: mail.MailSettings,
    site_name: str,
    max_minutes: int,
) -> EmailMessage:
    """The email with ``user``'s reset link issued at ``now`` (``link_for(token)`` builds
    the absolute URL), for ``mail.send``: the caller may end its transaction first, so the
    SMTP round trip holds no database lock."""
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
    return mail.compose(settings, to=user.email, subject=subject, body=body)


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
