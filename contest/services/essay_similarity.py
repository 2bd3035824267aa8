"""Similarity flags for an essay stage (issue 14 item 7): which entries share long runs of
words, so an organiser can check copying before prizes. The comparison is the pure
``similarity`` module; this one reads the stage's entries, stores the run and its pairs,
and says when entries changed since (the page then queues a fresh run).

A stage's entries are its ``StageEntry`` rows, or — for the first stage before judges are
assigned — every submitted entry of the contest; disqualified ones are left out. Each is
compared on the text judges read (its latest submitted version: typed, or taken from the
``.docx``; a PDF's typed text). Results are for organisers only: judges see entries by
code and never these pages. Functions flush; the caller (the job) commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from contest.extensions import db
from contest.models import User
from contest.models.essay import Entry, EntryStatus, EntryVersion, Stage, StageEntry
from contest.models.similarity import SimilarityRun, SimilarPair
from contest.services import similarity
from contest.services.errors import NotFound, ValidationFailed
from contest.services.i18n import _

MIN_THRESHOLD_PCT, MAX_THRESHOLD_PCT = 20, 100


@dataclass(frozen=True)
class Settings:
    """How a stage is compared: Jaccard ≥ ``threshold_pct`` % on ``shingle_words``-word
    shingles, with or without diacritics."""

    threshold_pct: int = round(similarity.DEFAULT_THRESHOLD * 100)
    shingle_words: int = similarity.DEFAULT_SHINGLE_WORDS
    fold_diacritics: bool = False

    def to_params(self) -> dict:
        return {
            "threshold_pct": self.threshold_pct,
            "shingle_words": self.shingle_words,
            "fold_diacritics": self.fold_diacritics,
        }

    @classmethod
    def from_params(cls, params: dict) -> Settings:
        return check_settings(
            params.get("threshold_pct"), params.get("shingle_words"), params.get("fold_diacritics")
        )


def check_settings(threshold_pct, shingle_words, fold_diacritics) -> Settings:
    """Settings from what the organiser typed. Raises ValidationFailed with what to do."""
    errors = {}
    try:
        pct = int(threshold_pct if threshold_pct is not None else Settings.threshold_pct)
    except (TypeError, ValueError):
        pct = -1
    if not MIN_THRESHOLD_PCT <= pct <= MAX_THRESHOLD_PCT:
        errors["threshold_pct"] = _(
            "Ngưỡng giống nhau phải là số nguyên từ %(low)s đến %(high)s (phần trăm).",
            low=MIN_THRESHOLD_PCT,
            high=MAX_THRESHOLD_PCT,
        )
    try:
        k = int(shingle_words if shingle_words is not None else Settings.shingle_words)
    except (TypeError, ValueError):
        k = -1
    if not 3 <= k <= 10:
        errors["shingle_words"] = _("Độ dài đoạn so sánh phải từ 3 đến 10 chữ.")
    if errors:
        raise ValidationFailed(errors)
    return Settings(pct, k, bool(fold_diacritics))


def stage_of(contest_id: int, stage_id: int) -> Stage:
    stage = db.session.get(Stage, stage_id)
    if stage is None or stage.contest_id != contest_id:
        raise NotFound(_("Không tìm thấy vòng chấm."))
    return stage


def _entry_ids(stage: Stage) -> list[int]:
    ids = list(
        db.session.scalars(
            select(StageEntry.entry_id)
            .join(Entry, Entry.id == StageEntry.entry_id)
            .where(StageEntry.stage_id == stage.id, Entry.disqualified_at.is_(None))
        )
    )
    first = not db.session.scalar(
        select(func.count(Stage.id)).where(
            Stage.contest_id == stage.contest_id, Stage.position < stage.position
        )
    )
    if ids or not first:
        return sorted(ids)
    return list(
        db.session.scalars(
            select(Entry.id)
            .where(
                Entry.contest_id == stage.contest_id,
                Entry.status == EntryStatus.submitted,
                Entry.disqualified_at.is_(None),
            )
            .order_by(Entry.id)
        )
    )


def _latest_versions(entry_ids: list[int]) -> list[tuple[int, int, str]]:
    """(entry id, version id, text) of each entry's latest submitted version."""
    rows: list[tuple[int, int, str]] = []
    for start in range(0, len(entry_ids), 500):
        chunk = entry_ids[start : start + 500]
        latest = (
            select(EntryVersion.entry_id, func.max(EntryVersion.number).label("number"))
            .where(EntryVersion.entry_id.in_(chunk))
            .group_by(EntryVersion.entry_id)
            .subquery()
        )
        rows.extend(
            db.session.execute(
                select(EntryVersion.entry_id, EntryVersion.id, EntryVersion.text)
                .join(
                    latest,
                    (latest.c.entry_id == EntryVersion.entry_id)
                    & (latest.c.number == EntryVersion.number),
                )
                .order_by(EntryVersion.entry_id)
            ).all()
        )
    return rows


def _hash(versions: list[tuple[int, int, str]], settings: Settings) -> str:
    digest = hashlib.sha256(repr(sorted(settings.to_params().items())).encode())
    for entry_id, version_id, _text in versions:
        digest.update(f"{entry_id}:{version_id};".encode())
    return digest.hexdigest()


def current_hash(stage: Stage, settings: Settings) -> str:
    """The hash a run of ``stage`` with ``settings`` would store now (two reads, no text)."""
    ids = _entry_ids(stage)
    versions = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        versions.extend(
            (entry_id, version_id, "")
            for entry_id, version_id in db.session.execute(
                select(EntryVersion.entry_id, func.max(EntryVersion.id))
                .where(EntryVersion.entry_id.in_(chunk))
                .group_by(EntryVersion.entry_id)
                .order_by(EntryVersion.entry_id)
            ).all()
        )
    return _hash(versions, settings)


def latest_run(stage: Stage) -> SimilarityRun | None:
    return db.session.scalar(select(SimilarityRun).where(SimilarityRun.stage_id == stage.id))


def settings_of(run: SimilarityRun) -> Settings:
    return Settings(run.threshold_pct, run.shingle_words, run.fold_diacritics)


def is_stale(stage: Stage, run: SimilarityRun | None) -> bool:
    """No run yet, or the stage's entries (or their latest versions) changed since."""
    return run is None or run.inputs_hash != current_hash(stage, settings_of(run))


def compute(
    stage: Stage,
    settings: Settings,
    *,
    actor: User | None,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> SimilarityRun:
    """Compare the stage's entries and store the run (replacing the stage's previous one)."""
    versions = _latest_versions(_entry_ids(stage))
    pairs = similarity.similar_pairs(
        ((entry_id, text) for entry_id, _version, text in versions),
        threshold=settings.threshold_pct / 100,
        k=settings.shingle_words,
        fold=settings.fold_diacritics,
        progress=progress,
    )
    db.session.execute(delete(SimilarityRun).where(SimilarityRun.stage_id == stage.id))
    run = SimilarityRun(
        stage_id=stage.id,
        inputs_hash=_hash(versions, settings),
        threshold_pct=settings.threshold_pct,
        shingle_words=settings.shingle_words,
        fold_diacritics=settings.fold_diacritics,
        entries=len(versions),
        created_by_id=actor.id if actor is not None else None,
        created_at=now,
    )
    db.session.add(run)
    db.session.flush()
    if pairs:
        db.session.execute(
            SimilarPair.__table__.insert(),
            [
                {
                    "run_id": run.id,
                    "entry_a_id": p.a,
                    "entry_b_id": p.b,
                    "jaccard_x1000": round(p.jaccard * 1000),
                    "shared_shingles": p.shared,
                }
                for p in pairs
            ],
        )
    db.session.flush()
    return run


def run_pairs(run: SimilarityRun) -> list[SimilarPair]:
    return list(
        db.session.scalars(
            select(SimilarPair)
            .where(SimilarPair.run_id == run.id)
            .order_by(SimilarPair.jaccard_x1000.desc(), SimilarPair.id)
        )
    )


@dataclass(frozen=True)
class PairView:
    pair: SimilarPair
    left: list[similarity.Piece]
    right: list[similarity.Piece]
    jaccard: float


def pair_view(stage: Stage, pair_id: int) -> PairView:
    """One pair of the stage's run with both texts, the passages they share marked."""
    run = latest_run(stage)
    pair = db.session.get(SimilarPair, pair_id)
    if run is None or pair is None or pair.run_id != run.id:
        raise NotFound(_("Không tìm thấy cặp bài này. Có thể kết quả so sánh đã được tính lại."))
    texts = {e: t for e, _v, t in _latest_versions([pair.entry_a_id, pair.entry_b_id])}
    left, right, score = similarity.shared_passages(
        texts.get(pair.entry_a_id, ""),
        texts.get(pair.entry_b_id, ""),
        k=run.shingle_words,
        fold=run.fold_diacritics,
    )
    return PairView(pair, left, right, score)
