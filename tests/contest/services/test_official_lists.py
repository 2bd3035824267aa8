"""The winners, results and public lists as official documents: A4 landscape, fitted to the
page's width, the header row repeated on every page, page numbers in the footer; the issuing
body beside the national motto, the decision's title, a signature block — and still the same
columns (extend, never rename) with every cell formula-safe (E1)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from contest.services import certificates_template, exports
from contest.services.xlsx_stream import NATIONAL_MOTTO
from tests.conftest import NOW
from tests.contest.results.test_results import closed_round, finished, password_hash, people  # noqa: F401
from tests.contest.services.test_exports import (  # noqa: F401
    assert_cells_safe,
    header_row,
    organiser,
    scenario,
    table,
)

COLUMNS = {
    "winners": [c.label for c in exports.WINNER_COLUMNS],
    "results": [c.label for c in exports.RESULT_COLUMNS],
    "public": [c.label for c in exports.PUBLIC_COLUMNS],
}


@pytest.fixture
def documents(db, scenario):  # noqa: F811
    """The scenario's contest with a filled template (one hostile line) and a decision."""
    r, _users, _result = scenario
    certificates_template.save_template(
        r.contest,
        certificates_template.TemplateData(
            parent_body="UBND TỈNH BẮC NINH",
            organiser_name="=BAN TỔ CHỨC HỘI THI",
            place="Bắc Ninh",
            signer_name="Nguyễn Văn Trưởng",
        ),
        actor=None,
        now=NOW,
    )
    certificates_template.save_decision(r, "12/QĐ-BTC", date(2026, 2, 5), actor=None, now=NOW)
    db.session.commit()
    return scenario


def _export(result, kind: str) -> bytes:
    out = io.BytesIO()
    exports.write_export(kind, result, out, now=NOW)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["winners", "results", "public", "units"])
def test_every_list_prints_on_a4_landscape_with_its_header_on_each_page(db, documents, kind):
    _r, _users, result = documents
    data = _export(result, kind)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and setup.paperSize == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)  # one page wide, as many down
    start = header_row(sheet)
    assert sheet.print_title_rows == f"${start}:${start}"
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    assert sheet.oddFooter.center.text.startswith("Trang")
    assert_cells_safe(data)


@pytest.mark.parametrize("kind", ["winners", "results", "public"])
def test_official_lists_carry_issuer_motto_decision_and_signature(db, documents, kind):
    r, _users, result = documents
    data = _export(result, kind)
    sheet = assert_cells_safe(data)[load_workbook(io.BytesIO(data)).sheetnames[0]]
    header, rows = table(sheet)
    assert header == COLUMNS[kind]  # the column contract stays
    assert rows  # the data rows still read as before
    # The issuer, top left (a formula-like name is neutralised), the motto top right.
    assert sheet["A1"].value == "UBND TỈNH BẮC NINH" and not sheet["A1"].font.b
    assert sheet["A2"].value == "'=BAN TỔ CHỨC HỘI THI" and sheet["A2"].font.b
    split = round(len(header) * 0.4) + 1
    assert sheet.cell(row=1, column=split).value == NATIONAL_MOTTO[0]
    motto = sheet.cell(row=2, column=split)
    assert motto.value == "Độc lập - Tự do - Hạnh phúc" and motto.font.b and motto.font.u
    merged = {str(m) for m in sheet.merged_cells.ranges}
    assert f"A1:{get_column_letter(split - 1)}1" in merged
    # The decision's title, centred over the table.
    title = sheet["A4"].value
    assert title.startswith(("DANH SÁCH ĐẠT GIẢI", "BẢNG KẾT QUẢ"))
    assert r.contest.title.upper() in title and sheet["A4"].alignment.horizontal == "center"
    assert sheet["A5"].value == r.name.upper()
    assert sheet["A6"].value == (
        "(Kèm theo Quyết định số 12/QĐ-BTC ngày 05/02/2026 của Ban Tổ chức)"
    )
    # The signature block, below the table, in the right half.
    tail = [
        sheet.cell(row=n, column=split).value
        for n in range(header_row(sheet) + 1, sheet.max_row + 1)
        if sheet.cell(row=n, column=split).value and sheet.cell(row=n, column=1).value is None
    ]
    assert tail[-4:] == [
        "Bắc Ninh, ngày 05 tháng 02 năm 2026",
        "TM. BAN TỔ CHỨC",
        "TRƯỞNG BAN",
        "Nguyễn Văn Trưởng",
    ]


def test_without_a_template_the_lists_leave_blanks_to_fill_by_hand(db, scenario):  # noqa: F811
    _r, _users, result = scenario
    sheet = load_workbook(io.BytesIO(_export(result, "winners"))).worksheets[0]
    assert sheet["A1"].value == "BAN TỔ CHỨC" and sheet["A1"].font.b
    assert sheet["A6"].value == "(Kèm theo Quyết định số ……/QĐ-BTC ngày ……/……/…… của Ban Tổ chức)"
    values = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert "Ngày …… tháng …… năm ……" in values and "TRƯỞNG BAN" in values


def test_the_organiser_download_is_the_official_list(client, db, organiser, documents):  # noqa: F811
    from tests.contest.jobs.helpers import export_via_job

    r, _users, _result = documents
    sheet = load_workbook(io.BytesIO(export_via_job(client, r.id, "winners").data))["Đoạt giải"]
    assert sheet["A1"].value == "UBND TỈNH BẮC NINH" and sheet.page_setup.orientation == "landscape"


def test_the_public_masked_list_is_official_too(client, db, documents):
    r, _users, _result = documents
    response = client.get(f"/dot-thi/{r.id}/ket-qua.xlsx")
    assert response.status_code == 200
    sheet = assert_cells_safe(response.data)["Đoạt giải"]
    header, _rows = table(sheet)
    assert "Số CCCD" not in header and header == COLUMNS["public"]
    assert sheet.cell(row=1, column=5).value == NATIONAL_MOTTO[0]
    assert sheet.page_setup.orientation == "landscape"


def test_administrative_dates():
    assert (
        certificates_template.administrative_date(date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    )
    assert certificates_template.administrative_date(date(2026, 5, 15)) == (
        "ngày 15 tháng 5 năm 2026"
    )
    assert certificates_template.administrative_date(date(2026, 12, 1)) == (
        "ngày 01 tháng 12 năm 2026"
    )
