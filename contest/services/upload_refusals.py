"""What the essay upload checks share: the refusal they raise, the size limits and the
number formats their messages use. No Flask, no database."""

from __future__ import annotations

from contest.services.i18n import _

MB = 1024 * 1024
MAX_FILE_BYTES = 10 * MB
MAX_TEXT_CHARS = 200_000
MAX_XML_PART = 30 * MB
# Tighter than the bank import's gate: an essay is a few pages of text and some pictures.
DOCX_LIMITS = {
    "max_entries": 1000,
    "max_total_uncompressed": 80 * MB,
    "max_entry_uncompressed": 60 * MB,
    "max_ratio": 200,
}


class UploadRefused(Exception):
    """The file cannot be accepted; ``message`` says why in Vietnamese and what to do.
    ``too_large`` marks a file over the size cap (HTTP 413)."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.too_large = too_large


def thousands(number: int) -> str:
    """12000 → "12.000" (the Vietnamese thousands separator)."""
    return f"{number:,}".replace(",", ".")


def megabytes(size: int) -> str:
    """10485760 → "10,0 MB"."""
    return f"{size / MB:.1f}".replace(".", ",") + " MB"


def damaged_docx() -> UploadRefused:
    return UploadRefused(
        _(
            "Không đọc được tệp Word: tệp bị hỏng hoặc có nội dung không hợp lệ. Vui lòng mở tệp "
            "bằng Word, chọn Lưu thành Word Document (.docx) rồi tải lên lại."
        )
    )


def part_too_large() -> UploadRefused:
    return UploadRefused(
        _("Tệp Word có phần nội dung quá lớn. Vui lòng bớt hình ảnh hoặc chia nhỏ rồi tải lên lại.")
    )
