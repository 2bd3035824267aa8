"""Build test workbooks in code (openpyxl write mode) and hostile archives by hand.

Named ``qb_helpers`` rather than ``helpers``: test folders have no ``__init__.py``, so a
second ``helpers.py`` elsewhere under ``tests/`` would shadow this one.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from typing import Any

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


def question_row(
    topic: Any = "Lịch sử Đảng",
    difficulty: Any = "Dễ",
    text: Any = "Đảng Cộng sản Việt Nam ra đời năm nào?",
    options: Sequence[Any] = ("1925", "1930", "1945", "1954"),
    answer: Any = "B",
    explanation: Any = "",
) -> list[Any]:
    """One row in the default ``HEADER`` order (options A–D)."""
    opts = list(options) + [None] * (4 - len(options))
    return [topic, difficulty, text, *opts[:4], answer, explanation]


def make_xlsx(
    rows: Sequence[Sequence[Any]],
    header: Sequence[Any] | None = HEADER,
    *,
    title: str = "Câu hỏi",
    extra_sheets: Sequence[str] = (),
) -> bytes:
    """A workbook whose first sheet has ``header`` in row 1 then ``rows`` (``None`` = empty)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    if header is not None:
        ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    for name in extra_sheets:
        wb.create_sheet(name)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rewrite_zip(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    """Copy an archive, passing each entry through ``change(name, content)``; ``None`` drops it."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            content = change(info.filename, src.read(info))
            if content is not None:
                dst.writestr(info.filename, content)
    return out.getvalue()


def add_entry(data: bytes, name: str, content: bytes) -> bytes:
    """Copy an archive and add one entry."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr(name, content)
    return out.getvalue()


def replace_cell(data: bytes, marker: str, cell_xml: Callable[[str], str]) -> bytes:
    """Replace the inline-string cell holding ``marker`` in sheet 1 by ``cell_xml(ref)``.

    openpyxl cannot write a formula together with a cached value, so tests write a marker
    string and patch the sheet XML into ``<c r=".."><f>..</f><v>..</v></c>``.
    """
    pattern = re.compile(
        r'<c r="([A-Z]+[0-9]+)"[^>]*><is><t>' + re.escape(marker) + r"</t></is></c>"
    )

    def change(name: str, content: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return content
        text, count = pattern.subn(lambda m: cell_xml(m.group(1)), content.decode("utf-8"))
        assert count == 1, f"marker {marker!r} not found"
        return text.encode("utf-8")

    return rewrite_zip(data, change)


def _dos_time() -> tuple[int, int]:
    return (0, (2020 - 1980) << 9 | 1 << 5 | 1)


def raw_zip(entries: Sequence[tuple[str, bytes, int, int]]) -> bytes:
    """Build a ZIP by hand from ``(name, raw deflate data, crc32, uncompressed size)``.

    Lets a test declare a huge uncompressed size without ever producing those bytes.
    """
    out = io.BytesIO()
    central = []
    dos_time, dos_date = _dos_time()
    for name, compressed, crc, size in entries:
        encoded = name.encode("utf-8")
        offset = out.tell()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                20,
                0,
                8,
                dos_time,
                dos_date,
                crc,
                len(compressed),
                size,
                len(encoded),
                0,
            )
        )
        out.write(encoded)
        out.write(compressed)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                dos_time,
                dos_date,
                crc,
                len(compressed),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    for record in central:
        out.write(record)
    length = out.tell() - start
    out.write(
        struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), length, start, 0)
    )
    return out.getvalue()


def deflate(content: bytes) -> tuple[bytes, int, int]:
    """Raw-deflate ``content``: ``(compressed, crc32, size)`` for ``raw_zip``."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return comp.compress(content) + comp.flush(), zlib.crc32(content), len(content)


def deflated_zeros(megabytes: int) -> tuple[bytes, int, int]:
    """A real deflate stream of ``megabytes`` MiB of zeros, built without holding them.

    After a full flush the compressor forgets its history, so the compressed form of one
    zero mebibyte can simply be repeated; the CRC is computed chunk by chunk.
    """
    chunk = bytes(1024 * 1024)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush()
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    return block * megabytes + tail, crc, len(chunk) * megabytes


def xlsx_bomb(megabytes: int = 500) -> bytes:
    """An ``.xlsx``-looking archive whose sheet decompresses to ``megabytes`` MiB of zeros."""
    content_types = deflate(
        b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"/>'
    )
    workbook = deflate(b'<?xml version="1.0"?><workbook/>')
    return raw_zip(
        [
            ("[Content_Types].xml", *content_types),
            ("xl/workbook.xml", *workbook),
            ("xl/worksheets/sheet1.xml", *deflated_zeros(megabytes)),
        ]
    )
