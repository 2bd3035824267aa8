"""Participation targets (chỉ tiêu, issue 15 item 2): per contest, a headcount expected
to finish an attempt, per unit (its whole subtree counts) or for the whole contest.

The service is ``contest.services.participation`` (docs/participation.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contest.db import UTCDateTime, utcnow
from contest.extensions import db


class ParticipationTarget(db.Model):
    """One target of a contest: ``unit_id`` None is the contest's total. The service keeps
    at most one total per contest (a NULL is never equal to another in a unique key)."""

    __tablename__ = "participation_targets"
    __table_args__ = (
        UniqueConstraint("contest_id", "unit_id"),
        CheckConstraint("target >= 0", name="target_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    target: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
