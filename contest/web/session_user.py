"""The signed-in participant on the quiz API's hot path (issue 12): the start rush and the
answer saves need only who is asking, so the session's user is read with one primary-key
query of the few columns the quiz services use, as a plain value, instead of the full
``User`` object with its ORM state. The session token is checked exactly as
``security.load_user`` does (S2: after logout or a password change the old cookie loads
nobody). On SQLite the read takes no write lock (``contest.db.reading``): thousands of
requests at once queue only for their writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select

from contest.db import reading
from contest.extensions import db
from contest.models import Role, User

# The quiz API's endpoints (contest/api/quiz.py): they only read who the user is.
LEAN_ENDPOINTS = frozenset(
    {
        "api.start_attempt",
        "api.confirm_received",
        "api.get_attempt",
        "api.save_answer",
        "api.save_prediction",
        "api.submit",
        "api.report_unsent",
    }
)

_QUERY = select(
    User.id,
    User.role,
    User.session_token,
    User.is_active_account,
    User.must_change_password,
    User.unit_id,
    User.category_id,
    User.birth_date,
    User.id_number,
).where(User.id == bindparam("user_id"))


@dataclass(frozen=True, slots=True)
class SessionUser:
    """What the quiz services read of ``User`` (same names), and Flask-Login's interface."""

    id: int
    role: Role
    session_token: str
    is_active_account: bool
    must_change_password: bool
    unit_id: int | None
    category_id: int | None
    birth_date: date | None
    id_number: str | None

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles or self.role is Role.admin

    def full(self) -> User:
        """The ORM ``User``, for the rare path that needs it."""
        return db.session.get(User, self.id)


def load(user_id: int, token: str) -> SessionUser | None:
    with reading(db.session):
        # The session's connection: a plain Core read, without the ORM's execution layer.
        row = db.session.connection().execute(_QUERY, {"user_id": user_id}).first()
    if row is None or row.session_token != token or not row.is_active_account:
        return None
    return SessionUser(*row)
