"""Checks run on uploaded Office files before openpyxl or python-docx ever opens them.

The type is recognised by content, never by file name. The zip-bomb gate reads only the
ZIP central directory (entry count, declared sizes, compression ratios) and decompresses
nothing. This is enough because Python's ``zipfile`` never returns more bytes for an entry
than the size the central directory declares, so the declared sizes bound what a reader
can ever get out of the archive.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from .i18n import _

__all__ = ["UnreadableFile", "check_docx", "check_xlsx"]

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MB = 1024 * 1024
# Entries smaller than this are never refused for their compression ratio: a small XML
# part of repeated markup compresses very well and can do no harm within the other caps.
RATIO_FLOOR = 1 * MB
# [Content_Types].xml is a few kilobytes in real files.
MAX_CONTENT_TYPES = 512 * 1024


class UnreadableFile(Exception):
    """The file cannot be read safely; ``message`` says why (translated) and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class _Kind:
    main_part: str
    macro_part: str
    label: str  # "Excel .xlsx" / "Word .docx"
    save_as: str  # what to choose in "Save as"
    macro_ext: str


_XLSX = _Kind(
    "xl/workbook.xml", "xl/vbaProject.bin", "Excel .xlsx", "Excel Workbook (.xlsx)", ".xlsm"
)
_DOCX = _Kind(
    "word/document.xml", "word/vbaProject.bin", "Word .docx", "Word Document (.docx)", ".docm"
)


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",") + " MB"


def _zip_gate(
    archive: zipfile.ZipFile,
    *,
    max_entries: int,
    max_total_uncompressed: int,
    max_entry_uncompressed: int,
    max_ratio: float,
) -> None:
    """Refuse an archive whose central directory promises too much; decompresses nothing.

    Raises ``UnreadableFile``.
    """
    infos = archive.infolist()
    if len(infos) > max_entries:
        raise UnreadableFile(
            _(
                "Tệp chứa quá nhiều thành phần (%(count)s, tối đa %(limit)s) nên không thể "
                "mở an toàn. Vui lòng lưu lại thành tệp mới chỉ gồm dữ liệu cần nhập rồi tải "
                "lên lại.",
                count=len(infos),
                limit=max_entries,
            )
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnreadableFile(
                _("Tệp đã được đặt mật khẩu. Vui lòng bỏ mật khẩu, lưu lại rồi tải lên lại.")
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnreadableFile(
                _(
                    "Tệp được nén theo cách không thông dụng nên không thể mở. "
                    "Vui lòng mở tệp bằng phần mềm soạn thảo, lưu lại rồi tải lên lại."
                )
            )
        total += info.file_size
        if (
            info.file_size > max_entry_uncompressed
            or total > max_total_uncompressed
            or (
                info.file_size > RATIO_FLOOR
                and info.file_size > max_ratio * max(info.compress_size, 1)
            )
        ):
            raise UnreadableFile(
                _(
                    "Tệp có cấu trúc bất thường (dung lượng khi giải nén quá lớn) nên không "
                    "thể mở an toàn. Vui lòng mở tệp bằng phần mềm soạn thảo, lưu lại thành "
                    "tệp mới rồi tải lên lại."
                )
            )


def _not_office(kind: _Kind) -> UnreadableFile:
    return UnreadableFile(
        _(
            "Tệp này không phải tệp %(kind)s (có thể là tệp CSV, văn bản hoặc tệp đã bị đổi "
            "đuôi). Vui lòng mở tệp rồi chọn Lưu thành %(save_as)s và tải lên lại.",
            kind=kind.label,
            save_as=kind.save_as,
        )
    )


def _macro(kind: _Kind) -> UnreadableFile:
    return UnreadableFile(
        _(
            "Tệp có chứa macro (%(ext)s) nên không được chấp nhận. Vui lòng chọn "
            "Lưu thành %(save_as)s (không có macro) rồi tải lên lại.",
            ext=kind.macro_ext,
            save_as=kind.save_as,
        )
    )


def _check(data: bytes, kind: _Kind, *, max_bytes: int, **limits: float) -> None:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("data must be bytes")
    size = len(data)
    if size == 0:
        raise UnreadableFile(_("Tệp trống. Vui lòng chọn đúng tệp cần tải lên."))
    if size > max_bytes:
        raise UnreadableFile(
            _(
                "Tệp quá lớn (%(size)s). Vui lòng tải lên tệp không quá %(limit)s.",
                size=_mb(size),
                limit=_mb(max_bytes),
            )
        )
    head = bytes(data[:8])
    if head == OLE2_SIGNATURE:
        raise UnreadableFile(
            _(
                "Tệp này ở định dạng cũ (Office 97–2003) hoặc đã được đặt mật khẩu. "
                "Vui lòng mở tệp, bỏ mật khẩu nếu có, rồi chọn Lưu thành %(save_as)s "
                "và tải lên lại.",
                save_as=kind.save_as,
            )
        )
    if not head.startswith(b"PK"):
        raise _not_office(kind)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _not_office(kind) from exc
    with archive:
        _zip_gate(archive, **limits)  # type: ignore[arg-type]
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names or kind.main_part not in names:
            raise _not_office(kind)
        if kind.macro_part in names:
            raise _macro(kind)
        info = archive.getinfo("[Content_Types].xml")
        if info.file_size > MAX_CONTENT_TYPES:
            raise _not_office(kind)
        try:
            content_types = archive.read(info).lower()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise _not_office(kind) from exc
        if b"macroenabled" in content_types or b"vbaproject" in content_types:
            raise _macro(kind)


def check_xlsx(
    data: bytes,
    *,
    max_bytes: int = 10 * MB,
    max_entries: int = 2000,
    max_total_uncompressed: int = 200 * MB,
    max_entry_uncompressed: int = 100 * MB,
    max_ratio: float = 200,
) -> None:
    """Check that ``data`` is a plain ``.xlsx`` workbook that is safe to open.

    Returns ``None`` when it is; raises ``UnreadableFile`` (translated ``message``) for a file
    too large, empty, an old ``.xls`` or encrypted workbook, a non-ZIP file (CSV, text,
    renamed file), a ZIP that is not a workbook, a macro-enabled workbook (``.xlsm``), or an
    archive whose central directory exceeds the limits (zip bomb).
    """
    _check(
        data,
        _XLSX,
        max_bytes=max_bytes,
        max_entries=max_entries,
        max_total_uncompressed=max_total_uncompressed,
        max_entry_uncompressed=max_entry_uncompressed,
        max_ratio=max_ratio,
    )


def check_docx(
    data: bytes,
    *,
    max_bytes: int = 10 * MB,
    max_entries: int = 2000,
    max_total_uncompressed: int = 200 * MB,
    max_entry_uncompressed: int = 100 * MB,
    max_ratio: float = 200,
) -> None:
    """Check that ``data`` is a plain ``.docx`` document that is safe to open.

    Same gate and errors as ``check_xlsx`` (``UnreadableFile``), for Word: needs
    ``word/document.xml`` and refuses macro-enabled documents (``.docm``).
    """
    _check(
        data,
        _DOCX,
        max_bytes=max_bytes,
        max_entries=max_entries,
        max_total_uncompressed=max_total_uncompressed,
        max_entry_uncompressed=max_entry_uncompressed,
        max_ratio=max_ratio,
    )
