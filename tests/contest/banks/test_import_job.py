"""Bank imports above a size run as a job (issue 13): the confirmation answers at once with
the job's page, which says how many questions were imported (with a link to the bank) or
which rows are wrong (nothing imported); the job carries the file, so the staged copy goes;
a second click, or a run repeated after a worker's crash, never imports twice. Small
imports, and the CLI's, stay where they are. The limits are lowered through the app's
config (``BANK_IMPORT_INLINE_MAX_ROWS``, ``…_MAX_BYTES``); the test app runs jobs at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest.extensions import db as _db
from contest.jobs import imports as job_imports
from contest.jobs import runner
from contest.models import AuditEntry, Question, Role
from contest.models.job import Job, JobStatus
from contest.services import banks
from tests.bank_files import GOOD, make_xlsx
from tests.conftest import NOW
from tests.contest.banks.picture_helpers import bundle, picture_row, png

BASE = "/ban-to-chuc/ngan-hang"
BAD = [*GOOD, ["Văn kiện", "Dễ", "Câu thiếu đáp án đúng?", "Có", "Không", "", "", "", ""]]


@pytest.fixture(autouse=True)
def staging(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BANK_STAGING_DIR", str(tmp_path / "staging"))
    return tmp_path / "staging"


@pytest.fixture
def big_over_two(app, monkeypatch):
    """Files over 2 rows count as big (building 2,001 would only make the test slow)."""
    monkeypatch.setitem(app.config, "BANK_IMPORT_INLINE_MAX_ROWS", 2)


@pytest.fixture
def organiser(make_user, login):
    user = make_user(Role.organiser)
    login(user)
    return user


@pytest.fixture
def bank(db):
    return banks.create_bank("Ngân hàng thử", actor=None, now=NOW)


def staged_url(client, login, bank, data, filename="cau-hoi.xlsx") -> str:
    import io

    response = client.post(
        f"{BASE}/{bank.id}/nhap-excel",
        data={"csrf_token": login.csrf_token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def confirm(client, login, url):
    return client.post(url, data={"csrf_token": login.csrf_token})


def job_of(response) -> Job:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    match = re.search(r"/ban-to-chuc/cong-viec/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return _db.session.get(Job, int(match.group(1)), populate_existing=True)


def question_count(db) -> int:
    return db.session.scalar(select(func.count(Question.id)))


def imports_audited(db) -> int:
    return db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "bank.import")
    )


def test_a_big_file_is_imported_by_a_job_whose_page_links_to_the_bank(
    client, login, organiser, bank, db, staging, big_over_two
):
    url = staged_url(client, login, bank, make_xlsx([*GOOD, GOOD[0]]))
    assert client.get(url).status_code == 200  # the preview notes 4 rows
    job = job_of(confirm(client, login, url))
    assert job.kind == "import:questions" and job.status is JobStatus.done
    assert question_count(db) == 3
    assert job.summary == {"imported": 3, "duplicates": 1, "bank": "Ngân hàng thử"}
    assert "file" not in job.params and job.params["bank_id"] == bank.id
    assert list(staging.glob("*.xlsx")) == []  # the job carried the file
    page = client.get(f"/ban-to-chuc/cong-viec/{job.id}").get_data(as_text=True)
    assert "Nhập câu hỏi vào ngân hàng" in page
    assert "Đã nhập 3 câu hỏi vào ngân hàng «Ngân hàng thử». Bỏ qua 1 câu trùng." in page
    assert f'href="{BASE}/{bank.id}" id="job-back">Xem ngân hàng câu hỏi' in page
    state = client.get(f"/ban-to-chuc/cong-viec/{job.id}.json").get_json()
    assert state["status"] == "done" and state["progress"] == 100 and state["finished"]
    # A second click (or a reload of the POST) goes to the same job; nothing is added.
    assert job_of(confirm(client, login, url)).id == job.id
    assert question_count(db) == 3 and imports_audited(db) == 1


def test_a_zip_with_pictures_over_the_byte_limit_is_a_job_even_unpreviewed(
    client, login, organiser, bank, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "BANK_IMPORT_INLINE_MAX_BYTES", 1000)
    data = bundle(
        [picture_row("Biển này là gì?", "hinh/1.png", "Biển tròn đỏ"), picture_row("Đèn?")],
        {"hinh/1.png": png()},
        sheet="ngan-hang.xlsx",
    )
    assert len(data) > 1000
    url = staged_url(client, login, bank, data, "ngan-hang.zip")
    job = job_of(confirm(client, login, url))  # no preview: the size alone decides
    assert job.status is JobStatus.done and job.summary["imported"] == 2
    with_picture = db.session.scalar(select(Question).where(Question.image_id.is_not(None)))
    assert with_picture.image_alt == "Biển tròn đỏ"


def test_row_errors_fail_the_job_naming_the_rows_and_import_nothing(
    client, login, organiser, bank, db, big_over_two
):
    url = staged_url(client, login, bank, make_xlsx(BAD))
    assert client.get(url).status_code == 422
    job = job_of(confirm(client, login, url))  # a POST without the (hidden) button
    assert job.status is JobStatus.failed and "file" not in job.params
    assert "Tệp có 1 lỗi nên chưa có câu hỏi nào được nhập" in job.error
    assert "Dòng 5, cột Đáp án đúng:" in job.error
    assert question_count(db) == 0 and imports_audited(db) == 0
    page = client.get(f"/ban-to-chuc/cong-viec/{job.id}").get_data(as_text=True)
    assert "chưa có câu hỏi nào được nhập" in page and "Dòng 5" in page


def test_a_run_repeated_after_a_worker_crash_imports_once(
    client, login, organiser, bank, db, app, monkeypatch, big_over_two
):
    backend = app.extensions["jobs"]
    monkeypatch.setattr(backend, "dispatch", lambda job_id: None)  # nobody runs it yet
    job = job_of(confirm(client, login, staged_url(client, login, bank, make_xlsx(GOOD))))
    # A worker took it and died before committing anything: the sweep hands it out again.
    assert runner._claim(job.id, NOW)
    stale = _db.session.get(Job, job.id, populate_existing=True)
    stale.heartbeat_at = NOW - timedelta(minutes=5)
    db.session.commit()
    assert runner.sweep(NOW) == [job.id]
    assert runner.run_job(job.id, heartbeat=False) is JobStatus.done
    assert question_count(db) == 3
    assert runner.run_job(job.id, heartbeat=False) is JobStatus.done  # done: not redone
    # Even a run taken again after the import was committed (its done lost) adds nothing:
    # the audit entry committed with the questions names the upload.
    again = _db.session.get(Job, job.id, populate_existing=True)
    again.status, again.attempts, again.heartbeat_at = JobStatus.running, 1, NOW
    again.heartbeat_at = NOW - timedelta(minutes=5)
    db.session.commit()
    assert runner.run_job(job.id, heartbeat=False) is JobStatus.done
    done = _db.session.get(Job, job.id, populate_existing=True)
    assert done.summary["imported"] == 3
    assert question_count(db) == 3 and imports_audited(db) == 1


def test_a_small_file_is_still_imported_in_the_request(client, login, organiser, bank, db):
    url = staged_url(client, login, bank, make_xlsx(GOOD))
    client.get(url)
    response = confirm(client, login, url)
    assert response.status_code == 302 and response.headers["Location"] == f"{BASE}/{bank.id}"
    assert question_count(db) == 3
    assert db.session.scalar(select(func.count(Job.id))) == 0
    assert job_imports.bank_import_job(bank.id, url.rsplit("/", 1)[1]) is None


def test_the_cli_imports_in_its_own_process_whatever_the_size(
    app, db, tmp_path, monkeypatch, big_over_two
):
    monkeypatch.setitem(app.config, "BANK_IMPORT_INLINE_MAX_BYTES", 10)
    path = tmp_path / "bank.xlsx"
    path.write_bytes(make_xlsx(GOOD))
    result = app.test_cli_runner().invoke(
        args=["questions", "import", str(path), "--bank", "Ngân hàng CLI"]
    )
    assert result.exit_code == 0, result.output
    assert "imported 3" in result.output
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_the_upload_page_says_when_an_import_runs_in_the_background(
    client, organiser, bank, app, monkeypatch
):
    monkeypatch.setitem(app.config, "BANK_IMPORT_INLINE_MAX_ROWS", 2000)
    html = client.get(f"{BASE}/{bank.id}/nhap-excel").get_data(as_text=True)
    assert "Tệp trên 2.000 câu hỏi" in html and "chế độ nền" in html
