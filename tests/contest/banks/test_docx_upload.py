"""Word banks on the organiser's pages: upload → preview → confirm, errors by question,
refused files, the Word template and the Word export."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from contest.models import Question, Role
from contest.services import bank_files, banks
from question_bank import parse_docx_bank
from question_bank.safety import OLE2_SIGNATURE
from tests.conftest import NOW
from tests.question_bank.docx_helpers import make_docx, question
from tests.question_bank.qb_helpers import add_entry, deflate, deflated_zeros, raw_zip

BASE = "/ban-to-chuc/ngan-hang"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
GOOD = [
    "Chủ đề: Lịch sử Đảng",
    *question(1, "Đại hội I của Đảng họp năm nào?", options=("1930", "1935", "1945")),
    "Câu 2: Đại hội II của Đảng họp ở đâu?",
    [("A. Tuyên Quang", "b")],
    "B. Hà Nội",
    "Mức độ: Khó",
]


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
    return banks.create_bank("Ngân hàng Word", actor=None, now=NOW)


def upload(client, login, bank, data, filename="cau-hoi.docx"):
    return client.post(
        f"{BASE}/{bank.id}/nhap-excel",
        data={"csrf_token": login.csrf_token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def question_count(db):
    return db.session.scalar(select(func.count(Question.id)))


def test_upload_page_offers_word_and_its_template(client, organiser, bank):
    html = client.get(f"{BASE}/{bank.id}/nhap-excel").get_data(as_text=True)
    assert "Nhập từ Excel hoặc Word" in html and ".docx" in html
    assert f"{BASE}/mau-ngan-hang-cau-hoi.docx" in html
    assert "Đáp án: B" in html


def test_word_upload_preview_confirm(client, login, organiser, bank, db):
    response = upload(
        client,
        login,
        bank,
        make_docx(
            [
                *GOOD,
                *question(3, "Đại hội I của Đảng họp năm nào?", options=("1930", "1935", "1945")),
            ]
        ),
    )
    assert response.status_code == 303
    preview_url = response.headers["Location"]
    response = client.get(preview_url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Xác nhận nhập 2 câu hỏi" in html and "Số câu hỏi trong tệp" in html
    assert "trùng với Câu 1 trong tệp" in html
    assert re.search(r'<th scope="col">Câu</th><th scope="col">Câu hỏi</th>', html)
    assert question_count(db) == 0
    response = client.post(preview_url, data={"csrf_token": login.csrf_token})
    assert response.status_code == 302 and question_count(db) == 2
    stored = {q.text: q for q in bank_files.list_export_questions(bank)}
    second = stored["Đại hội II của Đảng họp ở đâu?"]
    assert (second.topic, second.difficulty.value, second.correct) == ("Lịch sử Đảng", "hard", [0])


def test_word_errors_are_listed_by_question_and_nothing_can_be_confirmed(
    client, login, organiser, bank, db
):
    data = make_docx([*GOOD, *question(12, "Không đáp án?", answer=None)])
    response = client.get(upload(client, login, bank, data).headers["Location"])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<th scope="col">Câu</th><th scope="col">Phần</th>' in html
    assert re.search(r"<td>12</td><td>Đáp án đúng</td><td>Không tìm thấy đáp án đúng", html)
    assert "sửa các câu dưới đây trong tệp Word" in html
    assert "Xác nhận nhập" not in html
    response = client.post(
        upload(client, login, bank, data).headers["Location"],
        data={"csrf_token": login.csrf_token},
    )
    assert response.status_code == 422 and question_count(db) == 0


def _bomb():
    return raw_zip(
        [
            ("[Content_Types].xml", *deflate(b"<Types/>")),
            ("word/document.xml", *deflated_zeros(300)),
        ]
    )


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (add_entry(make_docx(GOOD), "word/vbaProject.bin", b"\0" * 64), "a.docm", "macro (.docm)"),
        (
            OLE2_SIGNATURE + "WordDocument".encode("utf-16-le") + b"\0" * 512,
            "cu.doc",
            "Lưu thành Word Document (.docx)",
        ),
        (_bomb(), "bom.docx", "giải nén quá lớn"),
        (make_docx(["Chỉ có tiêu đề"]), "trong.docx", "Không tìm thấy câu hỏi nào"),
        (b"", "trong.docx", "Vui lòng chọn tệp Excel (.xlsx) hoặc Word (.docx)"),
    ],
)
def test_refused_word_files_rerender_the_upload_page(
    client, login, organiser, bank, db, data, filename, message
):
    response = upload(client, login, bank, data, filename)
    if response.status_code == 303:  # readable but without questions: told on the preview
        response = client.get(response.headers["Location"])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and 'enctype="multipart/form-data"' in html
    assert question_count(db) == 0


def test_word_template_download(client, organiser):
    response = client.get(f"{BASE}/mau-ngan-hang-cau-hoi.docx")
    assert response.status_code == 200 and response.mimetype == DOCX
    assert "mau-ngan-hang-cau-hoi.docx" in response.headers["Content-Disposition"]
    assert parse_docx_bank(response.data).ok


def test_word_export_reimports_losslessly(client, organiser, bank, db):
    bank_files.import_questions(bank, make_docx(GOOD), actor=None, now=NOW)
    html = client.get(f"{BASE}/{bank.id}").get_data(as_text=True)
    assert f"{BASE}/{bank.id}/xuat-word" in html
    response = client.get(f"{BASE}/{bank.id}/xuat-word")
    assert response.status_code == 200 and response.mimetype == DOCX
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ngan-hang-word.docx" in response.headers["Content-Disposition"]
    copy = banks.create_bank("Bản sao", actor=None, now=NOW)
    assert bank_files.import_questions(copy, response.data, actor=None, now=NOW).imported == 2

    def snapshot(b):
        return [
            (q.topic, q.difficulty.value, q.text, q.option_texts, q.correct, q.explanation)
            for q in bank_files.list_export_questions(b)
        ]

    assert snapshot(copy) == snapshot(bank)
