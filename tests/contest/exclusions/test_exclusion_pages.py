"""The exclusion list's organiser pages over HTTP: who may see them, adding by phone or
CCCD, the refusals and their status codes, the Excel import and export, removing, and what
the ranking, prize and essay pages say about the list."""

from __future__ import annotations

import io
from html import unescape

import pytest
from sqlalchemy import func, select

from contest.models import AuditEntry, Exclusion, Role
from contest.services import exclusions, result_closing, result_pages
from tests.conftest import NOW, csrf_from
from tests.contest.essay.support import make_essay_contest
from tests.contest.exclusions.conftest import row_of, xlsx
from tests.contest.services.test_exports import assert_cells_safe
from tests.question_bank.qb_helpers import xlsx_bomb

BASE = "/ban-to-chuc/khong-xet-giai"


def count(db) -> int:
    return db.session.scalar(select(func.count(Exclusion.id)))


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def post(client, url, data, *, prefix, page_url, files=None):
    """POST a form of the list page with its CSRF token (forms carry a prefix)."""
    token = csrf_from(client, page_url)
    body = {f"{prefix}-csrf_token": token, **{f"{prefix}-{k}": v for k, v in data.items()}}
    if files:
        body.update({f"{prefix}-{k}": v for k, v in files.items()})
    return client.post(url, data=body, content_type="multipart/form-data")


@pytest.fixture
def signed_in(client, login, organiser):
    login(organiser)
    return client


def test_only_organisers_see_the_lists(client, login, make_user, make_round):
    r = make_round()
    url = f"{BASE}/dot-thi/{r.id}"
    assert client.get(url).status_code in (302, 401)
    login(make_user())
    assert client.get(url).status_code == 403
    assert client.get(f"{BASE}/cuoc-thi/{r.contest_id}").status_code == 403
    assert client.get(f"{BASE}/dot-thi/{r.id}/danh-sach.xlsx").status_code == 403
    response = client.post(f"{BASE}/dot-thi/{r.id}/them", data={"add-number": "0912345678"})
    assert response.status_code in (400, 403)
    assert client.get(f"{BASE}/dot-thi/999999").status_code in (403, 404)


def test_add_by_phone_then_by_cccd_shows_the_row_and_audits(
    db, signed_in, organiser, make_user, make_round
):
    client = signed_in
    a, b = make_user(full_name="Phạm Văn Đề"), make_user(full_name="Vũ Thị Thư Ký")
    r = make_round()
    url = f"{BASE}/dot-thi/{r.id}"
    response = post(
        client,
        f"{url}/them",
        {"number": a.phone, "reason": "Người ra đề"},
        prefix="add",
        page_url=url,
    )
    assert response.status_code == 303
    response = post(
        client,
        f"{url}/them",
        {"number": b.id_number, "reason": "Tổ thư ký", "contest_wide": "y"},
        prefix="add",
        page_url=url,
    )
    assert response.status_code == 303
    html = page(client, url)
    assert "Đã thêm Vũ Thị Thư Ký vào danh sách không xét giải." in html
    assert "Phạm Văn Đề" in html and "Người ra đề" in html and "Mọi đợt thi" in html
    assert a.phone not in html and a.id_number not in html  # masked on the page
    assert "2 người trong danh sách không xét giải." in html
    rows = {(x.user_id, x.round_id) for x in db.session.scalars(select(Exclusion))}
    assert rows == {(a.id, r.id), (b.id, None)}
    actors = set(
        db.session.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "exclusion.add"))
    )
    assert actors == {organiser.id}


def test_refusals_say_why_with_the_right_status_and_add_nothing(
    db, signed_in, make_user, make_round
):
    client = signed_in
    listed, judge = make_user(), make_user(role=Role.judge)
    r = make_round()
    exclusions.add_exclusion(r.contest, listed, "BTC", round_=r, actor=None, now=NOW)
    db.session.commit()
    url = f"{BASE}/dot-thi/{r.id}"
    cases = [
        ({"number": "0987000111", "reason": "BTC"}, 422, "Chưa có ai đăng ký với số điện thoại"),
        ({"number": "001203999999", "reason": "BTC"}, 422, "Chưa có ai đăng ký với số CCCD"),
        ({"number": listed.phone, "reason": ""}, 422, "Vui lòng ghi lý do"),
        ({"number": "", "reason": "BTC"}, 422, "Vui lòng nhập số điện thoại hoặc số CCCD"),
        ({"number": listed.phone, "reason": "Lần nữa"}, 409, "đã có trong danh sách"),
        ({"number": judge.phone, "reason": "BTC"}, 409, "luôn được tự động"),
        ({"number": listed.phone, "reason": "x" * 501}, 422, "tối đa 500 ký tự"),
    ]
    for data, status, message in cases:
        response = post(client, f"{url}/them", data, prefix="add", page_url=url)
        assert response.status_code == status, data
        assert message in unescape(response.get_data(as_text=True)), data
    assert count(db) == 1


def test_import_page_adds_a_file_and_reports_skips(db, signed_in, make_user, make_round):
    client = signed_in
    a, b, judge = make_user(), make_user(), make_user(role=Role.judge)
    r = make_round()
    url = f"{BASE}/dot-thi/{r.id}"
    data = xlsx([row_of(a, "Người ra đề"), row_of(b), row_of(judge)])
    response = post(
        client,
        f"{url}/nhap",
        {"reason": "Ban Tổ chức"},
        prefix="file",
        page_url=url,
        files={"file": (io.BytesIO(data), "ds.xlsx")},
    )
    assert response.status_code == 303
    html = page(client, url)
    assert "Đã thêm 2 người vào danh sách không xét giải." in html
    assert "Bỏ qua 1 dòng tài khoản Ban Tổ chức" in html and "dòng 4" in html
    assert "Ban Tổ chức: 1" in html and "Người ra đề: 1" in html
    assert count(db) == 2


def test_import_page_lists_bad_rows_and_refuses_hostile_files(db, signed_in, make_user, make_round):
    client = signed_in
    r = make_round()
    url = f"{BASE}/dot-thi/{r.id}"
    bad = xlsx([row_of(make_user(), "BTC"), ["Ai Đó", "", "", "", "0987000111"]])
    response = post(
        client,
        f"{url}/nhap",
        {"reason": "Ban Tổ chức"},
        prefix="file",
        page_url=url,
        files={"file": (io.BytesIO(bad), "ds.xlsx")},
    )
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Tệp có 1 lỗi, chưa có dữ liệu nào được lưu." in html
    assert "Chưa có ai đăng ký với số điện thoại này." in html
    response = post(
        client,
        f"{url}/nhap",
        {"reason": "BTC"},
        prefix="file",
        page_url=url,
        files={"file": (io.BytesIO(xlsx_bomb(200)), "bom.xlsx")},
    )
    assert response.status_code == 422
    assert "giải nén quá lớn" in unescape(response.get_data(as_text=True))
    response = post(client, f"{url}/nhap", {"reason": "BTC"}, prefix="file", page_url=url)
    assert response.status_code == 422 and "Vui lòng chọn tệp" in unescape(
        response.get_data(as_text=True)
    )
    assert count(db) == 0


def test_remove_export_and_template(db, signed_in, organiser, make_user, make_round):
    client = signed_in
    person = make_user(full_name="Đỗ Văn Bỏ")
    r = make_round()
    row = exclusions.add_exclusion(
        r.contest, person, '=HYPERLINK("http://x","y")', round_=r, actor=organiser, now=NOW
    ).exclusion
    db.session.commit()
    row_id = row.id
    url = f"{BASE}/dot-thi/{r.id}"
    export = client.get(f"{url}/danh-sach.xlsx")
    assert export.status_code == 200 and "no-store" in export.headers["Cache-Control"]
    sheets = assert_cells_safe(export.data)
    assert person.id_number in [
        c.value for line in sheets["Không xét giải"].iter_rows() for c in line
    ]
    template = client.get(f"{BASE}/mau-danh-sach-khong-xet-giai.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"

    token = csrf_from(client, url)
    response = client.post(f"{url}/{row_id}/bo", data={"csrf_token": token})
    assert response.status_code == 303
    assert "Đã bỏ Đỗ Văn Bỏ khỏi danh sách không xét giải." in page(client, url)
    assert count(db) == 0
    assert client.post(f"{url}/{row_id}/bo", data={"csrf_token": token}).status_code == 404
    other = make_round()
    response = client.post(f"{BASE}/dot-thi/{other.id}/{row_id}/bo", data={"csrf_token": token})
    assert response.status_code == 404


def test_the_results_page_counts_by_reason_links_the_list_and_changes_the_ranking(
    db, signed_in, organiser, make_user, ranked_round
):
    client = signed_in
    board, first = make_user(full_name="Hà Văn Ban"), make_user(full_name="Lý Thị Nhất")
    judge = make_user(role=Role.judge)
    r = ranked_round((board, 10), (first, 9), (judge, 10))
    result_closing.close_round(r, actor=organiser, now=NOW)
    db.session.commit()
    url = f"{BASE}/dot-thi/{r.id}"
    post(
        client,
        f"{url}/them",
        {"number": board.phone, "reason": "Ban Tổ chức"},
        prefix="add",
        page_url=url,
    )
    html = page(client, url)
    assert "Đã tính lại kết quả «Tuần 1»: phiên bản 2" in html and "chưa được công bố" in html
    results = page(client, f"/ban-to-chuc/ket-qua/dot-thi/{r.id}")
    line = results[results.index('id="excluded-line"') :]
    line = line[: line.index("</p>")]
    assert "Không xét giải: 1 người trong danh sách (Ban Tổ chức: 1)" in line
    assert "1 tài khoản cán bộ đã thi, không xếp hạng" in line and f"{BASE}/dot-thi/{r.id}" in line
    section = results[results.index('id="excluded"') :]
    assert "1 người trong danh sách không xét giải." in section
    assert "1 người trong số đó đã thi và không được xếp hạng." in section
    assert "Ban Tổ chức: 1" in section
    assert "1 tài khoản như vậy đã thi đợt này." in section  # the judge
    assert f"{BASE}/dot-thi/{r.id}" in section
    start = results.index("bg-white ranking")
    ranking = results[start : results.index("</table>", start)]
    assert "Lý Thị Nhất" in ranking and "Hà Văn Ban" not in ranking
    assert result_pages.current_result(r.id).version == 2


def test_essay_pages_link_the_list_and_the_form_has_no_old_field(db, signed_in, make_user):
    client = signed_in
    contest = make_essay_contest(db)
    author = make_user()
    exclusions.add_exclusion(contest, author, "Tổ thư ký", actor=None, now=NOW)
    db.session.commit()
    link = f"{BASE}/cuoc-thi/{contest.id}"
    overview = page(client, f"/ban-to-chuc/cuoc-thi-viet/{contest.id}")
    assert link in overview
    results = page(client, f"/ban-to-chuc/cuoc-thi-viet/{contest.id}/ket-qua")
    assert link in results and "Tổ thư ký: 1" in results
    assert "1 người trong danh sách không xét giải." in results
    form = page(client, f"/ban-to-chuc/cuoc-thi-viet/{contest.id}/sua")
    assert 'name="excluded"' not in form and link in form
    listing = page(client, link)
    assert author.full_name in listing and "Mọi đợt thi" not in listing
    assert "Áp dụng cho mọi đợt thi" not in listing  # no rounds in an essay contest


def test_the_round_page_links_to_its_exclusion_list(client, db, login, make_user, make_round):
    login(make_user(Role.organiser))
    round_ = make_round()
    html = page(client, f"/ban-to-chuc/cuoc-thi/{round_.contest_id}/dot-thi/{round_.id}/sua")
    assert f'href="/ban-to-chuc/khong-xet-giai/dot-thi/{round_.id}"' in html
