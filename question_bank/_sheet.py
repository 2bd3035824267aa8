"""Stream the values of the first worksheet of an ``.xlsx``.

Why not ``openpyxl.load_workbook(read_only=True)`` and ``iter_rows(values_only=True)``: for
a sheet without a ``<dimension>`` element (openpyxl's write-only files, many generators)
the read-only worksheet parses the whole sheet once just to size it; and openpyxl parses
XML with defusedxml's ``XMLParser``, the *pure-Python* ElementTree parser, whose per-element
Python callbacks were most of the time of a 10,000-question import.

So the shared strings and the worksheet, which hold all the data, are parsed here by
ElementTree's C parser, after a defusedxml check of the same part:

* ``_check_part`` runs the part through the expat parser that
  ``defusedxml.ElementTree.DefusedXMLParser`` builds and guards (entity declarations and
  external references raise). Entities can only be declared in a DOCTYPE, which can only
  come before the root element, so for the usual part without a DOCTYPE the check stops at
  the root's start tag; a part with a DOCTYPE is checked to the end (undefined entities are
  refused as well).
* Only then is the part read, again from the archive, by the C ``XMLPullParser``. With no
  entity declared it cannot expand anything.

The small parts (content types, workbook, relationships, styles: which parts hold the
strings and the first sheet, which cell styles are dates) are read the same way when the
workbook is plain (``_plain_layout``: no number format but General, so no cell is a date;
importing openpyxl alone costs as much as reading a few thousand rows), and otherwise by
openpyxl's own reader pieces (``_openpyxl_layout``), which also give the date epoch and the
date styles (``openpyxl.styles.numbers.is_date_format``).

Cell values are what openpyxl's ``WorkSheetParser`` (``data_only=True``) gives: numbers as
``int`` or ``float``, dates (by the cell style's number format) as ``datetime``/``time``/
``timedelta``, booleans, error codes as text, shared and inline strings (rich-text runs
joined, phonetic runs left out, ``_xHHHH_`` escapes decoded), and for a formula its cached
value (none cached: empty).

Only ``question_bank.xlsx.read_table`` calls this, after ``check_xlsx``; every exception is
turned into ``UnreadableFile`` there.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .i18n import _
from .safety import UnreadableFile

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["decode_escapes", "escape_text", "first_sheet_rows"]

_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NEEDS_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# ElementTree names a namespaced element "{uri}local".
_ROW, _C, _V, _IS, _SI, _T, _R = (
    f"{{{_NS}}}{name}" for name in ("row", "c", "v", "is", "si", "t", "r")
)
_SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
# The content types of a workbook part, in the order openpyxl looks for them.
_WORKBOOK_TYPES = (
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
)
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_DIGITS = "0123456789"
_CHUNK = 64 * 1024


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


@dataclass
class _Layout:
    """Where the data is and how to read dates: the shared-strings part (or ``None``), the
    first worksheet part (or ``None``: there is none), the date epoch and the cell styles
    (indexes) whose number format is a date or a duration."""

    strings: str | None
    sheet: str | None
    epoch: Any = None
    date_formats: set[int] = field(default_factory=set)
    timedelta_formats: set[int] = field(default_factory=set)


def _openpyxl_layout(payload: bytes) -> _Layout:
    """The layout as openpyxl's own reader finds it: content types, workbook, relationships,
    stylesheet (date formats, through ``openpyxl.styles.numbers.is_date_format``)."""
    import openpyxl
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

    if not openpyxl.DEFUSEDXML:
        raise RuntimeError("defusedxml must be installed (and not disabled) to read uploads")
    if SHEET_MAIN_NS != _NS or SHARED_STRINGS != _SHARED_STRINGS:  # pragma: no cover
        raise RuntimeError("unexpected SpreadsheetML names in openpyxl")
    reader = ExcelReader(io.BytesIO(payload), read_only=True, data_only=True, keep_links=False)
    archive = reader.archive
    try:
        reader.read_manifest()
        part = reader.package.find(SHARED_STRINGS)
        reader.read_workbook()
        workbook = reader.wb
        apply_stylesheet(archive, workbook)
        valid = set(archive.namelist())
        target = next(
            (
                rel.target
                for _sheet, rel in reader.parser.find_sheets()
                if rel.target in valid and "chartsheet" not in rel.Type
            ),
            None,
        )
    finally:
        archive.close()
    return _Layout(
        strings=part.PartName[1:] if part is not None else None,
        sheet=target,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class _NotPlain(Exception):
    """The workbook is not plain: ``_openpyxl_layout`` must read it."""


def _overrides(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """``(part name, content type)`` of each ``Override`` of ``[Content_Types].xml``."""
    overrides = []
    for node in _parse_part(archive, "[Content_Types].xml"):
        if _local(node.tag) == "Override":
            name, kind = node.get("PartName"), node.get("ContentType")
            if name is None or kind is None:
                raise _NotPlain
            overrides.append((name, kind))
    return overrides


def _check_plain_styles(archive: zipfile.ZipFile) -> None:
    """Raise ``_NotPlain`` unless every cell style has the General number format."""
    for group in _parse_part(archive, "xl/styles.xml"):
        if _local(group.tag) == "numFmts" and len(group):
            raise _NotPlain  # custom number formats: openpyxl tells which ones are dates
        if _local(group.tag) == "cellXfs" and any(int(node.get("numFmtId") or 0) for node in group):
            raise _NotPlain


def _relationship_targets(
    archive: zipfile.ZipFile, workbook: str
) -> dict[str | None, tuple[str, str]]:
    """``{relationship id: (target part, type)}`` of the workbook part, resolved as openpyxl
    resolves them."""
    folder, file = posixpath.split(workbook)
    targets: dict[str | None, tuple[str, str]] = {}
    for node in _parse_part(archive, posixpath.join(folder, "_rels", f"{file}.rels")):
        target, kind = node.get("Target"), node.get("Type")
        if target is None or kind is None:
            raise _NotPlain
        if node.get("TargetMode") != "External":
            if target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
        targets[node.get("Id")] = (target, kind)
    return targets


def _first_worksheet(
    archive: zipfile.ZipFile, workbook: str, targets: dict[str | None, tuple[str, str]]
) -> str | None:
    """The part of the first worksheet listed in the workbook (not a chartsheet), if any."""
    valid = set(archive.namelist())
    for group in _parse_part(archive, workbook):
        if _local(group.tag) != "sheets":
            continue
        for node in group:
            if node.get("name") is None:
                raise _NotPlain
            relation = node.get(_REL_ID, node.get("id"))
            if not relation:
                continue
            target, kind = targets[relation]
            if target in valid and "chartsheet" not in kind:
                return target
        break
    return None


def _plain_layout(archive: zipfile.ZipFile) -> _Layout | None:
    """The layout of a plain workbook, read without openpyxl (whose import alone costs about
    as much as reading 2,000 rows); ``None`` when the workbook is not plain and
    ``_openpyxl_layout`` must read it.

    Plain means: the workbook part is declared by an ``Override`` content type, there is an
    ``xl/styles.xml`` and no cell style has a number format other than General (id 0), so
    no cell is a date; and no content type, relationship or sheet entry lacks an attribute
    openpyxl requires. This is what openpyxl writes, and what Excel writes for a sheet of
    text and numbers. The parts are found as openpyxl finds them.
    """
    try:
        overrides = _overrides(archive)
        workbook = next(
            (name for kind in _WORKBOOK_TYPES for name, found in overrides if found == kind),
            None,
        )
        if workbook is None or "xl/styles.xml" not in set(archive.namelist()):
            return None
        _check_plain_styles(archive)
        strings = next((name for name, found in overrides if found == _SHARED_STRINGS), None)
        workbook = workbook[1:]
        sheet = _first_worksheet(archive, workbook, _relationship_targets(archive, workbook))
    except _NotPlain:
        return None
    return _Layout(strings=strings[1:] if strings is not None else None, sheet=sheet)


class _RootReached(Exception):
    pass


def _refuse_skipped_entity(name: str, is_parameter_entity: bool) -> None:
    raise ValueError(f"undefined entity &{name};")


def _check_part(archive: Any, name: str) -> None:
    """Refuse an XML part that declares entities or refers to external ones (defusedxml).

    Stops at the root element's start tag unless the part has a DOCTYPE (see the module
    docstring). Raises defusedxml's ``EntitiesForbidden`` or ``ExternalReferenceForbidden``,
    ``ValueError`` for an undefined entity, ``xml.parsers.expat.ExpatError`` for bad XML.
    """
    from defusedxml.ElementTree import DefusedXMLParser

    expat = DefusedXMLParser().parser
    if (
        expat.EntityDeclHandler is None
        or expat.UnparsedEntityDeclHandler is None
        or expat.ExternalEntityRefHandler is None
    ):  # pragma: no cover - a changed defusedxml: never parse unguarded
        raise RuntimeError("defusedxml did not guard the XML parser")
    # Keep defusedxml's guards, drop ElementTree's tree-building callbacks.
    for handler in (
        "DefaultHandlerExpand",
        "StartElementHandler",
        "EndElementHandler",
        "StartNamespaceDeclHandler",
        "EndNamespaceDeclHandler",
        "CharacterDataHandler",
        "CommentHandler",
        "ProcessingInstructionHandler",
    ):
        setattr(expat, handler, None)
    expat.SkippedEntityHandler = _refuse_skipped_entity
    doctype = False

    def start_doctype(*_args: Any) -> None:
        nonlocal doctype
        doctype = True

    def start_element(*_args: Any) -> None:
        if not doctype:
            raise _RootReached
        expat.StartElementHandler = None  # check the whole part, at expat's own speed

    expat.StartDoctypeDeclHandler = start_doctype
    expat.StartElementHandler = start_element
    with archive.open(name) as source:
        try:
            while True:
                chunk = source.read(_CHUNK)
                expat.Parse(chunk, not chunk)
                if not chunk:
                    return
        except _RootReached:
            return


def _elements(archive: Any, name: str, tag: str) -> Iterator[Element]:
    """Yield each complete ``tag`` element of the part ``name``, parsed by ElementTree's C
    parser after ``_check_part``; the element is cleared once the caller has read it."""
    from xml.etree.ElementTree import XMLPullParser  # the C parser (_elementtree)

    _check_part(archive, name)
    parser = XMLPullParser(events=("end",))
    with archive.open(name) as source:
        while True:
            chunk = source.read(_CHUNK)
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
            for _event, element in parser.read_events():
                if element.tag == tag:
                    yield element
                    element.clear()
            if not chunk:
                return


def _parse_part(archive: zipfile.ZipFile, name: str) -> Element:
    """The root element of a small part, parsed by ElementTree's C parser after
    ``_check_part``."""
    from xml.etree.ElementTree import XMLParser

    _check_part(archive, name)
    parser = XMLParser()
    parser.feed(archive.read(name))
    return parser.close()


def _text_of(node: Element) -> str:
    """The text of an ``<si>`` or ``<is>``, as openpyxl reads it (see the module docstring)."""
    if len(node) == 1 and node[0].tag == _T:  # the usual <is><t>text</t></is>
        return decode_escapes(node[0].text or "")
    plain = node.find(_T)
    pieces = [plain.text or ""] if plain is not None else []
    for run in node.iterfind(_R):
        piece = run.find(_T)
        if piece is not None and piece.text:
            pieces.append(piece.text)
    return decode_escapes("".join(pieces))


def _column_reader() -> Callable[[str], int]:
    """``column(coordinate)``: the 1-based column of a cell reference, as openpyxl's
    ``coordinate_to_tuple`` gives it (and raising as it does), cached by column letters.
    References other than 1–3 capital letters then digits go to openpyxl itself."""
    cache: dict[str, int] = {}

    def column(coordinate: str) -> int:
        letters = coordinate.rstrip(_DIGITS)
        if len(letters) < len(coordinate):
            found = cache.get(letters)
            if found is not None:
                return found
            if (
                0 < len(letters) <= 3
                and letters.isascii()
                and letters.isalpha()
                and letters.isupper()
            ):
                found = 0
                for letter in letters:
                    found = found * 26 + ord(letter) - 64
                cache[letters] = found
                return found
        from openpyxl.utils.cell import coordinate_to_tuple

        return coordinate_to_tuple(coordinate)[1]

    return column


def _excel_date(value: float | int, layout: _Layout, style: int) -> Any:
    """A number cell with a date format, as openpyxl reads it (``#VALUE!`` when out of range)."""
    from openpyxl.utils.datetime import from_excel

    try:
        return from_excel(value, layout.epoch, timedelta=style in layout.timedelta_formats)
    except (OverflowError, ValueError):
        return "#VALUE!"


def _sheet_rows(
    archive: zipfile.ZipFile, layout: _Layout, strings: list[str]
) -> Iterator[tuple[int, dict[int, Any]]]:
    """``(row number, {1-based column: value})`` for each ``<row>``, with the values of
    openpyxl's ``WorkSheetParser.parse_cell`` (``data_only=True``)."""
    assert layout.sheet is not None
    column_of = _column_reader()
    date_formats = layout.date_formats
    row_number = 0
    for row in _elements(archive, layout.sheet, _ROW):
        number = row.get("r")
        row_number = int(float(number)) if number else row_number + 1
        column = 0
        values: dict[int, Any] = {}
        for cell in row:
            if cell.tag != _C:
                continue
            kind = cell.get("t", "n")
            coordinate = cell.get("r")
            if kind == "inlineStr":
                column = column_of(coordinate) if coordinate else column + 1
                inline = cell.find(_IS)
                if inline is None:
                    continue
                value: Any = _text_of(inline)
                if value:
                    values[column] = value
                continue
            style: Any = cell.get("s", 0)
            if style:
                style = int(style)
            raw = cell.findtext(_V, None) or None
            column = column_of(coordinate) if coordinate else column + 1
            if raw is None:
                continue
            if kind == "n":
                value = float(raw) if "." in raw or "E" in raw or "e" in raw else int(raw)
                if style in date_formats:
                    value = _excel_date(value, layout, style)
            elif kind == "s":
                value = strings[int(raw)]
            elif kind == "b":
                value = bool(int(raw))
            elif kind == "d":
                from openpyxl.utils.datetime import from_ISO8601

                value = from_ISO8601(raw)
            else:  # "str" (a formula's text), "e" (an error code) and anything else
                value = raw
            if value != "":
                values[column] = value
        yield row_number, values


def first_sheet_rows(payload: bytes) -> Iterator[tuple[int, dict[int, Any]]]:
    """Yield ``(row number, {1-based column: value})`` for each ``<row>`` of the first
    worksheet, with only non-empty cells; formula cells give their cached value.

    Raises whatever openpyxl, ``zipfile`` or the XML parser raise for a damaged file, and
    ``UnreadableFile`` when the workbook has no worksheet.
    """
    archive = zipfile.ZipFile(io.BytesIO(payload))
    try:
        layout = _plain_layout(archive) or _openpyxl_layout(payload)
        strings: list[str] = []
        if layout.strings is not None:
            strings = [_text_of(si) for si in _elements(archive, layout.strings, _SI)]
        if layout.sheet is None:
            raise UnreadableFile(
                _("Tệp Excel không có trang tính nào. Vui lòng dùng tệp mẫu của hệ thống.")
            )
        yield from _sheet_rows(archive, layout, strings)
    finally:
        archive.close()
