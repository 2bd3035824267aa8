"""Running one job, once: claim it, keep its heartbeat and progress, store what it made.

* ``run_job`` claims the job with one conditional UPDATE (waiting, or running with a
  heartbeat older than the stale limit: its worker died), so two runners never both run
  it; a job already done or failed is not redone. The work and the job's result are
  committed in one transaction, fenced by the claim: a run that lost its claim stores
  nothing. Running a job twice therefore leaves one stored result.
* While it runs, a heartbeat thread writes the latest progress and ``heartbeat_at`` on its
  own connection every few seconds, so a reload of the job page (on any server) shows it.
* ``sweep`` finds what a dead worker left: a running job whose heartbeat went stale is run
  again once (``MAX_ATTEMPTS``), then failed with a Vietnamese message; a job nobody took
  (a lost push) is handed out again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from contest.db import utcnow
from contest.extensions import db
from contest.jobs.registry import KINDS, Outcome
from contest.models import User
from contest.models.job import Job, JobStatus
from contest.services.errors import DomainError
from contest.services.i18n import LazyText, lazy_gettext

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # the first run and one retry after a worker crash
INTERRUPTED = lazy_gettext(
    "Công việc bị gián đoạn hai lần vì máy chạy công việc dừng đột ngột. "
    "Vui lòng thử lại; nếu vẫn không được, hãy báo quản trị viên."
)
UNEXPECTED = lazy_gettext(
    "Đã xảy ra lỗi ngoài dự kiến khi chạy công việc. "
    "Vui lòng thử lại; nếu vẫn không được, hãy báo quản trị viên."
)
UNKNOWN_KIND = lazy_gettext("Loại công việc này không còn được hỗ trợ.")


def vietnamese(message: str | LazyText | None) -> str | None:
    """A message as stored: the Vietnamese text (a lazy message's id, filled in), whatever
    the language of the request that ran it; the page translates it when shown."""
    if isinstance(message, LazyText):
        return message.message % message.params if message.params else message.message
    return None if message is None else str(message)


def _seconds(name: str, default: float) -> float:
    return float(current_app.config.get(name, default))


def stale_limit() -> timedelta:
    """How old a running job's heartbeat may be before its worker is taken for dead."""
    return timedelta(seconds=_seconds("JOBS_STALE_SECONDS", 60))


# --- the heartbeat -------------------------------------------------------------------------


class Heartbeat:
    """The progress callback of one run. ``report`` only notes the latest progress; a
    thread writes it with ``heartbeat_at`` on its own connection every ``interval``
    seconds (never inside the job's transaction, which commits only at the end)."""

    def __init__(self, job_id: int, runner: str, interval: float | None):
        self.job_id, self.runner, self.interval = job_id, runner, interval
        self.engine = db.engine
        self._state: tuple[int, str | None] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        if interval:
            self._thread = threading.Thread(
                target=self._loop, name=f"job-{job_id}-heartbeat", daemon=True
            )
            self._thread.start()

    def report(self, percent: int, step: str | LazyText | None = None) -> None:
        with self._lock:
            self._state = (max(0, min(99, int(percent))), vietnamese(step))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.beat()

    def beat(self) -> None:
        values: dict = {"heartbeat_at": utcnow()}
        with self._lock:
            if self._state is not None:
                values["progress"], values["step"] = self._state
        table = Job.__table__
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    update(table)
                    .where(
                        table.c.id == self.job_id,
                        table.c.status == JobStatus.running,
                        table.c.runner == self.runner,
                    )
                    .values(**values)
                )
        except SQLAlchemyError as exc:  # the next beat tries again
            log.warning("job %s: heartbeat not written: %s", self.job_id, exc)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=min(self.interval or 0, 2))


# --- one run -------------------------------------------------------------------------------


def _claim(job_id: int, now: datetime) -> str | None:
    """Take the job for this run; returns the run's name, or None when it is not ours to
    run (done, failed, running elsewhere with a live heartbeat, or out of attempts)."""
    runner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    stale = or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < now - stale_limit())
    claimed = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            Job.attempts < MAX_ATTEMPTS,
            or_(Job.status == JobStatus.queued, and_(Job.status == JobStatus.running, stale)),
        )
        .values(
            status=JobStatus.running,
            attempts=Job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            runner=runner,
            progress=0,
            step=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return runner if claimed == 1 else None


def _kept_params(job_id: int) -> dict:
    """The job's parameters without its kind's ``drop_params`` (a no-op without any)."""
    job = db.session.get(Job, job_id)
    kind = KINDS.get(job.kind) if job is not None else None
    if job is None or kind is None or not kind.drop_params:
        return {}
    return {"params": {k: v for k, v in job.params.items() if k not in kind.drop_params}}


def _finish(job_id: int, runner: str, outcome: Outcome) -> bool:
    """Mark the job done with its result, in the transaction of its work, only while the
    claim is still ours; False (and nothing stored) when another run took it over."""
    done = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.running, Job.runner == runner)
        .values(
            status=JobStatus.done,
            progress=100,
            step=None,
            result_file=outcome.file,
            result_name=outcome.filename,
            result_mime=outcome.mime,
            result_size=None if outcome.file is None else len(outcome.file),
            summary=outcome.summary,
            finished_at=utcnow(),
            **_kept_params(job_id),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        db.session.rollback()
        return False
    db.session.commit()
    return True


def fail(job_id: int, message: str | LazyText, *, runner: str | None = None) -> None:
    """Mark a job failed with a Vietnamese message (only our run's, when ``runner``)."""
    where = [Job.id == job_id, Job.status.in_([JobStatus.queued, JobStatus.running])]
    if runner is not None:
        where.append(Job.runner == runner)
    db.session.execute(
        update(Job)
        .where(*where)
        .values(
            status=JobStatus.failed,
            error=vietnamese(message),
            step=None,
            finished_at=utcnow(),
            **_kept_params(job_id),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def status_of(job_id: int) -> JobStatus | None:
    return db.session.scalar(
        select(Job.status).where(Job.id == job_id).execution_options(populate_existing=True)
    )


def run_job(job_id: int, *, heartbeat: bool = True) -> JobStatus | None:
    """Run job ``job_id`` if it is ours to run; returns its status afterwards.
    ``heartbeat=False`` runs without the heartbeat thread (in the request, for tests)."""
    runner = _claim(job_id, utcnow())
    if runner is None:
        return status_of(job_id)
    job = db.session.get(Job, job_id, populate_existing=True)
    kind = KINDS.get(job.kind)
    actor = db.session.get(User, job.actor_id) if job.actor_id else None
    params, asked_at = dict(job.params), job.created_at
    db.session.commit()  # end the read: SQLite would hold its write lock for the whole run
    if kind is None:
        fail(job_id, UNKNOWN_KIND, runner=runner)
        return JobStatus.failed
    beat = Heartbeat(job_id, runner, _seconds("JOBS_HEARTBEAT_SECONDS", 5) if heartbeat else None)
    try:
        outcome = kind.run(params, now=asked_at, actor=actor, progress=beat.report)
        beat.stop()
        _finish(job_id, runner, outcome)
    except DomainError as exc:
        beat.stop()
        db.session.rollback()
        fail(job_id, exc.message, runner=runner)
    except Exception:
        beat.stop()
        log.exception("job %s (%s) failed", job_id, job.kind)
        db.session.rollback()
        fail(job_id, UNEXPECTED, runner=runner)
    return status_of(job_id)


# --- what dead workers left ------------------------------------------------------------------


def sweep(now: datetime) -> list[int]:
    """Jobs to hand out again: running ones whose heartbeat went stale (their worker died)
    with an attempt left, and waiting ones nobody took within the stale limit. A stale job
    out of attempts is failed here. Commits."""
    stale_before = now - stale_limit()
    dead = db.session.execute(
        select(Job.id, Job.attempts).where(
            Job.status == JobStatus.running,
            or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale_before),
        )
    ).all()
    again = [job_id for job_id, attempts in dead if attempts < MAX_ATTEMPTS]
    for job_id in (job_id for job_id, attempts in dead if attempts >= MAX_ATTEMPTS):
        db.session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.status == JobStatus.running,
                Job.heartbeat_at < stale_before,
            )
            .values(status=JobStatus.failed, error=vietnamese(INTERRUPTED), finished_at=now)
            .execution_options(synchronize_session=False)
        )
    again += db.session.scalars(
        select(Job.id).where(Job.status == JobStatus.queued, Job.created_at < stale_before)
    ).all()
    _expire_files(now)
    db.session.commit()
    return sorted(again)


def _expire_files(now: datetime) -> None:
    """Delete the files of finished jobs whose kind keeps them only ``file_lifetime``."""
    for name, kind in KINDS.items():
        if kind.file_lifetime:
            db.session.execute(
                update(Job)
                .where(
                    Job.kind == name,
                    Job.result_file.is_not(None),
                    Job.finished_at < now - timedelta(seconds=kind.file_lifetime),
                )
                .values(result_file=None)
                .execution_options(synchronize_session=False)
            )
