"""Long work run outside the request (``contest.jobs``): what was asked, by whom, how far it
got and what came of it — the file or the summary is kept here, so no result is lost with
the worker that made it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from contest.db import UTCDateTime, enum_column
from contest.extensions import db


class JobStatus(enum.Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


# A scheduled run's key (``contest.jobs.schedule.slot_key``) is unique: two schedulers
# without Redis cannot queue the same slot twice. Other kinds share keys across runs.
SCHEDULED_KEYS = text("dedupe_key LIKE 'schedule:%'")


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        Index(
            "uq_jobs_schedule_slot",
            "dedupe_key",
            unique=True,
            sqlite_where=SCHEDULED_KEYS,
            postgresql_where=SCHEDULED_KEYS,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # Two identical requests while the first is still waiting or running share one job.
    dedupe_key: Mapped[str] = mapped_column(String(200), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, 10), default=JobStatus.queued, index=True
    )
    progress: Mapped[int] = mapped_column(Integer, default=0)  # 0–100
    step: Mapped[str | None] = mapped_column(String(200))  # a Vietnamese step text (msgid)
    result_name: Mapped[str | None] = mapped_column(String(200))  # the download's file name
    result_mime: Mapped[str | None] = mapped_column(String(120))
    result_size: Mapped[int | None] = mapped_column(Integer)
    # The file itself: loaded only for the download.
    result_file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    summary: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)  # Vietnamese, shown to the organiser
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    runner: Mapped[str | None] = mapped_column(String(120))  # host:pid of the last run
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
