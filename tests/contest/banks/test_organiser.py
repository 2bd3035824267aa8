"""Question bank pages: access, upload → preview → confirm, refusals, template and export."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from contest.models import Question, Role
from contest.services import bank_files, banks
from question_bank import parse_bank
from tests.bank_files import GOOD, HEADER, make_xlsx
from tests.conftest import NOW

BASE = "/ban-to-chuc/ngan-hang"


BAD = [*GOOD, ["Văn kiện", "Dễ", "Câu thiếu đáp án đúng?", "Có", "Không", "", "", "", ""]]


@pytest.fixture(autouse=True)
def staging(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BANK_STAGING_DIR", str(tmp_path / "staging"))
    return tmp_path / "staging"


@pytest.fixture
def organiser(make_user, login):
    user = make_user(Role.organiser)
    login(user)
    return user


@pytest.fixture
def bank(db):
    return banks.create_bank("Ngân hàng thử", actor=None, now=NOW)


def upload(client, login, bank, data, filename="cau-hoi.xlsx", **headers):
    return client.post(
        f"{BASE}/{bank.id}/nhap-excel",
        headers=headers,
        data={"csrf_token": login.csrf_token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def question_count(db):
    return db.session.scalar(select(func.count(Question.id)))


@pytest.mark.parametrize(
    "role, status",
    [(Role.participant, 403), (Role.judge, 403), (Role.organiser, 200), (Role.admin, 200)],
)
def test_only_organisers_and_admins(client, login, make_user, bank, role, status):
    login(make_user(role))
    assert client.get(f"{BASE}/").status_code == status
    assert client.get(f"{BASE}/{bank.id}").status_code == status
    assert client.get(f"{BASE}/{bank.id}/nhap-excel").status_code == status


def test_anonymous_is_sent_to_sign_in(client, bank):
    response = client.get(f"{BASE}/{bank.id}")
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]
    response = client.post(f"{BASE}/{bank.id}/cau-hoi/1/trang-thai")
    assert response.status_code in (302, 400)


def test_dashboard_card_and_banks_list(client, organiser, bank):
    html = client.get("/ban-to-chuc/").get_data(as_text=True)
    assert "Ngân hàng câu hỏi" in html and f"{BASE}/" in html
    html = client.get(f"{BASE}/").get_data(as_text=True)
    assert "Ngân hàng thử" in html


def test_create_bank_through_the_form(client, login, organiser, db):
    response = client.post(
        f"{BASE}/tao-moi",
        data={"csrf_token": login.csrf_token, "name": "Tìm hiểu Đại hội XIV", "description": ""},
    )
    assert response.status_code == 302
    assert banks.get_bank_by_name("Tìm hiểu Đại hội XIV") is not None
    response = client.post(
        f"{BASE}/tao-moi", data={"csrf_token": login.csrf_token, "name": "tim hieu dai hoi xiv"}
    )
    assert response.status_code == 422
    assert "Đã có ngân hàng" in response.get_data(as_text=True)


def test_upload_preview_confirm(client, login, organiser, bank, db, staging):
    response = upload(client, login, bank, make_xlsx([*GOOD, GOOD[0]]))
    assert response.status_code == 303
    preview_url = response.headers["Location"]
    assert re.fullmatch(rf"{BASE}/{bank.id}/nhap-excel/[A-Za-z0-9_-]+", preview_url)
    assert len(list(staging.glob("*.xlsx"))) == 1
    response = client.get(preview_url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Xác nhận nhập 3 câu hỏi" in html
    assert "Lịch sử Đảng" in html and "trùng trong tệp (dòng 2)" in html
    assert question_count(db) == 0
    assert client.post(preview_url).status_code == 400  # no CSRF token
    response = client.post(preview_url, data={"csrf_token": login.csrf_token})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}/{bank.id}"
    assert question_count(db) == 3
    assert list(staging.glob("*")) == []
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã nhập 3 câu hỏi" in html and "Bỏ qua 1 câu trùng" in html
    # The token is spent: a second confirm imports nothing.
    response = client.post(preview_url, data={"csrf_token": login.csrf_token})
    assert response.status_code == 302 and question_count(db) == 3


def test_row_errors_are_listed_and_nothing_can_be_confirmed(client, login, organiser, bank, db):
    response = upload(client, login, bank, make_xlsx(BAD))
    response = client.get(response.headers["Location"])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<th scope="col">Dòng</th>' in html and '<th scope="col">Cột</th>' in html
    assert re.search(r"<td>5</td><td>Đáp án đúng</td><td>[^<]+</td>", html)
    assert "Xác nhận nhập" not in html
    assert question_count(db) == 0


def test_xhr_upload_gets_json(client, login, organiser, bank):
    response = upload(client, login, bank, make_xlsx(GOOD), X_Requested_With="XMLHttpRequest")
    assert response.status_code == 200
    assert response.get_json()["redirect"].startswith(f"{BASE}/{bank.id}/nhap-excel/")
    response = upload(client, login, bank, b"not a workbook", X_Requested_With="XMLHttpRequest")
    assert response.status_code == 400
    assert "không phải tệp Excel" in response.get_json()["message"]


def _xlsm(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"\0" * 64)
    return out.getvalue()


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (_xlsm(make_xlsx(GOOD)), "cau-hoi.xlsm", "macro"),
        (
            "Chủ đề,Câu hỏi\nLịch sử,Đảng ra đời năm nào?\n".encode(),
            "cau-hoi.xlsx",
            "không phải tệp Excel .xlsx",
        ),
        (b"", "trong.xlsx", "Vui lòng chọn tệp Excel"),
    ],
)
def test_refused_files_rerender_the_upload_page(
    client, login, organiser, bank, db, data, filename, message
):
    response = upload(client, login, bank, data, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and 'enctype="multipart/form-data"' in html
    assert question_count(db) == 0


def test_missing_file(client, login, organiser, bank):
    response = client.post(f"{BASE}/{bank.id}/nhap-excel", data={"csrf_token": login.csrf_token})
    assert response.status_code == 400
    assert "Vui lòng chọn tệp Excel" in response.get_data(as_text=True)


def test_too_large_files(client, login, organiser, bank, app, monkeypatch):
    monkeypatch.setattr(bank_files, "MAX_FILE_BYTES", 1000)
    response = upload(client, login, bank, make_xlsx(GOOD))
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    response = upload(client, login, bank, b"PK" + b"0" * 5000)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Tệp quá lớn" in html and 'enctype="multipart/form-data"' in html


def test_preview_of_an_unknown_or_foreign_token(client, login, organiser, bank, make_user):
    response = client.get(f"{BASE}/{bank.id}/nhap-excel/khong-co-token-nay-abcdefgh")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/{bank.id}/nhap-excel")
    token = bank_files.stage_upload(
        banks_dir(client), make_xlsx(GOOD), bank_id=bank.id, actor_id=organiser.id + 1000, now=NOW
    )
    assert client.get(f"{BASE}/{bank.id}/nhap-excel/{token}").status_code == 302


def banks_dir(client):
    from pathlib import Path

    return Path(client.application.config["BANK_STAGING_DIR"])


def test_template_download_is_a_valid_workbook(client, organiser):
    response = client.get(f"{BASE}/mau-ngan-hang-cau-hoi.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    assert parse_bank(response.data).ok


def test_export_then_reimport_is_lossless(client, organiser, bank, db):
    bank_files.import_questions(bank, make_xlsx(GOOD), actor=None, now=NOW)
    response = client.get(f"{BASE}/{bank.id}/xuat-excel")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ngan-hang-thu.xlsx" in response.headers["Content-Disposition"]
    copy = banks.create_bank("Bản sao", actor=None, now=NOW)
    assert bank_files.import_questions(copy, response.data, actor=None, now=NOW).imported == 3

    def snapshot(b):
        return sorted(
            (
                q.topic,
                q.difficulty.value,
                q.text,
                tuple(q.option_texts),
                tuple(q.correct),
                q.explanation,
            )
            for q in bank_files.list_export_questions(b)
        )

    assert snapshot(copy) == snapshot(bank)
    workbook = load_workbook(io.BytesIO(response.data))
    assert not any(c.data_type == "f" for r in workbook.worksheets[0].iter_rows() for c in r)


def test_browse_search_and_filters(client, organiser, bank):
    bank_files.import_questions(bank, make_xlsx(GOOD), actor=None, now=NOW)
    html = client.get(f"{BASE}/{bank.id}?q=dai+hoi+ii").get_data(as_text=True)
    assert "Đại hội II của Đảng họp ở đâu?" in html and "Đại hội XIII" not in html
    html = client.get(f"{BASE}/{bank.id}?topic=Văn+kiện").get_data(as_text=True)
    assert "Đại hội XIII họp năm nào?" in html and "Đại hội I của" not in html
    html = client.get(f"{BASE}/{bank.id}?difficulty=hard&page=9").get_data(as_text=True)
    assert "Tìm thấy 1 câu hỏi" in html


def _question_form(login, **changes):
    data = {
        "csrf_token": login.csrf_token,
        "topic": "Lịch sử Đảng",
        "difficulty": "easy",
        "text": "Chủ tịch Hồ Chí Minh đọc Tuyên ngôn Độc lập năm nào?",
        "explanation": "Ngày 2/9/1945.",
        "options-0-text": "1945",
        "options-1-text": "1946",
        "options-2-text": "1954",
        "options-0-is_correct": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_create_edit_and_deactivate_a_question(client, login, organiser, bank, db):
    url = f"{BASE}/{bank.id}/cau-hoi/moi"
    assert client.get(url).status_code == 200
    response = client.post(url, data=_question_form(login, **{"options-0-is_correct": None}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Vui lòng đánh dấu ít nhất một phương án đúng" in html
    response = client.post(url, data=_question_form(login))
    assert response.status_code == 302
    question = db.session.scalar(select(Question))
    assert question.option_texts == ["1945", "1946", "1954"] and question.correct == [0]
    edit = f"{BASE}/{bank.id}/cau-hoi/{question.id}/sua"
    html = client.get(edit).get_data(as_text=True)
    assert 'value="1946"' in html
    # Text only: in place.
    response = client.post(edit, data=_question_form(login, text="Bác Hồ đọc Tuyên ngôn năm nào?"))
    assert response.status_code == 302
    assert question_count(db) == 1
    # A new option: a new version.
    response = client.post(edit, data=_question_form(login, **{"options-3-text": "1930"}))
    assert response.status_code == 302
    assert question_count(db) == 2
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã lưu phiên bản 2" in html
    current = banks.search_questions(bank).items[0]
    assert current.version == 2 and current.option_texts[-1] == "1930"
    assert client.get(edit).status_code == 404  # the old version cannot be edited any more
    toggle = f"{BASE}/{bank.id}/cau-hoi/{current.id}/trang-thai"
    response = client.post(
        toggle,
        data={
            "csrf_token": login.csrf_token,
            "active": "0",
            "next": f"{BASE}/{bank.id}?status=inactive",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}/{bank.id}?status=inactive"
    db.session.refresh(current)
    assert not current.is_active
    response = client.post(
        toggle, data={"csrf_token": login.csrf_token, "active": "1", "next": "//evil.example/"}
    )
    assert response.headers["Location"] == f"{BASE}/{bank.id}"


def test_a_question_of_another_bank_is_not_found(client, organiser, bank, db):
    other = banks.create_bank("Khác", actor=None, now=NOW)
    bank_files.import_questions(other, make_xlsx(GOOD), actor=None, now=NOW)
    question = banks.search_questions(other).items[0]
    assert client.get(f"{BASE}/{bank.id}/cau-hoi/{question.id}/sua").status_code == 404
    assert client.get(f"{BASE}/999999").status_code == 404
