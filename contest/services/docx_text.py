"""The text judges read from an uploaded ``.docx``: paragraphs of the body, footnotes,
endnotes, headers and footers, read with ``defusedxml`` (no DTDs, no entities), NFC.
Bytes in, text out: no Flask, no database."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from contest.services.i18n import _
from contest.services.upload_refusals import (
    MAX_TEXT_CHARS,
    MAX_XML_PART,
    UploadRefused,
    damaged_docx,
    part_too_large,
    thousands,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SIDE_PARTS = re.compile(r"^word/(footnotes|endnotes|header\d*|footer\d*)\.xml$")
# What reading a damaged package or part can raise.
UNREADABLE = (
    zipfile.BadZipFile,
    KeyError,
    OSError,
    ValueError,
    EOFError,
    SyntaxError,
    DefusedXmlException,
    NotImplementedError,
    zlib.error,
)


def read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    """A part's bytes, refused when it is larger than any essay's XML can be."""
    info = archive.getinfo(name)
    if info.file_size > MAX_XML_PART:
        raise part_too_large()
    return archive.read(info)


def parse_xml(xml: bytes) -> Element:
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
    footnotes and endnotes, then headers and footers, each block apart. Comments are not
    the essay: the stored copy has none (``docx_strip``), so they are never read.

    Raises ``UploadRefused`` when the document cannot be parsed safely.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            body = _join(_paragraphs(parse_xml(read_part(archive, "word/document.xml"))))
            side: list[str] = []
            for name in sorted(n for n in archive.namelist() if _SIDE_PARTS.match(n)):
                block = _join(_paragraphs(parse_xml(read_part(archive, name))))
                if block and block not in side:
                    side.append(block)
    except UploadRefused:
        raise
    except UNREADABLE as exc:
        raise damaged_docx() from exc
    text = unicodedata.normalize("NFC", "\n\n".join([body, *side]).strip())
    if len(text) > MAX_TEXT_CHARS:
        raise UploadRefused(
            _(
                "Bài viết trong tệp quá dài (hơn %(max)s ký tự). Vui lòng kiểm tra lại tệp.",
                max=thousands(MAX_TEXT_CHARS),
            )
        )
    return text
