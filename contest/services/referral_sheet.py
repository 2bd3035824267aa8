"""The "Giải lan tỏa" sheet added to the results exports (docs/sharing.md): one row per
referral prize winner, masked like the winners sheet beside it in the public list."""

from __future__ import annotations

from sqlalchemy import select

from contest.extensions import db
from contest.models import User
from contest.models.results import RoundResult
from contest.services import referrals
from contest.services.formatting import format_datetime_vn
from contest.services.referral_prizes import PRIZE_NAME
from contest.services.vn import mask_phone
from contest.services.xlsx_stream import Col

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


def write_referral_sheet(book, result: RoundResult, units: dict[int, str], *, masked: bool) -> int:
    """Add the sheet when the result has referral prize winners; returns its rows."""
    winners = referrals.round_winners(result)
    if not winners:
        return 0
    ids = [w.referrer_id for w in winners]
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    sheet = book.sheet(SHEET_NAME, COLUMNS)
    for w in winners:
        person = people[w.referrer_id]
        sheet.row(
            (
                w.rank,
                person.full_name,
                person.birth_date.year if person.birth_date else None,
                mask_phone(person.phone) if masked else (person.phone or ""),
                units.get(person.unit_id, ""),
                w.count,
                format_datetime_vn(w.reached_at),
                str(PRIZE_NAME),
            )
        )
    return len(winners)
