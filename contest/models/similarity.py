"""Similarity flags of an essay stage (``services/essay_similarity``): one stored run per
stage — the settings it used and a hash of the entry versions it read, so the organiser's
page knows when entries changed since — and the pairs of entries it found at or above its
threshold. Organisers only: judges never see these tables' pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import UTCDateTime
from contest.extensions import db
from contest.models.essay import Entry, Stage


class SimilarityRun(db.Model):
    """The latest comparison of a stage's entries (a new run replaces the old one)."""

    __tablename__ = "essay_similarity_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(
        ForeignKey("essay_stages.id", ondelete="CASCADE"), unique=True
    )
    inputs_hash: Mapped[str] = mapped_column(String(64))  # the entry versions it read
    threshold_pct: Mapped[int] = mapped_column(Integer)  # Jaccard ≥ this / 100
    shingle_words: Mapped[int] = mapped_column(Integer)
    fold_diacritics: Mapped[bool] = mapped_column(default=False)
    entries: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    stage: Mapped[Stage] = relationship()
    pairs: Mapped[list[SimilarPair]] = relationship(
        back_populates="run",
        cascade="all, delete-orphan",
        order_by="(SimilarPair.jaccard_x1000.desc(), SimilarPair.id)",
    )


class SimilarPair(db.Model):
    """Two entries of the run's stage whose texts share many word runs."""

    __tablename__ = "essay_similar_pairs"
    __table_args__ = (
        CheckConstraint("entry_a_id < entry_b_id", name="ordered"),
        CheckConstraint("jaccard_x1000 BETWEEN 0 AND 1000", name="jaccard_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("essay_similarity_runs.id", ondelete="CASCADE"), index=True
    )
    entry_a_id: Mapped[int] = mapped_column(ForeignKey("essay_entries.id", ondelete="CASCADE"))
    entry_b_id: Mapped[int] = mapped_column(ForeignKey("essay_entries.id", ondelete="CASCADE"))
    jaccard_x1000: Mapped[int] = mapped_column(Integer)
    shared_shingles: Mapped[int] = mapped_column(Integer)

    run: Mapped[SimilarityRun] = relationship(back_populates="pairs")
    entry_a: Mapped[Entry] = relationship(foreign_keys=[entry_a_id])
    entry_b: Mapped[Entry] = relationship(foreign_keys=[entry_b_id])
