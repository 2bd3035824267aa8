"""Excel exports of round results: winners, full results, units, the public list.

Every export streams: rows come from the database in batches (``yield_per``: a server-side
cursor on PostgreSQL) and go straight into the sheet (``xlsx_stream``), so memory stays
flat however many rows there are. Exports write to a binary file object; only a view or a
CLI command decides where it goes.

The exports are official Vietnamese documents: titles, headers and notes are Vietnamese whatever
the page's language; the words of the rule registries go in untranslated
(``xlsx_stream.vietnamese``). The winners, results and public lists carry the official frame
(``official_lists``); every sheet prints on A4 landscape. ``EXPORT_KINDS`` is the one registry of
the kinds. A round with referral prizes adds the "Giải lan tỏa" sheet (``referral_sheet``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import select

from contest.extensions import db
from contest.models import Unit, User
from contest.models.results import ResultRow, RoundResult
from contest.services import audit, prizes, ranking, result_pages
from contest.services.formatting import format_datetime_vn
from contest.services.official_lists import official_frame
from contest.services.participants import GENDER_LABELS
from contest.services.referral_sheet import referral_book, write_referral_sheet
from contest.services.unit_ranking import DEFAULT_UNIT_METHOD, POINT_CRITERIA, UNIT_METHODS
from contest.services.vn import mask_phone
from contest.services.xlsx_stream import XLSX_MIME as XLSX_MIME  # web.responses reads it here
from contest.services.xlsx_stream import Col, SheetWriter, XlsxWriter, vietnamese

BATCH = 2000
Progress = Callable[[int], None] | None

# The gender words of the accounts registry, in Vietnamese (an official document).
GENDER_TEXT = {gender: vietnamese(label) for gender, label in GENDER_LABELS.items()}
RESULTS_NOTE = (
    "Thời điểm nộp bài theo giờ Việt Nam, chính xác đến mili giây. "
    "Sai số dự đoán = |dự đoán − đáp án|; để trống khi không dự đoán."
)


def _title_rows(result: RoundResult, kind: str, now: datetime) -> list[str]:
    """The title block of an export: contest, kind and round, the actual value, the ranking
    chain, and when, which version, its check code."""
    round_ = result.round
    target = ranking.target_text(round_.prediction_target.value, text=vietnamese)
    chain = ranking.chain_text(result.tie_break, text=vietnamese)
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
        f"Xếp hạng: {'; '.join(chain)}",
        f"Xuất lúc {format_datetime_vn(now, '%H:%M:%S, %d/%m/%Y')} · kết quả phiên bản "
        f"{result.version}, {status} · mã kiểm tra {result.inputs_hash[:16]}",
    ]


def _official_sheet(book: XlsxWriter, name: str, columns: list[Col], result, kind, now):
    """A sheet of an official list: its frame, the title block, then the header row."""
    return book.sheet(name, columns, _title_rows(result, kind, now), official_frame(result, kind))


def export_filename(result: RoundResult, kind: str, now: datetime) -> str:
    """The download name of an export: kind, round and local time, ASCII only."""
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
    return EXPORT_KINDS[kind].count(result)


# --- winners and full results (full personal data) ----------------------------------------------

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


def write_winners(
    result: RoundResult, out: IO[bytes], *, now: datetime, progress: Progress = None
) -> int:
    """The organisers' winners list with full personal data. Returns the rows written."""
    with referral_book(out, result, masked=False) as book:
        sheet = _official_sheet(book, "Đoạt giải", WINNER_COLUMNS, result, "winners", now)
        n = _fill_winners(sheet, _people_rows(result, winners_only=True), progress)
        if progress is not None and n % BATCH:
            progress(n % BATCH)
    return n


def write_results(
    result: RoundResult, out: IO[bytes], *, now: datetime, progress: Progress = None
) -> int:
    """Every ranked participant with every ranking key, enough to recompute the order
    by the published rules. Returns the rows written."""
    with referral_book(out, result, masked=False, everyone=True) as book:
        sheet = _official_sheet(book, "Kết quả", RESULT_COLUMNS, result, "results", now)
        n = _fill_results(sheet, _people_rows(result, winners_only=False), progress)
        if progress is not None and n % BATCH:
            progress(n % BATCH)
        sheet.note(RESULTS_NOTE)
    return n


def _fill_winners(sheet: SheetWriter, rows: Iterable[tuple], progress: Progress) -> int:
    """One WINNER_COLUMNS row per result row; ``progress`` every BATCH rows."""
    units = result_pages.unit_paths()
    categories = result_pages.category_names()
    n = 0
    for (
        rank,
        score,
        _total,
        prediction,
        dist,
        duration,
        submitted,
        _attempts,
        _attempt_id,
        prize,
        _note,
        unit_id,
        category_id,
        name,
        birth,
        gender,
        id_number,
        phone,
    ) in rows:
        n += 1
        sheet.row(
            (
                n,
                name,
                birth,
                GENDER_TEXT.get(gender, ""),
                id_number,
                phone,
                units.get(unit_id, ""),
                categories.get(category_id, ""),
                score,
                prediction,
                dist,
                duration,
                submitted,
                prize,
                rank,
            )
        )
        if progress is not None and n % BATCH == 0:
            progress(BATCH)
    return n


def _fill_results(sheet: SheetWriter, rows: Iterable[tuple], progress: Progress) -> int:
    """One RESULT_COLUMNS row per result row; ``progress`` every BATCH rows."""
    units = result_pages.unit_paths()
    categories = result_pages.category_names()
    notes = {code: vietnamese(text) for code, text in prizes.SKIP_TEXT.items()}
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
    ) in rows:
        n += 1
        sheet.row(
            (
                rank,
                name,
                birth,
                GENDER_TEXT.get(gender, ""),
                id_number,
                phone,
                units.get(unit_id, ""),
                categories.get(category_id, ""),
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
                notes.get(note, ""),
            )
        )
        if progress is not None and n % BATCH == 0:
            progress(BATCH)
    return n


# --- the public list (masked) -----------------------------------------------------------------

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
PUBLIC_COLLECTIVE_COLUMNS = [
    Col("STT", "int", 6),
    Col("Đơn vị", "text", 45),
    Col("Số người dự thi", "int", 12),
    Col("Giải", "text", 18),
]


def write_public_winners(
    result: RoundResult, out: IO[bytes], *, now: datetime, progress: Progress = None
) -> int:
    """The masked winners list for the public (L3): birth year only, phone masked,
    no ID number; then the units with a collective prize, if any. Returns the rows
    written (the individual winners)."""
    units = result_pages.unit_paths()
    with XlsxWriter(out) as book:
        sheet = _official_sheet(book, "Đoạt giải", PUBLIC_COLUMNS, result, "public", now)
        n = 0
        for row in _people_rows(result, winners_only=True):
            n += 1
            sheet.row(_public_row(n, row, units))
        awarded = [u for u in result.collective if u["prize"]]
        if awarded:
            collective = book.sheet("Giải tập thể", PUBLIC_COLLECTIVE_COLUMNS)
            for i, unit in enumerate(awarded, start=1):
                collective.row(
                    (i, units.get(unit["unit_id"], ""), unit["participants"], unit["prize"])
                )
        write_referral_sheet(book, result, masked=True, units=units)
    if progress is not None:
        progress(n)
    return n


def _public_row(n: int, row, units: dict[int, str]) -> tuple:
    """A PUBLIC_COLUMNS row from a ``_people_rows`` row: no ID number, birth year only,
    the phone masked."""
    return (
        n,
        row.full_name,
        row.birth_date.year if row.birth_date else None,
        mask_phone(row.phone),
        units.get(row.unit_id, ""),
        row.score,
        row.prediction,
        row.distance,
        row.duration_ms,
        row.prize,
    )


# --- units ------------------------------------------------------------------------------------

UNIT_COLUMNS = [
    Col("Hạng", "int", 7),
    Col("Đơn vị", "text", 45),
    Col("Số người dự thi", "int", 12),
    Col("Số người của đơn vị", "int", 12),
    Col("Tỉ lệ tham gia", "percent", 11),
    Col("Tổng điểm", "int", 10),
    Col("Số lượt thi", "int", 10),
    *(Col(f"Điểm: {vietnamese(word)}", "int", 10) for word in POINT_CRITERIA.values()),
    Col("Tổng điểm xếp hạng", "int", 12),
    Col("Giải tập thể", "text", 18),
]


def method_text(method: str) -> str:
    """How units are ranked, in Vietnamese words ('theo số người dự thi'); an unknown
    method is shown as it is."""
    return vietnamese(UNIT_METHODS[method].text) if method in UNIT_METHODS else method


def write_units(
    result: RoundResult, out: IO[bytes], *, now: datetime, progress: Progress = None
) -> int:
    """Units: participation and the collective ranking of the result. Units without a
    participant are listed last. Returns the rows written."""
    units = result_pages.unit_paths()
    method = result.settings.get("options", {}).get("collective_method", DEFAULT_UNIT_METHOD)
    title = _title_rows(result, "units", now)
    title.insert(2, f"Xếp hạng tập thể {method_text(method)}.")
    with XlsxWriter(out) as book:
        sheet = book.sheet("Đơn vị", UNIT_COLUMNS, title)
        for u in result.collective:
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
        n = len(result.collective) + _fill_absent_units(sheet, result, units)
    if progress is not None:
        progress(n)
    return n


def _fill_absent_units(sheet: SheetWriter, result: RoundResult, units: dict[int, str]) -> int:
    """A row for each active unit nobody of which ranked; returns how many."""
    seen = {u["unit_id"] for u in result.collective}
    n = 0
    for unit_id, headcount in db.session.execute(
        select(Unit.id, Unit.headcount).where(Unit.is_active.is_(True))
    ):
        if unit_id not in seen:
            n += 1
            rate = 0 if headcount else None
            sheet.row((None, units.get(unit_id, ""), 0, headcount, rate, 0, 0, 0, 0, 0, 0, None))
    return n


# --- the registry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportKind:
    """An export: its title in the sheet, its file name, whether it holds full personal
    data (organisers only, audited, never cached: E3), its writer and its row count."""

    title: str
    filename: str
    private: bool
    write: Callable[..., int]
    count: Callable[[RoundResult], int]


EXPORT_KINDS = {
    "winners": ExportKind(
        "Danh sách đoạt giải", "danh-sach-doat-giai", True, write_winners, lambda r: r.winners
    ),
    "results": ExportKind(
        "Kết quả đầy đủ", "ket-qua-day-du", True, write_results, lambda r: r.participants
    ),
    "units": ExportKind(
        "Đơn vị tham gia và giải tập thể",
        "don-vi-tham-gia",
        False,
        write_units,
        lambda r: len(r.collective),
    ),
    "public": ExportKind(
        "Danh sách đoạt giải (công khai)",
        "danh-sach-doat-giai-cong-khai",
        False,
        write_public_winners,
        lambda r: r.winners,
    ),
}


def write_export(
    kind: str,
    result: RoundResult,
    out: IO[bytes],
    *,
    now: datetime,
    progress: Progress = None,
) -> int:
    """Write the export ``kind`` (a key of EXPORT_KINDS) of ``result``; ``progress`` gets
    the rows written as they go. Returns the rows written."""
    return EXPORT_KINDS[kind].write(result, out, now=now, progress=progress)


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
