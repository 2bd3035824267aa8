"""Essay entries: file checks and metadata stripping, writing, autosave, upload, submit and
versions, deadlines, and the contest pages."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.models import Contest, Role
from contest.models.essay import Entry, EntryStatus
from contest.services import documents, essay_contests, essay_entries
from contest.services.errors import Forbidden, ValidationFailed
from tests.conftest import NOW, csrf_from
from tests.contest.essay.support import (
    AUTHOR,
    COMPANY,
    WINDOWS_USER,
    docx_bytes,
    make_essay_contest,
    pdf_bytes,
    submitted_entry,
    zip_bomb_docx,
)

# --- documents (pure) ----------------------------------------------------------------------


def all_parts(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"\n".join(archive.read(n) for n in archive.namelist()) + archive.comment


def test_word_count_counts_vietnamese_words():
    assert documents.count_words("Đại hội XIV của Đảng, năm 2026!") == 7
    assert documents.count_words("  \n ") == 0
    assert documents.count_words("Hồ Chí Minh — Bác Hồ; kinh-tế") == 6


def test_docx_text_and_stripped_metadata():
    raw = docx_bytes()
    assert AUTHOR.encode() in all_parts(raw)
    doc = documents.inspect_upload(raw)
    assert doc.kind == "docx"
    assert doc.text.startswith("Đảng Cộng sản Việt Nam ra đời năm 1930.\nBài viết về Đại hội")
    assert "Ghi chú nhỏ" not in doc.text  # comments are not the essay: dropped with their authors
    everything = all_parts(doc.data)
    for secret in (AUTHOR, COMPANY, WINDOWS_USER, "HTTG"):
        assert secret.encode() not in everything
    with zipfile.ZipFile(io.BytesIO(doc.data)) as archive:
        assert archive.testzip() is None
        assert "Đảng Cộng sản".encode() in archive.read("word/document.xml")
        assert all(i.date_time == (2000, 1, 1, 0, 0, 0) for i in archive.infolist())
    # The stripped file still passes the gate and reads the same.
    assert documents.inspect_upload(doc.data).text == doc.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00" + b"\0" * 500, "không phải tệp Word (.docx) hay PDF"),
        (b"\x7fELF" + b"\0" * 100, "không phải tệp Word (.docx) hay PDF"),
        (docx_bytes(macro=True), "có chứa macro (.docm)"),
        (zip_bomb_docx(), "dung lượng khi giải nén quá lớn"),
        (b"PK\x03\x04 not a zip at all", "không phải tệp Word .docx"),
        (b"", "Tệp trống"),
        (pdf_bytes(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "mã JavaScript"),
        (pdf_bytes(b"/AA << /O << /S /J#61vaScript >> >>"), "mã JavaScript"),
        (pdf_bytes(b"/Names << /EmbeddedFiles 4 0 R >>"), "tệp đính kèm"),
        (pdf_bytes(b"/Launch (calc.exe)"), "lệnh mở chương trình"),
        (b"%PDF-1.7\n1 0 obj <<>> endobj\n", "bị hỏng hoặc chưa tải lên hết"),
    ],
)
def test_upload_attacks_are_refused_with_a_clear_message(data, message):
    with pytest.raises(documents.UploadRefused) as caught:
        documents.inspect_upload(data)
    assert message in caught.value.message
    assert not caught.value.too_large


def test_pdf_javascript_hidden_in_a_compressed_object_stream_is_found():
    import zlib

    hidden = zlib.compress(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    data = (
        b"%PDF-1.5\n4 0 obj << /Type /ObjStm /Filter /FlateDecode >>\nstream\n"
        + hidden
        + b"\nendstream endobj\n"
        + pdf_bytes()[9:]
    )
    with pytest.raises(documents.UploadRefused, match="JavaScript"):
        documents.inspect_upload(data)


def test_oversize_is_refused_as_too_large():
    with pytest.raises(documents.UploadRefused) as caught:
        documents.inspect_upload(b"%PDF-" + b"0" * documents.MAX_FILE_BYTES)
    assert caught.value.too_large and "không quá 10 MB" in caught.value.message


def test_a_plain_pdf_is_accepted_without_text():
    doc = documents.inspect_upload(pdf_bytes())
    assert doc.kind == "pdf" and doc.text is None


def test_identity_hits():
    text = "Tôi là hoang thi tac gia, ĐT 0912 345.678, học tại Trường THPT Số Một."
    hits = documents.identity_hits(
        text, full_name="Hoàng Thị Tác Giả", phone="0912345678", unit_names=["Trường THPT số một"]
    )
    assert hits == ["họ và tên tác giả", "số điện thoại", "tên đơn vị «Trường THPT số một»"]
    assert (
        documents.identity_hits(
            "Bài viết về Đảng.", full_name="Hoàng Thị Tác Giả", phone="0912345678"
        )
        == []
    )


# --- participant journey (HTTP) ------------------------------------------------------------


@pytest.fixture
def contest(db):
    return make_essay_contest(db, min_words=5, max_words=400)


def start_entry(client, login, contest, user):
    login(user)
    response = client.post(f"/cuoc-thi-viet/{contest.slug}/viet-bai", headers=login.headers)
    assert response.status_code == 303
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def test_contest_page_and_home_card_link_to_the_essay_page(client, db, contest):
    home = client.get("/").get_data(as_text=True)
    assert f'href="/cuoc-thi-viet/{contest.slug}"' in home
    page = client.get(f"/cuoc-thi-viet/{contest.slug}").get_data(as_text=True)
    assert "Nội dung: 60 điểm" in page and "lệch nhau quá 20 điểm" in page
    assert "Đăng nhập để gửi bài" in page


def test_write_autosave_submit_and_resubmit_keep_versions(client, db, login, make_user, contest):
    user = make_user()
    entry_id = start_entry(client, login, contest, user)
    page = client.get(f"/bai-du-thi/{entry_id}").get_data(as_text=True)
    assert "essay.js" in page and 'id="word-count"' in page
    save = client.post(
        f"/bai-du-thi/{entry_id}/tu-dong-luu",
        headers=login.headers,
        json={"title": "Tuổi trẻ với Đảng", "text": "Một hai ba bốn năm sáu.", "seq": 5},
    )
    assert save.status_code == 200 and save.get_json()["word_count"] == 6
    stale = client.post(
        f"/bai-du-thi/{entry_id}/tu-dong-luu",
        headers=login.headers,
        json={"title": "cũ", "text": "cũ", "seq": 4},
    )
    assert stale.get_json()["saved"] is False
    entry = db.session.get(Entry, entry_id)
    assert entry.title == "Tuổi trẻ với Đảng"
    refused = client.post(f"/bai-du-thi/{entry_id}/nop-bai", headers=login.headers, data={})
    assert refused.status_code == 422
    assert "cam kết bài viết là của chính mình" in refused.get_data(as_text=True)
    ok = client.post(
        f"/bai-du-thi/{entry_id}/nop-bai",
        headers=login.headers,
        data={
            "declaration": "y",
            "title": "Tuổi trẻ với Đảng",
            "text": "Một hai ba bốn năm sáu bảy.",
        },
    )
    assert ok.status_code == 303
    client.post(
        f"/bai-du-thi/{entry_id}/nop-bai",
        headers=login.headers,
        data={
            "declaration": "y",
            "title": "Tuổi trẻ với Đảng (sửa)",
            "text": "Một hai ba bốn năm sáu bảy tám.",
        },
    )
    db.session.expire_all()
    entry = db.session.get(Entry, entry_id)
    assert entry.status is EntryStatus.submitted
    assert [(v.number, v.word_count) for v in entry.versions] == [(1, 7), (2, 8)]
    assert entry.versions[0].title == "Tuổi trẻ với Đảng"
    mine = client.get("/bai-du-thi-cua-toi").get_data(as_text=True)
    assert "Tuổi trẻ với Đảng (sửa)" in mine and "Đã nộp" in mine
    assert entry.code not in client.get(f"/bai-du-thi/{entry_id}").get_data(as_text=True)


def test_word_limits_and_one_entry_per_participant(client, db, login, make_user, contest):
    user = make_user()
    entry_id = start_entry(client, login, contest, user)
    short = client.post(
        f"/bai-du-thi/{entry_id}/nop-bai",
        headers=login.headers,
        data={"declaration": "y", "title": "Ngắn", "text": "Hai chữ"},
    )
    assert short.status_code == 422 and "ít hơn mức tối thiểu 5 chữ" in short.get_data(as_text=True)
    again = client.post(f"/cuoc-thi-viet/{contest.slug}/viet-bai", headers=login.headers)
    assert again.status_code == 303 and again.location.endswith(f"/cuoc-thi-viet/{contest.slug}")
    assert "tối đa 1" in client.get(again.location).get_data(as_text=True)


def test_upload_docx_pdf_and_attacks_over_http(client, db, login, make_user, contest):
    entry_id = start_entry(client, login, contest, make_user())
    url = f"/bai-du-thi/{entry_id}/tai-tep"

    def upload(data, name):
        return client.post(
            url,
            headers=login.headers,
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(data), name)},
        )

    exe = upload(b"MZ\x90\x00" + b"\0" * 200, "bai-viet.docx")
    assert exe.status_code == 422
    assert "không phải tệp Word (.docx) hay PDF" in exe.get_data(as_text=True)
    assert upload(docx_bytes(macro=True), "bai.docm").status_code == 422
    assert upload(zip_bomb_docx(), "bai.docx").status_code == 422
    with pytest.MonkeyPatch.context() as patch:  # a small cap: no 10 MB upload in a test
        patch.setattr(documents, "MAX_FILE_BYTES", 4000)
        big = upload(b"%PDF-" + b"0" * 5000, "bai.pdf")
    assert big.status_code == 413 and "Tệp quá lớn" in big.get_data(as_text=True)
    assert upload(docx_bytes(), "Bài của tôi.docx").status_code == 303
    entry = db.session.get(Entry, entry_id)
    assert entry.text.startswith("Đảng Cộng sản") and entry.word_count > 10
    assert entry.current_file.original_name == "Bài của tôi.docx"
    # Typed text is ignored while a .docx is attached.
    client.post(
        f"/bai-du-thi/{entry_id}/tu-dong-luu",
        headers=login.headers,
        json={"title": "T", "text": "khác hẳn", "seq": 1},
    )
    db.session.expire_all()
    assert db.session.get(Entry, entry_id).text.startswith("Đảng Cộng sản")
    # A PDF needs the text typed in as well.
    assert upload(pdf_bytes(), "bai.pdf").status_code == 303
    db.session.expire_all()
    entry = db.session.get(Entry, entry_id)
    essay_entries.save_draft(entry, title="Bài PDF", text="", now=NOW)
    db.session.commit()
    refused = client.post(
        f"/bai-du-thi/{entry_id}/nop-bai", headers=login.headers, data={"declaration": "y"}
    )
    assert refused.status_code == 422 and "dán hoặc gõ lại nội dung" in refused.get_data(
        as_text=True
    )
    download = client.get(f"/bai-du-thi/{entry_id}/tep/{entry.current_file.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "bai-du-thi.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_request_over_the_global_cap_gets_a_413_page(
    app, client, db, login, make_user, contest, monkeypatch
):
    entry_id = start_entry(client, login, contest, make_user())
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    response = client.post(
        f"/bai-du-thi/{entry_id}/tai-tep",
        headers=login.headers,
        data=b"x" * 5000,
        content_type="application/octet-stream",
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Tệp quá lớn" in html and 'enctype="multipart/form-data"' in html


def test_after_the_deadline_edits_and_submits_are_gone(client, db, login, make_user):
    contest = make_essay_contest(db, closes_at=NOW + timedelta(seconds=2))
    user = make_user()
    entry = essay_entries.create_entry(contest, user, now=NOW)
    db.session.commit()
    contest.essay_settings.closes_at = NOW - timedelta(seconds=1)
    db.session.commit()
    login(user)
    for path, kwargs in (
        (f"/bai-du-thi/{entry.id}", {"data": {"title": "x", "text": "y"}}),
        (f"/bai-du-thi/{entry.id}/nop-bai", {"data": {"declaration": "y"}}),
        (f"/bai-du-thi/{entry.id}/tu-dong-luu", {"json": {"title": "x", "text": "y", "seq": 9}}),
    ):
        response = client.post(path, headers=login.headers, **kwargs)
        assert response.status_code == 410, path
        body = (
            response.get_json()["message"] if response.is_json else response.get_data(as_text=True)
        )
        assert "hết hạn" in body
    response = client.post(f"/cuoc-thi-viet/{contest.slug}/viet-bai", headers=login.headers)
    assert response.status_code == 303


def test_only_participants_write_entries(db, make_user, contest):
    with pytest.raises(Forbidden):
        essay_entries.create_entry(contest, make_user(Role.judge), now=NOW)


def test_contest_settings_are_validated(db):
    with pytest.raises(ValidationFailed) as caught:
        essay_contests.save_essay_contest(
            essay_contests.EssayContestInput(
                title="",
                opens_at=NOW,
                closes_at=NOW - timedelta(days=1),
                allow_online=False,
                allow_docx=False,
                allow_pdf=False,
                discrepancy="abc",
                criteria=[("Nội dung", 0)],
                stages=[{"name": "Sơ khảo", "rule": None}, {"name": "Chung khảo"}],
            ),
            actor=None,
            now=NOW,
        )
    assert set(caught.value.fields) >= {
        "title",
        "closes_at",
        "allow_online",
        "discrepancy",
        "criteria",
        "stages",
    }


def test_organiser_creates_an_essay_contest_through_the_form(client, db, login, make_user):
    login(make_user(Role.organiser))
    token = csrf_from(client, "/ban-to-chuc/cuoc-thi-viet/moi")
    form = {
        "csrf_token": token,
        "title": "Viết về Bác Hồ",
        "opens_at": "2030-01-01T08:00",
        "closes_at": "2030-02-01T17:00",
        "max_entries": "1",
        "judges_per_entry": "2",
        "discrepancy": "12,5",
        "discrepancy_rule": "closest_two_mean",
        "allow_online": "y",
        "criteria": "Nội dung | 60\nHình thức | 20\nSáng tạo | 20",
        "stages": "Sơ khảo | từ 70 điểm\nChung khảo",
        "prize_tiers": "Giải Nhất | 1",
    }
    response = client.post("/ban-to-chuc/cuoc-thi-viet/moi", data=form)
    assert response.status_code == 303
    contest = db.session.scalar(select(Contest).where(Contest.title == "Viết về Bác Hồ"))
    settings = contest.essay_settings
    assert settings.discrepancy_x100 == 1250 and settings.allow_pdf is False
    assert [(s.name, s.advance_value) for s in settings.stages] == [
        ("Sơ khảo", 7000),
        ("Chung khảo", None),
    ]
    bad = client.post(
        "/ban-to-chuc/cuoc-thi-viet/moi", data={**form, "stages": "Sơ khảo | ?\nX", "title": "Khác"}
    )
    assert bad.status_code == 422 and "chưa nói bao nhiêu bài" in bad.get_data(as_text=True)
    edit = client.get(f"/ban-to-chuc/cuoc-thi-viet/{contest.id}/sua").get_data(as_text=True)
    assert "Sơ khảo | từ 70 điểm" in edit
    # The stages box reads the English words too (the English page writes them).
    english = client.post(
        "/ban-to-chuc/cuoc-thi-viet/moi",
        data={
            **form,
            "title": "Tiếng Anh",
            "stages": "Vòng 1 | 3 entries\nVòng 2 | from 50 points\nCuối",
        },
    )
    assert english.status_code == 303
    other = db.session.scalar(select(Contest).where(Contest.title == "Tiếng Anh"))
    assert [(s.name, s.advance_value) for s in other.essay_settings.stages] == [
        ("Vòng 1", 3),
        ("Vòng 2", 5000),
        ("Cuối", None),
    ]


def test_demo_essay_contest_is_open_and_idempotent(db, make_user, make_unit):
    from contest.demo.essay import DEMO_ESSAY_TITLE, DEMO_JUDGE_UNITS, load_demo_essay

    for email, unit_name in DEMO_JUDGE_UNITS.items():  # what demo.load_demo creates first
        make_unit(unit_name)
        make_user(Role.judge, email=email, unit_id=None)
    load_demo_essay(now=NOW)
    load_demo_essay(now=NOW)
    contests = db.session.scalars(select(Contest).where(Contest.title == DEMO_ESSAY_TITLE)).all()
    assert len(contests) == 1
    settings = contests[0].essay_settings
    assert contests[0].is_published and essay_contests.submission_state(settings, NOW) == "open"
    assert [(c.name, c.max_points) for c in settings.criteria] == [
        ("Nội dung", 60),
        ("Hình thức", 20),
        ("Sáng tạo", 20),
    ]
    assert len(essay_contests.panel(settings)) == 3
    assert all(j.unit_id for j in essay_contests.panel(settings))


def test_identity_warning_for_the_organiser(client, db, login, make_user, contest):
    author = make_user(full_name="Lò Thị Mai")
    entry = submitted_entry(
        db, contest, author, text=f"Em là Lò Thị Mai, số điện thoại {author.phone}."
    )
    login(make_user(Role.organiser))
    page = client.get(f"/ban-to-chuc/cuoc-thi-viet/{contest.id}").get_data(as_text=True)
    assert "có thể để lộ danh tính" in page and "họ và tên tác giả, số điện thoại" in page
    assert entry.code in page
