"""Answer keys after the fact: key revisions, participants' disputes and the organisers'
decisions (docs/results.md, "Khiếu nại đáp án và chấm lại").

* ``KeyRevision``: the key used for grading one *question version* (a ``questions`` row,
  which is what an attempt's paper names), numbered 1, 2, … per question. Each revision
  holds the whole key in force after it — the accepted option sets, or ``void`` — and the
  key it replaced, so the newest revision is the key and the history reads by itself.
  A question with no revision is graded by the key copied into each paper when it was
  served (``AttemptQuestion.correct_option_ids``), which never changes: the paper keeps
  what was shown.
* ``Dispute``: one participant's challenge to one question of a round (one per question,
  participant and round), with a reason.
* ``DisputeDecision``: the organisers' answer for one question of a round (keep, change
  the key, accept several answers, void) with a public reply shown to every disputant.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import UTCDateTime, utcnow
from contest.extensions import db
from contest.models.user import User


class KeyRevision(db.Model):
    """One revision of the key of one question version (``question_id``)."""

    __tablename__ = "key_revisions"
    __table_args__ = (
        UniqueConstraint("question_id", "revision"),
        CheckConstraint("revision > 0", name="revision_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    # "change" (a new correct set), "accept" (several sets score), "void" (everyone served
    # the question gets its points).
    action: Mapped[str] = mapped_column(String(10))
    # The key in force after this revision: every option set that scores (option ids).
    accepted: Mapped[list] = mapped_column(JSON, default=list)
    void: Mapped[bool] = mapped_column(default=False)
    # The key it replaced, in the same shape: {"accepted": [[ids]], "void": bool}.
    previous: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))  # decided from
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Dispute(db.Model):
    """A participant's challenge to one question of a round they took."""

    __tablename__ = "disputes"
    __table_args__ = (UniqueConstraint("round_id", "participant_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    participant: Mapped[User] = relationship()


class DisputeDecision(db.Model):
    """The organisers' decision on the disputes of one question in one round."""

    __tablename__ = "dispute_decisions"
    __table_args__ = (UniqueConstraint("round_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    # "keep", "change", "accept" or "void" (the last three made a KeyRevision).
    decision: Mapped[str] = mapped_column(String(10))
    reply: Mapped[str] = mapped_column(Text)
    key_revision_id: Mapped[int | None] = mapped_column(ForeignKey("key_revisions.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
