"""The exclusion list (danh sách không xét giải): people who may take part in a contest
but never rank and win no prize (the organising board, question setters, secretariat).

One row per person and scope. A quiz row names a round (that round only) or no round (every
round of the contest); an essay contest's rows never name a round. Staff accounts
(organisers, judges, admins) never rank anyway and are not listed here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import UTCDateTime, utcnow
from contest.extensions import db
from contest.models.quiz import Contest, Round
from contest.models.user import User


class Exclusion(db.Model):
    """One person excluded from the prizes of a round, or of a whole contest, with why."""

    __tablename__ = "exclusions"
    __table_args__ = (
        # A round's rows: once per person (NULL round ids never collide here) …
        UniqueConstraint("round_id", "user_id"),
        # … and a contest-wide row once per person too.
        Index(
            "uq_exclusions_contest_wide",
            "contest_id",
            "user_id",
            unique=True,
            sqlite_where=text("round_id IS NULL"),
            postgresql_where=text("round_id IS NULL"),
        ),
        CheckConstraint("reason <> ''", name="reason_present"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(
        ForeignKey("contests.id", ondelete="CASCADE"), index=True
    )
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contest: Mapped[Contest] = relationship()
    round: Mapped[Round | None] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def is_contest_wide(self) -> bool:
        return self.round_id is None
