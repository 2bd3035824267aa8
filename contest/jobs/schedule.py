"""Scheduled work inside the job queue: each entry becomes a job once per period.

The sweeper (a thread of every RQ worker, and of the app in thread mode) calls ``tick``
every half stale limit; an entry is due once per slot (``every`` seconds). A slot is
taken once: by a Redis ``SET NX`` when Redis is there, and by the job's key in the
database: ``schedule:<name>:<slot>``, unique (the partial index uq_jobs_schedule_slot),
so two schedulers without Redis that both found the slot free cannot both queue it. The
jobs are ordinary jobs (a row, a retry after a crash, a page); those of past days are
dropped. Cron remains an option: the CLI
commands still exist (``flask quiz finalise-overdue``), and ``JOBS_SCHEDULE = False``
turns this off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from contest.extensions import db
from contest.jobs.queue import enqueue
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
    # Notifications (services/notifications): rounds opened, closing within a day, results
    # published → batches of mail (jobs/notification_kinds).
    "notifications": Scheduled("notify_scan", 300),
}

ClaimSlot = Callable[[str, int, int], bool]


def tick(now: datetime, *, claim_slot: ClaimSlot | None = None) -> list[Job]:
    """Queue each entry due at ``now`` (once per slot); drop old finished ones. Returns
    the jobs queued."""
    queued = []
    for name, entry in SCHEDULE.items():
        slot = int(now.timestamp()) // entry.every
        params = {"slot": slot}
        key = slot_key(name, slot)
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
        try:
            queued.append(enqueue(entry.kind, params, actor=None, now=now, key=key))
        except IntegrityError:  # another scheduler queued this slot a moment ago
            db.session.rollback()
            continue
        db.session.commit()
    return queued


SLOT_PREFIX = "schedule:"  # the unique index covers the keys that start with it


def slot_key(name: str, slot: int) -> str:
    """The dedupe key of an entry's run in ``slot``: one row per slot, ever."""
    return f"{SLOT_PREFIX}{name}:{slot}"
