"""Without REDIS_URL a big bank import runs in a thread of the app, on a database whose
rows are committed for real: the confirmation answers with the job's page before the
questions are saved, and the page's JSON follows the job to its end."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.bank_files import GOOD, make_xlsx
from tests.contest.jobs.conftest import make_job_app, seed, sign_in, wait_for  # noqa: F401


@pytest.fixture(scope="module")
def bank_app(make_job_app, tmp_path_factory):  # noqa: F811
    return make_job_app(
        "bankthread",
        JOBS_MODE="thread",
        BANK_STAGING_DIR=str(tmp_path_factory.mktemp("staging")),
        BANK_IMPORT_INLINE_MAX_ROWS=2,
    )


def test_a_big_bank_import_runs_in_a_thread(bank_app):
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Question
    from contest.services import banks

    seed(bank_app)
    with bank_app.app_context():
        bank_id = banks.create_bank("Ngân hàng luồng", actor=None, now=utcnow()).id
        db.session.commit()
    client = bank_app.test_client()
    token = sign_in(client)
    base = f"/ban-to-chuc/ngan-hang/{bank_id}/nhap-excel"
    response = client.post(
        base,
        data={"csrf_token": token, "file": (io.BytesIO(make_xlsx(GOOD)), "cau-hoi.xlsx")},
        content_type="multipart/form-data",
    )
    preview = response.headers["Location"]
    assert client.get(preview).status_code == 200
    response = client.post(preview, data={"csrf_token": token})
    assert response.status_code == 303
    page = response.headers["Location"]
    assert re.search(r"/ban-to-chuc/cong-viec/\d+$", page)
    state = wait_for(lambda: (s := client.get(f"{page}.json").get_json())["finished"] and s)
    assert (state["status"], state["progress"], state["error"]) == ("done", 100, None)
    html = unescape(client.get(page).get_data(as_text=True))
    assert "Đã nhập 3 câu hỏi vào ngân hàng «Ngân hàng luồng»." in html
    with bank_app.app_context():
        count = db.session.scalar(
            select(func.count(Question.id)).where(Question.bank_id == bank_id)
        )
    assert count == 3
