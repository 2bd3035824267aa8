"""Handing jobs out: to RQ on Redis when ``REDIS_URL`` is set, else to a small thread pool
inside the app (the embedded default of ``make run``: nothing more to start).

``JOBS_MODE`` may name the backend outright: ``rq``, ``thread``, or ``inline`` (run in the
caller, as RQ's ``is_async=False``; the default of the test suite, whose requests share
one rolled-back transaction no other thread could see).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from flask import Flask, current_app, has_app_context
from sqlalchemy import select

from contest.db import utcnow
from contest.extensions import db
from contest.jobs import runner
from contest.jobs.registry import KINDS
from contest.models import User
from contest.models.job import Job, JobStatus

log = logging.getLogger(__name__)

QUEUE = "contest"
PERFORM = "contest.jobs.queue.perform"  # what an RQ worker imports and calls


_engine_pid: dict[int, int] = {}  # app → the process that built its engine


def mode_of(app: Flask) -> str:
    configured = app.config.get("JOBS_MODE")
    if configured:
        return configured
    if app.testing:
        return "inline"
    return "rq" if app.config.get("REDIS_URL") else "thread"


def init_app(app: Flask) -> None:
    """Choose the backend; in thread mode, requests trigger the sweep (no idle thread)."""
    app.config.setdefault("JOBS_THREADS", 2)
    app.extensions["jobs"] = Backend(app, mode_of(app))
    _engine_pid[id(app)] = os.getpid()  # a forked process (an RQ work-horse) differs
    if app.extensions["jobs"].mode == "thread":
        app.before_request(app.extensions["jobs"].sweep_with_traffic)


def backend() -> Backend:
    return current_app.extensions["jobs"]


def dedupe_key(kind: str, params: dict) -> str:
    return kind + ":" + hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


def enqueue(
    kind: str, params: dict, *, actor: User | None, now: datetime, key: str | None = None
) -> Job:
    """Store a job of ``kind`` (a key of the registry) and hand it out. The same request
    while an identical job waits or runs returns that job. Commits: the row must exist
    before any worker can look for it. ``key`` replaces the dedupe key (the schedule's
    slots, unique in the database)."""
    if kind not in KINDS:
        raise KeyError(kind)
    key = key or dedupe_key(kind, params)
    waiting = db.session.scalars(
        select(Job)
        .where(Job.dedupe_key == key, Job.status.in_([JobStatus.queued, JobStatus.running]))
        .order_by(Job.id)
    ).first()
    if waiting is not None:
        return waiting
    job = Job(
        kind=kind,
        params=params,
        dedupe_key=key,
        actor_id=actor.id if actor is not None else None,
        status=JobStatus.queued,
        progress=0,
        attempts=0,
        created_at=now,
    )
    db.session.add(job)
    db.session.commit()
    backend().dispatch(job.id)
    return job


class Backend:
    """Where this process sends its jobs (one per app)."""

    def __init__(self, app: Flask, mode: str):
        if mode not in {"rq", "thread", "inline"}:
            raise ValueError(f"JOBS_MODE must be rq, thread or inline, not {mode!r}")
        self.app, self.mode = app, mode
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid: int | None = None
        self._sweeper: threading.Thread | None = None
        self._stopping = threading.Event()
        self._last_sweep = float("-inf")
        self._lock = threading.Lock()

    def dispatch(self, job_id: int) -> None:
        if self.mode == "inline":
            runner.run_job(job_id, heartbeat=False)
        elif self.mode == "thread":
            self.pool().submit(self._run_here, job_id)
        else:
            self.push(job_id)

    # --- RQ -----------------------------------------------------------------------------

    def redis(self):
        from redis import Redis

        return Redis.from_url(self.app.config["REDIS_URL"])

    def push(self, job_id: int) -> None:
        """Put the job on the RQ queue; retried once by RQ when its worker is killed. A
        failed push leaves the job waiting in the database, where the sweep finds it."""
        from redis.exceptions import RedisError
        from rq import Queue, Retry

        kind = KINDS[db.session.get(Job, job_id).kind]
        try:
            Queue(QUEUE, connection=self.redis()).enqueue(
                PERFORM,
                job_id,
                retry=Retry(max=1),
                job_timeout=kind.timeout,
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
                description=f"job {job_id}",
            )
        except RedisError as exc:
            log.error("job %s not pushed to Redis (the sweep will retry): %s", job_id, exc)

    # --- the thread pool ----------------------------------------------------------------

    def pool(self) -> ThreadPoolExecutor:
        """This process's pool (a forked server process makes its own)."""
        with self._lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ThreadPoolExecutor(
                    max_workers=int(self.app.config["JOBS_THREADS"]), thread_name_prefix="job"
                )
                self._pool_pid = os.getpid()
            return self._pool

    def _run_here(self, job_id: int) -> None:
        with self.app.app_context():
            try:
                runner.run_job(job_id)
            except Exception:  # run_job stores its own failures; this is the database gone
                log.exception("job %s could not be run", job_id)
            finally:
                db.session.remove()

    # --- the sweeper --------------------------------------------------------------------

    def sweep_with_traffic(self) -> None:
        """In thread mode: at most every half stale limit, a request hands a sweep to the
        pool (an idle app has nothing to recover and nobody waiting)."""
        now = time.monotonic()
        with self._lock:
            if now - self._last_sweep < self._sweep_interval():
                return
            self._last_sweep = now
        self.pool().submit(self._sweep_logged)

    def _sweep_logged(self) -> None:
        try:
            self.sweep_once()
        except Exception:  # the database may be away for a moment
            log.exception("job sweep failed")

    def _sweep_interval(self) -> float:
        return max(float(self.app.config.get("JOBS_STALE_SECONDS", 60)) / 2, 0.5)

    def start_sweeper(self) -> None:
        """Start (once per process) the thread that hands out again what dead runs left."""
        if self._sweeper is not None and self._sweeper.is_alive():
            return
        with self._lock:
            if self._sweeper is None or not self._sweeper.is_alive():
                self._sweeper = threading.Thread(
                    target=self._sweep_forever, name="job-sweeper", daemon=True
                )
                self._sweeper.start()

    def sweep_once(self) -> list[int]:
        """Hand out again what dead runs left, then queue the scheduled work now due."""
        from contest.jobs import schedule

        with self.app.app_context():
            try:
                again = runner.sweep(utcnow())
                for job_id in again:
                    self.dispatch(job_id)
                if self.app.config.get("JOBS_SCHEDULE", True):
                    claim = self._claim_slot if self.mode == "rq" else None
                    schedule.tick(utcnow(), claim_slot=claim)
                return again
            finally:
                db.session.remove()

    def _claim_slot(self, name: str, slot: int, every: int) -> bool:
        """One worker of many takes a schedule's slot (Redis SET NX)."""
        key = f"contest:schedule:{name}:{slot}"
        return bool(self.redis().set(key, "1", nx=True, ex=max(every * 2, 60)))

    def _sweep_forever(self) -> None:
        interval = self._sweep_interval()
        while not self._stopping.is_set():
            self._sweep_logged()
            self._stopping.wait(interval)

    def stop(self) -> None:
        """Stop the sweeper and wait for this process's running jobs (an app torn down)."""
        self._stopping.set()
        if self._sweeper is not None:
            self._sweeper.join(timeout=10)
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def perform(job_id: int) -> str | None:
    """What an RQ worker runs: the job, in an app context (the worker's app, or one built
    from the environment). A forked work-horse drops the connections it inherited."""
    if has_app_context():
        app = current_app._get_current_object()
    else:
        from contest import create_app

        app = create_app({"JOBS_MODE": "rq"})
    with app.app_context():
        if _engine_pid.setdefault(id(app), os.getpid()) != os.getpid():  # forked since
            db.engine.dispose(close=False)
            _engine_pid[id(app)] = os.getpid()
        try:
            status = runner.run_job(job_id)
            return status.value if status else None
        finally:
            db.session.remove()
