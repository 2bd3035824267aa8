"""Fixtures for the exclusion list's tests: an organiser, a closed quiz round with ranked
attempts, and participant-template workbooks."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest

from contest.models import Role
from tests.conftest import NOW

HEADER = [
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Số điện thoại",
    "Email",
    "Đơn vị",
    "Đối tượng",
    "Mật khẩu",
    "Lý do",
]


def xlsx(rows, header=HEADER, *, formulas=False) -> bytes:
    """A workbook in the participant template's columns (plus «Lý do»); text starting with
    '=' stays text unless ``formulas``."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    if not formulas:
        for cells in ws.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row_of(user, reason="", *, name=None, phone=True, cccd=True) -> list:
    """A template row naming ``user`` (by phone and/or CCCD)."""
    return [
        user.full_name if name is None else name,
        "15/01/2000",
        "Nam",
        user.id_number if cccd else "",
        user.phone if phone else "",
        "",
        "Phường Tân Phong",
        "Học sinh, sinh viên",
        "",
        reason,
    ]


@pytest.fixture
def organiser(make_user):
    return make_user(role=Role.organiser, full_name="Trần Thị Tổ Chức")


@pytest.fixture
def ranked_round(db, make_round):
    """``ranked_round(*users_and_scores)``: a round that closed an hour ago, each user
    with one finished attempt of that score (best first wins Giải Nhất)."""
    from contest.models import Attempt, AttemptStatus

    def make(*scored, **settings):
        settings.setdefault(
            "prize_tiers",
            [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 1}],
        )
        r = make_round(
            opens_at=NOW - timedelta(days=7), closes_at=NOW - timedelta(hours=1), **settings
        )
        for user, score in scored:
            at = r.opens_at + timedelta(hours=1)
            db.session.add(
                Attempt(
                    round_id=r.id,
                    participant_id=user.id,
                    number=1,
                    seed=1,
                    status=AttemptStatus.submitted,
                    started_at=at - timedelta(minutes=5),
                    deadline=at + timedelta(minutes=10),
                    submitted_at=at,
                    score=score,
                    total=10,
                    duration_ms=300_000,
                    prediction=0,
                )
            )
        db.session.commit()
        return r

    return make
