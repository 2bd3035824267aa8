"""Official documents of a contest: the organiser's template (who issues, who signs, the
signature and seal images), each round's decision (its number and date), and the
certificates (giấy chứng nhận) issued from a published result, each with its verification
code.

A certificate belongs to one person in one round. Issuing again from a newer published
result version keeps the code of everyone whose prize did not change and revokes the
others (``contest.services.certificates.issue``); a revoked certificate stays, so its
code still answers "đã thu hồi" on the public verification page.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from contest.db import UTCDateTime, utcnow
from contest.extensions import db
from contest.models.quiz import Contest, Round
from contest.models.user import User


class DocumentTemplate(db.Model):
    """What a contest's certificates and official lists say about who issues them. Blank
    fields fall back to the defaults of ``contest.services.certificates`` (DEFAULTS)."""

    __tablename__ = "document_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id"), unique=True)
    # The issuing body above the organiser ("UBND TỈNH BẮC NINH"), and the organiser
    # ("BAN TỔ CHỨC HỘI THI …"): the top-left block of every document.
    parent_body: Mapped[str] = mapped_column(String(200), default="")
    organiser_name: Mapped[str] = mapped_column(String(200), default="")
    # The contest's name as printed (defaults to the contest's title).
    contest_name: Mapped[str] = mapped_column(String(300), default="")
    place: Mapped[str] = mapped_column(String(100), default="")  # "Bắc Ninh, ngày …"
    on_behalf: Mapped[str] = mapped_column(String(120), default="")  # "TM. BAN TỔ CHỨC"
    signer_title: Mapped[str] = mapped_column(String(120), default="")  # "TRƯỞNG BAN"
    signer_name: Mapped[str] = mapped_column(String(120), default="")
    winner_text: Mapped[str] = mapped_column(Text, default="")  # "Đã đạt"
    participant_text: Mapped[str] = mapped_column(Text, default="")
    include_participants: Mapped[bool] = mapped_column(default=False)
    # PNG, re-encoded by Pillow without metadata (``certificate_images``).
    signature_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    seal_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    contest: Mapped[Contest] = relationship()


class RoundDecision(db.Model):
    """The decision that awards a round's prizes: its number and date, printed on the
    official lists and (the date) on the certificates."""

    __tablename__ = "round_decisions"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    number: Mapped[str] = mapped_column(String(60), default="")  # "12/QĐ-BTC"
    signed_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[Round] = relationship()


class Certificate(db.Model):
    """One person's certificate for one round: a prize, or taking part (``prize`` None)."""

    __tablename__ = "certificates"
    __table_args__ = (
        # One certificate in force per person and round (revoked ones stay as history).
        Index(
            "uq_certificates_in_force",
            "round_id",
            "participant_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        CheckConstraint("rank > 0", name="rank_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 16 characters of an unambiguous alphabet from ``secrets`` (80 bits).
    code: Mapped[str] = mapped_column(String(20), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    # The published result version it was issued (or last confirmed) from.
    result_id: Mapped[int] = mapped_column(ForeignKey("round_results.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    prize: Mapped[str | None] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why (a code of certificates.REVOKE_TEXT) and from which result version.
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    revoked_version: Mapped[int | None] = mapped_column(Integer)

    round: Mapped[Round] = relationship()
    participant: Mapped[User] = relationship()
