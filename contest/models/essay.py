"""Essay contests: settings, rubric, stages, entries with their versions and files, judge
assignments, per-criterion scores and stage results.

An essay contest is a ``Contest`` of kind ``essay`` with one ``EssaySettings`` row. Points
are stored as whole hundredths (``*_x100``): scores move in steps of 0.25 and final scores
are means to 2 decimals, so integers hold them exactly on every database.
"""

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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, backref, deferred, mapped_column, relationship

from contest.db import UTCDateTime, enum_column, utcnow
from contest.extensions import db
from contest.models.quiz import Contest
from contest.models.user import User


class DiscrepancyRule(enum.Enum):
    # The third judge's total is official (the Vietnamese written-exam norm).
    third_judge = "third_judge"
    # The mean of the two closest totals among the three.
    closest_two_mean = "closest_two_mean"


class AdvanceRule(enum.Enum):
    top_k = "top_k"
    cutoff = "cutoff"


class EntryStatus(enum.Enum):
    draft = "draft"
    submitted = "submitted"


class FileKind(enum.Enum):
    docx = "docx"
    pdf = "pdf"


class AssignmentStatus(enum.Enum):
    assigned = "assigned"
    draft = "draft"
    submitted = "submitted"


class EssaySettings(db.Model):
    """The rules of one essay contest (product.md §4); each default is a setting."""

    __tablename__ = "essay_settings"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="window_order"),
        CheckConstraint("max_entries > 0", name="max_entries_positive"),
        CheckConstraint("judges_per_entry BETWEEN 1 AND 10", name="judges_per_entry_range"),
        CheckConstraint("discrepancy_x100 >= 0", name="discrepancy_nonnegative"),
        CheckConstraint("min_words IS NULL OR min_words >= 0", name="min_words_nonnegative"),
        CheckConstraint(
            "max_words IS NULL OR min_words IS NULL OR max_words >= min_words",
            name="word_limits_order",
        ),
        CheckConstraint("allow_online OR allow_docx OR allow_pdf", name="some_form_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(
        ForeignKey("contests.id", ondelete="CASCADE"), unique=True
    )
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    min_words: Mapped[int | None] = mapped_column(Integer)
    max_words: Mapped[int | None] = mapped_column(Integer)
    allow_online: Mapped[bool] = mapped_column(default=True)
    allow_docx: Mapped[bool] = mapped_column(default=True)
    allow_pdf: Mapped[bool] = mapped_column(default=True)
    max_entries: Mapped[int] = mapped_column(Integer, default=1)
    judges_per_entry: Mapped[int] = mapped_column(Integer, default=2)
    discrepancy_x100: Mapped[int] = mapped_column(Integer, default=2000)
    discrepancy_rule: Mapped[DiscrepancyRule] = mapped_column(
        enum_column(DiscrepancyRule, 30), default=DiscrepancyRule.third_judge
    )
    # [{"name": "Giải Nhất", "count": 1}, …], best first.
    prize_tiers: Mapped[list] = mapped_column(JSON, default=list)
    # The panel (Ban Giám khảo): users with the judge role; empty means every active judge.
    judge_ids: Mapped[list] = mapped_column(JSON, default=list)
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contest: Mapped[Contest] = relationship(
        backref=backref("essay_settings", uselist=False, lazy="select")
    )
    criteria: Mapped[list[Criterion]] = relationship(
        primaryjoin="EssaySettings.contest_id == foreign(Criterion.contest_id)",
        order_by="Criterion.position",
        viewonly=True,
    )
    stages: Mapped[list[Stage]] = relationship(
        primaryjoin="EssaySettings.contest_id == foreign(Stage.contest_id)",
        order_by="Stage.position",
        viewonly=True,
    )

    @property
    def discrepancy(self) -> float:
        return self.discrepancy_x100 / 100

    @property
    def max_total(self) -> int:
        return sum(c.max_points for c in self.criteria)

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


class Criterion(db.Model):
    """Tiêu chí chấm: one line of the rubric."""

    __tablename__ = "essay_criteria"
    __table_args__ = (
        UniqueConstraint("contest_id", "position"),
        CheckConstraint("max_points > 0", name="max_points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    max_points: Mapped[int] = mapped_column(Integer)


class Stage(db.Model):
    """Vòng chấm (sơ khảo, chung khảo). ``advance_rule``/``advance_value`` say who goes on to
    the next stage: the top K entries, or those whose final score reaches the cut-off
    (hundredths). The last stage has no advance rule: prizes come from it."""

    __tablename__ = "essay_stages"
    __table_args__ = (
        UniqueConstraint("contest_id", "position"),
        CheckConstraint(
            "advance_value IS NULL OR advance_value >= 0", name="advance_value_nonnegative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    advance_rule: Mapped[AdvanceRule | None] = mapped_column(enum_column(AdvanceRule))
    advance_value: Mapped[int | None] = mapped_column(Integer)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contest: Mapped[Contest] = relationship()


class Entry(db.Model):
    """Bài dự thi. ``title``/``text``/word count are the working copy the participant edits;
    each submission freezes a numbered ``EntryVersion``, and judges read the latest one.
    Judges know the entry only by ``code`` (mã phách)."""

    __tablename__ = "essay_entries"
    __table_args__ = (
        UniqueConstraint("contest_id", "participant_id", "number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("word_count >= 0", name="word_count_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[EntryStatus] = mapped_column(enum_column(EntryStatus), default=EntryStatus.draft)
    # The latest submission (the one judged) and the declaration made with it.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Autosave order (D3): a save carrying an older sequence number is ignored.
    autosave_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    disqualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disqualified_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contest: Mapped[Contest] = relationship()
    participant: Mapped[User] = relationship()
    versions: Mapped[list[EntryVersion]] = relationship(
        back_populates="entry", order_by="EntryVersion.number"
    )
    files: Mapped[list[EssayFile]] = relationship(back_populates="entry", order_by="EssayFile.id")

    @property
    def current_file(self) -> EssayFile | None:
        return next((f for f in self.files if f.is_current), None)

    @property
    def latest_version(self) -> EntryVersion | None:
        return self.versions[-1] if self.versions else None


class EssayFile(db.Model):
    """An uploaded ``.docx`` or ``.pdf``, stored in the database (outside ``static/``), with
    author metadata already stripped (docx). ``extracted_text`` is the text judges read for
    a docx. Addressed only through its entry, never by a public name."""

    __tablename__ = "essay_files"
    __table_args__ = (
        Index(
            "uq_essay_files_one_current",
            "entry_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("essay_entries.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[FileKind] = mapped_column(enum_column(FileKind))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Shown to the participant only; never to judges.
    original_name: Mapped[str] = mapped_column(String(255), default="")
    extracted_text: Mapped[str | None] = mapped_column(Text)
    is_current: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[Entry] = relationship(back_populates="files")


class EntryVersion(db.Model):
    """One submission of an entry, frozen. Earlier versions are kept."""

    __tablename__ = "essay_entry_versions"
    __table_args__ = (UniqueConstraint("entry_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("essay_entries.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("essay_files.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)

    entry: Mapped[Entry] = relationship(back_populates="versions")
    file: Mapped[EssayFile | None] = relationship()


class StageEntry(db.Model):
    """An entry taking part in a stage, and, once the stage is closed, its result: final
    score, the first criterion's score (tie-break), rank, whether it advanced, its prize."""

    __tablename__ = "essay_stage_entries"
    __table_args__ = (UniqueConstraint("stage_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("essay_stages.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("essay_entries.id"), index=True)
    final_x100: Mapped[int | None] = mapped_column(Integer)
    first_x100: Mapped[int | None] = mapped_column(Integer)
    rank: Mapped[int | None] = mapped_column(Integer)
    advanced: Mapped[bool] = mapped_column(default=False)
    prize: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stage: Mapped[Stage] = relationship()
    entry: Mapped[Entry] = relationship()


class Assignment(db.Model):
    """Phiếu chấm: one judge scoring one entry in one stage. ``is_extra`` marks the judge
    added because the regular judges' totals differed by more than the threshold."""

    __tablename__ = "essay_assignments"
    __table_args__ = (
        UniqueConstraint("stage_id", "entry_id", "judge_id"),
        Index("ix_essay_assignments_judge_id_status", "judge_id", "status"),
        CheckConstraint("total_x100 IS NULL OR total_x100 >= 0", name="total_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(
        ForeignKey("essay_stages.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int] = mapped_column(ForeignKey("essay_entries.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    is_extra: Mapped[bool] = mapped_column(default=False)
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus), default=AssignmentStatus.assigned
    )
    comment: Mapped[str] = mapped_column(Text, default="")
    total_x100: Mapped[int | None] = mapped_column(Integer)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stage: Mapped[Stage] = relationship()
    entry: Mapped[Entry] = relationship()
    judge: Mapped[User] = relationship()
    scores: Mapped[list[Score]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )


class Score(db.Model):
    """The points one judge gave on one criterion (0..max, steps of 0.25)."""

    __tablename__ = "essay_scores"
    __table_args__ = (
        UniqueConstraint("assignment_id", "criterion_id"),
        CheckConstraint("points_x100 >= 0", name="points_nonnegative"),
        CheckConstraint("points_x100 % 25 = 0", name="points_quarter_steps"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("essay_assignments.id", ondelete="CASCADE")
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("essay_criteria.id"))
    points_x100: Mapped[int] = mapped_column(Integer)

    assignment: Mapped[Assignment] = relationship(back_populates="scores")
