"""Quiz contests: Contest, Round, Attempt, the attempt's paper and its answers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import UTCDateTime, enum_column, utcnow
from contest.extensions import db
from contest.models.user import User
from contest.services import ranking


class ContestKind(enum.Enum):
    quiz = "quiz"
    essay = "essay"


class ReviewPolicy(enum.Enum):
    never = "never"
    after_close = "after_close"
    after_submit = "after_submit"


# Both enums take their members from the rule registries of the (pure) ranking module, so a
# preset or a target is defined once (docs/architecture.md, "Where a rule lives").
PredictionTarget = enum.Enum(
    "PredictionTarget", [(name, name) for name in ranking.TARGETS], module=__name__
)
TieBreak = enum.Enum("TieBreak", [(name, name) for name in ranking.PRESETS], module=__name__)


class AttemptStatus(enum.Enum):
    in_progress = "in_progress"
    submitted = "submitted"
    expired = "expired"


class Contest(db.Model):
    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ContestKind] = mapped_column(enum_column(ContestKind), default=ContestKind.quiz)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    # Plain text; rendered escaped, paragraphs kept (never trusted HTML).
    rules_text: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_published: Mapped[bool] = mapped_column(default=False)
    # Days after results are published during which complaints are heard; then the personal
    # data of those who won nothing is erased (L4, services/privacy.py).
    complaint_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # Days after a round closes during which its participants may dispute a question's key
    # (0: no challenge window); results wait for it unless published early on purpose.
    challenge_days: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rounds: Mapped[list[Round]] = relationship(
        back_populates="contest", order_by="Round.opens_at, Round.id"
    )


class Round(db.Model):
    """Đợt thi: a time window with its own draw, rules, prediction question and prizes."""

    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="window_order"),
        CheckConstraint("question_count > 0", name="question_count_positive"),
        CheckConstraint("time_limit_minutes > 0", name="time_limit_positive"),
        CheckConstraint("max_attempts > 0", name="max_attempts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    question_count: Mapped[int] = mapped_column(Integer, default=20)
    time_limit_minutes: Mapped[int] = mapped_column(Integer, default=20)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    allow_practice: Mapped[bool] = mapped_column(default=False)
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    review_policy: Mapped[ReviewPolicy] = mapped_column(
        enum_column(ReviewPolicy), default=ReviewPolicy.after_close
    )
    # Draw: bank ids and quotas [{"topic": str|None, "difficulty": str|None, "count": int}].
    bank_ids: Mapped[list] = mapped_column(JSON, default=list)
    quotas: Mapped[list] = mapped_column(JSON, default=list)
    # Eligibility: empty lists mean everyone.
    eligible_category_ids: Mapped[list] = mapped_column(JSON, default=list)
    eligible_unit_ids: Mapped[list] = mapped_column(JSON, default=list)
    min_age: Mapped[int | None] = mapped_column(Integer)
    prediction_text: Mapped[str] = mapped_column(Text, default="")
    prediction_target: Mapped[PredictionTarget] = mapped_column(
        enum_column(PredictionTarget, 30), default=PredictionTarget.perfect_participants
    )
    tie_break: Mapped[TieBreak] = mapped_column(enum_column(TieBreak), default=TieBreak.default)
    # [{"name": "Giải Nhất", "count": 1}, …] and the prize options of product.md §3.
    prize_tiers: Mapped[list] = mapped_column(JSON, default=list)
    prize_options: Mapped[dict] = mapped_column(JSON, default=dict)
    grace_seconds: Mapped[int] = mapped_column(Integer, default=10)
    actual_value: Mapped[int | None] = mapped_column(BigInteger)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When "Công bố đợt thi" was pressed; NULL is a draft, seen by organisers only.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The funnel (docs/funnel.md): the round's level ("unit", "district", "province", or
    # NULL outside any funnel) and whether only those sent on by a lower round may enter
    # (kept by ``services.funnel`` whenever an advancement rule points here).
    funnel_level: Mapped[str | None] = mapped_column(String(20))
    qualified_only: Mapped[bool] = mapped_column(default=False, server_default=false())

    contest: Mapped[Contest] = relationship(back_populates="rounds")

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Attempt(db.Model):
    """Lượt thi. The database holds: one attempt in progress per participant and round;
    unique attempt numbers per participant, round and kind (ranked or practice)."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("round_id", "participant_id", "is_practice", "number"),
        Index(
            "uq_attempts_one_in_progress",
            "round_id",
            "participant_id",
            unique=True,
            sqlite_where=text("status = 'in_progress'"),
            postgresql_where=text("status = 'in_progress'"),
        ),
        Index("ix_attempts_round_id_status", "round_id", "status"),
        Index("ix_attempts_status_deadline", "status", "deadline"),
        CheckConstraint("number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    is_practice: Mapped[bool] = mapped_column(default=False)
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[AttemptStatus] = mapped_column(
        enum_column(AttemptStatus), default=AttemptStatus.in_progress
    )
    # When the clock started: the paper's delivery (services/attempt_clock.py). The start
    # request's arrival, the paper's hand-out and the client's receipt confirmation are
    # kept beside it (NULL for attempts made before they were recorded).
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    prediction: Mapped[int | None] = mapped_column(BigInteger)
    prediction_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the quiz page reported it could not send before the attempt ended (answers
    # {question id: option ids} and the prediction): a record for disputes, never graded.
    unsent: Mapped[dict | None] = mapped_column(JSON)
    unsent_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[Round] = relationship()
    participant: Mapped[User] = relationship()
    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position"
    )

    @property
    def is_finished(self) -> bool:
        return self.status is not AttemptStatus.in_progress


class AttemptQuestion(db.Model):
    """One question of an attempt's paper, frozen as served: text, options in the order
    shown, and the correct option ids. Later edits to the bank never change it."""

    __tablename__ = "attempt_questions"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        UniqueConstraint("attempt_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    question_version: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text)
    # [{"id": option id, "text": …}] in the order shown to this participant.
    options: Mapped[list] = mapped_column(JSON)
    correct_option_ids: Mapped[list] = mapped_column(JSON)
    points: Mapped[int] = mapped_column(Integer, default=1)

    attempt: Mapped[Attempt] = relationship(back_populates="questions")

    @property
    def multiple(self) -> bool:
        return len(self.correct_option_ids) > 1


class Answer(db.Model):
    """The latest saved choice for one question of an attempt."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    option_ids: Mapped[list] = mapped_column(JSON, default=list)
    # When the request arrived (T4); the device (quiz page) that sent it and that device's
    # sequence number, which orders only that device's retries (D3).
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    client: Mapped[str | None] = mapped_column(String(64))
