"""Participant imports above a size run as a job (issue 13): the page answers at once with
the job's page; the job creates the accounts, its file is the temporary passwords' sheet
(for the organiser who imported, for an hour, audited); the uploaded file leaves the job's
parameters when it ends; a file with row errors fails the job with the rows named. Small
imports stay in the request. (The test app runs jobs at once, in the request.)"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from contest.jobs import runner
from contest.models import AuditEntry, Role, User
from contest.models.job import Job, JobStatus
from contest.services import user_import
from tests.conftest import Login
from tests.contest.services.test_user_import import person, upload, xlsx


@pytest.fixture
def organiser(make_user, unit, category):  # the unit and category the rows name
    return make_user(Role.organiser)


@pytest.fixture
def as_organiser(login, organiser):
    login(organiser)
    return login


@pytest.fixture
def small_limit(monkeypatch):
    """Lists over 2 rows count as big (hashing 2,001 passwords would take a minute)."""
    monkeypatch.setattr(user_import, "WEB_MAX_ROWS", 2)


def job_of(response) -> Job:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    match = re.search(r"/ban-to-chuc/cong-viec/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    from contest.extensions import db

    return db.session.get(Job, int(match.group(1)), populate_existing=True)


def participants(db) -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.role == Role.participant))


def test_a_big_list_runs_as_a_job_whose_file_is_the_passwords_sheet(
    client, as_organiser, db, organiser, small_limit
):
    before = participants(db)
    rows = [person(), person("Lò Thị Bình", gender="Nữ"), person("Vừ A Dính", password="mk-2026a")]
    job = job_of(upload(client, as_organiser, xlsx(rows)))
    assert job.kind == "import:participants" and job.status is JobStatus.done
    assert participants(db) == before + 3
    assert "file" not in job.params  # the CCCDs and phones are not kept with the job
    page = client.get(f"/ban-to-chuc/cong-viec/{job.id}").get_data(as_text=True)
    assert "Đã tạo 3 tài khoản thí sinh." in page
    assert "2 tài khoản dùng mật khẩu tạm" in page
    state = client.get(f"/ban-to-chuc/cong-viec/{job.id}.json").get_json()
    sheet = client.get(state["download_url"])
    assert sheet.status_code == 200 and sheet.headers["Cache-Control"] == "no-store"
    names = [c.value for row in openpyxl.load_workbook(io.BytesIO(sheet.data)).active.iter_rows()
             for c in row]  # fmt: skip
    assert "Lò Thị Bình" in names and "Vừ A Dính" not in names
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "user.export_passwords")
    )
    assert entry.actor_id == organiser.id and entry.details == {"rows": 2}


def test_only_the_importer_gets_the_sheet_and_only_for_an_hour(
    client, as_organiser, db, app, make_user, small_limit
):
    job = job_of(upload(client, as_organiser, xlsx([person(), person(), person()])))
    link = f"/ban-to-chuc/cong-viec/{job.id}/tai-ve"
    other = app.test_client()
    Login(other)(make_user(Role.organiser))
    assert other.get(link).status_code == 404
    runner.sweep(job.finished_at + timedelta(minutes=59))
    assert client.get(link).status_code == 200
    runner.sweep(job.finished_at + timedelta(hours=1, minutes=1))
    db.session.expire_all()
    assert client.get(link).status_code == 404  # the sweep deleted the file


def test_a_big_list_with_row_errors_fails_the_job_and_creates_nobody(
    client, as_organiser, db, small_limit
):
    before = participants(db)
    rows = [person(), person(phone="12"), person(cccd="123")]
    job = job_of(upload(client, as_organiser, xlsx(rows)))
    assert job.status is JobStatus.failed and "file" not in job.params
    assert "Tệp có 2 lỗi nên chưa có tài khoản nào được tạo" in job.error
    assert "3" in job.error and "4" in job.error  # the rows, by their sheet numbers
    assert participants(db) == before
    page = client.get(f"/ban-to-chuc/cong-viec/{job.id}").get_data(as_text=True)
    assert "chưa có tài khoản nào được tạo" in page


def test_a_small_list_stays_in_the_request(client, as_organiser, db, small_limit):
    response = upload(client, as_organiser, xlsx([person(), person()]))
    assert response.headers["Location"].endswith("/ban-to-chuc/thi-sinh/nhap")
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_a_file_over_a_megabyte_is_a_job_whatever_its_rows(monkeypatch):
    monkeypatch.setattr(user_import, "INLINE_MAX_BYTES", 10)
    assert user_import.runs_as_job(b"x" * 11)
