"""Uploaded essay files: type by content, safety gates, text, metadata stripping, word counts
and the identity check. Bytes in, bytes and text out: no Flask, no database.

- ``.docx``: ``check_docx`` (zip-bomb gate, macros refused) with tighter limits, then the
  package is re-packed without anything that names its author (``docx_strip``: properties,
  customXml, comments, revision authors, local and network paths, document variables,
  picture metadata, embedded packages too; old OLE objects refused), and the text judges
  read is taken from that stripped copy (``docx_text``). Only the stripped copy is stored.
- ``.pdf``: accepted as the official copy (``pdf_check``: complete file, no JavaScript,
  actions on open, launch actions, embedded files, forms that submit, rich media or HTML
  polyglots — also looked for inside compressed object streams). Its text is not
  extracted: the participant types or pastes the text, which is what judges read and what
  is counted. Judges never receive the PDF itself (see docs/essays.md for why).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from contest.services.docx_strip import strip_docx_metadata
from contest.services.docx_text import docx_text
from contest.services.i18n import _
from contest.services.pdf_check import check_pdf
from contest.services.upload_refusals import (
    DOCX_LIMITS,
    MAX_FILE_BYTES,
    MAX_TEXT_CHARS,
    MB,
    UploadRefused,
    megabytes,
    thousands,
)
from question_bank.safety import OLE2_SIGNATURE, UnreadableFile, check_docx
from question_bank.text import fold

__all__ = [
    "DOCX_MIME",
    "MAX_FILE_BYTES",
    "MAX_TEXT_CHARS",
    "MB",
    "PDF_MIME",
    "CleanDocument",
    "UploadRefused",
    "check_pdf",
    "count_words",
    "docx_text",
    "identity_hits",
    "inspect_upload",
    "strip_docx_metadata",
    "thousands",
]

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"


@dataclass(frozen=True)
class CleanDocument:
    """An accepted upload: ``kind`` ("docx"/"pdf"), the bytes to store (metadata stripped
    for docx), their SHA-256, and the text judges read (None for a PDF)."""

    kind: str
    data: bytes
    sha256: str
    text: str | None


def inspect_upload(data: bytes) -> CleanDocument:
    """Check an uploaded essay file by its content and return what to store.

    Raises ``UploadRefused`` for an empty or oversized file, anything that is neither a
    plain ``.docx`` nor a PDF (a renamed executable, an old ``.doc``, a ``.docm`` with
    macros), a zip bomb, a damaged document, an old embedded OLE object, or a PDF with
    active content.
    """
    if not data:
        raise UploadRefused(_("Tệp trống. Vui lòng chọn đúng tệp bài viết."))
    if len(data) > MAX_FILE_BYTES:
        raise UploadRefused(
            _(
                "Tệp quá lớn (%(size)s). Vui lòng tải lên tệp không quá %(max)s MB.",
                size=megabytes(len(data)),
                max=MAX_FILE_BYTES // MB,
            ),
            too_large=True,
        )
    if data.startswith(b"%PDF-"):
        check_pdf(data)
        return CleanDocument("pdf", data, hashlib.sha256(data).hexdigest(), None)
    if data.startswith(b"PK") or data.startswith(OLE2_SIGNATURE):
        try:
            check_docx(data, max_bytes=MAX_FILE_BYTES, **DOCX_LIMITS)
        except UnreadableFile as exc:
            raise UploadRefused(exc.message) from exc
        clean = strip_docx_metadata(data)
        return CleanDocument("docx", clean, hashlib.sha256(clean).hexdigest(), docx_text(clean))
    raise UploadRefused(
        _(
            "Tệp này không phải tệp Word (.docx) hay PDF (có thể là tệp chương trình, ảnh hoặc "
            "tệp đã bị đổi đuôi). Vui lòng lưu bài viết thành tệp .docx hoặc .pdf rồi tải lên lại."
        )
    )


# --- words and identity --------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


def count_words(text: str) -> int:
    """Words as Vietnamese contests count them (chữ): runs of letters or digits separated
    by spaces or punctuation; "Đại hội XIV" is 3, "Hồ Chí Minh," is 3."""
    return len(_WORD.findall(text or ""))


def _contains_words(haystack: str, needle: str) -> bool:
    if not needle:
        return False
    return re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", haystack) is not None


def identity_hits(
    text: str,
    *,
    full_name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    id_number: str | None = None,
    unit_names: list[str] | tuple[str, ...] = (),
) -> list[str]:
    """What in ``text`` could reveal its author to a judge, as labels in the current language
    ("họ và tên tác giả", "số điện thoại", …). Matching ignores case, diacritics and spacing;
    phone and ID numbers are found even when written with spaces, dots or dashes."""
    hits = []
    folded = fold(text)
    name = fold(full_name or "")
    if len(name.split()) >= 2 and _contains_words(folded, name):
        hits.append(_("họ và tên tác giả"))
    digits = re.sub(r"(?<=\d)[\s.\-]+(?=\d)", "", text or "")
    if phone and len(phone) >= 9:
        variants = {phone, "84" + phone[1:]} if phone.startswith("0") else {phone}
        if any(v in digits for v in variants):
            hits.append(_("số điện thoại"))
    if id_number and id_number in digits:
        hits.append(_("số CCCD"))
    if email and email.lower() in (text or "").lower():
        hits.append("email")
    for unit in unit_names:
        if unit and _contains_words(folded, fold(unit)):
            hits.append(_("tên đơn vị «%(name)s»", name=unit))
    return hits
