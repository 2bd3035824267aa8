"""Excel exports of round results: winners, full results, units, the public list, statistics.

Every export streams: rows come from the database in batches (``yield_per``: a server-side
cursor on PostgreSQL) and go straight into the sheet, so memory stays flat however many
rows there are. Exports write to a binary file object; only a view or a CLI command
decides where it goes.

The writer (``XlsxWriter``) is a small streaming SpreadsheetML writer: inline strings,
a fixed style sheet, a bold frozen header, column widths and Vietnamese date formats.
Measured on this machine for 100,000 rows × 19 columns (``bench/bench_results.py
--writers``, each in its own process): openpyxl write-only 63–72 s, xlsxwriter
``constant_memory`` 36–40 s, this writer 8–10 s, at 22–25 MB for the two libraries (the
writer's child imports the whole app: 74 MB). Only this one meets the 15 s target for a
100,000-row export; openpyxl stays the library for reading and for small files. Tests
reopen every export with openpyxl.

E1: every string cell is user-derived as far as the writer knows, so each one is made
formula-safe (``question_bank.text.neutralise``: a leading ``'`` before ``=``, ``+``,
``-``, ``@``, tab, CR, NUL) and is written as an inline string, never as a formula.
Numbers stay numbers. CCCD and phone numbers are text (leading zeros kept).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any
from xml.sax.saxutils import escape

from sqlalchemy import select

from contest.extensions import db
from contest.models import Gender, User
from contest.models.results import ResultRow, RoundResult
from contest.services import audit, ranking
from contest.services import results as results_service
from contest.services.formatting import LOCAL_TZ, format_datetime_vn, format_duration
from contest.services.vn import mask_phone
from question_bank.text import neutralise

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BATCH = 2000

# --- a minimal streaming .xlsx writer -------------------------------------------------------

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_OOXML_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_EXCEL_EPOCH = datetime(1899, 12, 30)
_DAY_MS = 86_400_000

# Style ids (cellXfs order in _STYLES).
(
    S_DEFAULT,
    S_HEADER,
    S_TITLE,
    S_DATE,
    S_DATETIME,
    S_DURATION,
    S_TEXT,
    S_PERCENT,
    S_DATETIME_MS,
    S_NOTE,
) = range(10)

_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="4"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>\
<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm:ss"/>\
<numFmt numFmtId="166" formatCode="[mm]:ss"/>\
<numFmt numFmtId="167" formatCode="dd/mm/yyyy hh:mm:ss.000"/></numFmts>
<fonts count="4"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="13"/><name val="Calibri"/><family val="2"/></font>\
<font><i/><sz val="10"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/>\
</patternFill></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="10">\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" \
applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>\
<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="3" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


def safe_text(value: str) -> str:
    """A string made safe for a cell: no XML-illegal characters, no formula (E1), a
    literal ``_xHHHH_`` escaped so it reads back unchanged; then XML-escaped."""
    value = neutralise(_ILLEGAL_XML.sub("", value))
    if "_x" in value:
        value = _OOXML_ESCAPE.sub("_x005F_", value)
    return escape(value)


def excel_serial(value: datetime | date) -> float:
    """Excel's day number of a date, or of a datetime shown in Vietnam time."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL_TZ).replace(tzinfo=None)
        return (value - _EXCEL_EPOCH) / timedelta(days=1)
    return float((value - _EXCEL_EPOCH.date()).days)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Col:
    """A column: header label, kind, width (characters).

    Kinds: ``text`` (string), ``code`` (digits kept as text: CCCD, phone), ``int``,
    ``num``, ``date``, ``datetime``, ``datetime_ms``, ``duration`` (milliseconds shown
    as mm:ss), ``percent`` (a ratio).
    """

    label: str
    kind: str = "text"
    width: float = 12


def _string_cell(ref: str, value: Any, style: int) -> str:
    s = f' s="{style}"' if style else ""
    return (
        f'<c r="{ref}" t="inlineStr"{s}><is><t xml:space="preserve">{safe_text(str(value))}'
        f"</t></is></c>"
    )


def _number_cell(ref: str, value: float, style: int) -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s}><v>{value!r}</v></c>'


def _cell_function(kind: str) -> Callable[[str, Any], str]:
    if kind == "text":
        return lambda ref, v: (
            _number_cell(ref, v, 0)
            if isinstance(v, int | float) and not isinstance(v, bool)
            else _string_cell(ref, v, 0)
        )
    if kind == "code":
        return lambda ref, v: _string_cell(ref, v, S_TEXT)
    if kind in ("int", "num"):
        return lambda ref, v: _number_cell(ref, v, 0)
    if kind == "percent":
        return lambda ref, v: _number_cell(ref, float(v), S_PERCENT)
    if kind == "date":
        return lambda ref, v: _number_cell(ref, excel_serial(v), S_DATE)
    if kind == "datetime":
        return lambda ref, v: _number_cell(ref, excel_serial(v), S_DATETIME)
    if kind == "datetime_ms":
        return lambda ref, v: _number_cell(ref, excel_serial(v), S_DATETIME_MS)
    if kind == "duration":
        return lambda ref, v: _number_cell(ref, v / _DAY_MS, S_DURATION)
    raise ValueError(kind)


class SheetWriter:
    """Writes one sheet's rows, in order. Get one from ``XlsxWriter.sheet``."""

    def __init__(self, stream: IO[bytes], columns: Sequence[Col], title_rows: Sequence[str]):
        self._stream = stream
        self._letters = [_column_letter(i) for i in range(max(len(columns), 1))]
        self._cells = [_cell_function(c.kind) for c in columns]
        self._buffer: list[str] = []
        self.rows = 0
        header_row = len(title_rows) + (2 if title_rows else 1)
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"/>'
            for i, c in enumerate(columns, start=1)
        )
        pane = (
            f'<pane ySplit="{header_row}" topLeftCell="A{header_row + 1}" '
            f'activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="A{header_row + 1}" '
            f'sqref="A{header_row + 1}"/>'
        )
        head = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>',
            f"<cols>{cols}</cols>" if columns else "",
            "<sheetData>",
        ]
        self._row = 0
        for i, line in enumerate(title_rows):
            self._row += 1
            head.append(
                f'<row r="{self._row}">'
                f"{_string_cell(f'A{self._row}', line, S_TITLE if i == 0 else S_NOTE)}"
                "</row>"
            )
        if title_rows:
            self._row += 1  # a blank line between the title block and the header
        self._row += 1
        head.append(
            f'<row r="{self._row}">'
            + "".join(
                _string_cell(f"{self._letters[i]}{self._row}", c.label, S_HEADER)
                for i, c in enumerate(columns)
            )
            + "</row>"
        )
        stream.write("".join(head).encode())

    def row(self, values: Sequence[Any]) -> None:
        """Append one row; None and "" leave a cell empty."""
        self._row += 1
        r = str(self._row)
        letters, cells = self._letters, self._cells
        parts = [f'<row r="{r}">']
        for i, v in enumerate(values):
            if v is None or v == "":
                continue
            parts.append(cells[i](letters[i] + r, v))
        parts.append("</row>")
        self._buffer.append("".join(parts))
        self.rows += 1
        if len(self._buffer) >= 500:
            self.flush()

    def rows_from(self, rows: Iterable[Sequence[Any]]) -> None:
        for values in rows:
            self.row(values)

    def note(self, text: str) -> None:
        """A line of text (italic) below the table."""
        self._row += 1
        self._buffer.append(
            f'<row r="{self._row}">{_string_cell(f"A{self._row}", text, S_NOTE)}</row>'
        )

    def flush(self) -> None:
        if self._buffer:
            self._stream.write("".join(self._buffer).encode())
            self._buffer.clear()

    def close(self) -> None:
        self.flush()
        self._stream.write(
            b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" '
            b'bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
        )
        self._stream.close()


class XlsxWriter:
    """A streaming .xlsx writer: sheets are written one after another, rows in order.

    ``with XlsxWriter(fileobj) as book: sheet = book.sheet(...); sheet.row([...])``.
    Memory is bounded by one batch of rows, whatever the number of rows.
    """

    def __init__(self, out: IO[bytes], *, compresslevel: int = 3):
        self._zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self._titles: list[str] = []
        self._current: SheetWriter | None = None

    def sheet(
        self, title: str, columns: Sequence[Col], title_rows: Sequence[str] = ()
    ) -> SheetWriter:
        if self._current is not None:
            self._current.close()
        # Sheet names: at most 31 characters, none of []:*?/\ , unique.
        name = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet"
        base, n = name, 2
        while name in self._titles:
            name = f"{base[:28]} {n}"
            n += 1
        self._titles.append(name)
        stream = self._zip.open(
            f"xl/worksheets/sheet{len(self._titles)}.xml", "w", force_zip64=True
        )
        self._current = SheetWriter(stream, columns, title_rows)
        return self._current

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None
        if not self._titles:
            self.sheet("Sheet1", []).close()
            self._current = None
        n = len(self._titles)
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="'
            "application/vnd.openxmlformats-officedocument.spreadsheetml."
            'worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        self._zip.writestr(
            "[Content_Types].xml",
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.styles+xml"/>'
                '<Override PartName="/docProps/app.xml" '
                'ContentType="application/vnd.openxmlformats-'
                'officedocument.extended-properties+xml"/>'
                f"{sheets}</Types>"
            ),
        )
        self._zip.writestr(
            "_rels/.rels",
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/officeDocument" Target="xl/workbook.xml"/>'
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/extended-properties" Target="docProps/app.xml"/></Relationships>'
            ),
        )
        self._zip.writestr(
            "docProps/app.xml",
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                'extended-properties"><Application>Hoi thi truc tuyen</Application></Properties>'
            ),
        )
        self._zip.writestr(
            "xl/workbook.xml",
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                "<bookViews><workbookView/></bookViews><sheets>"
                + "".join(
                    f'<sheet name="{escape(t, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                    for i, t in enumerate(self._titles, start=1)
                )
                + "</sheets></workbook>"
            ),
        )
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                + "".join(
                    f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/'
                    f'officeDocument/2006/relationships/worksheet" '
                    f'Target="worksheets/sheet{i}.xml"/>'
                    for i in range(1, n + 1)
                )
                + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/'
                'officeDocument/2006/relationships/styles" Target="styles.xml"/>'
                "</Relationships>"
            ),
        )
        self._zip.writestr("xl/styles.xml", _STYLES)
        self._zip.close()

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- the exports -----------------------------------------------------------------------------

GENDER_TEXT = {Gender.male: "Nam", Gender.female: "Nữ"}


@dataclass(frozen=True)
class ExportKind:
    title: str
    filename: str
    private: bool  # full personal data: organisers only, audited, never cached (E3)


EXPORT_KINDS = {
    "winners": ExportKind("Danh sách đoạt giải", "danh-sach-doat-giai", True),
    "results": ExportKind("Kết quả đầy đủ", "ket-qua-day-du", True),
    "units": ExportKind("Đơn vị tham gia và giải tập thể", "don-vi-tham-gia", False),
    "public": ExportKind("Danh sách đoạt giải (công khai)", "danh-sach-doat-giai-cong-khai", False),
}


def _title_rows(result: RoundResult, kind: str, now: datetime) -> list[str]:
    round_ = result.round

    target = ranking.target_text(round_.prediction_target.value)
    status = (
        f"đã công bố lúc {format_datetime_vn(result.published_at)}"
        if result.published_at
        else "chưa công bố"
    )
    actual = "—" if result.actual_value is None else f"{result.actual_value:,}".replace(",", ".")
    return [
        round_.contest.title,
        f"{EXPORT_KINDS[kind].title} — {round_.name}",
        f"Đáp án câu hỏi dự đoán: {actual} ({target})",
        f"Xếp hạng: {'; '.join(results_service.chain_text(result.tie_break))}",
        f"Xuất lúc {format_datetime_vn(now, '%H:%M:%S, %d/%m/%Y')} · kết quả phiên bản "
        f"{result.version}, {status} · mã kiểm tra {result.inputs_hash[:16]}",
    ]


def export_filename(result: RoundResult, kind: str, now: datetime) -> str:
    stamp = format_datetime_vn(now, "%Y%m%d-%H%M")
    return f"{EXPORT_KINDS[kind].filename}-dot-{result.round_id}-{stamp}.xlsx"


def _people_rows(result: RoundResult, *, winners_only: bool):
    """Result rows joined with their participant, streamed in rank order."""
    stmt = (
        select(
            ResultRow.rank,
            ResultRow.score,
            ResultRow.total,
            ResultRow.prediction,
            ResultRow.distance,
            ResultRow.duration_ms,
            ResultRow.submitted_at,
            ResultRow.attempts,
            ResultRow.attempt_id,
            ResultRow.prize,
            ResultRow.note,
            ResultRow.unit_id,
            ResultRow.category_id,
            User.full_name,
            User.birth_date,
            User.gender,
            User.id_number,
            User.phone,
        )
        .join(User, User.id == ResultRow.participant_id)
        .where(ResultRow.result_id == result.id)
        .order_by(ResultRow.rank)
    )
    if winners_only:
        stmt = stmt.where(ResultRow.prize.is_not(None))
    return db.session.execute(stmt.execution_options(yield_per=BATCH))


def count_rows(result: RoundResult, kind: str) -> int:
    """How many data rows an export of ``kind`` will have (for progress bars)."""
    if kind == "results":
        return result.participants
    if kind in ("winners", "public"):
        return result.winners
    return len(result.collective)


def write_winners(
    result: RoundResult,
    out: IO[bytes],
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    """The organisers' winners list with full personal data. Returns the rows written."""
    return _write_people(result, out, now=now, kind="winners", progress=progress)


def write_results(
    result: RoundResult,
    out: IO[bytes],
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Every ranked participant with every ranking key, enough to recompute the order
    by the published rules. Returns the rows written."""
    return _write_people(result, out, now=now, kind="results", progress=progress)


WINNER_COLUMNS = [
    Col("STT", "int", 6),
    Col("Họ và tên", "text", 28),
    Col("Ngày sinh", "date", 12),
    Col("Giới tính", "text", 9),
    Col("Số CCCD", "code", 15),
    Col("Số điện thoại", "code", 13),
    Col("Đơn vị", "text", 40),
    Col("Đối tượng", "text", 26),
    Col("Điểm", "int", 7),
    Col("Dự đoán", "int", 11),
    Col("Sai số dự đoán", "int", 11),
    Col("Thời gian làm bài", "duration", 11),
    Col("Thời điểm nộp bài", "datetime", 20),
    Col("Giải", "text", 18),
    Col("Hạng", "int", 8),
]

RESULT_COLUMNS = [
    Col("Hạng", "int", 8),
    Col("Họ và tên", "text", 28),
    Col("Ngày sinh", "date", 12),
    Col("Giới tính", "text", 9),
    Col("Số CCCD", "code", 15),
    Col("Số điện thoại", "code", 13),
    Col("Đơn vị", "text", 40),
    Col("Đối tượng", "text", 26),
    Col("Điểm", "int", 7),
    Col("Số câu", "int", 7),
    Col("Dự đoán", "int", 11),
    Col("Sai số dự đoán", "int", 11),
    Col("Thời gian làm bài", "duration", 11),
    Col("Thời gian làm bài (ms)", "int", 12),
    Col("Thời điểm nộp bài", "datetime_ms", 24),
    Col("Số lượt thi", "int", 9),
    Col("Mã lượt thi", "int", 11),
    Col("Giải", "text", 18),
    Col("Ghi chú", "text", 30),
]


def _write_people(
    result: RoundResult,
    out: IO[bytes],
    *,
    now: datetime,
    kind: str,
    progress: Callable[[int], None] | None,
) -> int:
    units = results_service.unit_paths()
    categories = results_service.category_names()
    winners_only = kind == "winners"
    columns = WINNER_COLUMNS if winners_only else RESULT_COLUMNS
    with XlsxWriter(out) as book:
        sheet = book.sheet(
            "Đoạt giải" if winners_only else "Kết quả", columns, _title_rows(result, kind, now)
        )
        n = 0
        for (
            rank,
            score,
            total,
            prediction,
            dist,
            duration,
            submitted,
            attempts,
            attempt_id,
            prize,
            note,
            unit_id,
            category_id,
            name,
            birth,
            gender,
            id_number,
            phone,
        ) in _people_rows(result, winners_only=winners_only):
            n += 1
            unit = units.get(unit_id, "")
            category = categories.get(category_id, "")
            sex = GENDER_TEXT.get(gender, "")
            if winners_only:
                sheet.row(
                    (
                        n,
                        name,
                        birth,
                        sex,
                        id_number,
                        phone,
                        unit,
                        category,
                        score,
                        prediction,
                        dist,
                        duration,
                        submitted,
                        prize,
                        rank,
                    )
                )
            else:
                sheet.row(
                    (
                        rank,
                        name,
                        birth,
                        sex,
                        id_number,
                        phone,
                        unit,
                        category,
                        score,
                        total,
                        prediction,
                        dist,
                        duration,
                        duration,
                        submitted,
                        attempts,
                        attempt_id,
                        prize,
                        results_service.skip_text(note),
                    )
                )
            if progress is not None and n % BATCH == 0:
                progress(BATCH)
        if progress is not None and n % BATCH:
            progress(n % BATCH)
        if not winners_only:
            sheet.note(
                "Thời điểm nộp bài theo giờ Việt Nam, chính xác đến mili giây. "
                "Sai số dự đoán = |dự đoán − đáp án|; để trống khi không dự đoán."
            )
    return n


PUBLIC_COLUMNS = [
    Col("STT", "int", 6),
    Col("Họ và tên", "text", 28),
    Col("Năm sinh", "int", 9),
    Col("Số điện thoại", "code", 13),
    Col("Đơn vị", "text", 40),
    Col("Điểm", "int", 7),
    Col("Dự đoán", "int", 11),
    Col("Sai số dự đoán", "int", 11),
    Col("Thời gian làm bài", "duration", 11),
    Col("Giải", "text", 18),
]


def write_public_winners(result: RoundResult, out: IO[bytes], *, now: datetime) -> int:
    """The masked winners list for the public (L3): birth year only, phone masked,
    no ID number. Returns the rows written."""
    units = results_service.unit_paths()
    with XlsxWriter(out) as book:
        sheet = book.sheet("Đoạt giải", PUBLIC_COLUMNS, _title_rows(result, "public", now))
        n = 0
        for row in _people_rows(result, winners_only=True):
            n += 1
            (
                _rank,
                score,
                _total,
                prediction,
                dist,
                duration,
                _sub,
                _att,
                _aid,
                prize,
                _note,
                unit_id,
                _cat,
                name,
                birth,
                _gender,
                _idn,
                phone,
            ) = row
            sheet.row(
                (
                    n,
                    name,
                    birth.year if birth else None,
                    mask_phone(phone),
                    units.get(unit_id, ""),
                    score,
                    prediction,
                    dist,
                    duration,
                    prize,
                )
            )
        for unit in result.collective:
            if unit["prize"]:
                break
        else:
            return n
        collective = book.sheet(
            "Giải tập thể",
            [
                Col("STT", "int", 6),
                Col("Đơn vị", "text", 45),
                Col("Số người dự thi", "int", 12),
                Col("Giải", "text", 18),
            ],
        )
        for i, unit in enumerate((u for u in result.collective if u["prize"]), start=1):
            collective.row((i, units.get(unit["unit_id"], ""), unit["participants"], unit["prize"]))
    return n


UNIT_COLUMNS = [
    Col("Hạng", "int", 7),
    Col("Đơn vị", "text", 45),
    Col("Số người dự thi", "int", 12),
    Col("Số người của đơn vị", "int", 12),
    Col("Tỉ lệ tham gia", "percent", 11),
    Col("Tổng điểm", "int", 10),
    Col("Số lượt thi", "int", 10),
    Col("Điểm: số người", "int", 10),
    Col("Điểm: tổng điểm", "int", 10),
    Col("Điểm: lượt thi", "int", 10),
    Col("Tổng điểm xếp hạng", "int", 12),
    Col("Giải tập thể", "text", 18),
]

METHOD_TEXT = {
    "participants": "theo số người dự thi",
    "participation_rate": "theo tỉ lệ tham gia (số người dự thi ÷ số người của đơn vị)",
    "points": "theo tổng điểm xếp hạng: 10 đơn vị đứng đầu mỗi tiêu chí (số người dự thi, "
    "tổng điểm, số lượt thi) được 10 → 1 điểm; bằng điểm thì đơn vị nhiều người "
    "dự thi hơn xếp trên",
}


def write_units(result: RoundResult, out: IO[bytes], *, now: datetime) -> int:
    """Units: participation and the collective ranking of the result. Units without a
    participant are listed last. Returns the rows written."""
    from contest.models import Unit

    units = results_service.unit_paths()
    method = result.settings.get("options", {}).get("collective_method", "participants")
    seen = set()
    with XlsxWriter(out) as book:
        title = _title_rows(result, "units", now)
        title.insert(2, f"Xếp hạng tập thể {METHOD_TEXT.get(method, method)}.")
        sheet = book.sheet("Đơn vị", UNIT_COLUMNS, title)
        n = 0
        for u in result.collective:
            seen.add(u["unit_id"])
            n += 1
            b = u["breakdown"]
            sheet.row(
                (
                    u["rank"],
                    units.get(u["unit_id"], ""),
                    u["participants"],
                    u["headcount"],
                    u["rate"],
                    u["total_score"],
                    u["attempts"],
                    b[0],
                    b[1],
                    b[2],
                    u["points"],
                    u["prize"],
                )
            )
        for unit_id, headcount in db.session.execute(
            select(Unit.id, Unit.headcount).where(Unit.is_active.is_(True))
        ):
            if unit_id not in seen:
                n += 1
                sheet.row(
                    (
                        None,
                        units.get(unit_id, ""),
                        0,
                        headcount,
                        0 if headcount else None,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        None,
                    )
                )
    return n


WRITERS = {
    "winners": write_winners,
    "results": write_results,
    "units": write_units,
    "public": write_public_winners,
}


def write_export(
    kind: str,
    result: RoundResult,
    out: IO[bytes],
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the export ``kind`` (a key of EXPORT_KINDS) of ``result``. Returns rows."""
    writer = WRITERS[kind]
    if kind in ("winners", "results"):
        return writer(result, out, now=now, progress=progress)
    rows = writer(result, out, now=now)
    if progress is not None:
        progress(rows)
    return rows


def record_export(
    actor: User | None,
    kind: str,
    result: RoundResult,
    *,
    rows: int,
    now: datetime,
    via: str = "web",
) -> None:
    """Audit an export (E3): who, when, which round and version, what, how many rows."""
    audit.record(
        actor,
        "result.export",
        "round",
        result.round_id,
        now=now,
        kind=kind,
        version=result.version,
        rows=rows,
        via=via,
    )


def duration_text(ms: int | None) -> str:
    return format_duration(ms)
