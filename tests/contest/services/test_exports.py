"""Excel exports of results: formula-safe (E1), organisers only, audited, never cached
(E3), masked public list (L3), CCCD and phones as text, and a winners list that a second
person can recompute from the full results."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from contest.models import AuditEntry, Gender, Role, User
from contest.services import exports, ranking, result_closing, result_publishing
from question_bank.text import fold
from tests.conftest import NOW
from tests.contest.jobs.helpers import export_via_job, post_export
from tests.contest.results.test_results import closed_round, finished, password_hash, people  # noqa: F401

DANGEROUS = [
    '=HYPERLINK("http://x","bấm")',
    "+84 cộng",
    "-1 trừ",
    "@SUM(A1)",
    "\tTab",
    "_x0041_ literal",
]


def assert_cells_safe(data: bytes) -> dict:
    """Reopen an export: no formula cell anywhere, no string starting like a formula."""
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (
                        sheet.title,
                        cell.coordinate,
                        cell.value,
                    )
    return {sheet.title: sheet for sheet in book.worksheets}


def header_row(sheet) -> int:
    for row in sheet.iter_rows(min_row=1, max_row=30):
        if row[0].font.b and row[0].value in ("STT", "Hạng", "Đợt thi"):
            return row[0].row
    raise AssertionError("no header")


def table(sheet) -> tuple[list[str], list[dict]]:
    start = header_row(sheet)
    header = [c.value for c in sheet[start]]
    rows = []
    for values in sheet.iter_rows(min_row=start + 1, values_only=True):
        if values[1] is None:
            continue
        rows.append(dict(zip(header, values, strict=False)))
    return header, rows


@pytest.fixture
def scenario(db, closed_round, make_unit, category):  # noqa: F811
    """A closed round with hostile names, a CCCD with a leading zero and a formula-like
    unit, closed and published."""
    unit = make_unit("=Xã Công Thức")
    r = closed_round(
        prize_tiers=[{"name": "Giải Nhất", "count": 1}, {"name": "@Giải Nhì", "count": 2}]
    )
    users = []
    for i, name in enumerate(DANGEROUS):
        born = date(1995, 3, 4)
        user = User(
            role=Role.participant,
            full_name=name,
            name_key=fold(name),
            birth_date=born,
            gender=Gender.female,
            id_number=f"00119500{i:04d}",
            phone=f"03{i:08d}",
            unit_id=unit.id,
            category_id=category.id,
            password_hash=password_hash(),
            created_at=NOW,
        )
        db.session.add(user)
        users.append(user)
    db.session.commit()
    for i, user in enumerate(users):
        finished(
            db,
            r,
            user,
            score=10 - (i // 2),
            prediction=None if i == 5 else 10 + i,
            duration_ms=100_000 + 1_000 * (i % 3),
            submitted_at=r.opens_at + timedelta(hours=1, seconds=i, milliseconds=7 * i),
        )
    finished(db, r, users[0], score=3)  # a weaker second attempt
    result = result_closing.close_round(r, actor=None, now=NOW).result
    result_publishing.publish_result(r, result.id, actor=None, now=NOW, early=True)
    db.session.commit()
    return r, users, result


@pytest.fixture
def organiser(make_user, login):
    user = make_user(role=Role.organiser)
    login(user)
    return user


@pytest.mark.parametrize("kind", ["winners", "results", "units", "public"])
def test_organiser_exports_are_safe_audited_and_not_cached(client, db, organiser, scenario, kind):
    r, users, result = scenario
    response = export_via_job(client, r.id, kind)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == exports.XLSX_MIME
    assert "attachment" in response.headers["Content-Disposition"]
    sheets = assert_cells_safe(response.data)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "result.export")
    ).all()[-1]
    assert entry.actor_id == organiser.id and entry.details["kind"] == kind
    assert entry.details["rows"] == exports.count_rows(result, kind) or kind == "units"
    first = next(iter(sheets.values()))
    # The title block starts with the contest (under the official frame, when there is one).
    title = next(c for c in first["A"][: header_row(first)] if c.value == r.contest.title)
    assert title.font.b


def test_winners_export_columns_types_and_layout(client, db, organiser, scenario):
    r, users, result = scenario
    data = export_via_job(client, r.id, "winners").data
    sheet = assert_cells_safe(data)["Đoạt giải"]
    header, rows = table(sheet)
    assert header[:14] == [
        "STT",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Số CCCD",
        "Số điện thoại",
        "Đơn vị",
        "Đối tượng",
        "Điểm",
        "Dự đoán",
        "Sai số dự đoán",
        "Thời gian làm bài",
        "Thời điểm nộp bài",
        "Giải",
    ]
    start = header_row(sheet)
    assert sheet.freeze_panes == f"A{start + 1}"
    assert all(c.font.b for c in sheet[start])
    assert sheet.column_dimensions["B"].width == 28
    assert len(rows) == 3
    top = rows[0]
    assert top["Họ và tên"] == "'" + DANGEROUS[0]
    assert top["Số CCCD"] == "001195000000" and top["Số điện thoại"] == "0300000000"
    assert isinstance(top["Ngày sinh"], datetime) and top["Ngày sinh"].date() == date(1995, 3, 4)
    assert top["Giới tính"] == "Nữ" and top["Đơn vị"].endswith("'=Xã Công Thức")
    assert top["Giải"] == "Giải Nhất" and rows[1]["Giải"] == "'@Giải Nhì"
    cell = sheet.cell(row=start + 1, column=3)
    assert cell.number_format == "dd/mm/yyyy"
    assert sheet.cell(row=start + 1, column=5).data_type == "s"
    assert sheet.cell(row=start + 1, column=13).number_format == "dd/mm/yyyy hh:mm:ss"
    assert "Đáp án câu hỏi dự đoán" in sheet.cell(row=start - 4, column=1).value  # 3rd title row


def test_a_second_person_can_recompute_the_order_from_the_full_results(
    client, db, organiser, scenario
):
    r, users, result = scenario
    data = export_via_job(client, r.id, "results").data
    _header, rows = table(assert_cells_safe(data)["Kết quả"])
    assert [row["Hạng"] for row in rows] == list(range(1, len(users) + 1))
    # The published rules (default preset): score, distance (none last), duration,
    # submission time, attempt id.
    recomputed = sorted(
        rows,
        key=lambda row: (
            -row["Điểm"],
            ranking.NO_PREDICTION if row["Sai số dự đoán"] is None else row["Sai số dự đoán"],
            row["Thời gian làm bài (ms)"],
            row["Thời điểm nộp bài"],
            row["Mã lượt thi"],
        ),
    )
    assert recomputed == rows
    winners = [row["Họ và tên"] for row in rows if row["Giải"]]
    assert winners == [
        w.full_name if not w.full_name.startswith(("=", "+", "-", "@", "\t")) else "'" + w.full_name
        for w, _u in [(u, None) for u in users[:3]]
    ]
    assert rows[0]["Số lượt thi"] == 2
    assert rows[-1]["Dự đoán"] is None and rows[-1]["Sai số dự đoán"] is None


def test_public_list_is_masked(client, db, scenario):
    r, users, result = scenario
    response = client.get(f"/dot-thi/{r.id}/ket-qua.xlsx")
    assert response.status_code == 200
    sheets = assert_cells_safe(response.data)
    header, rows = table(sheets["Đoạt giải"])
    assert "Số CCCD" not in header and "Ngày sinh" not in header
    text = " ".join(str(c) for row in rows for c in row.values())
    for user in users:
        assert user.id_number not in text and user.phone not in text
    assert rows[0]["Năm sinh"] == 1995 and rows[0]["Số điện thoại"] == "03******00"
    with zipfile.ZipFile(io.BytesIO(response.data)) as z:
        raw = b"".join(z.read(n) for n in z.namelist())
    assert users[0].id_number.encode() not in raw


def test_public_list_needs_a_published_result(client, db, closed_round, people):  # noqa: F811
    r = closed_round()
    (p,) = people(1)
    finished(db, r, p, score=5)
    result_closing.close_round(r, actor=None, now=NOW)
    db.session.commit()
    assert client.get(f"/dot-thi/{r.id}/ket-qua.xlsx").status_code == 404


def test_exports_need_the_organiser_role(client, db, login, make_user, scenario):
    r, _users, _result = scenario
    assert post_export(client, r.id, "winners").status_code == 302  # to the login page
    login(make_user())
    assert post_export(client, r.id, "winners").status_code == 403
    assert client.get("/ban-to-chuc/ket-qua/thong-ke.xlsx").status_code == 403
    assert not db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "result.export")
    ).all()


def test_writer_escapes_and_keeps_numbers(tmp_path):
    out = io.BytesIO()
    with exports.XlsxWriter(out) as book:
        sheet = book.sheet(
            "Thử [1]/2",
            [
                exports.Col("Tên"),
                exports.Col("Số", "int"),
                exports.Col("Mã", "code"),
                exports.Col("Lúc", "datetime_ms"),
                exports.Col("Tỉ lệ", "percent"),
            ],
            ["Tiêu đề"],
        )
        sheet.row(
            [
                'a\x00b\x1fc <&>"',
                12,
                "0012",
                datetime(2026, 5, 1, 1, 2, 3, 456000, tzinfo=__import__("datetime").UTC),
                0.25,
            ]
        )
        sheet.row([None, 0, "", None, None])
    book = load_workbook(io.BytesIO(out.getvalue()))
    ws = book.worksheets[0]
    assert ws.title == "Thử  1  2"
    assert [c.value for c in ws[3]] == ["Tên", "Số", "Mã", "Lúc", "Tỉ lệ"]
    values = [c.value for c in ws[4]]
    assert values[:3] == ['abc <&>"', 12, "0012"]
    assert values[3] == datetime(2026, 5, 1, 8, 2, 3, 456000)  # Vietnam time
    assert values[4] == 0.25 and ws["E4"].number_format == "0.00%"
    assert [c.value for c in ws[5]][:2] == [None, 0]
