"""Word banks for tests, written by python-docx in memory.

A paragraph is given as a string, or a list of runs: a string or ``(text, "b")``, ``(text,
"u")``, ``(text, "bu")`` for bold and/or underlined runs. ``("table", [[cell, …], …])``
adds a table whose cells hold one paragraph each; ``("heading", text)`` a Heading 2.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn


def _runs(paragraph: Any, spec: Any) -> None:
    for run in [spec] if isinstance(spec, str) else spec:
        text, marks = (run, "") if isinstance(run, str) else run
        added = paragraph.add_run(text)
        if "b" in marks:
            added.bold = True
        if "u" in marks:
            added.underline = True


def make_docx(paragraphs: Sequence[Any], *, document: Any = None) -> bytes:
    document = document or docx.Document()
    for spec in paragraphs:
        if isinstance(spec, tuple) and spec and spec[0] == "table":
            rows = spec[1]
            table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for row, cells in zip(table.rows, rows, strict=True):
                for cell, content in zip(row.cells, cells, strict=False):
                    _runs(cell.paragraphs[0], content)
        elif isinstance(spec, tuple) and spec and spec[0] == "heading":
            document.add_heading(spec[1], level=2)
        else:
            _runs(document.add_paragraph(), spec)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _numbering_level(fmt: str, text: str) -> Any:
    lvl = OxmlElement("w:lvl")
    lvl.set(qn("w:ilvl"), "0")
    for tag, value in (("w:start", "1"), ("w:numFmt", fmt), ("w:lvlText", text)):
        node = OxmlElement(tag)
        node.set(qn("w:val"), value)
        lvl.append(node)
    return lvl


def numbered_docx(items: Sequence[tuple[str | None, str]]) -> bytes:
    """A document whose paragraphs ``(list, text)`` are auto-numbered by Word lists:
    ``"question"`` (``Câu %1:``, decimal), ``"option"`` (``%1.``, capital letters, restarted
    for each question) or ``None`` (not numbered)."""
    document = docx.Document()
    numbering = document.part.numbering_part.element
    for abstract_id, fmt, text in (("90", "decimal", "Câu %1:"), ("91", "upperLetter", "%1.")):
        abstract = OxmlElement("w:abstractNum")
        abstract.set(qn("w:abstractNumId"), abstract_id)
        abstract.append(_numbering_level(fmt, text))
        numbering.insert(0, abstract)
    next_id = [100]

    def new_num(abstract_id: str, restart: bool) -> str:
        num = OxmlElement("w:num")
        num_id = str(next_id[0])
        next_id[0] += 1
        num.set(qn("w:numId"), num_id)
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), abstract_id)
        num.append(ref)
        if restart:
            override = OxmlElement("w:lvlOverride")
            override.set(qn("w:ilvl"), "0")
            start = OxmlElement("w:startOverride")
            start.set(qn("w:val"), "1")
            override.append(start)
            num.append(override)
        numbering.append(num)
        return num_id

    question_list = new_num("90", False)
    option_list = None
    for kind, text in items:
        paragraph = document.add_paragraph(text)
        if kind is None:
            continue
        if kind == "question":
            num_id = question_list
            option_list = None
        else:
            option_list = option_list or new_num("91", True)
            num_id = option_list
        ppr = paragraph._p.get_or_add_pPr()
        num_pr = OxmlElement("w:numPr")
        for tag, value in (("w:ilvl", "0"), ("w:numId", num_id)):
            node = OxmlElement(tag)
            node.set(qn("w:val"), value)
            num_pr.append(node)
        ppr.append(num_pr)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def question(number: int = 1, text: str = "Đảng Cộng sản Việt Nam ra đời năm nào?", **kw):
    """The paragraphs of one question in the usual form."""
    options = kw.get("options", ("1925", "1930", "1945", "1954"))
    lines = [f"Câu {number}: {text}", *(f"{'ABCDEF'[i]}. {o}" for i, o in enumerate(options))]
    if kw.get("answer", "B") is not None:
        lines.append(f"Đáp án: {kw.get('answer', 'B')}")
    return lines
