"""Accounts: sign-in, passwords, roles, staff accounts and the users list.

Participants' details are checked and built in ``participants``. Every function takes
plain data plus an explicit ``now`` (and ``actor`` where someone acts on another account),
flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import datetime

from sqlalchemy import func, or_, select

from contest.extensions import db
from contest.models import Role, User
from contest.models.user import new_session_token
from contest.services import audit
from contest.services.errors import (
    AccountDisabled,
    InvalidCredentials,
    NotFound,
    ValidationFailed,
)
from contest.services.i18n import _, lazy_gettext
from contest.services.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from contest.services.vn import (
    canonical_login,
    has_hidden_characters,
    normalise_email,
    normalise_phone,
)
from question_bank.text import fold, normalise_text

# The roles' names, in the order the admin's lists show them.
ROLE_LABELS = {
    Role.participant: lazy_gettext("Thí sinh"),
    Role.organiser: lazy_gettext("Ban Tổ chức"),
    Role.judge: lazy_gettext("Giám khảo"),
    Role.admin: lazy_gettext("Quản trị"),
}


def find_by_login(login: str) -> User | None:
    """An account by phone or email, in any spelling (``vn.canonical_login``): fullwidth
    or Arabic-Indic digits, ``+84``/``84``/spaces, the email's case."""
    key = canonical_login(login)
    if not key:
        return None
    if normalise_phone(key) == key:
        return db.session.scalar(select(User).where(User.phone == key))
    return db.session.scalar(select(User).where(func.lower(User.email) == key))


def login_key(login: str) -> str:
    """The rate-limit key of a sign-in attempt: the account's id when ``login`` names one
    (its phone or email, in any spelling), else a digest of the canonical spelling (S4).
    Never the phone or email itself: the key reaches Redis and the limiter's log (L2)."""
    user = find_by_login(login)
    if user is not None:
        return f"user:{user.id}"
    return "login:" + hashlib.sha256(canonical_login(login).encode()).hexdigest()[:24]


def authenticate(login: str, password: str, *, now: datetime) -> User:
    """Check a phone-or-email and password; rehash when the parameters changed (S5).

    Raises InvalidCredentials or AccountDisabled.
    """
    return check_password(find_by_login(login), password, now=now)


def check_password(user: User | None, password: str, *, now: datetime) -> User:
    """The second half of ``authenticate``, for callers that end the look-up's transaction
    first so that no database lock is held while Argon2 runs (30 ms of CPU).

    Raises InvalidCredentials (also for ``user`` None, in the same time) or AccountDisabled.
    """
    if not verify_password(user.password_hash if user else None, password or ""):
        raise InvalidCredentials()
    if not user.is_active_account:
        raise AccountDisabled()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def revoke_sessions(user: User) -> None:
    """Sign the user out everywhere: every cookie carrying the old token stops working (S2)."""
    user.session_token = new_session_token()


def change_password(user: User, current_password: str, new_password: str, *, now: datetime) -> None:
    """Raises ValidationFailed for a wrong current password or a weak new one."""
    errors = {}
    if not verify_password(user.password_hash, current_password or ""):
        errors["current_password"] = _("Mật khẩu hiện tại không đúng.")
    problem = password_problem(new_password)
    if problem:
        errors["new_password"] = problem
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    revoke_sessions(user)


def generate_password() -> str:
    """A temporary password that is easy to read aloud or copy from a printed list."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def reset_password(user: User, *, actor: User, now: datetime) -> str:
    """Organiser-assisted reset: returns a temporary password the person must change."""
    temporary = generate_password()
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    revoke_sessions(user)
    audit.record(actor, "user.reset_password", "user", user.id, now=now)
    return temporary


def create_account(
    *,
    role: Role,
    email: str | None,
    password: str,
    full_name: str,
    phone: str | None = None,
    now: datetime,
) -> User:
    """Create a staff or minimal account (CLI ``users create``). Raises ValidationFailed."""
    errors = {}
    clean_email = normalise_email(email) if email else None
    if email and not clean_email:
        errors["email"] = _("Email không hợp lệ.")
    clean_phone = normalise_phone(phone) if phone else None
    if phone and not clean_phone:
        errors["phone"] = _("Số điện thoại không hợp lệ.")
    if not clean_email and not clean_phone:
        errors["email"] = _("Cần email hoặc số điện thoại để đăng nhập.")
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    if clean_email and find_by_login(clean_email):
        errors["email"] = _("Email này đã có tài khoản.")
    if clean_phone and find_by_login(clean_phone):
        errors["phone"] = _("Số điện thoại này đã có tài khoản.")
    name = normalise_text(full_name)
    if problem := staff_name_problem(name):
        errors["name"] = problem
    if errors:
        raise ValidationFailed(errors)
    name = name or (clean_email or clean_phone)
    user = User(
        role=role,
        full_name=name,
        name_key=fold(name),
        email=clean_email,
        phone=clean_phone,
        password_hash=hash_password(password),
        created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    return user


def staff_name_problem(name: str) -> str | None:
    """What is wrong with an organiser's, judge's or admin's name (already NFC-normalised),
    or None: the same hidden-character rule as a participant's name (bidi overrides,
    zero-width and control characters would disguise who signed a judgement or an audit
    entry), and the same length."""
    if has_hidden_characters(name):
        return _(
            "Họ và tên có ký tự ẩn hoặc ký tự điều khiển (ví dụ ký tự đảo chiều chữ, "
            "khoảng trắng không độ rộng). Vui lòng xoá ô này và gõ lại họ và tên."
        )
    if len(name or "") > 120:
        return _("Họ và tên dài tối đa 120 ký tự.")
    return None


def get_user(user_id: int) -> User:
    """The account with ``user_id``. Raises NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("Không tìm thấy tài khoản."))
    return user


def search_statement(query: str = "", *, role: Role | None = None, scope: set[int] | None = None):
    """The ``select(User)`` of a search by name (ignoring case and diacritics), phone or
    CCCD; only the users of the units in ``scope`` when given (a unit organiser's:
    services/unit_scope.py). Newest first."""
    stmt = select(User).order_by(User.id.desc())
    query = unicodedata.normalize("NFC", (query or "").strip())
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        conditions = [User.name_key.contains(fold(query))]
        if digits and len(digits) >= 3:
            phone = normalise_phone(query)
            conditions.append(User.phone.contains(phone or digits))
            conditions.append(User.id_number.contains(digits))
        if "@" in query:
            conditions.append(func.lower(User.email).contains(query.lower()))
        stmt = stmt.where(or_(*conditions))
    if role is not None:
        stmt = stmt.where(User.role == role)
    if scope is not None:
        stmt = stmt.where(User.unit_id.in_(scope))
    return stmt


def search_users(
    query: str = "",
    *,
    role: Role | None = None,
    scope: set[int] | None = None,
    page: int = 1,
    per_page: int = 50,
):
    """One page of ``search_statement``'s users."""
    stmt = search_statement(query, role=role, scope=scope)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def set_role(user: User, role: Role, *, actor: User, now: datetime) -> None:
    """Give ``user`` another role and sign them out everywhere (audited)."""
    old = user.role
    user.role = role
    details = {"old": old.value, "new": role.value}
    if role is not Role.organiser and user.scope_unit_id is not None:
        # A unit scope belongs to an organiser account only (services/unit_scope.py).
        details["scope_unit_id"] = user.scope_unit_id
        user.scope_unit_id = None
    revoke_sessions(user)
    audit.record(actor, "user.set_role", "user", user.id, now=now, **details)


def set_active(user: User, active: bool, *, actor: User, now: datetime) -> None:
    """Lock (signing out everywhere) or unlock an account (audited).

    Raises ValidationFailed when admins try to lock themselves out.
    """
    if user.id == actor.id and not active:
        raise ValidationFailed({"user": _("Bạn không thể tự khoá tài khoản của mình.")})
    user.is_active_account = active
    if not active:
        revoke_sessions(user)
    audit.record(actor, "user.activate" if active else "user.deactivate", "user", user.id, now=now)


# --- added for the organiser and admin pages ------------------------------------------------


def mask_id_number(value: str | None) -> str:
    """'012090001234' → '012******234' (first 3 and last 3 digits) for organiser pages."""
    if not value:
        return ""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 6) + value[-3:]


def change_role(user: User, role: Role, *, actor: User, now: datetime) -> bool:
    """Admin changes someone's role (signing them out everywhere); False when unchanged.

    Raises ValidationFailed when admins try to change their own role.
    """
    if user.id == actor.id:
        raise ValidationFailed({"role": _("Bạn không thể tự đổi vai trò của mình.")})
    if user.role is role:
        return False
    set_role(user, role, actor=actor, now=now)
    return True
