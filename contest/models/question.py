"""Question banks: banks, questions (with versions) and their options.

Versioning (docs/question-versions.md): option rows are never deleted or renumbered once
written. An edit that changes the options or the correct set retires the question row
(``is_current = False``, ``is_active = False``) and adds a new row with ``version + 1``
and ``replaces_id`` pointing at the old one; other edits (topic, difficulty, text,
explanation) change the row in place. A change of the picture is a change of content too:
it makes a new version, so a served paper keeps showing the picture it was drawn with.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from contest.db import UTCDateTime, enum_column, utcnow
from contest.extensions import db
from contest.models.user import User
from contest.services.i18n import gettext
from question_bank import DIFFICULTY_LABELS

LETTERS = "ABCDEF"


class Difficulty(enum.Enum):
    """Mức độ; the values are those of ``question_bank`` (easy / medium / hard)."""

    easy = "easy"
    medium = "medium"
    hard = "hard"

    @property
    def label(self) -> str:
        """The word people read (Dễ / Trung bình / Khó: the bank's registry), translated."""
        return gettext(DIFFICULTY_LABELS[self.value])


class QuestionBank(db.Model):
    __tablename__ = "question_banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()
    questions: Mapped[list[Question]] = relationship(back_populates="bank", order_by="Question.id")

    def __repr__(self) -> str:
        return f"<QuestionBank {self.id} {self.name!r}>"


class Question(db.Model):
    """One version of a multiple-choice question (2–6 options, one or more correct).

    ``key`` is ``question_bank.dedup_key`` of the text and options; it is unique among the
    *current* versions of a bank (a partial unique index). ``search_key`` is
    ``question_bank.fold`` of the text, for searches that ignore case and diacritics.
    """

    __tablename__ = "questions"
    __table_args__ = (
        Index(
            "uq_questions_bank_id_key_current",
            "bank_id",
            "key",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
        Index("ix_questions_bank_id_topic_difficulty", "bank_id", "topic", "difficulty"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id"))
    topic: Mapped[str] = mapped_column(String(200))
    difficulty: Mapped[Difficulty] = mapped_column(
        enum_column(Difficulty), default=Difficulty.medium
    )
    text: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    search_key: Mapped[str] = mapped_column(Text, default="")
    key: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_current: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"), index=True)
    # The question's picture (``question_images``) and its text for screen readers.
    image_id: Mapped[int | None] = mapped_column(ForeignKey("question_images.id"), index=True)
    image_alt: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bank: Mapped[QuestionBank] = relationship(back_populates="questions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question", order_by="Option.position"
    )
    replaces: Mapped[Question | None] = relationship(remote_side=[id])
    image: Mapped[QuestionImage | None] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def option_texts(self) -> list[str]:
        return [o.text for o in self.options]

    @property
    def correct(self) -> list[int]:
        """0-based positions of the correct options."""
        return [o.position for o in self.options if o.is_correct]

    @property
    def answer_letters(self) -> str:
        return ", ".join(LETTERS[i] for i in self.correct)

    @property
    def multiple(self) -> bool:
        return sum(1 for o in self.options if o.is_correct) > 1

    def __repr__(self) -> str:
        return f"<Question {self.id} v{self.version}>"


class QuestionImage(db.Model):
    """A question's picture, re-encoded (metadata stripped, at most 1280 px) and stored in
    the database like essay files. Content-addressed: ``sha256`` of ``data`` is unique, so
    the same picture used by several questions (or versions) is stored once, and its URL
    (``/question-images/<sha256>.<ext>``) never changes meaning. Never updated or deleted.
    """

    __tablename__ = "question_images"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    mime: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def extension(self) -> str:
        return IMAGE_EXTENSIONS[self.mime]

    @property
    def file_name(self) -> str:
        """The name in URLs and exports: ``<sha256>.<ext>``."""
        return f"{self.sha256}.{self.extension}"


IMAGE_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class Option(db.Model):
    """An answer option. Never deleted or re-positioned: attempts refer to option ids."""

    __tablename__ = "options"
    __table_args__ = (
        UniqueConstraint("question_id", "position"),
        CheckConstraint("position >= 0 AND position < 6", name="position_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="options")

    @property
    def letter(self) -> str:
        return LETTERS[self.position]
