"""Scheduled work inside the job queue: each entry becomes a job once per period.

The sweeper (a thread of every RQ worker, and of the app in thread mode) calls ``tick``
every half stale limit; an entry is due once per slot (``every`` seconds). A slot is
taken once: by a Redis ``SET NX`` when Redis is there, and by the job's key in the
database (a job of that slot exists already). The jobs are ordinary jobs (a row, a retry
after a crash, a page); those of past days are dropped. Cron remains an option: the CLI
commands still exist (``flask quiz finalise-overdue``), and ``JOBS_SCHEDULE = False``
turns this off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from contest.extensions import db
from contest.jobs.queue import dedupe_key, enqueue
from contest.models.job import Job, JobStatus


@dataclass(frozen=True)
class Scheduled:
    kind: str  # a job kind of the registry, run with {"slot": n}
    every: int  # seconds
    keep: timedelta = timedelta(days=1)  # finished jobs of this entry kept this long


SCHEDULE: dict[str, Scheduled] = {
    # What `flask quiz finalise-overdue` does from cron: attempts whose participant closed
    # the browser are finalised from their saved answers.
    "finalise-overdue": Scheduled("finalise_overdue", 60),
    # What `flask privacy purge` does from cron (L4): the privacy page promises that
    # non-winners' CCCD, phone and birth date are erased after the complaint period.
    "privacy-purge": Scheduled("privacy_purge", 24 * 3600, keep=timedelta(days=30)),
}

ClaimSlot = Callable[[str, int, int], bool]


def tick(now: datetime, *, claim_slot: ClaimSlot | None = None) -> list[Job]:
    """Queue each entry due at ``now`` (once per slot); drop old finished ones. Returns
    the jobs queued."""
    queued = []
    for name, entry in SCHEDULE.items():
        slot = int(now.timestamp()) // entry.every
        params = {"slot": slot}
        key = dedupe_key(entry.kind, params)
        if db.session.scalar(select(Job.id).where(Job.dedupe_key == key).limit(1)):
            continue
        if claim_slot is not None and not claim_slot(name, slot, entry.every):
            continue
        # Old runs go first, so the one queued now (run at once without a queue) stays.
        db.session.execute(
            delete(Job).where(
                Job.kind == entry.kind,
                Job.status.in_([JobStatus.done, JobStatus.failed]),
                Job.finished_at < now - entry.keep,
            )
        )
        queued.append(enqueue(entry.kind, params, actor=None, now=now))
        db.session.commit()
    return queued
