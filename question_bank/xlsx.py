"""Safe, generic reading and writing of simple one-header-row ``.xlsx`` tables.

Reused by the question bank, the participant list and the units import. Reading always
runs ``check_xlsx`` first; any failure of openpyxl, ``zipfile`` or the XML parser becomes
``UnreadableFile`` with a translated message, never a traceback. openpyxl parses XML with
``defusedxml`` (a dependency of this package), so entity expansion (billion laughs) is
refused.
"""

from __future__ import annotations

import io
import itertools
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from ._sheet import escape_text, first_sheet_rows
from .i18n import _
from .safety import UnreadableFile, check_xlsx
from .text import cell_text, fold, neutralise, normalise_text

__all__ = [
    "Column",
    "HeaderError",
    "RowError",
    "Sheet",
    "Table",
    "build_workbook",
    "header_key",
    "read_source",
    "read_table",
    "workbook_bytes",
    "write_workbook",
]

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
_NON_ALNUM = re.compile(r"[\W_]+")
# Control characters that XML 1.0 cannot hold (openpyxl refuses them).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class RowError:
    """One problem in an imported sheet: sheet row number, column label, translated message.

    ``column`` is the column's label in the template (e.g. ``"Đáp án đúng"``), or ``""``
    for a problem with the whole row. ``str()`` gives ``row R, column C: message``.
    """

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class Column:
    """A column of an import template: data ``key``, template ``label``, accepted aliases."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = True


@dataclass
class Table:
    """Rows read from a sheet: ``(sheet row number, {column key: text})``, blank rows left out.

    ``present`` holds the keys of the columns found in the header; a missing optional column
    reads as ``""`` in every row.
    """

    rows: list[tuple[int, dict[str, str]]]
    present: set[str]


class HeaderError(Exception):
    """The header row lacks required columns (or repeats one); ``errors`` are row-1 errors."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def header_key(value: Any) -> str:
    """Key to match a header cell: no case, diacritics, spaces or punctuation.

    ``"Phương án A"``, ``"phuong an a"`` and ``"PHUONGANA"`` all give ``"phuongana"``.
    """
    return _NON_ALNUM.sub("", fold(cell_text(value)))


def read_source(source: bytes | bytearray | IO[bytes], max_bytes: int = MAX_UPLOAD_BYTES) -> bytes:
    """Return the bytes of ``source`` (bytes or a binary stream), reading at most one byte past
    ``max_bytes`` so an oversized stream is never held in memory whole.

    Raises ``UnreadableFile`` when the stream is larger than ``max_bytes``.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        data = source.read(max_bytes + 1)
        if not isinstance(data, bytes):
            raise TypeError("the stream must be opened in binary mode")
    if len(data) > max_bytes:
        raise UnreadableFile(
            _(
                "Tệp quá lớn. Vui lòng tải lên tệp không quá %(size)s MB.",
                size=max_bytes // (1024 * 1024),
            )
        )
    return data


def _unreadable() -> UnreadableFile:
    return UnreadableFile(
        _(
            "Không đọc được tệp Excel: tệp bị hỏng hoặc có nội dung không hợp lệ. Vui lòng mở "
            "tệp bằng Excel, chọn Lưu thành Excel Workbook (.xlsx) rồi tải lên lại."
        )
    )


def _match_header(
    header: Sequence[Any], columns: Sequence[Column]
) -> tuple[dict[str, int], list[RowError]]:
    wanted: dict[str, Column] = {}
    for col in columns:
        for name in (col.label, col.key, *col.aliases):
            wanted.setdefault(header_key(name), col)
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(header):
        col = wanted.get(header_key(cell)) if cell is not None else None
        if col is None:
            continue  # unknown or blank header: ignored
        if col.key in positions:
            errors.append(
                RowError(
                    1,
                    col.label,
                    _(
                        "Cột «%(column)s» xuất hiện nhiều lần ở dòng tiêu đề. "
                        "Vui lòng chỉ giữ lại một cột.",
                        column=col.label,
                    ),
                )
            )
            continue
        positions[col.key] = index
    for col in columns:
        if col.required and col.key not in positions:
            errors.append(
                RowError(
                    1,
                    col.label,
                    _(
                        "Thiếu cột «%(column)s» ở dòng tiêu đề (dòng 1). "
                        "Vui lòng dùng tệp mẫu hoặc thêm cột này.",
                        column=col.label,
                    ),
                )
            )
    return positions, errors


def read_table(
    data: bytes | bytearray | IO[bytes], columns: Sequence[Column], *, max_rows: int = 20000
) -> Table:
    """Read the first sheet of an ``.xlsx`` as a table whose header is in row 1.

    Headers match a column's label, key or aliases ignoring case, diacritics, spacing and
    punctuation, in any order; unknown columns are ignored. Values are text, as Excel shows
    them (``cell_text``), NFC-normalised with whitespace collapsed; formula cells give their
    cached value (none cached: empty). Fully blank rows are skipped; rows keep their sheet
    row numbers. The file is checked with ``check_xlsx`` before openpyxl sees it.

    Raises ``UnreadableFile`` (unsafe or unreadable file, more than ``max_rows`` data rows)
    and ``HeaderError`` (required columns missing).
    """
    payload = read_source(data)
    check_xlsx(payload)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it drops (extensions, drawings, default styles);
            # none matters for reading values, and a warning must not break an import.
            warnings.simplefilter("ignore")
            rows = first_sheet_rows(payload)
            try:
                return _read_rows(rows, columns, max_rows)
            finally:
                rows.close()
    except (UnreadableFile, HeaderError):
        raise
    except Exception as exc:
        # Whatever openpyxl, zipfile or the XML parser raises (BadZipFile on a CRC mismatch,
        # defusedxml's EntitiesForbidden, ParseError, KeyError on a missing part...) means
        # the file is damaged or hostile: report it, never a traceback.
        raise _unreadable() from exc


def _read_rows(
    rows: Iterator[tuple[int, dict[int, Any]]], columns: Sequence[Column], max_rows: int
) -> Table:
    header: dict[int, Any] = {}
    first = next(rows, None)
    pending = []
    if first is not None:
        if first[0] == 1:
            header = first[1]
        else:
            pending.append(first)
    width = max(header, default=0)
    positions, errors = _match_header([header.get(i) for i in range(1, width + 1)], columns)
    if errors:
        raise HeaderError(errors)
    # positions are 0-based indexes into the header; cells are keyed by 1-based column.
    wanted = [(key, index + 1) for key, index in positions.items()]
    absent = dict.fromkeys((col.key for col in columns if col.key not in positions), "")
    result: list[tuple[int, dict[str, str]]] = []
    for row_number, cells in itertools.chain(pending, rows):
        if not cells:
            continue
        record = {}
        filled = False
        for key, column in wanted:
            value = cells.get(column)
            if value is None:
                record[key] = ""
                continue
            text = normalise_text(value if value.__class__ is str else cell_text(value))
            record[key] = text
            if text:
                filled = True
        if not filled:
            continue
        if len(result) >= max_rows:
            limit = f"{max_rows:,}".replace(",", ".")  # Vietnamese thousands separator
            raise UnreadableFile(
                _(
                    "Tệp có hơn %(count)s dòng dữ liệu. "
                    "Vui lòng chia thành nhiều tệp nhỏ hơn rồi nhập lần lượt.",
                    count=limit,
                )
            )
        record.update(absent)
        result.append((row_number, record))
    return Table(rows=result, present=set(positions))


# --- writing -------------------------------------------------------------------------------


@dataclass
class Sheet:
    """A sheet to write: optional title lines, a bold frozen header, then rows.

    ``literal_strings`` chooses how formula-like text (``=…``, ``+…``) is made safe: by
    default it gets a leading ``'`` (``neutralise``); with ``literal_strings=True`` it is
    written as a string cell, which no spreadsheet program evaluates and which reads back
    unchanged (used where the export must re-import losslessly).
    """

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]] = ()
    widths: Sequence[float] | None = None
    title_rows: Sequence[str] = ()
    literal_strings: bool = False
    wrap: bool = False
    freeze_header: bool = True
    customise: Callable[[Any], None] | None = field(default=None, repr=False)


def _safe_value(value: Any, literal: bool) -> Any:
    if isinstance(value, str):
        if not literal:
            value = neutralise(value)
        # Control characters cannot be stored in XML; a literal "_x0041_" would read back
        # as "A" in Excel (and in read_table) unless escaped.
        return escape_text(_ILLEGAL_XML.sub("", value))
    return value


def build_workbook(sheets: Sequence[Sheet]) -> Any:
    """Build an openpyxl ``Workbook`` from ``sheets`` (see ``Sheet``); returns the workbook.

    Every str cell is made formula-safe (E1). ``Sheet.customise`` is called with each
    worksheet once filled (for data validation and the like).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    for spec in sheets:
        ws = workbook.create_sheet(title=spec.title[:31])
        row = 1
        for index, line in enumerate(spec.title_rows):
            cell = ws.cell(row=row, column=1, value=_safe_value(line, False))
            if index == 0:
                cell.font = Font(bold=True, size=13)
            row += 1
        header_row = row
        for col, label in enumerate(spec.header, start=1):
            cell = ws.cell(row=header_row, column=col, value=_safe_value(label, False))
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for values in spec.rows:
            row += 1
            for col, value in enumerate(values, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(row=row, column=col)
                cell.value = _safe_value(value, spec.literal_strings)
                if cell.data_type == "f":
                    # Only reachable with literal_strings: keep the text, never a formula.
                    cell.data_type = "s"
                if spec.wrap:
                    cell.alignment = wrap
        if spec.header and spec.freeze_header:
            ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        for col, width in enumerate(spec.widths or (), start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        if spec.customise is not None:
            spec.customise(ws)
    if not workbook.worksheets:
        workbook.create_sheet("Sheet1")
    return workbook


def workbook_bytes(workbook: Any) -> bytes:
    """Serialise an openpyxl ``Workbook`` to ``.xlsx`` bytes."""
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """Write ``sheets`` (see ``Sheet``) to a formatted ``.xlsx``; returns its bytes."""
    return workbook_bytes(build_workbook(sheets))
