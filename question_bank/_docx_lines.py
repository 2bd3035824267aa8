"""The lines of a ``.docx``, in reading order, with each character's bold and underline.

Only ``question_bank.docx_reader`` calls this, after ``check_docx``. Every XML part is run
through the same defusedxml check as the ``.xlsx`` parts (``_sheet._check_part``: no entity
declarations, no external references) before python-docx parses the package (with lxml,
``resolve_entities=False``).

What is read: the body's paragraphs and those of table cells (row by row, cell by cell,
nested tables too, content controls opened), each run's text (tabs and line breaks kept;
text deleted in tracked changes left out), a paragraph's list number as Word shows it
(``numbering.xml``: ``Câu %1:`` decimal, ``%1.`` upper/lower letter, roman), and whether a
paragraph has a heading or title style. Bold and underline are the run's own formatting,
else its character style's, else its paragraph style's (following ``basedOn``).
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ._sheet import _check_part

__all__ = ["Line", "document_lines"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALSE = {"0", "false", "off", "none"}
# Where Word puts a paragraph's runs besides the paragraph itself (hyperlinks, tracked
# insertions, fields, smart tags, custom XML); text deleted in tracked changes is left out.
_RUN_HOLDERS = {f"{_W}{tag}" for tag in ("hyperlink", "ins", "smartTag", "fldSimple")}
_RUN_HOLDERS |= {f"{_W}customXml", f"{_W}moveTo", f"{_W}sdtContent"}
_R, _T, _SDT = f"{_W}r", f"{_W}t", f"{_W}sdt"
# What a run's other children read as (python-docx's ``CT_R.text``).
_RUN_TEXT = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}
_BR, _BR_TYPE = f"{_W}br", f"{_W}type"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


def _runs(container: Any) -> Iterator[Any]:
    for child in container:
        tag = child.tag
        if tag == _R:
            yield child
        elif tag in _RUN_HOLDERS or tag == _SDT:
            yield from _runs(child)


def _run_text(run: Any) -> str:
    pieces = []
    for child in run:
        tag = child.tag
        if tag == _T:
            pieces.append(child.text or "")
        elif tag == _BR:
            pieces.append("\n" if child.get(_BR_TYPE, "textWrapping") == "textWrapping" else "")
        else:
            pieces.append(_RUN_TEXT.get(tag, ""))
    return "".join(pieces)


@dataclass
class Line:
    """One line: a paragraph, or a part of one between line breaks."""

    text: str
    bold: list[bool] = field(default_factory=list)
    underline: list[bool] = field(default_factory=list)
    heading: bool = False  # a "Heading n" style
    # Pictures in the paragraph (on its first line): (bytes, alt text as Word keeps it).
    pictures: list[tuple[bytes, str]] = field(default_factory=list)
    title: bool = False  # the "Title" or "Subtitle" style


def _flag(rpr: Any, tag: str) -> bool | None:
    if rpr is None:
        return None
    node = rpr.find(f"{_W}{tag}")
    if node is None:
        return None
    return (node.get(f"{_W}val") or "true").lower() not in _FALSE


class _Styles:
    """Bold, underline and kind of each style, following ``basedOn``."""

    def __init__(self, root: Any) -> None:
        self.nodes: dict[str, Any] = {}
        self.default_paragraph: str | None = None
        for style in root.iterfind(f"{_W}style") if root is not None else ():
            sid = style.get(f"{_W}styleId")
            if sid is None:
                continue
            self.nodes[sid] = style
            if style.get(f"{_W}type") == "paragraph" and style.get(f"{_W}default") in ("1", "true"):
                self.default_paragraph = sid
        self.cache: dict[tuple[str, str], bool] = {}

    def flag(self, sid: str | None, tag: str) -> bool:
        seen = 0
        while sid is not None and seen < 20:
            known = self.cache.get((sid, tag))
            if known is not None:
                return known
            node = self.nodes.get(sid)
            if node is None:
                break
            value = _flag(node.find(f"{_W}rPr"), tag)
            if value is not None:
                self.cache[(sid, tag)] = value
                return value
            based = node.find(f"{_W}basedOn")
            sid = based.get(f"{_W}val") if based is not None else None
            seen += 1
        return False

    def name(self, sid: str | None) -> str:
        node = self.nodes.get(sid or "")
        found = node.find(f"{_W}name") if node is not None else None
        return (found.get(f"{_W}val") or "").lower() if found is not None else ""

    def numbering(self, sid: str | None) -> Any:
        """The ``w:numPr`` a paragraph style gives its paragraphs (list styles), if any."""
        seen = 0
        while sid is not None and seen < 20:
            node = self.nodes.get(sid)
            if node is None:
                return None
            found = node.find(f"{_W}pPr/{_W}numPr")
            if found is not None:
                return found
            based = node.find(f"{_W}basedOn")
            sid = based.get(f"{_W}val") if based is not None else None
            seen += 1
        return None


_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc")]
_ROMAN += [(50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]


def _roman(number: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def _letters(number: int) -> str:
    # Word repeats the letter past Z: 27 is "AA", 28 "BB".
    number = max(number, 1)
    return chr(ord("A") + (number - 1) % 26) * ((number - 1) // 26 + 1)


def _format(number: int, kind: str) -> str:
    if kind == "upperLetter":
        return _letters(number)
    if kind == "lowerLetter":
        return _letters(number).lower()
    if kind == "upperRoman":
        return _roman(number).upper()
    if kind == "lowerRoman":
        return _roman(number)
    if kind == "decimalZero":
        return f"{number:02d}"
    return str(number)


def _val(node: Any, path: str, default: str | None = None) -> str | None:
    found = node.find(path) if node is not None else None
    return found.get(f"{_W}val", default) if found is not None else default


class _Numbering:
    """List numbers as Word shows them. Counters are kept per abstract list (instances of one
    list continue each other) and restart where an instance overrides the start."""

    def __init__(self, root: Any) -> None:
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}
        for abstract in root.iterfind(f"{_W}abstractNum") if root is not None else ():
            levels = {}
            for lvl in abstract.iterfind(f"{_W}lvl"):
                start = int(_val(lvl, f"{_W}start", "1") or 1)
                kind = _val(lvl, f"{_W}numFmt", "decimal") or "decimal"
                text = _val(lvl, f"{_W}lvlText", "") or ""
                levels[int(lvl.get(f"{_W}ilvl") or 0)] = (start, kind, text)
            self.levels[abstract.get(f"{_W}abstractNumId") or ""] = levels
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        for num in root.iterfind(f"{_W}num") if root is not None else ():
            overrides = {}
            for override in num.iterfind(f"{_W}lvlOverride"):
                start = _val(override, f"{_W}startOverride")
                if start is not None:
                    overrides[int(override.get(f"{_W}ilvl") or 0)] = int(start)
            abstract = _val(num, f"{_W}abstractNumId", "") or ""
            self.nums[num.get(f"{_W}numId") or ""] = (abstract, overrides)
        self.counts: dict[str, list[int | None]] = {}
        self.started: set[str] = set()

    def label(self, num_id: str, level: int) -> str:
        if num_id not in self.nums or not 0 <= level < 9:
            return ""
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        if level not in levels:
            return ""
        counts = self.counts.setdefault(abstract, [None] * 9)
        if num_id not in self.started:
            self.started.add(num_id)
            for ilvl, start in overrides.items():
                counts[ilvl] = start - 1 if 0 <= ilvl < 9 else None
        start, kind, text = levels[level]
        counts[level] = start if counts[level] is None else counts[level] + 1
        for deeper in range(level + 1, 9):
            counts[deeper] = None
        if kind in ("bullet", "none") or not text:
            return ""
        for index in range(9, 0, -1):
            token = f"%{index}"
            if token in text:
                got = counts[index - 1]
                first = levels.get(index - 1, (1, "decimal", ""))
                text = text.replace(token, _format(got if got is not None else first[0], first[1]))
        return text


def _paragraphs(container: Any) -> Iterator[Any]:
    for child in container:
        tag = child.tag
        if tag == f"{_W}p":
            yield child
        elif tag == f"{_W}tbl":
            for row in child.iterfind(f"{_W}tr"):
                for cell in row.iterfind(f"{_W}tc"):
                    yield from _paragraphs(cell)
        elif tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _paragraphs(content)


def _pictures(p: Any, part: Any) -> list[tuple[bytes, str]]:
    """The pictures drawn in a paragraph (``w:drawing`` → ``a:blip r:embed``), with the
    alt text Word stores in ``wp:docPr`` (``descr``, else ``title``)."""
    found = []
    for drawing in p.iter(f"{_W}drawing"):
        blip = next(drawing.iter(f"{_A}blip"), None)
        rid = blip.get(_EMBED) if blip is not None else None
        target = part.related_parts.get(rid) if rid else None
        if target is None:
            continue
        doc_pr = next(drawing.iter(f"{_WP}docPr"), None)
        alt = ""
        if doc_pr is not None:
            alt = doc_pr.get("descr") or doc_pr.get("title") or ""
        found.append((target.blob, unicodedata.normalize("NFC", alt).strip()))
    return found


def _paragraph_lines(p: Any, styles: _Styles, numbering: _Numbering) -> list[Line]:
    style = _val(p, f"{_W}pPr/{_W}pStyle") or styles.default_paragraph
    name = styles.name(style)
    num_pr = p.find(f"{_W}pPr/{_W}numPr")
    if num_pr is None:
        num_pr = styles.numbering(style)
    label = ""
    if num_pr is not None:
        num_id = _val(num_pr, f"{_W}numId")
        if num_id and num_id != "0":
            label = numbering.label(num_id, int(_val(num_pr, f"{_W}ilvl", "0") or 0))
    chars: list[str] = [label + " "] if label else []
    bold: list[bool] = [False] * (len(label) + 1) if label else []
    underline = list(bold)
    para_bold, para_under = styles.flag(style, "b"), styles.flag(style, "u")
    for run in _runs(p):
        text = unicodedata.normalize("NFC", _run_text(run))
        if not text:
            continue
        rpr = run.find(f"{_W}rPr")
        rstyle = _val(rpr, f"{_W}rStyle")
        b = _flag(rpr, "b")
        u = _flag(rpr, "u")
        if b is None:
            b = styles.flag(rstyle, "b") if rstyle else para_bold
        if u is None:
            u = styles.flag(rstyle, "u") if rstyle else para_under
        chars.append(text)
        bold.extend([b] * len(text))
        underline.extend([u] * len(text))
    whole = "".join(chars)
    heading = name.startswith("heading")
    title = name in ("title", "subtitle")
    lines = []
    start = 0
    for index, char in enumerate([*whole, "\n"]):
        if char in "\n\r":
            lines.append(
                Line(
                    whole[start:index],
                    bold[start:index],
                    underline[start:index],
                    heading=heading,
                    title=title,
                )
            )
            start = index + 1
    return lines


def _check_parts(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                _check_part(archive, name)


def document_lines(data: bytes) -> Iterator[Line]:
    """Yield the lines of a ``.docx`` already passed by ``check_docx``.

    Raises whatever python-docx, ``zipfile`` or the XML parsers raise for a damaged or
    hostile file (the caller turns it into ``UnreadableFile``).
    """
    _check_parts(data)
    import docx

    document = docx.Document(io.BytesIO(data))
    part = document.part
    styles = _Styles(document.styles.element)
    try:
        numbering_root = part.part_related_by(
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering"
        ).element
    except KeyError:
        numbering_root = None
    numbering = _Numbering(numbering_root)
    for p in _paragraphs(document.element.body):
        lines = _paragraph_lines(p, styles, numbering)
        lines[0].pictures = _pictures(p, part)
        yield from lines
