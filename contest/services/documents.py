"""Uploaded essay files: type by content, safety gates, text extraction, metadata stripping,
word counts and the identity check. Bytes in, bytes and text out: no Flask, no database.

- ``.docx``: ``check_docx`` (zip-bomb gate, macros refused) with tighter limits, then the
  text of ``word/document.xml`` (plus footnotes, headers, footers and comments) is read
  with ``defusedxml``, and the package is re-packed with its core, extended and custom
  properties emptied and every ``author``/``initials``/``userId``/``providerId`` attribute
  blanked (comments, tracked changes, ``people.xml``), local template paths removed,
  zip timestamps and comment reset. Only the stripped copy is ever stored.
- ``.pdf``: accepted as the official copy (magic bytes, size cap, complete file, no
  JavaScript, launch actions, embedded files, forms that submit or rich media — also
  looked for inside compressed object streams). Its text is not extracted: the
  participant types or pastes the text, which is what judges read and what is counted.
  Judges never receive the PDF itself (see docs/essays.md for why).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from contest.services.i18n import _, lazy_gettext
from question_bank.safety import OLE2_SIGNATURE, UnreadableFile, check_docx
from question_bank.text import fold

MB = 1024 * 1024
MAX_FILE_BYTES = 10 * MB
MAX_TEXT_CHARS = 200_000
# Tighter than the bank import's gate: an essay is a few pages of text and some pictures.
DOCX_LIMITS = {
    "max_entries": 1000,
    "max_total_uncompressed": 80 * MB,
    "max_entry_uncompressed": 60 * MB,
    "max_ratio": 200,
}
MAX_XML_PART = 30 * MB
PDF_SCAN_BUDGET = 60 * MB

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"

EMPTY_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"></cp:coreProperties>'
)
EMPTY_APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"></Properties>'
)
EMPTY_CUSTOM = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"></Properties>'
)
_PROPERTY_PARTS = {
    "core-properties": EMPTY_CORE,
    "extended-properties": EMPTY_APP,
    "custom-properties": EMPTY_CUSTOM,
}
# Attributes that name a person in WordprocessingML (comments, revisions, people.xml).
_PERSON_ATTR = re.compile(
    rb"""(\s(?:[\w.-]+:)?(?:author|initials|userId|providerId)\s*=\s*)("[^"]*"|'[^']*')"""
)
# Links to local files (the attached template's path holds the Windows user name).
_FILE_TARGET = re.compile(rb"""(\sTarget\s*=\s*)("file:[^"]*"|'file:[^']*')""", re.IGNORECASE)
_FIXED_DATE = (2000, 1, 1, 0, 0, 0)
_SIDE_PARTS = re.compile(r"^word/(footnotes|endnotes|header\d*|footer\d*|comments)\.xml$")


class UploadRefused(Exception):
    """The file cannot be accepted; ``message`` says why in Vietnamese and what to do.
    ``too_large`` marks a file over the size cap (HTTP 413)."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.too_large = too_large


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
    macros), a zip bomb, a damaged document, or a PDF with active content.
    """
    if not data:
        raise UploadRefused(_("Tệp trống. Vui lòng chọn đúng tệp bài viết."))
    if len(data) > MAX_FILE_BYTES:
        raise UploadRefused(
            _(
                "Tệp quá lớn (%(size)s). Vui lòng tải lên tệp không quá %(max)s MB.",
                size=_mb(len(data)),
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
        text = docx_text(data)
        clean = strip_docx_metadata(data)
        return CleanDocument("docx", clean, hashlib.sha256(clean).hexdigest(), text)
    raise UploadRefused(
        _(
            "Tệp này không phải tệp Word (.docx) hay PDF (có thể là tệp chương trình, ảnh hoặc "
            "tệp đã bị đổi đuôi). Vui lòng lưu bài viết thành tệp .docx hoặc .pdf rồi tải lên lại."
        )
    )


def thousands(number: int) -> str:
    """12000 → "12.000" (the Vietnamese thousands separator)."""
    return f"{number:,}".replace(",", ".")


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",") + " MB"


def _damaged_docx() -> UploadRefused:
    return UploadRefused(
        _(
            "Không đọc được tệp Word: tệp bị hỏng hoặc có nội dung không hợp lệ. Vui lòng mở tệp "
            "bằng Word, chọn Lưu thành Word Document (.docx) rồi tải lên lại."
        )
    )


# --- docx text -----------------------------------------------------------------------------


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_XML_PART:
        raise UploadRefused(
            _(
                "Tệp Word có phần nội dung quá lớn. Vui lòng bớt hình ảnh hoặc chia nhỏ rồi tải "
                "lên lại."
            )
        )
    return archive.read(info)


def _parse(xml: bytes) -> Element:
    return SafeET.fromstring(xml, forbid_dtd=True)


def _paragraph_text(paragraph: Element) -> str:
    out: list[str] = []

    def walk(node: Element) -> None:
        for child in node:
            tag = child.tag
            if tag == MC_FALLBACK or tag == f"{W}del":
                continue  # duplicates of text boxes; deleted revisions
            if tag == f"{W}t" and child.text:
                out.append(child.text)
            elif tag == f"{W}tab":
                out.append("\t")
            elif tag in (f"{W}br", f"{W}cr"):
                out.append("\n")
            elif tag == f"{W}p":
                continue  # a nested paragraph (text box) is read on its own
            else:
                walk(child)

    walk(paragraph)
    return "".join(out)


def _paragraphs(root: Element) -> list[str]:
    lines = []
    for node in root.iter(f"{W}p"):
        lines.append(_paragraph_text(node).rstrip())
    return lines


def _join(lines: list[str]) -> str:
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def docx_text(data: bytes) -> str:
    """The text of a ``.docx`` (already passed ``check_docx``): the body's paragraphs, then
    footnotes and endnotes, then headers, footers and comments, each block apart.

    Raises ``UploadRefused`` when the document cannot be parsed safely.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            body = _join(_paragraphs(_parse(_read_part(archive, "word/document.xml"))))
            side: list[str] = []
            for name in sorted(n for n in archive.namelist() if _SIDE_PARTS.match(n)):
                block = _join(_paragraphs(_parse(_read_part(archive, name))))
                if block and block not in side:
                    side.append(block)
    except UploadRefused:
        raise
    except (
        zipfile.BadZipFile,
        KeyError,
        OSError,
        ValueError,
        EOFError,
        SyntaxError,
        DefusedXmlException,
        NotImplementedError,
        zlib.error,
    ) as exc:
        raise _damaged_docx() from exc
    text = unicodedata.normalize("NFC", "\n\n".join([body, *side]).strip())
    if len(text) > MAX_TEXT_CHARS:
        raise UploadRefused(
            _(
                "Bài viết trong tệp quá dài (hơn %(max)s ký tự). Vui lòng kiểm tra lại tệp.",
                max=thousands(MAX_TEXT_CHARS),
            )
        )
    return text


# --- docx metadata -------------------------------------------------------------------------


def _property_parts(archive: zipfile.ZipFile) -> dict[str, bytes]:
    """Package part name → empty replacement, for the core/extended/custom properties."""
    found = {
        "docProps/core.xml": EMPTY_CORE,
        "docProps/app.xml": EMPTY_APP,
        "docProps/custom.xml": EMPTY_CUSTOM,
    }
    try:
        rels = _parse(_read_part(archive, "_rels/.rels"))
    except KeyError:
        return found
    for rel in rels.iter(f"{REL_NS}Relationship"):
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        target = (rel.get("Target") or "").lstrip("/")
        if kind in _PROPERTY_PARTS and target:
            found[target] = _PROPERTY_PARTS[kind]
    return found


def strip_docx_metadata(data: bytes) -> bytes:
    """Re-pack a checked ``.docx`` without anything that names its author: empty core,
    extended and custom properties; blank person attributes in every XML part; no local
    file links; fixed timestamps; no zip comment. Returns the new bytes.

    Raises ``UploadRefused`` when the package cannot be read.
    """
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            replace = _property_parts(archive)
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
                for info in archive.infolist():
                    if info.is_dir():
                        continue
                    name = info.filename
                    if name in replace:
                        payload = replace[name]
                    else:
                        payload = archive.read(info)
                        if name.endswith((".xml", ".rels")):
                            payload = _PERSON_ATTR.sub(rb'\1""', payload)
                            payload = _FILE_TARGET.sub(rb'\1"Normal.dotx"', payload)
                    entry = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
                    entry.compress_type = zipfile.ZIP_DEFLATED
                    entry.external_attr = 0o644 << 16
                    target.writestr(entry, payload)
    except UploadRefused:
        raise
    except (
        zipfile.BadZipFile,
        KeyError,
        OSError,
        ValueError,
        EOFError,
        SyntaxError,
        DefusedXmlException,
        NotImplementedError,
        zlib.error,
    ) as exc:
        raise _damaged_docx() from exc
    return out.getvalue()


# --- PDF -----------------------------------------------------------------------------------

_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n")
# Actions and content that run code, start programs, carry other files or send data.
FORBIDDEN_PDF_NAMES = {
    b"JavaScript": lazy_gettext("mã JavaScript"),
    b"JS": lazy_gettext("mã JavaScript"),
    b"Launch": lazy_gettext("lệnh mở chương trình"),
    b"EmbeddedFile": lazy_gettext("tệp đính kèm"),
    b"EmbeddedFiles": lazy_gettext("tệp đính kèm"),
    b"RichMedia": lazy_gettext("nội dung đa phương tiện"),
    b"XFA": lazy_gettext("biểu mẫu động"),
    b"SubmitForm": lazy_gettext("biểu mẫu gửi dữ liệu"),
    b"ImportData": lazy_gettext("lệnh nhập dữ liệu"),
}


def _forbidden_in(chunk: bytes) -> str | None:
    for match in _PDF_NAME.finditer(chunk):
        name = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        if name in FORBIDDEN_PDF_NAMES:
            return str(FORBIDDEN_PDF_NAMES[name])
    return None


def _inflated_streams(data: bytes):
    """Decompressed contents of the zlib streams, within a total budget (object streams can
    hide dictionaries from a plain byte scan)."""
    budget = PDF_SCAN_BUDGET
    for match in _STREAM.finditer(data):
        start = match.end()
        if data[start : start + 1] not in (b"x", b"X", b"h", b"H"):  # zlib header bytes
            continue
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(data[start : start + MAX_FILE_BYTES], budget)
        except zlib.error:
            continue
        budget -= len(chunk)
        yield chunk
        if budget <= 0:
            return


def check_pdf(data: bytes) -> None:
    """Accept a PDF that is complete and carries no active content; raise ``UploadRefused``
    otherwise (Vietnamese message)."""
    if not data.startswith(b"%PDF-"):
        raise UploadRefused(_("Tệp này không phải tệp PDF. Vui lòng chọn đúng tệp bài viết."))
    if b"%%EOF" not in data[-4096:]:
        raise UploadRefused(
            _("Tệp PDF bị hỏng hoặc chưa tải lên hết. Vui lòng lưu lại tệp PDF rồi tải lên lại.")
        )
    found = _forbidden_in(data)
    if found is None:
        for chunk in _inflated_streams(data):
            found = _forbidden_in(chunk)
            if found:
                break
    if found:
        raise UploadRefused(
            _(
                "Tệp PDF có chứa %(what)s nên không được chấp nhận. Vui lòng xuất lại bài viết "
                "thành PDF thông thường (trong Word: Lưu thành PDF) rồi tải lên lại.",
                what=found,
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
