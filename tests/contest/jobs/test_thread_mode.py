"""Without REDIS_URL (the embedded default of ``make run``) the organiser's long actions run
in a thread of the app: the button answers at once with the job's page, the page's JSON
follows the stored progress, and the finished job gives its file or says what went wrong."""

from __future__ import annotations

import io
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.contest.jobs.conftest import seed, sign_in, wait_for
from tests.contest.jobs.helpers import DOWNLOAD, job_path


@pytest.fixture(scope="module")
def thread_app(make_job_app):
    app = make_job_app("thread", JOBS_MODE="thread")
    assert app.extensions["jobs"].mode == "thread"
    return app


def finished(client, page: str):
    state = client.get(f"{page}.json").get_json()
    return state if state["finished"] else None


def test_close_then_export_as_jobs_in_a_thread(thread_app):
    from contest.extensions import db
    from contest.models import AuditEntry
    from contest.models.job import Job

    ids = seed(thread_app)
    client = thread_app.test_client()
    token = sign_in(client)
    round_page = f"/ban-to-chuc/ket-qua/dot-thi/{ids['round_id']}"

    page = job_path(client.post(f"{round_page}/dong", data={"csrf_token": token}))
    state = wait_for(lambda: finished(client, page))
    assert (state["status"], state["progress"], state["error"]) == ("done", 100, None)
    html = unescape(client.get(page).get_data(as_text=True))
    assert "Đã xếp hạng 5 người, 3 người đoạt giải (phiên bản 1)." in html
    assert round_page in html  # the way back to the round

    page = job_path(client.post(f"{round_page}/xuat/winners", data={"csrf_token": token}))
    state = wait_for(lambda: finished(client, page))
    assert state["status"] == "done" and state["download_url"]
    html = client.get(page).get_data(as_text=True)
    assert DOWNLOAD.search(html).group(1) == state["download_url"]
    assert "Tệp có 3 dòng" in unescape(html)
    response = client.get(state["download_url"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "danh-sach-doat-giai-dot-" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data))["Đoạt giải"]
    names = [row[1] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert len(names) == 3 and all(name.startswith("Thí sinh") for name in names)
    with thread_app.app_context():
        job = db.session.get(Job, int(page.rsplit("/", 1)[1]))
        assert job.attempts == 1 and job.result_size == len(response.data)
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "result.export")
        ).all()[-1]
        assert entry.actor_id == ids["organiser_id"] and entry.details["kind"] == "winners"
        assert entry.details["rows"] == 3


def test_a_failed_job_says_why_in_vietnamese(thread_app):
    ids = seed(thread_app, manual=True)  # the actual value must be typed in; it is not
    client = thread_app.test_client()
    token = sign_in(client)
    round_page = f"/ban-to-chuc/ket-qua/dot-thi/{ids['round_id']}"
    page = job_path(client.post(f"{round_page}/dong", data={"csrf_token": token}))
    state = wait_for(lambda: finished(client, page))
    message = (
        "Đợt thi này dùng đáp án câu dự đoán do Ban Tổ chức nhập. "
        "Vui lòng nhập đáp án khi đóng đợt thi."
    )
    assert (state["status"], state["error"], state["download_url"]) == ("failed", message, None)
    html = unescape(client.get(page).get_data(as_text=True))
    assert "Không thành công" in html and message in html
    assert client.get(f"{page}/tai-ve").status_code == 404
    # Nothing half-written: the round has no result.
    assert "Đợt thi chưa được đóng và xếp hạng" in unescape(
        client.get(f"{round_page}/don-vi").get_data(as_text=True)
    )


def test_the_app_runs_again_a_job_its_dead_process_left(thread_app):
    """A server process died mid-job (``make run`` restarted): with the next requests, the
    sweep finds the stale heartbeat and runs the job again in a thread."""
    import time
    from datetime import timedelta

    import tests.contest.jobs.slow_kind  # noqa: F401
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models.job import Job, JobStatus

    stale = utcnow() - timedelta(minutes=5)
    with thread_app.app_context():
        job = Job(
            kind="test:slow",
            params={"tag": "restart", "step_seconds": 0},
            dedupe_key="test:restart",
            status=JobStatus.running,
            progress=35,
            attempts=1,
            runner="old-host:1:dead",
            created_at=stale,
            started_at=stale,
            heartbeat_at=stale,
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    client = thread_app.test_client()
    sign_in(client)
    time.sleep(1.1)  # past the half stale limit since the last sweep

    def done():
        state = client.get(f"/ban-to-chuc/cong-viec/{job_id}.json").get_json()
        return state if state["status"] == "done" else None

    assert wait_for(done)["download_url"]
    with thread_app.app_context():
        assert db.session.get(Job, job_id).attempts == 2
        db.session.remove()
