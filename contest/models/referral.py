"""Referrals ("giới thiệu"): each participant's personal share code and the sign-ups that
came through it (issue 15, sharing and "giải lan tỏa").

The rules (who is credited, how the referral prize ranks) live in
``contest.services.referrals`` and ``contest.services.referral_prizes``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import UTCDateTime, utcnow
from contest.extensions import db
from contest.models.user import User

# Why a sign-up through a link is not credited (stored, so the organiser can see it).
CREDITED = "credited"
SELF = "self"  # the referrer's own browser, or the referrer again under a new account
DUPLICATE = "duplicate"  # the newcomer looks like a person who already has an account
STATUSES = (CREDITED, SELF, DUPLICATE)


class ReferralCode(db.Model):
    """A participant's personal code for ``?ref=``: random, never their id or phone."""

    __tablename__ = "referral_codes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Referral(db.Model):
    """One new account registered through a referral link. The database holds that a
    newcomer is recorded once (so credited at most once), never as their own referrer."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint("referrer_id <> referred_id", name="not_self"),
        CheckConstraint("status IN ('credited', 'self', 'duplicate')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    referred_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    # The contest whose page the link opened (None: the link was to another page).
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id"))
    status: Mapped[str] = mapped_column(String(20), default=CREDITED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referrer: Mapped[User] = relationship(foreign_keys=[referrer_id])
    referred: Mapped[User] = relationship(foreign_keys=[referred_id])

    @property
    def is_credited(self) -> bool:
        return self.status == CREDITED
