"""F2–F4: content type, macros, zip bombs and entity expansion, refused before openpyxl."""

import io
import subprocess
import sys
import time
import tracemalloc
import zipfile

import openpyxl
import openpyxl.reader.excel
import pytest

import question_bank.xlsx
from question_bank import UnreadableFile, check_docx, check_xlsx, parse_bank, read_table
from question_bank.bank import COLUMNS

from .qb_helpers import (
    HEADER,
    add_entry,
    deflate,
    deflated_zeros,
    make_xlsx,
    question_row,
    raw_zip,
    rewrite_zip,
    xlsx_bomb,
)

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def refused(data, check=check_xlsx, **limits) -> str:
    with pytest.raises(UnreadableFile) as info:
        check(data, **limits)
    assert info.value.message == str(info.value)
    return info.value.message


@pytest.fixture
def no_openpyxl(monkeypatch):
    """Fail the test if anything reaches openpyxl's readers (public or the one read_table
    builds on)."""

    def forbidden(*args, **kwargs):
        raise AssertionError("openpyxl must not open this file")

    monkeypatch.setattr(openpyxl, "load_workbook", forbidden)
    monkeypatch.setattr(openpyxl.reader.excel, "ExcelReader", forbidden)
    monkeypatch.setattr(question_bank.xlsx, "first_sheet_rows", forbidden)


def test_plain_workbook_passes():
    assert check_xlsx(make_xlsx([question_row()])) is None


def test_zip_bomb_refused_from_central_directory_only(no_openpyxl):
    bomb = xlsx_bomb(500)  # 500 MiB of zeros in about 0.5 MB
    assert len(bomb) < 1024 * 1024
    started = time.perf_counter()
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableFile) as info:
            read_table(bomb, COLUMNS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "giải nén quá lớn" in info.value.message
    assert peak < 20 * 1024 * 1024
    assert time.perf_counter() - started < 2


def test_zip_bomb_under_entry_limit_refused_by_ratio(no_openpyxl):
    bomb = xlsx_bomb(50)  # below the 100 MiB per-entry cap, but ~1000:1
    assert "giải nén quá lớn" in refused(bomb)


def test_total_uncompressed_limit():
    parts = [deflated_zeros(1) for _ in range(3)]
    archive = raw_zip(
        [
            ("[Content_Types].xml", *deflate(b"<Types/>")),
            ("xl/workbook.xml", *deflate(b"<workbook/>")),
            *[(f"xl/media/image{i}.bin", *part) for i, part in enumerate(parts)],
        ]
    )
    assert "giải nén quá lớn" in refused(archive, max_total_uncompressed=2 * 1024 * 1024)
    assert check_xlsx(archive, max_ratio=10_000) is None


def test_too_many_entries(no_openpyxl):
    entries = [
        ("[Content_Types].xml", *deflate(b"<Types/>")),
        ("xl/workbook.xml", *deflate(b"<workbook/>")),
    ]
    entries += [(f"xl/x{i}.xml", *deflate(b"<x/>")) for i in range(2001)]
    assert "quá nhiều thành phần" in refused(raw_zip(entries))


def test_size_cap():
    data = make_xlsx([question_row()])
    assert "quá lớn" in refused(data, max_bytes=len(data) - 1)


def test_size_cap_on_stream_reads_no_more_than_needed():
    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"P" * len(buffer)
            return len(buffer)

    with pytest.raises(UnreadableFile) as info:
        parse_bank(io.BufferedReader(Endless()))
    assert "quá lớn" in info.value.message


def test_xlsm_refused_by_vba_part(no_openpyxl):
    data = add_entry(make_xlsx([question_row()]), "xl/vbaProject.bin", b"\x00" * 64)
    assert "macro" in refused(data)
    with pytest.raises(UnreadableFile):
        parse_bank(data)


def test_xlsm_refused_by_content_type():
    def change(name, content):
        if name == "[Content_Types].xml":
            return content.replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
        return content

    data = rewrite_zip(make_xlsx([question_row()]), change)
    assert "(.xlsm)" in refused(data)


def test_csv_named_xlsx_refused(no_openpyxl):
    csv = ",".join(HEADER).encode("utf-8") + b"\nA,B,C\n"
    message = refused(csv)
    assert "không phải tệp Excel .xlsx" in message
    assert "CSV" in message


def test_old_xls_refused_with_save_as_hint(no_openpyxl):
    message = refused(OLE2)
    assert "Lưu thành Excel Workbook (.xlsx)" in message


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 broken", b"%PDF-1.7\n"])
def test_other_junk_refused(data, no_openpyxl):
    refused(data)


def test_zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    assert "không phải tệp Excel .xlsx" in refused(out.getvalue())


def test_docx_is_not_an_xlsx_and_vice_versa():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    docx = out.getvalue()
    assert check_docx(docx) is None
    assert "không phải tệp Excel .xlsx" in refused(docx)
    assert "không phải tệp Word .docx" in refused(make_xlsx([]), check=check_docx)
    docm = add_entry(docx, "word/vbaProject.bin", b"\x00")
    assert "(.docm)" in refused(docm, check=check_docx)
    assert "Word Document (.docx)" in refused(OLE2, check=check_docx)
    assert "giải nén quá lớn" in refused(
        raw_zip(
            [
                ("[Content_Types].xml", *deflate(b"<Types/>")),
                ("word/document.xml", *deflated_zeros(200)),
            ]
        ),
        check=check_docx,
    )


LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>\n"
)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_billion_laughs_refused(part):
    def change(name, content):
        if name != part:
            return content
        text = content.decode("utf-8")
        body = text[text.index("?>") + 2 :] if text.startswith("<?xml") else text
        if part.endswith("sheet1.xml"):
            body = body.replace("<t>BOOM</t>", "<t>&lol9;</t>")
        return (LAUGHS + body).encode("utf-8")

    data = rewrite_zip(make_xlsx([question_row(text="BOOM")]), change)
    check_xlsx(data)  # the archive itself is fine: the XML parser must refuse it
    with pytest.raises(UnreadableFile) as info:
        parse_bank(data)
    assert "Không đọc được tệp Excel" in info.value.message


def test_damaged_sheet_xml_is_unreadable_not_a_traceback():
    def change(name, content):
        return content[: len(content) // 2] if name == "xl/worksheets/sheet1.xml" else content

    with pytest.raises(UnreadableFile):
        parse_bank(rewrite_zip(make_xlsx([question_row()] * 5), change))


def test_more_than_max_rows_refused():
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>Chủ đề {r}</t></is></c></row>'
        for r in range(2, 20_003)
    )

    def change(name, content):
        if name != "xl/worksheets/sheet1.xml":
            return content
        return content.replace(b"</row></sheetData>", b"</row>" + rows.encode() + b"</sheetData>")

    data = rewrite_zip(make_xlsx([]), change)  # the header row, then 20,001 data rows
    with pytest.raises(UnreadableFile) as info:
        parse_bank(data)
    assert "hơn 20.000 dòng" in info.value.message


def test_bomb_refused_before_openpyxl_is_even_imported(tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(xlsx_bomb(500))
    code = (
        "import sys, question_bank as qb\n"
        f"data = open({str(path)!r}, 'rb').read()\n"
        "try:\n"
        "    qb.parse_bank(data)\n"
        "except qb.UnreadableFile:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('not refused')\n"
        "assert 'openpyxl' not in sys.modules, 'openpyxl was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr + done.stdout


def _with_prolog(part: str, prolog: str, old: bytes = b"", new: bytes = b""):
    """A change for ``rewrite_zip``: put ``prolog`` (a DOCTYPE) before the root element of
    ``part``, after its XML declaration, and replace ``old`` by ``new`` in the part."""

    def change(name, content):
        if name != part:
            return content
        text = content.decode("utf-8")
        body = text[text.index("?>") + 2 :] if text.startswith("<?xml") else text
        return (
            ('<?xml version="1.0" encoding="UTF-8"?>\n' + prolog + body)
            .encode("utf-8")
            .replace(old, new)
        )

    return change


def excel_strings_workbook(text: str) -> bytes:
    """A workbook whose cells are shared strings (xl/sharedStrings.xml), as Excel writes."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Câu hỏi")
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, question_row(text=text))
    book.close()
    return out.getvalue()


def test_billion_laughs_in_shared_strings_refused():
    data = excel_strings_workbook("BOOM")
    assert parse_bank(data).questions[0].text == "BOOM"
    data = rewrite_zip(
        data, _with_prolog("xl/sharedStrings.xml", LAUGHS, b"<t>BOOM</t>", b"<t>&lol9;</t>")
    )
    with pytest.raises(UnreadableFile) as info:
        parse_bank(data)
    assert "Không đọc được tệp Excel" in info.value.message


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/hostname">]>',
        '<!DOCTYPE worksheet [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>',
        '<!DOCTYPE worksheet [<!ENTITY secret "a">]>',
    ],
)
def test_entity_declarations_in_the_sheet_refused(prolog):
    change = _with_prolog("xl/worksheets/sheet1.xml", prolog, b"<t>BOOM</t>", b"<t>&secret;</t>")
    with pytest.raises(UnreadableFile):
        parse_bank(rewrite_zip(make_xlsx([question_row(text="BOOM")]), change))


def test_undefined_entity_refused_even_with_an_external_dtd():
    change = _with_prolog(
        "xl/worksheets/sheet1.xml",
        '<!DOCTYPE worksheet SYSTEM "http://127.0.0.1:9/sheet.dtd">',
        b"<t>BOOM</t>",
        b"<t>&secret;</t>",
    )
    with pytest.raises(UnreadableFile):
        parse_bank(rewrite_zip(make_xlsx([question_row(text="BOOM")]), change))


def test_harmless_doctype_still_reads():
    change = _with_prolog("xl/worksheets/sheet1.xml", "<!DOCTYPE worksheet>")
    result = parse_bank(rewrite_zip(make_xlsx([question_row(text="Câu & đáp?")]), change))
    assert [q.text for q in result.questions] == ["Câu & đáp?"]


def test_doctype_after_the_root_element_is_bad_xml():
    def change(name, content):
        if name != "xl/worksheets/sheet1.xml":
            return content
        return content.replace(b"<sheetData>", b'<sheetData><!DOCTYPE x [<!ENTITY a "b">]>', 1)

    with pytest.raises(UnreadableFile):
        parse_bank(rewrite_zip(make_xlsx([question_row()]), change))
