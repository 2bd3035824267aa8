"""The participants list as .xlsx (organisers; a unit organiser gets their subtree's only):
the search's people with their full registration data. Audited without personal data
(E3): who, when, the search and the row count."""

from __future__ import annotations

from datetime import datetime
from typing import IO

from contest.extensions import db
from contest.models import Role, User
from contest.services import accounts, audit, result_pages
from contest.services.formatting import format_datetime_vn
from contest.services.participants import GENDER_LABELS
from contest.services.xlsx_stream import Col, XlsxWriter, vietnamese

BATCH = 2000
COLUMNS = [
    Col("STT", "int", 6),
    Col("Họ và tên", "text", 28),
    Col("Ngày sinh", "date", 12),
    Col("Giới tính", "text", 9),
    Col("Số CCCD", "code", 15),
    Col("Số điện thoại", "code", 13),
    Col("Email", "text", 28),
    Col("Đơn vị", "text", 40),
    Col("Đối tượng", "text", 26),
    Col("Ngày đăng ký", "datetime", 18),
    Col("Tài khoản", "text", 10),
]
GENDER_TEXT = {gender: vietnamese(label) for gender, label in GENDER_LABELS.items()}


def write_participants(
    out: IO[bytes], *, query: str, scope: set[int] | None, actor: User, now: datetime
) -> int:
    """Every participant ``accounts.search_statement(query, scope)`` finds, oldest first,
    into ``out``; audited ``participants.export``. Returns the rows written."""
    stmt = accounts.search_statement(query, role=Role.participant, scope=scope)
    stmt = stmt.order_by(None).order_by(User.unit_id, User.name_key, User.id)
    units = result_pages.unit_paths()
    categories = result_pages.category_names()
    title = [
        "Danh sách thí sinh" + (f" — tìm «{query}»" if query else ""),
        f"Xuất lúc {format_datetime_vn(now, '%H:%M:%S, %d/%m/%Y')}. Dữ liệu cá nhân: chỉ dùng "
        "cho việc tổ chức cuộc thi, không chia sẻ ra ngoài.",
    ]
    n = 0
    with XlsxWriter(out) as book:
        sheet = book.sheet("Thí sinh", COLUMNS, title)
        for user in db.session.scalars(stmt.execution_options(yield_per=BATCH)):
            n += 1
            sheet.row(
                (
                    n,
                    user.full_name,
                    user.birth_date,
                    GENDER_TEXT.get(user.gender, ""),
                    user.id_number,
                    user.phone,
                    user.email,
                    units.get(user.unit_id, ""),
                    categories.get(user.category_id, ""),
                    user.created_at,
                    "Đang mở" if user.is_active_account else "Đã khoá",
                )
            )
    audit.record(
        actor,
        "participants.export",
        "user",
        None,
        now=now,
        query=bool(query),
        scope_unit_id=actor.scope_unit_id,
        rows=n,
    )
    return n
