"""The item statistics as an Excel sheet: the page's figures as numbers, the key in force
and the key served, the likely-wrong-key flag, disputes; formula-safe text (E1); organiser
only, never cached."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select

from contest.models import Attempt, Role
from contest.services import answer_keys, disputes
from tests.conftest import NOW
from tests.contest.disputes.helpers import option_id
from tests.contest.disputes.test_disputes_regrade import scene  # noqa: F401  (the fixture)


def _sheet(response):
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "Số thứ tự")
    head = rows[header]
    body = [dict(zip(head, r, strict=True)) for r in rows[header + 1 :] if isinstance(r[0], int)]
    return sheet, rows, head, body, header


def test_item_statistics_xlsx(client, db, scene, make_user, login):  # noqa: F811
    r, qs, strong, _weak, _lucky = scene
    qs[1].text = '=HYPERLINK("http://example.com","Bấm vào đây")'
    attempt = db.session.scalar(select(Attempt).where(Attempt.participant_id == strong[0].id))
    disputes.file_dispute(attempt, qs[0].id, "Đáp án đúng phải là C.", actor=strong[0], now=NOW)
    organiser = make_user(Role.organiser)
    answer_keys.revise_key(
        qs[0],
        "change",
        [option_id(db, qs[0], "C")],
        "Sai đáp án",
        round_=r,
        actor=organiser,
        now=NOW,
    )
    db.session.commit()
    url = f"/ban-to-chuc/dap-an/dot-thi/{r.id}/thong-ke.xlsx"

    login(strong[0])
    refused = client.get(url)
    assert refused.status_code in (302, 403, 404)

    login(organiser)
    page = client.get(f"/ban-to-chuc/dap-an/dot-thi/{r.id}").get_data(as_text=True)
    assert 'id="item-stats-xlsx"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert f"thong-ke-cau-hoi-dot-{r.id}-" in response.headers["Content-Disposition"]
    sheet, rows, head, body, header = _sheet(response)
    assert rows[1][0] == f"Thống kê câu hỏi — {r.name}"
    assert "Tính trên 13 lượt thi chính thức đã nộp" in rows[2][0]
    assert head[-3:] == ["Bỏ trống", "Nghi sai đáp án", "Số khiếu nại"]
    assert "Chọn D" in head and "Nhóm giỏi chọn A" in head
    by_text = {row["Câu hỏi"]: row for row in body}
    first = by_text[qs[0].text]
    # The key is now C (the strong were right): the figures follow it.
    assert first["Đáp án đang dùng"] == "C" and first["Đáp án khi ra đề"] == "B"
    assert first["Số lượt thi có câu"] == 13 and first["Số khiếu nại"] == 1
    assert abs(first["Độ dễ"] - 6 / 13) < 1e-9 and first["Độ phân biệt"] > 0.9
    assert abs(first["Chọn C"] - 6 / 13) < 1e-9 and first["Nhóm giỏi chọn C"] == 1
    assert not first["Nghi sai đáp án"]
    second = next(row for row in body if row["Câu hỏi"].lstrip("'").startswith("=HYPERLINK"))
    # Formula-safe: text, never a formula; no revision, so no served key.
    assert second["Câu hỏi"].startswith("'=")
    assert second["Đáp án khi ra đề"] is None
    cell = sheet.cell(row=header + 1 + body.index(second) + 1, column=2)
    assert cell.data_type == "s"
    # Percent and number cells are numbers, so they sort and filter.
    pct = sheet.cell(row=header + 2, column=head.index("Độ dễ") + 1)
    assert pct.data_type == "n" and "%" in pct.number_format


def test_a_wrong_key_is_flagged_in_the_sheet(client, db, scene, make_user, login):  # noqa: F811
    r, qs, *_ = scene
    login(make_user(Role.organiser))
    _sheet_, _rows, _head, body, _h = _sheet(
        client.get(f"/ban-to-chuc/dap-an/dot-thi/{r.id}/thong-ke.xlsx")
    )
    first = next(row for row in body if row["Câu hỏi"] == qs[0].text)
    assert first["Nghi sai đáp án"] == "Có — nhóm giỏi chọn C"
    assert first["Độ phân biệt"] < 0
