"""The "Giải lan tỏa" sheet added to the results exports (docs/sharing.md): one row per
referral prize winner, masked like the winners sheet beside it in the public list; with
full personal data (date of birth, CCCD, phone) in the organisers' winners and results
lists, which also list the referrers after the winners."""

from __future__ import annotations

from contextlib import contextmanager
from typing import IO

from sqlalchemy import select

from contest.extensions import db
from contest.models import User
from contest.models.results import RoundResult
from contest.services import referrals, result_pages
from contest.services.formatting import format_datetime_vn
from contest.services.referral_prizes import PRIZE_NAME
from contest.services.vn import mask_phone
from contest.services.xlsx_stream import Col, XlsxWriter

SHEET_NAME = "Giải lan tỏa"
COLUMNS = [
    Col("STT", "int", 6),
    Col("Họ và tên", "text", 28),
    Col("Năm sinh", "int", 10),
    Col("Số điện thoại", "text", 14),
    Col("Đơn vị", "text", 45),
    Col("Số người mới đã làm bài", "int", 14),
    Col("Đạt số này lúc", "text", 18),
    Col("Giải", "text", 18),
]


FULL_COLUMNS = [
    Col("Hạng", "int", 8),
    Col("Họ và tên", "text", 28),
    Col("Ngày sinh", "date", 12),
    Col("Số CCCD", "code", 15),
    Col("Số điện thoại", "code", 13),
    Col("Đơn vị", "text", 45),
    Col("Số người mới đã làm bài", "int", 14),
    Col("Đạt số này lúc", "datetime", 20),
    Col("Giải", "text", 18),
]


def write_referral_sheet(
    book,
    result: RoundResult,
    *,
    masked: bool,
    everyone: bool = False,
    units: dict[int, str] | None = None,
) -> int:
    """Add the sheet when the result has referral prize winners; returns its rows.
    ``masked``: the public list (birth year, masked phone, no CCCD); otherwise the full
    data, and with ``everyone`` every ranked referrer, not only the winners. ``units``:
    unit id → path, when the caller has it already."""
    standings = referrals.round_standings(result)
    winners = [s for s in standings if s.winner]
    if not winners:
        return 0
    shown = standings if everyone and not masked else winners
    units = result_pages.unit_paths() if units is None else units
    ids = [s.referrer_id for s in shown]
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    sheet = book.sheet(SHEET_NAME, COLUMNS if masked else FULL_COLUMNS)
    prize = str(PRIZE_NAME)
    for s in shown:
        person = people[s.referrer_id]
        if masked:
            sheet.row(
                (
                    s.rank,
                    person.full_name,
                    person.birth_date.year if person.birth_date else None,
                    mask_phone(person.phone),
                    units.get(person.unit_id, ""),
                    s.count,
                    format_datetime_vn(s.reached_at),
                    prize,
                )
            )
            continue
        sheet.row(
            (
                s.rank,
                person.full_name,
                person.birth_date,
                person.id_number,
                person.phone,
                units.get(person.unit_id, ""),
                s.count,
                s.reached_at,
                prize if s.winner else "",
            )
        )
    return len(shown)


@contextmanager
def referral_book(out: IO[bytes], result: RoundResult, *, masked: bool, everyone: bool = False):
    """An ``XlsxWriter`` on ``out`` that ends with the "Giải lan tỏa" sheet (if the result
    has referral prize winners), after the sheets the body of the ``with`` writes."""
    with XlsxWriter(out) as book:
        yield book
        write_referral_sheet(book, result, masked=masked, everyone=everyone)
