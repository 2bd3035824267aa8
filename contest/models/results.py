"""Round results: frozen rankings and prizes, and disqualifications.

Closing a round (``contest.services.result_closing.close_round``) writes one ``RoundResult``
version with one ``ResultRow`` per ranked participant. A version never changes once
written: re-closing writes a new version, and the public pages show only the version an
organiser published (so a published result never changes silently).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import UTCDateTime, utcnow
from contest.extensions import db
from contest.models.quiz import Round
from contest.models.user import User


class RoundResult(db.Model):
    """One computation of a round's result (a version). The newest version is the
    organisers' working result; the newest *published* one is what the public sees."""

    __tablename__ = "round_results"
    __table_args__ = (
        UniqueConstraint("round_id", "version"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    # The frozen inputs that matter to a reader: the actual value of the prediction
    # question and the ranking preset in force when it was computed.
    actual_value: Mapped[int | None] = mapped_column(BigInteger)
    tie_break: Mapped[str] = mapped_column(String(20))
    prediction_target: Mapped[str] = mapped_column(String(30))
    # SHA-256 of every input (attempt keys, settings, exclusions, disqualifications…).
    inputs_hash: Mapped[str] = mapped_column(String(64))
    participants: Mapped[int] = mapped_column(Integer, default=0)
    winners: Mapped[int] = mapped_column(Integer, default=0)
    # Frozen settings (tiers, prize options, exclusions) and the collective ranking.
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    collective: Mapped[list] = mapped_column(JSON, default=list)
    # What changed against the previous version (ids only, no personal data).
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    round: Mapped[Round] = relationship()

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ResultRow(db.Model):
    """One ranked participant in one result version, with every ranking key frozen.

    Closing a round writes up to hundreds of thousands of these at once, so the table is
    lean: the primary key is (result, rank) — a clustered, append-only key (WITHOUT ROWID
    on SQLite) — and the ids are plain integers without foreign keys. Checking foreign
    keys row by row tripled the insert time on SQLite (participant and attempt) and more
    than doubled it on PostgreSQL (even the one to the result). The rows are derived
    data, written only by ``contest.services.result_closing.close_round`` in the transaction
    that creates their ``RoundResult``, from users and attempts that are never deleted.
    """

    __tablename__ = "result_rows"
    __table_args__ = (
        UniqueConstraint("result_id", "participant_id"),
        CheckConstraint("rank > 0", name="rank_positive"),
        {"sqlite_with_rowid": False},
    )

    result_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    participant_id: Mapped[int] = mapped_column(Integer)
    attempt_id: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    prediction: Mapped[int | None] = mapped_column(BigInteger)
    distance: Mapped[int | None] = mapped_column(BigInteger)
    duration_ms: Mapped[int] = mapped_column(BigInteger)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer)
    # The participant's unit and category when the round was closed.
    unit_id: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(Integer)
    # Index of the prize tier in the round's tiers, and its name (None: no prize).
    prize_tier: Mapped[int | None] = mapped_column(Integer)
    prize: Mapped[str | None] = mapped_column(String(120))
    # The first ranking key that puts this row above the next one (None for the last).
    decided_by: Mapped[str | None] = mapped_column(String(20))
    # Why a participant who ranked high enough got no prize (a prizes.SKIP_* code).
    note: Mapped[str | None] = mapped_column(String(40))


class Disqualification(db.Model):
    """An organiser's decision that a participant does not rank in a round."""

    __tablename__ = "disqualifications"
    __table_args__ = (UniqueConstraint("round_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    participant: Mapped[User] = relationship(foreign_keys=[participant_id])
