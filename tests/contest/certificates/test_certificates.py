"""Certificates: PDFs with embedded Vietnamese fonts whose text extracts with its
diacritics, issued as a job (a zip of one PDF per person), a participant's own download,
the public verification page (masked, no personal data), codes kept or revoked when a
result is re-published, and the signature/seal upload (re-encoded, metadata gone)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from contest.models import Role
from contest.models.certificate import Certificate
from contest.services import (
    certificates,
    certificates_images,
    certificates_pdf,
    certificates_template,
    result_closing,
    result_publishing,
)
from contest.services.upload_refusals import UploadRefused
from tests.conftest import NOW, csrf_from
from tests.contest.jobs.helpers import download_link, job_path
from tests.contest.results.test_results import closed_round, finished, people  # noqa: F401


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = [f.get_object() for f in fonts.values() if "NotoSerif" in str(f["/BaseFont"])]
    assert embedded  # the text's fonts are subsets of Noto Serif, embedded in the file
    assert all("/FontFile2" in f["/FontDescriptor"].get_object() for f in embedded)
    return reader.pages[0].extract_text()


def png_with_exif(size=(600, 300)) -> bytes:
    image = Image.new("RGBA", size, (200, 0, 0, 128))
    exif = Image.Exif()
    exif[0x013B] = "Nguyễn Văn Chụp"  # Artist
    out = io.BytesIO()
    image.save(out, format="PNG", exif=exif)
    return out.getvalue()


@pytest.fixture
def awarded(db, closed_round, people):  # noqa: F811
    """A closed, published round: three winners and two others; a filled template."""
    r = closed_round()
    users = people(5)
    users[0].full_name = "Nguyễn Thị Phương Thảo"
    for i, user in enumerate(users):
        finished(db, r, user, score=10 - i, duration_ms=60_000 + i)
    result = result_closing.close_round(r, actor=None, now=NOW).result
    result_publishing.publish_result(r, result.id, actor=None, now=NOW, early=True)
    certificates_template.save_template(
        r.contest,
        certificates_template.TemplateData(
            parent_body="UBND TỈNH BẮC NINH",
            organiser_name="BAN TỔ CHỨC HỘI THI TÌM HIỂU PHÁP LUẬT",
            place="Bắc Ninh",
            signer_name="Trần Thị Hương",
        ),
        signature=certificates_images.prepare_image(png_with_exif(), label="ảnh chữ ký"),
        seal=certificates_images.prepare_image(png_with_exif((400, 400)), label="ảnh con dấu"),
        actor=None,
        now=NOW,
    )
    certificates_template.save_decision(r, "12/QĐ-BTC", date(2026, 5, 5), actor=None, now=NOW)
    db.session.commit()
    return r, users, result


def test_a_certificate_embeds_its_fonts_and_its_text_extracts_with_diacritics(db, awarded):
    r, people_, _result = awarded
    outcome = certificates.issue(r, actor=None, now=NOW)
    assert (outcome.issued, outcome.kept, outcome.revoked) == (3, 0, 0)
    cert = certificates.in_force(r.id)[0]
    text = pdf_text(certificates_pdf.render(certificates_pdf.face_of(cert, "https://thi.vn/")))
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY CHỨNG NHẬN",
        "BAN TỔ CHỨC HỘI THI TÌM HIỂU PHÁP LUẬT",
        cert.participant.full_name,
        "GIẢI NHẤT",
        "Bắc Ninh, ngày 05 tháng 5 năm 2026",
        "Trần Thị Hương",
        certificates.format_code(cert.code),
        f"https://thi.vn/xac-minh/{certificates.format_code(cert.code)}",
    ):
        assert expected in text, expected


def test_codes_are_random_unambiguous_and_typed_any_way(db, awarded):
    r, _people, _result = awarded
    certificates.issue(r, actor=None, now=NOW)
    codes = [c.code for c in certificates.in_force(r.id)]
    assert len(set(codes)) == 3
    assert all(re.fullmatch(r"[ABCDEFGHJKMNPQRSTVWXYZ2-9]{16}", c) for c in codes)
    typed = certificates.format_code(codes[0]).lower().replace("-", " ")
    assert certificates.verify(typed).status == "valid"
    assert certificates.verify("ABCD") is None and certificates.verify("A" * 16) is None


def test_issuing_is_a_job_whose_zip_has_one_pdf_per_winner(client, db, awarded, make_user, login):
    r, _people, _result = awarded
    login(make_user(role=Role.organiser))
    page = f"/ban-to-chuc/giay-chung-nhan/cuoc-thi/{r.contest_id}"
    assert client.get(page).status_code == 200
    token = csrf_from(client, page)
    job = job_path(
        client.post(f"/ban-to-chuc/giay-chung-nhan/dot-thi/{r.id}/cap", data={"csrf_token": token})
    )
    body = client.get(job).get_data(as_text=True)
    assert "Cấp mới 3, giữ nguyên mã 0, thu hồi 0." in body
    response = client.get(download_link(client, job))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == 3 and all(n.endswith(".pdf") and n.isascii() for n in names)
    assert names[0].startswith("0001-")
    first = zipfile.ZipFile(io.BytesIO(response.data)).read(names[0])
    assert "GIẤY CHỨNG NHẬN" in pdf_text(first)


def test_participants_are_included_when_the_template_says_so(db, awarded):
    r, _people, _result = awarded
    certificates_template.save_template(
        r.contest,
        certificates_template.TemplateData(include_participants=True),
        actor=None,
        now=NOW,
    )
    assert certificates.issue(r, actor=None, now=NOW).issued == 5
    last = certificates.in_force(r.id)[-1]
    assert last.prize is None
    face = certificates_pdf.face_of(last, "http://x/")
    assert "Đã tham gia và hoàn thành phần thi" in pdf_text(certificates_pdf.render(face))


def test_a_participant_downloads_their_own_from_the_results_page(client, db, awarded, login):
    r, people_, _result = awarded
    certificates.issue(r, actor=None, now=NOW)
    db.session.commit()
    login(people_[0])
    page = client.get(f"/dot-thi/{r.id}/ket-qua").get_data(as_text=True)
    assert 'id="own-certificate"' in page
    response = client.get(f"/dot-thi/{r.id}/giay-chung-nhan.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert people_[0].full_name in pdf_text(response.data)
    login(people_[4])  # no prize, participants not included
    assert 'id="own-certificate"' not in client.get(f"/dot-thi/{r.id}/ket-qua").get_data(
        as_text=True
    )
    assert client.get(f"/dot-thi/{r.id}/giay-chung-nhan.pdf").status_code == 404


def test_the_public_verification_page_shows_no_personal_data(client, db, awarded):
    r, people_, _result = awarded
    certificates.issue(r, actor=None, now=NOW)
    db.session.commit()
    cert = certificates.in_force(r.id)[0]
    user = cert.participant
    response = client.get(f"/xac-minh/{certificates.format_code(cert.code)}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-status="valid"' in body
    assert certificates.mask_name(user.full_name) in body and "Giải Nhất" in body
    assert user.full_name not in body
    for secret in (user.phone, user.id_number, user.birth_date.strftime("%d/%m/%Y")):
        assert secret and secret not in body
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/xac-minh/KHONG-CO-MA-NAYX").status_code == 404
    assert client.get("/xac-minh?ma=abcd efgh").status_code == 302


def test_republishing_keeps_unchanged_codes_and_revokes_the_others(db, awarded):
    r, people_, _result = awarded
    certificates.issue(r, actor=None, now=NOW)
    before = {c.participant_id: c for c in certificates.in_force(r.id)}
    # The fourth participant finishes again with full marks: everyone moves down a prize.
    finished(db, r, people_[3], score=20, duration_ms=50_000)
    later = NOW + timedelta(minutes=5)
    result = result_closing.close_round(r, actor=None, now=later).result
    assert result.version == 2
    stale = before[people_[0].id]
    assert certificates.verify(stale.code).status == "valid"  # v2 not published yet
    result_publishing.publish_result(r, result.id, actor=None, now=later, early=True)
    assert certificates.verify(stale.code).status == "pending"  # not issued again yet
    outcome = certificates.issue(r, actor=None, now=later)
    assert (outcome.issued, outcome.kept, outcome.revoked) == (3, 0, 3)
    revoked = certificates.verify(stale.code)
    assert revoked.status == "revoked" and "giải thưởng đã thay đổi" in str(revoked.reason)
    third = before[people_[2].id]  # third before, fourth now: no prize any more
    assert db.session.get(Certificate, third.id).revoked_reason == "not_listed"
    # Issuing again changes nothing: every code is kept.
    again = certificates.issue(r, actor=None, now=later)
    assert (again.issued, again.kept, again.revoked) == (0, 3, 0)
    in_force = db.session.scalars(
        select(Certificate).where(Certificate.round_id == r.id, Certificate.revoked_at.is_(None))
    ).all()
    assert len(in_force) == 3


def test_issuing_needs_a_published_result(db, closed_round, people):  # noqa: F811
    from contest.services.errors import Conflict

    r = closed_round()
    finished(db, r, people(1)[0], score=5)
    result_closing.close_round(r, actor=None, now=NOW)
    with pytest.raises(Conflict, match="chưa được công bố"):
        certificates.issue(r, actor=None, now=NOW)


def test_uploaded_images_are_re_encoded_without_metadata_and_checked(db):
    data = png_with_exif((3000, 1500))
    assert b"Artist" in data or b"eXIf" in data
    stored = certificates_images.prepare_image(data, label="ảnh chữ ký")
    assert b"eXIf" not in stored and "Chụp".encode() not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "PNG" and max(image.size) == 1000 and image.mode == "RGBA"
    with pytest.raises(UploadRefused, match="không phải là ảnh"):
        certificates_images.prepare_image(b"%PDF-1.4 not an image", label="ảnh chữ ký")
    with pytest.raises(UploadRefused, match="quá lớn") as big:
        certificates_images.prepare_image(b"x" * (3 * 1024 * 1024), label="ảnh con dấu")
    assert big.value.too_large
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    with pytest.raises(UploadRefused, match="PNG hoặc JPG"):
        certificates_images.prepare_image(gif.getvalue(), label="ảnh con dấu")


def test_the_template_page_saves_and_refuses_a_bad_image(client, db, awarded, make_user, login):
    r, _people, _result = awarded
    login(make_user(role=Role.organiser))
    page = f"/ban-to-chuc/giay-chung-nhan/cuoc-thi/{r.contest_id}"
    token = csrf_from(client, page)
    response = client.post(
        page,
        data={
            "csrf_token": token,
            "organiser_name": "BAN TỔ CHỨC MỚI",
            "signature": (io.BytesIO(b"not an image"), "chu-ky.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Không đọc được ảnh chữ ký" in response.get_data(as_text=True)
    assert certificates_template.issuer_of(r.contest).organiser_name != "BAN TỔ CHỨC MỚI"
    response = client.post(
        page,
        data={"csrf_token": token, "organiser_name": "BAN TỔ CHỨC MỚI", "place": "Hà Nội"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    issuer = certificates_template.issuer_of(r.contest)
    assert issuer.organiser_name == "BAN TỔ CHỨC MỚI" and issuer.signature_png  # kept
    sample = client.get(f"{page}/mau.pdf")
    assert sample.status_code == 200 and "Hà Nội, ngày" in pdf_text(sample.data)


def test_the_verification_page_says_revoked_and_pending(client, db, awarded):
    r, people_, _result = awarded
    certificates.issue(r, actor=None, now=NOW)
    first = certificates.in_force(r.id)[0]
    finished(db, r, people_[3], score=20, duration_ms=50_000)
    later = NOW + timedelta(minutes=5)
    result = result_closing.close_round(r, actor=None, now=later).result
    result_publishing.publish_result(r, result.id, actor=None, now=later, early=True)
    db.session.commit()
    body = client.get(f"/xac-minh/{first.code}").get_data(as_text=True)
    assert 'data-status="pending"' in body and "chờ Ban Tổ chức xác nhận lại" in body
    certificates.issue(r, actor=None, now=later)
    db.session.commit()
    body = client.get(f"/xac-minh/{first.code}").get_data(as_text=True)
    assert 'data-status="revoked"' in body and "giải thưởng đã thay đổi" in body


def test_a_large_round_zips_the_winners_and_leaves_participants_online(db, awarded, monkeypatch):
    from contest.jobs import certificate_kinds

    r, _people, _result = awarded
    certificates_template.save_template(
        r.contest,
        certificates_template.TemplateData(include_participants=True),
        actor=None,
        now=NOW,
    )
    monkeypatch.setattr(certificate_kinds, "ZIP_LIMIT", 4)
    outcome = certificate_kinds.run_certificates(
        {"round_id": r.id, "contest_id": r.contest_id, "base_url": "http://x/"},
        now=NOW,
        actor=None,
        progress=lambda *a: None,
    )
    assert outcome.summary["files"] == 3 and outcome.summary["left_out"] == 2
    assert len(zipfile.ZipFile(io.BytesIO(outcome.file)).namelist()) == 3
    assert "tự tải giấy của mình" in " ".join(certificate_kinds.describe(outcome.summary))


def test_organiser_pages_are_for_organisers(client, db, awarded, login):
    r, people_, _result = awarded
    login(people_[0])
    base = "/ban-to-chuc/giay-chung-nhan"
    for path in (
        f"{base}/",
        f"{base}/cuoc-thi/{r.contest_id}",
        f"{base}/cuoc-thi/{r.contest_id}/mau.pdf",
        f"{base}/cuoc-thi/{r.contest_id}/anh/seal.png",
    ):
        assert client.get(path).status_code == 403, path


def test_the_stored_images_are_private(client, db, awarded, make_user, login):
    r, _people, _result = awarded
    login(make_user(role=Role.organiser))
    base = f"/ban-to-chuc/giay-chung-nhan/cuoc-thi/{r.contest_id}/anh"
    response = client.get(f"{base}/seal.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "no-store" in response.headers["Cache-Control"]
    assert client.get(f"{base}/other.png").status_code == 404
