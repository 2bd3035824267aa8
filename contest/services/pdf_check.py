"""The PDF gate for essay uploads: a complete file with no active content. A PDF is kept as
the official copy only; its text is not extracted and judges never receive it
(docs/essays.md). Bytes in, ``None`` or ``UploadRefused`` out: no Flask, no database.

Refused: JavaScript; actions that run when the file opens or a page is shown (an
``/OpenAction`` that is an action rather than a page to show, ``/AA``); launching
programs; opening other files (``/GoToR``, ``/GoToE``); embedded files; rich media; XFA
and forms that submit or import data; and HTML polyglots (a file that is also a web page:
markup outside the binary streams).
Names are also looked for inside compressed object streams, with hex escapes decoded.
"""

from __future__ import annotations

import bisect
import re
import zlib

from contest.services.i18n import _, lazy_gettext
from contest.services.upload_refusals import MAX_FILE_BYTES, MB, UploadRefused

PDF_SCAN_BUDGET = 60 * MB

_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n")
# An /OpenAction that is an action (a dictionary or a reference to one); a page
# destination ("[3 0 R /Fit]") is harmless and common.
_OPEN_ACTION = re.compile(rb"/OpenAction\s*(?:<<|\d+\s+\d+\s+R)")
# Markup that makes a browser read the file as a web page.
_HTML = re.compile(rb"<\s*(?:html|script|body|iframe|svg|object|embed|!doctype\s+html)\b", re.I)

# Actions and content that run code, start programs, carry other files or send data, in the
# order their names are reported (the most telling first).
_JS = lazy_gettext("mã JavaScript")
FORBIDDEN_PDF_NAMES = {
    b"JavaScript": _JS,
    b"JS": _JS,
    b"Launch": lazy_gettext("lệnh mở chương trình"),
    b"EmbeddedFile": lazy_gettext("tệp đính kèm"),
    b"EmbeddedFiles": lazy_gettext("tệp đính kèm"),
    b"RichMedia": lazy_gettext("nội dung đa phương tiện"),
    b"XFA": lazy_gettext("biểu mẫu động"),
    b"SubmitForm": lazy_gettext("biểu mẫu gửi dữ liệu"),
    b"ImportData": lazy_gettext("lệnh nhập dữ liệu"),
    b"GoToR": lazy_gettext("lệnh mở tệp khác"),
    b"GoToE": lazy_gettext("lệnh mở tệp khác"),
    b"AA": lazy_gettext("lệnh tự chạy khi mở trang"),
}
_OPEN_ACTION_WHAT = lazy_gettext("lệnh tự chạy khi mở tệp")
_HTML_WHAT = lazy_gettext("mã trang web (HTML)")


def _forbidden_in(chunk: bytes) -> str | None:
    """The description of the most telling forbidden content in ``chunk``, if any."""
    names = {
        _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        for match in _PDF_NAME.finditer(chunk)
    }
    for name, what in FORBIDDEN_PDF_NAMES.items():
        if name in names:
            return str(what)
    if _OPEN_ACTION.search(_HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), chunk)):
        return str(_OPEN_ACTION_WHAT)
    return None


MAX_STREAMS = 20_000


def _ends(data: bytes):
    """``end_after(position)``: where the first ``endstream`` after ``position`` starts (the
    file's end when none), from one pass over the file, so many streams stay linear."""
    ends = [m.start() for m in re.finditer(rb"endstream", data)]

    def end_after(position: int) -> int:
        i = bisect.bisect_left(ends, position)
        return ends[i] if i < len(ends) else len(data)

    return end_after


def _streams(data: bytes):
    """Each stream as (the dictionary text before it, its body), the body a view ending at
    its ``endstream`` (no copies)."""
    view = memoryview(data)
    end_after = _ends(data)
    for count, match in enumerate(_STREAM.finditer(data)):
        if count >= MAX_STREAMS:
            return
        end = end_after(match.end())
        yield data[max(0, match.start() - 512) : match.start()], view[match.end() : end]


def _inflate(body: memoryview, budget: int) -> bytes | None:
    """A zlib stream's content, fed 64 KB at a time (a broken stream costs one small
    piece, not the rest of the file), up to ``budget`` bytes; None when it is not zlib."""
    inflater = zlib.decompressobj()
    out: list[bytes] = []
    size = 0
    try:
        for start in range(0, len(body), 65536):
            piece = inflater.decompress(body[start : start + 65536], budget - size)
            out.append(piece)
            size += len(piece)
            if inflater.eof or size >= budget or inflater.unconsumed_tail:
                break
    except zlib.error:
        return None if not out else b"".join(out)
    return b"".join(out)


def _inflated_streams(data: bytes):
    """Decompressed contents of the zlib streams, within a total budget (object streams can
    hide dictionaries from a plain byte scan); uncompressed object streams as they are."""
    budget = PDF_SCAN_BUDGET
    for header, body in _streams(data):
        if b"/ObjStm" in header.rsplit(b"obj", 1)[-1] and body[:1] not in (b"x", b"X", b"h", b"H"):
            yield bytes(body[:MAX_FILE_BYTES])
            continue
        if body[:1] not in (b"x", b"X", b"h", b"H"):  # zlib header bytes
            continue
        chunk = _inflate(body, budget)
        if chunk is None:
            continue
        budget -= len(chunk)
        yield chunk
        if budget <= 0:
            return


def _outside_streams(data: bytes):
    """The file's text between its streams (headers, comments, dictionaries): where
    actions, names and a polyglot's markup live. Stream bodies (fonts, pictures) are binary
    and skipped, so random bytes there never look like a name or a tag."""
    position = 0
    end_after = _ends(data)
    for match in _STREAM.finditer(data):
        if match.start() < position:
            continue
        yield data[position : match.start()]
        position = end_after(match.end())
    yield data[position:]


def _active_content(data: bytes) -> str | None:
    outside = list(_outside_streams(data))
    if any(_HTML.search(part) for part in outside):
        return str(_HTML_WHAT)
    found = _forbidden_in(b"\n".join(outside))
    if found is None:
        for chunk in _inflated_streams(data):
            found = _forbidden_in(chunk)
            if found:
                break
    return found


def check_pdf(data: bytes) -> None:
    """Accept a PDF that is complete and carries no active content; raise ``UploadRefused``
    otherwise (Vietnamese message)."""
    if not data.startswith(b"%PDF-"):
        raise UploadRefused(_("Tệp này không phải tệp PDF. Vui lòng chọn đúng tệp bài viết."))
    if b"%%EOF" not in data[-4096:]:
        raise UploadRefused(
            _("Tệp PDF bị hỏng hoặc chưa tải lên hết. Vui lòng lưu lại tệp PDF rồi tải lên lại.")
        )
    found = _active_content(data)
    if found:
        raise UploadRefused(
            _(
                "Tệp PDF có chứa %(what)s nên không được chấp nhận. Vui lòng xuất lại bài viết "
                "thành PDF thông thường (trong Word: Lưu thành PDF) rồi tải lên lại.",
                what=found,
            )
        )
