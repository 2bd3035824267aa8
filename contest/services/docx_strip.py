"""An uploaded ``.docx`` re-packed without anything that can name its author, so that the
copy judges may open is as anonymous as the text they read. Bytes in, bytes out: no Flask,
no database. Only the stripped copy is ever stored.

In the package and in every Office package embedded in it (a chart's workbook, say):

- core, extended and custom properties emptied (creator, last editor, company, manager …);
- ``customXml`` parts (SharePoint and bibliography data), the thumbnail, comments and
  their people list dropped, with their relationships and content types, and the comment
  marks taken out of the text;
- ``author``/``initials``/``userId``/``providerId`` blanked (tracked changes);
- document variables (``w:docVars``) dropped;
- links outside the package that are not web pages (local and network paths, ``mailto:``)
  pointed nowhere, the attached template named "Normal.dotx", and the user-name folder of
  a path in a field code (``w:instrText``, ``w:fldSimple/@w:instr``) replaced, and
  ``mailto:`` in a field code pointed nowhere; web addresses and the text itself are never
  rewritten (an essay may quote ``/home/…`` or link ``github.com/users/…``);
- pictures without EXIF, XMP, IPTC or PNG text (``image_metadata``);
- fixed timestamps, plain permissions, no zip comment.

Embedded objects of the old kind (OLE: a Word 97 table, an old equation) carry their own
summary with the author's name and cannot be cleaned here: such a file is refused with
what to do instead.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from contest.services.docx_text import UNREADABLE, parse_xml, read_part
from contest.services.i18n import _
from contest.services.image_metadata import strip_image_metadata
from contest.services.upload_refusals import DOCX_LIMITS, UploadRefused, damaged_docx
from question_bank.safety import OLE2_SIGNATURE

REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_EMPTY_PROPERTIES = {
    "core-properties": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"></cp:coreProperties>',
    "extended-properties": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"></Properties>',
    "custom-properties": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"></Properties>',
}
_DEFAULT_PROPERTY_PARTS = {
    "docProps/core.xml": "core-properties",
    "docProps/app.xml": "extended-properties",
    "docProps/custom.xml": "custom-properties",
}
# Parts left out of the stored copy (in any package: Word's, or an embedded workbook's).
_DROPPED = re.compile(
    r"^(?:customXml/.*|docProps/thumbnail\.[^/]+"
    r"|(?:.*/)?(?:_rels/)?(?:comments[^/]*|people|persons/[^/]*|threadedComments/[^/]*)"
    r"\.xml(?:\.rels)?)$",
    re.IGNORECASE,
)
# Attributes that name a person in WordprocessingML (comments, revisions, people.xml).
_PERSON_ATTR = re.compile(
    rb"""(\s(?:[\w.-]+:)?(?:author|initials|userId|providerId)\s*=\s*)("[^"]*"|'[^']*')"""
)
_COMMENT_MARK = re.compile(rb"<(?:[\w.-]+:)?comment(?:RangeStart|RangeEnd|Reference)\b[^>]*/>")
_DOC_VARS = re.compile(
    rb"<(?:[\w.-]+:)?docVars\b[^>]*?(?:/>|>.*?</(?:[\w.-]+:)?docVars\s*>)", re.DOTALL
)
# The user's own folder in a Windows, macOS or Linux path (field codes, link targets).
_USER_FOLDER = re.compile(
    rb"((?:Users|Documents and Settings)(?:\\{1,2}|/|%5C)|/home/)[^\\/\"'<>%]+", re.IGNORECASE
)
# Field codes, the only document text that holds paths Word wrote itself: the text of
# ``w:instrText`` runs and the ``w:instr`` attribute of ``w:fldSimple``.
_INSTR_TEXT = re.compile(
    rb"(<(?:[\w.-]+:)?instrText\b[^>]*(?<!/)>)(.*?)(</(?:[\w.-]+:)?instrText\s*>)", re.DOTALL
)
_INSTR_ATTR = re.compile(rb"""(\s(?:[\w.-]+:)?instr\s*=\s*)("[^"]*"|'[^']*')""")
# Inside a field code: a web address (kept as it is), an email link (pointed nowhere), or
# a user's folder (renamed "user").
_IN_FIELD = re.compile(
    rb"(?P<web>https?://[^\s\"'<>&]*)|(?P<mail>mailto:[^\s\"'<>&]*)|(?P<folder>"
    + _USER_FOLDER.pattern
    + rb")",
    re.IGNORECASE,
)
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*?(?:/>|>\s*</Relationship\s*>)")
_OVERRIDE = re.compile(rb"<Override\b[^>]*?/>")
_ATTR = {
    name: re.compile(rb"\s" + name + rb"""\s*=\s*("([^"]*)"|'([^']*)')""")
    for name in (b"Target", b"TargetMode", b"Type", b"PartName")
}
_WEB_LINK = re.compile(rb"^https?://", re.IGNORECASE)
_FIXED_DATE = (2000, 1, 1, 0, 0, 0)
MAX_DEPTH = 2


def strip_docx_metadata(data: bytes) -> bytes:
    """Re-pack a checked ``.docx`` (see the module docstring for what goes). Returns the
    new bytes. Raises ``UploadRefused`` when the package cannot be read or holds an OLE
    object."""
    budget = [DOCX_LIMITS["max_total_uncompressed"]]
    try:
        return _clean_package(data, depth=0, budget=budget)
    except UploadRefused:
        raise
    except UNREADABLE as exc:
        raise damaged_docx() from exc


def _attr(element: bytes, name: bytes) -> str | None:
    match = _ATTR[name].search(element)
    if match is None:
        return None
    value = match.group(2) if match.group(2) is not None else match.group(3)
    return value.decode("utf-8", "replace").replace("&amp;", "&")


def _resolve(rels_name: str, target: str) -> str:
    """The package part a relationship in ``rels_name`` points to."""
    if target.startswith("/"):
        return target.lstrip("/")
    source_dir = posixpath.dirname(posixpath.dirname(rels_name))
    return posixpath.normpath(posixpath.join(source_dir, target))


def _property_parts(archive: zipfile.ZipFile) -> dict[str, bytes]:
    """Part name → empty replacement, for the core, extended and custom properties."""
    found = {name: _EMPTY_PROPERTIES[kind] for name, kind in _DEFAULT_PROPERTY_PARTS.items()}
    try:
        rels = parse_xml(read_part(archive, "_rels/.rels"))
    except KeyError:
        return found
    for rel in rels.iter(f"{REL_NS}Relationship"):
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        target = (rel.get("Target") or "").lstrip("/")
        if kind in _EMPTY_PROPERTIES and target:
            found[target] = _EMPTY_PROPERTIES[kind]
    return found


def _nested_gate(archive: zipfile.ZipFile, budget: list[int]) -> None:
    """An embedded package shares the upload's decompression budget (no bomb inside)."""
    infos = archive.infolist()
    if len(infos) > DOCX_LIMITS["max_entries"]:
        raise damaged_docx()
    for info in infos:
        budget[0] -= info.file_size
        if info.flag_bits & 0x1 or budget[0] < 0:
            raise damaged_docx()


def _clean_package(data: bytes, *, depth: int, budget: list[int]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if depth:
            _nested_gate(archive, budget)
        replace = _property_parts(archive)
        infos = [info for info in archive.infolist() if not info.is_dir()]
        dropped = {info.filename for info in infos if _DROPPED.match(info.filename)}
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for info in infos:
                name = info.filename
                if name in dropped:
                    continue
                if name in replace:
                    payload = replace[name]
                else:
                    payload = _clean_part(name, archive.read(info), dropped, depth, budget)
                entry = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o644 << 16
                target.writestr(entry, payload)
    return out.getvalue()


def _clean_part(name: str, payload: bytes, dropped: set[str], depth: int, budget) -> bytes:
    if name == "[Content_Types].xml":
        return _OVERRIDE.sub(lambda m: _keep_override(m.group(0), dropped), payload)
    if name.endswith(".rels"):
        return _RELATIONSHIP.sub(lambda m: _clean_relationship(name, m.group(0), dropped), payload)
    if name.endswith((".xml", ".vml")):
        payload = _PERSON_ATTR.sub(rb'\1""', payload)
        payload = _COMMENT_MARK.sub(b"", payload)
        payload = _DOC_VARS.sub(b"", payload)
        return _clean_field_codes(payload)
    if payload.startswith(OLE2_SIGNATURE):
        raise _ole_object()
    if payload.startswith(b"PK"):
        if depth >= MAX_DEPTH:
            raise damaged_docx()
        return _clean_package(payload, depth=depth + 1, budget=budget)
    return strip_image_metadata(payload)


def _clean_field(code: bytes) -> bytes:
    """A field code without the user's folder in its paths and without email links; its
    web addresses are left as they are (``github.com/users/x`` is nobody's folder)."""

    def one(match: re.Match) -> bytes:
        if match.group("web"):
            return match.group(0)
        if match.group("mail"):
            return b"about:blank"
        return _USER_FOLDER.sub(rb"\1user", match.group(0))

    return _IN_FIELD.sub(one, code)


def _clean_field_codes(payload: bytes) -> bytes:
    """Only field codes are rewritten: the text people typed (an essay quoting
    ``/home/…``) is never touched."""
    if b"instr" not in payload:
        return payload
    payload = _INSTR_TEXT.sub(lambda m: m.group(1) + _clean_field(m.group(2)) + m.group(3), payload)
    return _INSTR_ATTR.sub(lambda m: m.group(1) + _clean_field(m.group(2)), payload)


def _keep_override(element: bytes, dropped: set[str]) -> bytes:
    part = (_attr(element, b"PartName") or "").lstrip("/")
    return b"" if part in dropped else element


def _clean_relationship(rels_name: str, element: bytes, dropped: set[str]) -> bytes:
    """Drop a link to a dropped part; point an outside link that is not a web page nowhere."""
    target = _attr(element, b"Target") or ""
    if _WEB_LINK.match(target.encode()):
        return element
    if (_attr(element, b"TargetMode") or "").lower() != "external":  # a part of the package
        return b"" if _resolve(rels_name, target) in dropped else element
    kind = (_attr(element, b"Type") or "").rsplit("/", 1)[-1]
    safe = b"Normal.dotx" if kind == "attachedTemplate" else b"about:blank"
    return _ATTR[b"Target"].sub(b' Target="' + safe + b'"', element, count=1)


def _ole_object() -> UploadRefused:
    return UploadRefused(
        _(
            "Tệp Word có đối tượng nhúng kiểu cũ (ví dụ bảng tính hay công thức từ Word "
            "97–2003), có thể mang tên người soạn nên không được chấp nhận. Vui lòng chuyển "
            "đối tượng đó thành hình ảnh hoặc chữ (sao chép rồi Dán đặc biệt → Hình ảnh), "
            "lưu lại rồi tải lên lại."
        )
    )
