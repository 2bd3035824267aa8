"""The sheet reader (question_bank._sheet): the layout found without openpyxl is openpyxl's."""

import datetime as dt
import io
import re
import subprocess
import sys
import zipfile

import pytest
import xlsxwriter
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from question_bank import read_table
from question_bank._sheet import _openpyxl_layout, _plain_layout
from question_bank.xlsx import Column

from .qb_helpers import make_xlsx, question_row, rewrite_zip

NAME = [Column("name", "Tên")]


def saved(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def moved_sheets() -> bytes:
    workbook = Workbook()
    workbook.active.title = "Sau"
    workbook.active.append(["Tên"])
    workbook.active.append(["sau"])
    first = workbook.create_sheet("Trước")
    first.append(["Tên"])
    first.append(["trước"])
    workbook.move_sheet("Trước", offset=-1)  # first in the workbook, second part on disk
    return saved(workbook)


def chartsheet_first() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Tên"])
    sheet.append(["dữ liệu"])
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=1, min_row=1, max_row=2))
    workbook.create_chartsheet("Biểu đồ", 0).add_chart(chart)
    return saved(workbook)


def shared_strings() -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Tên", 12, 2.5, True])
    sheet.write_rich_string(1, 0, "chữ ", book.add_format({"bold": True}), "đậm")
    book.close()
    return out.getvalue()


def retarget(data: bytes, target: bytes) -> bytes:
    def change(name, content):
        if name != "xl/_rels/workbook.xml.rels":
            return content
        return re.sub(rb'Target="[^"]*sheet1.xml"', b'Target="' + target + b'"', content)

    return rewrite_zip(data, change)


PLAIN = {
    "openpyxl": lambda: make_xlsx([["a"]], header=["Tên"]),
    "moved sheets": moved_sheets,
    "chartsheet first": chartsheet_first,
    "xlsxwriter shared strings": shared_strings,
    "absolute target": lambda: retarget(
        make_xlsx([["a"]], header=["Tên"]), b"/xl/worksheets/sheet1.xml"
    ),
    "relative target": lambda: retarget(
        make_xlsx([["a"]], header=["Tên"]), b"../xl/worksheets/sheet1.xml"
    ),
}


@pytest.mark.parametrize("build", PLAIN.values(), ids=PLAIN.keys())
def test_plain_layout_is_the_one_openpyxl_finds(build):
    data = build()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        plain = _plain_layout(archive)
    reference = _openpyxl_layout(data)
    assert plain is not None
    assert (plain.strings, plain.sheet) == (reference.strings, reference.sheet)
    assert reference.date_formats == set()  # so none is needed in the plain layout


def test_sheets_are_taken_in_workbook_order_and_chartsheets_skipped():
    assert read_table(moved_sheets(), NAME).rows == [(2, {"name": "trước"})]
    assert read_table(chartsheet_first(), NAME).rows == [(2, {"name": "dữ liệu"})]
    assert read_table(shared_strings(), NAME).rows == [(2, {"name": "chữ đậm"})]


def date_workbook(epoch: dt.datetime) -> bytes:
    workbook = Workbook()
    workbook.epoch = epoch
    workbook.active.append(["Tên"])
    workbook.active.append([dt.datetime(1930, 2, 3)])
    return saved(workbook)


@pytest.mark.parametrize("epoch", [dt.datetime(1899, 12, 30), dt.datetime(1904, 1, 1)])
def test_dated_workbooks_are_read_by_openpyxl(epoch):
    data = date_workbook(epoch)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert _plain_layout(archive) is None  # a date format: openpyxl decides
    assert read_table(data, NAME).rows == [(2, {"name": "03/02/1930"})]


def test_a_plain_bank_is_read_without_importing_openpyxl(tmp_path):
    path = tmp_path / "bank.xlsx"
    path.write_bytes(make_xlsx([question_row()]))
    code = (
        "import sys, question_bank as qb\n"
        f"result = qb.parse_bank(open({str(path)!r}, 'rb').read())\n"
        "assert len(result.questions) == 1 and not result.errors, result\n"
        "assert 'openpyxl' not in sys.modules, 'openpyxl was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr + done.stdout


def test_unusual_cell_references_follow_openpyxl():
    def change(name, content):
        if name != "xl/worksheets/sheet1.xml":
            return content
        return content.replace(b'r="A2"', b'r="a2"', 1)  # lower case: openpyxl accepts it

    data = rewrite_zip(make_xlsx([["a"]], header=["Tên"]), change)
    assert read_table(data, NAME).rows == [(2, {"name": "a"})]


def test_part_names_are_openpyxls():
    from openpyxl.xml import constants

    from question_bank import _sheet

    assert _sheet._WORKBOOK_TYPES == (
        constants.XLTM,
        constants.XLTX,
        constants.XLSM,
        constants.XLSX,
    )
    assert _sheet._SHARED_STRINGS == constants.SHARED_STRINGS
    assert _sheet._NS == constants.SHEET_MAIN_NS
    rel_id = f"{{{constants.REL_NS}}}id"
    assert rel_id == _sheet._REL_ID
