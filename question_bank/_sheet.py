"""Stream the values of the first worksheet of an ``.xlsx``, built on openpyxl's own parts.

Why not ``openpyxl.load_workbook(read_only=True)`` and ``iter_rows(values_only=True)``: for
a sheet without a ``<dimension>`` element (openpyxl's write-only files, many generators)
the read-only worksheet parses the whole sheet once just to size it, and every inline or
shared string goes through openpyxl's descriptor-based ``Text`` objects. Together that
doubled the time of a 10,000-question import. This module uses the same openpyxl reader
pieces (manifest, workbook, stylesheet, ``WorkSheetParser`` for numbers, dates, booleans
and cached formula values) and only reads strings directly. XML is parsed by
``openpyxl.xml.functions.iterparse``, which is defusedxml's when defusedxml is installed;
reading refuses to run without it.

Only ``question_bank.xlsx.read_table`` calls this, after ``check_xlsx``; every exception is
turned into ``UnreadableFile`` there.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import IO, Any

from .safety import UnreadableFile

__all__ = ["decode_escapes", "escape_text", "first_sheet_rows"]

_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NEEDS_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def decode_escapes(text: str) -> str:
    """Decode OOXML ``_xHHHH_`` escapes (Excel writes a CR as ``_x000D_``, ``_x`` as
    ``_x005F_x``)."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def escape_text(text: str) -> str:
    """Escape a literal ``_xHHHH_`` so that it reads back unchanged (Excel's convention)."""
    if "_x" not in text:
        return text
    return _NEEDS_ESCAPE.sub("_x005F_", text)


def _openpyxl_parts() -> dict[str, Any]:
    import openpyxl
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    if not openpyxl.DEFUSEDXML:
        raise RuntimeError("defusedxml must be installed (and not disabled) to read uploads")
    return {
        "ExcelReader": ExcelReader,
        "apply_stylesheet": apply_stylesheet,
        "coordinate_to_tuple": coordinate_to_tuple,
        "WorkSheetParser": WorkSheetParser,
        "SHARED_STRINGS": SHARED_STRINGS,
        "NS": SHEET_MAIN_NS,
        "iterparse": iterparse,
    }


def first_sheet_rows(payload: bytes) -> Iterator[tuple[int, dict[int, Any]]]:
    """Yield ``(row number, {1-based column: value})`` for each ``<row>`` of the first
    worksheet, with only non-empty cells; formula cells give their cached value.

    Raises whatever openpyxl, ``zipfile`` or the XML parser raise for a damaged file, and
    ``UnreadableFile`` when the workbook has no worksheet.
    """
    parts = _openpyxl_parts()
    ns = parts["NS"]
    tag_t, tag_r, tag_is = f"{{{ns}}}t", f"{{{ns}}}r", f"{{{ns}}}is"
    tag_si, tag_c = f"{{{ns}}}si", f"{{{ns}}}c"
    coordinate_to_tuple = parts["coordinate_to_tuple"]
    iterparse = parts["iterparse"]

    def text_of(node: Any) -> str:
        if len(node) == 1 and node[0].tag == tag_t:  # the usual <is><t>text</t></is>
            return decode_escapes(node[0].text or "")
        plain = node.find(tag_t)
        pieces = [plain.text or ""] if plain is not None else []
        for run in node.iterfind(tag_r):
            piece = run.find(tag_t)
            if piece is not None and piece.text:
                pieces.append(piece.text)
        return decode_escapes("".join(pieces))

    def read_strings(source: IO[bytes]) -> list[str]:
        strings = []
        for _event, node in iterparse(source):
            if node.tag == tag_si:
                strings.append(text_of(node))
                node.clear()
        return strings

    class RowParser(parts["WorkSheetParser"]):  # type: ignore[misc]
        def parse_row(self, row: Any) -> tuple[int, dict[int, Any]]:
            number = row.get("r")
            self.row_counter = int(float(number)) if number else self.row_counter + 1
            self.col_counter = 0
            values: dict[int, Any] = {}
            for element in row:
                if element.tag != tag_c:
                    continue
                if element.get("t") == "inlineStr":
                    coordinate = element.get("r")
                    if coordinate:
                        column = coordinate_to_tuple(coordinate)[1]
                        self.col_counter = column
                    else:
                        self.col_counter += 1
                        column = self.col_counter
                    inline = element.find(tag_is)
                    value = text_of(inline) if inline is not None else None
                else:
                    cell = self.parse_cell(element)
                    column, value = cell["column"], cell["value"]
                if value is not None and value != "":
                    values[column] = value
            return self.row_counter, values

    reader = parts["ExcelReader"](
        io.BytesIO(payload), read_only=True, data_only=True, keep_links=False
    )
    archive = reader.archive
    try:
        reader.read_manifest()
        strings: list[str] = []
        part = reader.package.find(parts["SHARED_STRINGS"])
        if part is not None:
            with archive.open(part.PartName[1:]) as source:
                strings = read_strings(source)
        reader.read_workbook()
        workbook = reader.wb
        parts["apply_stylesheet"](archive, workbook)
        valid = set(archive.namelist())
        target = next(
            (
                rel.target
                for _sheet, rel in reader.parser.find_sheets()
                if rel.target in valid and "chartsheet" not in rel.Type
            ),
            None,
        )
        if target is None:
            raise UnreadableFile(
                "Tệp Excel không có trang tính nào. Vui lòng dùng tệp mẫu của hệ thống."
            )
        with archive.open(target) as source:
            parser = RowParser(
                source,
                strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            yield from parser.parse()
    finally:
        archive.close()
