"""The job machinery on the suite's own database (jobs run in the caller here): a job run
twice keeps one result; a done job is not redone; a run that lost its claim stores
nothing; the sweep retries a dead worker's job once, then fails it in Vietnamese; the page
and its JSON show the stored progress after a reload; only organisers see a job."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

import tests.contest.jobs.slow_kind  # noqa: F401  (registers test:slow)
from contest.extensions import db as _db
from contest.jobs import enqueue, runner
from contest.jobs.registry import Outcome
from contest.models import AuditEntry, Role
from contest.models.job import Job, JobStatus
from contest.services import result_closing
from tests.conftest import NOW
from tests.contest.jobs.helpers import download_link, job_path, post_export
from tests.contest.results.test_results import closed_round, finished, people  # noqa: F401


@pytest.fixture
def organiser(make_user, login):
    user = make_user(role=Role.organiser)
    login(user)
    return user


def _job(db, status=JobStatus.queued, **fields) -> Job:
    job = Job(
        kind="test:slow",
        params={"tag": "t", "step_seconds": 0},
        dedupe_key=f"test:{NOW.timestamp()}:{id(fields)}",
        status=status,
        progress=fields.pop("progress", 0),
        attempts=fields.pop("attempts", 0),
        created_at=NOW,
        **fields,
    )
    db.session.add(job)
    db.session.commit()
    return job


def _fresh(db, job_id: int) -> Job:
    return db.session.get(Job, job_id, populate_existing=True)


def test_a_job_run_twice_keeps_one_result(db):
    job = _job(db)
    assert runner.run_job(job.id, heartbeat=False) is JobStatus.done
    first = _fresh(db, job.id)
    stored = (first.result_file, first.finished_at, first.attempts)
    assert first.result_name == "cham-t.json" and first.attempts == 1
    assert runner.run_job(job.id, heartbeat=False) is JobStatus.done  # not redone
    again = _fresh(db, job.id)
    assert (again.result_file, again.finished_at, again.attempts) == stored


def test_a_run_that_lost_its_claim_stores_nothing(db):
    job = _job(db)
    mine = runner._claim(job.id, NOW)
    assert mine and runner._claim(job.id, NOW) is None  # running, heartbeat fresh
    # Its heartbeat went stale: another run takes it over; the first one's result is dropped.
    _fresh(db, job.id).heartbeat_at = NOW - timedelta(minutes=5)
    db.session.commit()
    theirs = runner._claim(job.id, NOW)
    assert theirs and theirs != mine
    assert runner._finish(job.id, mine, Outcome(b"old", "old.txt")) is False
    assert runner._finish(job.id, theirs, Outcome(b"new", "new.txt")) is True
    job = _fresh(db, job.id)
    assert (job.status, job.result_name, job.attempts) == (JobStatus.done, "new.txt", 2)


def test_the_sweep_retries_a_dead_workers_job_once_then_fails_it(db, app):
    stale = NOW - timedelta(minutes=5)
    once = _job(db, JobStatus.running, attempts=1, heartbeat_at=stale)
    twice = _job(db, JobStatus.running, attempts=2, heartbeat_at=stale)
    alive = _job(db, JobStatus.running, attempts=1, heartbeat_at=NOW)
    lost = _job(db, JobStatus.queued)
    lost.created_at = stale
    db.session.commit()
    again = runner.sweep(NOW)
    assert once.id in again and lost.id in again
    assert twice.id not in again and alive.id not in again
    failed = _fresh(db, twice.id)
    assert failed.status is JobStatus.failed
    assert failed.error.startswith("Công việc bị gián đoạn hai lần")
    assert runner.run_job(once.id, heartbeat=False) is JobStatus.done
    assert _fresh(db, once.id).attempts == 2


def test_progress_survives_a_reload(client, db, organiser):
    job = _job(db, JobStatus.running, attempts=1, heartbeat_at=NOW, progress=40)
    job.step = "Đang ghi tệp Excel"
    db.session.commit()
    page = f"/ban-to-chuc/cong-viec/{job.id}"
    for _ in range(2):  # a reload reads the same stored state
        state = client.get(f"{page}.json").get_json()
        assert (state["status"], state["progress"], state["step"]) == (
            "running",
            40,
            "Đang ghi tệp Excel",
        )
        assert state["finished"] is False and state["download_url"] is None
    html = client.get(page).get_data(as_text=True)
    assert 'value="40"' in html and "Đang ghi tệp Excel" in html
    assert '<noscript><meta http-equiv="refresh"' in html  # without JavaScript
    assert f'href="{page}" id="job-reload"' in html
    assert "js/job_progress.js" in html
    assert client.get(f"{page}.json").headers["Cache-Control"] == "no-store"


def test_only_organisers_see_a_job_and_each_download_is_audited(client, db, login, make_user):
    job = _job(db)
    runner.run_job(job.id, heartbeat=False)
    page = f"/ban-to-chuc/cong-viec/{job.id}"
    assert client.get(page).status_code == 302  # to the sign-in page
    login(make_user())
    for path in (page, f"{page}.json", f"{page}/tai-ve"):
        assert client.get(path).status_code == 403
    login(make_user(role=Role.organiser))
    assert client.get("/ban-to-chuc/cong-viec/999999").status_code == 404
    html = unescape(client.get(page).get_data(as_text=True))
    assert "Đã xong" in html and "cham-t.json" in html
    response = client.get(f"{page}/tai-ve")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert b'"asked": "t"' in response.data


def test_an_export_job_download_is_audited_as_an_export(
    client,
    db,
    organiser,
    closed_round,  # noqa: F811
    people,  # noqa: F811
):
    r = closed_round()
    (p,) = people(1)
    finished(db, r, p, score=5)
    result_closing.close_round(r, actor=None, now=NOW)
    db.session.commit()
    first = job_path(post_export(client, r.id, "public"))
    second = job_path(post_export(client, r.id, "public"))
    assert first != second  # the first was done: a new request is a new file
    link = download_link(client, first)
    before = len(_db.session.scalars(select(AuditEntry)).all())
    for _ in range(2):
        assert client.get(link).status_code == 200
    entries = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "result.export")
    ).all()
    assert len(_db.session.scalars(select(AuditEntry)).all()) == before + 2
    assert entries[-1].actor_id == organiser.id and entries[-1].details["kind"] == "public"


def test_identical_requests_while_one_waits_share_the_job(db, app):
    backend = app.extensions["jobs"]
    backend.mode, dispatched = "thread", []
    original = backend.dispatch
    backend.dispatch = dispatched.append  # hand out nothing: the first job stays queued
    try:
        params = {"tag": "same", "step_seconds": 0}
        a = enqueue("test:slow", params, actor=None, now=NOW)
        b = enqueue("test:slow", params, actor=None, now=NOW)
        c = enqueue("test:slow", {**params, "tag": "other"}, actor=None, now=NOW)
    finally:
        backend.dispatch, backend.mode = original, "inline"
    assert a.id == b.id != c.id and dispatched == [a.id, c.id]
