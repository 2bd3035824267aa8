"""Writing a question bank as Word (``.docx``) in the form ``docx_reader`` reads back.

The layout, one paragraph per part::

    <Title>  the bank's name                        (ignored on import)
    <Heading 2>  Chủ đề: …                          (when the topic changes)
    Câu 1: …
    A. …   B. …   (one paragraph each)
    Đáp án: A, C
    Mức độ: Dễ
    Giải thích: …                                   (when there is one)

``parse_docx_bank`` of the result gives back the same questions (topic, difficulty, text,
options, correct set, explanation, and the picture with its alt text: a question's
picture is drawn in its own paragraph under ``Câu N:``, at most 15 cm wide), for text
already normalised as the parsers leave it.
The words are the file's contract (docs/product.md §5) and never translated.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from .bank import DIFFICULTY_LABELS, LETTERS, MAX_OPTIONS, QuestionLike, parse_difficulty
from .template import _EXAMPLES

__all__ = ["docx_template_bytes", "export_docx"]

# What XML 1.0 cannot hold (python-docx refuses it): control characters, U+FFFE/U+FFFF and
# lone surrogates.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

_GUIDE = [
    "Mỗi câu hỏi bắt đầu bằng «Câu 1:» (hoặc «Câu 1.», «Câu hỏi 1:»), tiếp theo là nội "
    "dung câu hỏi.",
    "Mỗi phương án một dòng, bắt đầu bằng «A.», «B.», … (hoặc «A)», «a.»); ít nhất hai, "
    "nhiều nhất sáu phương án (A–F). Có thể ghi nhiều phương án trên một dòng, cách nhau "
    "bằng phím Tab.",
    "Đáp án đúng ghi ở dòng «Đáp án: B»; câu có nhiều đáp án đúng ghi «Đáp án: A, C». "
    "Cũng có thể in đậm, gạch chân hoặc đánh dấu * trước chữ cái của phương án đúng "
    "(ví dụ *B.) thay cho dòng Đáp án.",
    "Dòng «Chủ đề: …» áp dụng cho câu đó và các câu tiếp theo đến khi gặp chủ đề khác; "
    "không ghi chủ đề thì câu hỏi thuộc chủ đề «Chung».",
    "Dòng «Mức độ: Dễ», «Trung bình» hoặc «Khó» (cũng nhận Nhận biết, Thông hiểu, Vận "
    "dụng) là không bắt buộc; không ghi nghĩa là Trung bình. Dòng «Giải thích: …» là "
    "không bắt buộc.",
    "Câu trùng với câu đã có (cùng nội dung và các phương án) được bỏ qua. Nếu có câu lỗi, "
    "không câu nào được nhập: hãy sửa theo báo cáo lỗi (số câu) rồi nhập lại.",
    "Xoá hai câu ví dụ dưới đây rồi soạn câu hỏi của bạn theo đúng cách trình bày đó.",
]


def _clean(text: Any) -> str:
    return _ILLEGAL.sub("", "" if text is None else str(text))


class _Out:
    """The document being written. python-docx's ``add_paragraph`` looks for the section
    properties among all the body's children each time, and ``style=`` for a style by name
    among all styles (quadratic: 12 s for 2,000 questions); here both are found once."""

    def __init__(self, title: str) -> None:
        import docx

        self.document = docx.Document()
        self.document.core_properties.title = _clean(title)[:200]
        self.end = self.document.element.body.sectPr
        self.styles: dict[str, str] = {}
        self.add(_clean(title), "Title")

    def add(self, text: str = "", style: str | None = None) -> Any:
        from docx.oxml import OxmlElement
        from docx.text.paragraph import Paragraph

        element = OxmlElement("w:p")
        if self.end is not None:
            self.end.addprevious(element)
        else:
            self.document.element.body.append(element)
        paragraph = Paragraph(element, self.document._body)
        if text:
            paragraph.add_run(text)
        if style:
            if style not in self.styles:
                self.styles[style] = self.document.styles[style].style_id
            element.get_or_add_pPr().style = self.styles[style]
        return paragraph

    def labelled(self, label: str, text: str) -> None:
        paragraph = self.add()
        paragraph.add_run(label).bold = True
        paragraph.add_run(" " + _clean(text))

    def question(self, number: int, question: QuestionLike) -> None:
        level = parse_difficulty(question.difficulty)
        if level is None:
            raise ValueError(f"unknown difficulty {question.difficulty!r}")
        options: Sequence[str] = list(question.options)
        if len(options) > MAX_OPTIONS:
            raise ValueError("a question has at most six options")
        self.labelled(f"Câu {number}:", question.text)
        if (picture := getattr(question, "picture", None)) is not None:
            self.picture(picture.data, picture.alt)
        for index, option in enumerate(options):
            self.add(f"{LETTERS[index]}. {_clean(option)}")
        self.labelled("Đáp án:", ", ".join(LETTERS[i] for i in sorted(question.correct)))
        self.labelled("Mức độ:", DIFFICULTY_LABELS[level])
        if question.explanation:
            self.labelled("Giải thích:", question.explanation)

    def picture(self, data: bytes, alt: str) -> None:
        from docx.shared import Cm

        shape = self.add().add_run().add_picture(io.BytesIO(data))
        widest = Cm(15)
        if shape.width > widest:
            shape.height = int(shape.height * widest / shape.width)
            shape.width = widest
        shape._inline.docPr.set("descr", _clean(alt))

    def questions(self, questions: Iterable[QuestionLike]) -> None:
        topic = None
        for number, question in enumerate(questions, start=1):
            if question.topic != topic:
                topic = question.topic
                self.add(f"Chủ đề: {_clean(topic)}", "Heading 2")
            self.question(number, question)

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()


def export_docx(questions: Iterable[QuestionLike], *, title: str = "Ngân hàng câu hỏi") -> bytes:
    """Write questions as a Word bank; returns ``.docx`` bytes (see the module docstring).

    Raises ``ValueError`` for a question with an unknown difficulty or more than six options.
    """
    out = _Out(title)
    out.questions(questions)
    return out.bytes()


class _Example:
    def __init__(self, row: Sequence[str]) -> None:
        self.topic, level, self.text = row[0], row[1], row[2]
        self.difficulty = parse_difficulty(level) or "medium"
        self.options = [o for o in row[3:7] if o]
        self.correct = [LETTERS.index(letter.strip()) for letter in row[7].split(",")]
        self.explanation = row[8]


def docx_template_bytes() -> bytes:
    """The Word template: a title, the rules as a bulleted list (ignored on import) and two
    example questions, which import as they are."""
    out = _Out("Ngân hàng câu hỏi (mẫu)")
    out.add("Hướng dẫn soạn ngân hàng câu hỏi bằng Word")
    for line in _GUIDE:
        out.add(line, "List Bullet")
    out.questions([_Example(row) for row in _EXAMPLES])
    return out.bytes()
