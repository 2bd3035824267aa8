"""Question-bank workbooks for tests, built in memory in the import template's layout."""

from __future__ import annotations

import io

from openpyxl import Workbook

HEADER = [
    "Chủ đề",
    "Mức độ",
    "Câu hỏi",
    "Phương án A",
    "Phương án B",
    "Phương án C",
    "Phương án D",
    "Đáp án đúng",
    "Giải thích",
]


def make_xlsx(rows, header=HEADER) -> bytes:
    """An .xlsx whose first sheet has ``header`` then ``rows``; text that merely looks like
    a formula stays text."""
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    for cells in ws.iter_rows():
        for cell in cells:
            if cell.data_type == "f":
                cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# Three valid questions over two topics.
GOOD = [
    [
        "Lịch sử Đảng",
        "Dễ",
        "Đại hội I của Đảng họp năm nào?",
        "1930",
        "1935",
        "1945",
        "1951",
        "B",
        "",
    ],
    [
        "Lịch sử Đảng",
        "Khó",
        "Đại hội II của Đảng họp ở đâu?",
        "Tuyên Quang",
        "Hà Nội",
        "Ma Cao",
        "Cao Bằng",
        "A",
        "",
    ],
    ["Văn kiện", "Trung bình", "Đại hội XIII họp năm nào?", "2016", "2021", "2026", "", "B", ""],
]
