"""The item statistics page of a round (``item_report``) as an Excel sheet, for organisers
who review the questions outside the app or file them with the round's records.

Written by the streaming ``xlsx_stream`` writer like the other exports: every string cell
is formula-safe (E1: a question that starts with ``=`` stays text), shares are percent
cells and coefficients numbers, so they sort and filter. The sheet is a Vietnamese
document whatever the page's language: one row per question with its key in force (and
the key it was served with when revised), the figures, each option's share overall and in
the upper group, the likely-wrong-key flag and the number of disputes.
"""

from __future__ import annotations

from datetime import datetime
from typing import IO

from contest.models import Round
from contest.services import answer_keys
from contest.services.formatting import format_datetime_vn
from contest.services.item_report import Report
from contest.services.xlsx_stream import Col, XlsxWriter

FIRST_COLUMNS = [
    Col("Số thứ tự", "int", 8),
    Col("Câu hỏi", "text", 60),
    Col("Chủ đề", "text", 16),
    Col("Đáp án đang dùng", "text", 12),
    Col("Đáp án khi ra đề", "text", 12),
    Col("Số lượt thi có câu", "int", 11),
    Col("Độ dễ", "percent", 9),
    Col("Độ phân biệt", "num", 11),
    Col("Hệ số tương quan", "num", 11),
]
LAST_COLUMNS = [
    Col("Bỏ trống", "percent", 9),
    Col("Nghi sai đáp án", "text", 28),
    Col("Số khiếu nại", "int", 10),
]
EXPLANATION = (
    "Độ dễ: tỉ lệ lượt thi trả lời đúng. Độ phân biệt: tỉ lệ đúng của 27 % lượt thi điểm "
    "cao nhất (nhóm giỏi) trừ tỉ lệ đúng của 27 % lượt thi điểm thấp nhất (nhóm yếu); từ "
    "0,3 trở lên là tốt, số âm thường do đáp án sai. Hệ số tương quan: giữa việc làm đúng "
    "câu này và điểm các câu còn lại. Nghi sai đáp án chỉ là gợi ý để kiểm tra lại."
)


def option_letters(report: Report) -> str:
    """The option letters any question of the report has (A, B, C, D for four options)."""
    most = max((len(r.stats.options) for r in report.rows), default=0)
    return answer_keys.LETTERS[:most]


def columns(report: Report) -> list[Col]:
    letters = option_letters(report)
    per_option = [
        col
        for letter in letters
        for col in (
            Col(f"Chọn {letter}", "percent", 9),
            Col(f"Nhóm giỏi chọn {letter}", "percent", 11),
        )
    ]
    return [*FIRST_COLUMNS, *per_option, *LAST_COLUMNS]


def _flag(row) -> str:
    s = row.stats
    if not s.suspect:
        return ""
    if s.suspect_option is not None:
        return f"Có — nhóm giỏi chọn {row.letters[s.suspect_option]}"
    return "Có — độ phân biệt âm"


def rows(report: Report) -> list[tuple]:
    """One tuple per question, in the page's order (None leaves a cell empty)."""
    width = len(option_letters(report))
    out = []
    for r in report.rows:
        s = r.stats
        shares: list[float | None] = []
        for o in s.options:
            shares += [o.share, o.upper]
        shares += [None, None] * (width - len(s.options))
        out.append(
            (
                r.number,
                r.question.text,
                r.question.topic,
                r.key,
                r.served_key if r.revised else None,
                s.served,
                s.facility,
                None if s.discrimination is None else round(s.discrimination, 3),
                None if s.point_biserial is None else round(s.point_biserial, 3),
                *shares,
                s.blank,
                _flag(r),
                r.disputes,
            )
        )
    return out


def export_filename(round_: Round, now: datetime) -> str:
    """The download name: ASCII, with the round's id and the local time."""
    return f"thong-ke-cau-hoi-dot-{round_.id}-{format_datetime_vn(now, '%Y%m%d-%H%M')}.xlsx"


def write_item_stats(round_: Round, report: Report, out: IO[bytes], *, now: datetime) -> None:
    """Write the report as one sheet into ``out``."""
    sample = f"Tính trên {report.attempts} lượt thi chính thức đã nộp"
    if report.sampled:
        sample += f" (đợt thi có {report.finished} lượt: đây là các lượt mới nhất)"
    title = [
        round_.contest.title,
        f"Thống kê câu hỏi — {round_.name}",
        f"Xuất lúc {format_datetime_vn(now, '%H:%M:%S, %d/%m/%Y')}. {sample}.",
    ]
    with XlsxWriter(out) as book:
        sheet = book.sheet("Thống kê câu hỏi", columns(report), title)
        sheet.rows_from(rows(report))
        sheet.note(EXPLANATION)
