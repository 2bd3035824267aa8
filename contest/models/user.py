"""Accounts: participants, organisers, judges and admins."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import UTCDateTime, enum_column, utcnow
from contest.extensions import db
from contest.models.unit import Category, Unit


class Role(enum.Enum):
    participant = "participant"
    organiser = "organiser"
    judge = "judge"
    admin = "admin"


class Gender(enum.Enum):
    male = "male"
    female = "female"


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.participant, index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120), index=True, default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[Gender | None] = mapped_column(enum_column(Gender))
    id_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    phone: Mapped[str | None] = mapped_column(String(10), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    address: Mapped[str | None] = mapped_column(String(300))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    # A unit organiser's unit (issue 15 item 1): an organiser with one sees and manages only
    # that unit's subtree and only the pages marked ``unit_scoped``; None for everyone else.
    # No ON DELETE SET NULL: losing the unit must never widen the account to the province.
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Changing it signs the user out everywhere (S2): it is part of the session's user id.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_version: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When `privacy purge` erased the CCCD, phone and birth date (L4, services/privacy.py).
    personal_data_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    scope_unit: Mapped[Unit | None] = relationship(foreign_keys=[scope_unit_id])
    category: Mapped[Category | None] = relationship()

    # Flask-Login
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.is_active_account

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.organiser, Role.judge, Role.admin)

    @property
    def is_unit_organiser(self) -> bool:
        """An organiser limited to one unit's subtree (never an admin)."""
        return self.role is Role.organiser and self.scope_unit_id is not None

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles or self.role is Role.admin

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"
