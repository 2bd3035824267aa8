"""With Redis: jobs go to RQ, a worker runs them, the result is stored in the database and
downloads from there; a worker killed with SIGKILL mid-job loses nothing — the job is run
again by the next worker and finishes. Redis database 9; skipped when Redis is away."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.contest.jobs.conftest import REDIS_URL, redis_or_skip, seed, sign_in, wait_for
from tests.contest.jobs.helpers import job_path
from tests.servers import procs

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def redis():
    connection = redis_or_skip()
    yield connection
    connection.flushdb()


@pytest.fixture(scope="module")
def rq_app(redis, make_job_app):
    app = make_job_app("rq", JOBS_MODE="rq", REDIS_URL=REDIS_URL)
    assert app.extensions["jobs"].mode == "rq"
    return app


def job_row(app, job_id: int):
    from sqlalchemy.orm import undefer

    from contest.extensions import db
    from contest.models.job import Job

    with app.app_context():
        try:
            return db.session.get(
                Job, job_id, options=[undefer(Job.result_file)], populate_existing=True
            )
        finally:
            db.session.remove()


def test_an_export_goes_to_rq_and_a_worker_stores_the_file(rq_app, redis):
    from rq import Queue, SimpleWorker

    from contest.jobs.queue import QUEUE

    ids = seed(rq_app)
    client = rq_app.test_client()
    token = sign_in(client)
    round_page = f"/ban-to-chuc/ket-qua/dot-thi/{ids['round_id']}"
    close_page = job_path(client.post(f"{round_page}/dong", data={"csrf_token": token}))
    assert client.get(f"{close_page}.json").get_json()["status"] == "queued"
    queue = Queue(QUEUE, connection=redis)
    assert queue.count == 1
    with rq_app.app_context():
        SimpleWorker([queue], connection=redis).work(burst=True)
    assert client.get(f"{close_page}.json").get_json()["status"] == "done"

    page = job_path(client.post(f"{round_page}/xuat/results", data={"csrf_token": token}))
    with rq_app.app_context():
        SimpleWorker([queue], connection=redis).work(burst=True)
    state = client.get(f"{page}.json").get_json()
    assert state["status"] == "done"
    response = client.get(state["download_url"])
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.data[:2] == b"PK"  # an xlsx (zip) file
    job = job_row(rq_app, int(page.rsplit("/", 1)[1]))
    assert job.result_file == response.data and job.summary["rows"] == 5


def _worker(app, log: Path, *extra: str) -> subprocess.Popen:
    """``python -m contest.jobs.worker`` as make worker runs it, in its own process group,
    with the slow test kind registered."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["TEST_DATABASE_URI"],
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "jobs-test",
        "RATELIMIT_ENABLED": "0",
    }
    code = (
        "import sys, tests.contest.jobs.slow_kind; from contest.jobs.worker import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-c", code, "--stale-seconds", "2", "--heartbeat-seconds", "0.2"]
            + list(extra),
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def test_a_worker_killed_mid_job_loses_nothing(rq_app, redis, tmp_path):
    import tests.contest.jobs.slow_kind  # noqa: F401  (the kind, here too)
    from contest.db import utcnow
    from contest.extensions import db
    from contest.jobs import enqueue
    from contest.models.job import JobStatus

    with rq_app.app_context():
        job_id = enqueue(
            "test:slow", {"tag": "sigkill", "step_seconds": 0.4}, actor=None, now=utcnow()
        ).id
        db.session.remove()
    log = tmp_path / "workers.log"
    first = _worker(rq_app, log)
    try:
        wait_for(
            lambda: (j := job_row(rq_app, job_id)).status is JobStatus.running and j.progress >= 15
        )
    finally:
        procs.kill_hard(first)  # the worker and its work-horse, mid-job
    killed = job_row(rq_app, job_id)
    assert killed.status is JobStatus.running and killed.attempts == 1
    assert killed.progress < 100 and killed.result_file is None

    second = _worker(rq_app, log)
    try:
        wait_for(lambda: job_row(rq_app, job_id).status is JobStatus.done, timeout=60)
    finally:
        _stop(second)
    done = job_row(rq_app, job_id)
    assert f"job {job_id}" in log.read_text(), log.read_text()
    assert done.attempts == 2 and done.progress == 100 and done.error is None
    assert done.result_name == "cham-sigkill.json"
    assert b'"asked": "sigkill"' in done.result_file
