"""A unit's own people in a round's published result (issue 15 item 1): what a unit
organiser may see of the results — their subtree's rows of the published version, with
the province-wide rank and prize — and its .xlsx. The official lists (winners, results,
units, public) stay with the province organisers; this is a working list for the unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import func, select

from contest.extensions import db
from contest.models import User
from contest.models.results import ResultRow, RoundResult
from contest.services import audit, result_pages
from contest.services.formatting import format_datetime_vn
from contest.services.xlsx_stream import Col, XlsxWriter

BATCH = 2000
PAGE_LIMIT = 500  # the page lists this many; the .xlsx has everyone


@dataclass(frozen=True)
class UnitRow:
    rank: int
    full_name: str
    phone: str | None
    unit: str
    score: int
    total: int
    duration_ms: int
    prize: str | None


def _rows(result: RoundResult, scope: set[int] | None):
    stmt = (
        select(ResultRow, User.full_name, User.phone)
        .join(User, User.id == ResultRow.participant_id)
        .where(ResultRow.result_id == result.id)
        .order_by(ResultRow.rank)
    )
    if scope is not None:
        stmt = stmt.where(ResultRow.unit_id.in_(scope))
    return stmt


def count_rows(result: RoundResult, scope: set[int] | None) -> tuple[int, int]:
    """(ranked people of ``scope``, of them with a prize)."""
    stmt = select(func.count(), func.count(ResultRow.prize)).where(ResultRow.result_id == result.id)
    if scope is not None:
        stmt = stmt.where(ResultRow.unit_id.in_(scope))
    ranked, winners = db.session.execute(stmt).one()
    return ranked or 0, winners or 0


def list_rows(
    result: RoundResult, scope: set[int] | None, *, limit: int | None = PAGE_LIMIT
) -> list[UnitRow]:
    """The published result's rows of the people of ``scope`` (None: everyone), by rank."""
    paths = result_pages.unit_paths()
    stmt = _rows(result, scope)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        UnitRow(
            r.rank,
            name,
            phone,
            paths.get(r.unit_id, "") if r.unit_id else "",
            r.score,
            r.total,
            r.duration_ms,
            r.prize,
        )
        for r, name, phone in db.session.execute(stmt.execution_options(yield_per=BATCH))
    ]


COLUMNS = [
    Col("Hạng", "int", 8),
    Col("Họ và tên", "text", 28),
    Col("Số điện thoại", "code", 13),
    Col("Đơn vị", "text", 40),
    Col("Điểm", "int", 7),
    Col("Số câu", "int", 7),
    Col("Thời gian làm bài", "duration", 11),
    Col("Giải", "text", 18),
]


def write_xlsx(
    result: RoundResult,
    rows: list[UnitRow],
    out: IO[bytes],
    *,
    unit_name: str | None,
    actor: User,
    now: datetime,
) -> None:
    """The rows with the full phones; audited ``result.export_unit`` (the round, the result
    version, the actor's scope unit and the row count, never a name)."""
    round_ = result.round
    title = [
        round_.contest.title,
        f"Kết quả của {unit_name} — {round_.name}" if unit_name else f"Kết quả — {round_.name}",
        f"Xuất lúc {format_datetime_vn(now, '%H:%M:%S, %d/%m/%Y')} · kết quả phiên bản "
        f"{result.version}, đã công bố · hạng chung của đợt thi, tính trên mọi đơn vị. "
        "Danh sách làm việc của đơn vị, không phải danh sách chính thức.",
    ]
    with XlsxWriter(out) as book:
        book.sheet("Kết quả", COLUMNS, title).rows_from(
            (r.rank, r.full_name, r.phone, r.unit, r.score, r.total, r.duration_ms, r.prize)
            for r in rows
        )
    audit.record(
        actor,
        "result.export_unit",
        "round",
        result.round_id,
        now=now,
        version=result.version,
        scope_unit_id=actor.scope_unit_id,
        rows=len(rows),
    )
