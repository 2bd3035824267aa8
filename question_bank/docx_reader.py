"""Reading a question bank written in Word (``.docx``), the way organisers write one::

    Chủ đề: Lịch sử Đảng            (optional; holds for the questions that follow)
    Câu 1: Đảng Cộng sản Việt Nam ra đời năm nào?
    A. 1925
    B. 1930
    C. 1945
    D. 1954
    Đáp án: B
    Mức độ: Dễ                      (optional; blank means Trung bình)
    Giải thích: …                   (optional)

Accepted variants: ``Câu 1.`` / ``Câu hỏi 1:`` (auto-numbered lists too); options ``A.``,
``A)``, ``a.`` on their own lines, several on one line separated by tabs or spaces
(``A. 1925⇥B. 1930``), or in table cells; the correct option(s) given by ``Đáp án: A, C``, or
marked in bold, underlined, or with ``*`` (``*B. 1930``, ``B*. 1930``, or ``B. 1930 *``
when there is no ``Đáp án`` line). A line that continues the question, an option or the
explanation is joined to it. Text before the first question (a title, instructions) is
ignored, except ``Chủ đề:`` and ``Mức độ:`` lines, which then hold for every question. A
``Chủ đề:`` paragraph in a heading style starts a new group of questions.

Each question becomes the same row of cells as a row of the ``.xlsx`` template, checked by
``bank.validate_rows``: same rules, same duplicates, all or nothing. Errors name the
question as written (``Câu 12: không tìm thấy đáp án đúng …``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from ._docx_lines import Line, document_lines
from .bank import (
    ANSWER,
    LETTERS,
    OPTION_KEYS,
    BankParse,
    option_label,
    parse_answer,
    validate_rows,
)
from .i18n import _
from .pictures import IMAGE, Pictures, raw_identity
from .safety import UnreadableFile, check_docx
from .text import fold_one_for_one as _folded
from .text import normalise_text
from .xlsx import RowError, read_source

__all__ = ["DEFAULT_TOPIC", "FORM_WORDS", "MAX_QUESTIONS", "QuestionError", "parse_docx_bank"]

DEFAULT_TOPIC = "Chung"
# The words of the Word form (the file's contract, never translated), as pages quote them.
FORM_WORDS = ("Câu hỏi", "Câu", "Đáp án", "Chủ đề", "Mức độ", "Giải thích", DEFAULT_TOPIC)
MAX_QUESTIONS = 20000

_SEP = r"\s*[:.)\-–]"
_QUESTION = re.compile(rf"\s*(?:cau hoi|cau|question)\s*(\d{{1,6}}){_SEP}\s*")
_KEYWORDS = [
    ("answer", re.compile(rf"\s*(?:dap an dung|dap an|answer|d/a|da){_SEP}\s*")),
    ("explanation", re.compile(rf"\s*(?:giai thich|loi giai|huong dan giai|explanation){_SEP}\s*")),
    ("topic", re.compile(rf"\s*(?:chu de|chuyen de|topic){_SEP}\s*")),
    ("level", re.compile(rf"\s*(?:muc do|do kho|difficulty|level){_SEP}\s*")),
]
_OPTION = re.compile(r"\s*(\*\s*)?([A-Ha-h])\s*(\*)?\s*[.)]\s*")
_TRAILING_STAR = re.compile(r"\s*(?:\(\*\)|\*)\s*$")
_END_MARK = re.compile(r"[\W_]*(?:hết|het|end)?[\W_]*", re.IGNORECASE)


@dataclass(frozen=True)
class QuestionError(RowError):
    """A problem of one question of a Word bank: ``row`` is its number as written.

    ``str()`` gives ``Câu 12: không tìm thấy đáp án đúng …`` (the CLI's line).
    """

    def __str__(self) -> str:
        message = self.message[:1].lower() + self.message[1:]
        return f"Câu {self.row}: {message}"


@dataclass
class _Text:
    """Text gathered from lines, with each character's marks."""

    text: str = ""
    bold: list[bool] = field(default_factory=list)
    underline: list[bool] = field(default_factory=list)

    def add(self, line: Line, start: int = 0, end: int | None = None) -> None:
        end = len(line.text) if end is None else end
        if self.text:
            self.text += " "
            self.bold.append(False)
            self.underline.append(False)
        self.text += line.text[start:end]
        self.bold += line.bold[start:end]
        self.underline += line.underline[start:end]

    def all_marked(self, flags: list[bool]) -> bool:
        shown = [flag for char, flag in zip(self.text, flags, strict=False) if not char.isspace()]
        return bool(shown) and all(shown)


@dataclass
class _Option:
    letter: str
    body: _Text
    star: bool = False
    letter_bold: bool = False
    letter_underline: bool = False


@dataclass
class _Block:
    number: int
    question: _Text
    lines: list[Line] = field(default_factory=list)
    pictures: list[tuple[bytes, str]] = field(default_factory=list)


def _keyword(line: Line) -> tuple[str, int] | None:
    folded = _folded(line.text[:40])
    for name, pattern in _KEYWORDS:
        found = pattern.match(folded)
        if found:
            return name, found.end()
    return None


def _question_start(line: Line) -> tuple[int, int] | None:
    found = _QUESTION.match(_folded(line.text[:40]))
    return (int(found.group(1)), found.end()) if found else None


def _options_in(line: Line, upper: bool) -> list[_Option]:
    """The options a line starts with (several when separated by tabs or two spaces)."""
    found = _OPTION.match(line.text)
    if not found or found.group(2).isupper() != upper:
        return []
    options = []
    text = line.text
    while found:
        letter = found.group(2).upper()
        at = found.start(2)
        nxt = None
        if letter < "H":
            want = chr(ord(found.group(2)) + 1)
            gap = re.compile(rf"(?:\t|\s{{2,}})\s*(\*\s*)?({want})\s*(\*)?\s*[.)]\s*")
            nxt = gap.search(text, found.end())
        body = _Text()
        body.add(line, found.end(), nxt.start() if nxt else None)
        options.append(
            _Option(
                letter,
                body,
                star=bool(found.group(1) or found.group(3)),
                letter_bold=line.bold[at] if at < len(line.bold) else False,
                letter_underline=line.underline[at] if at < len(line.underline) else False,
            )
        )
        found = nxt
    return options


def _upper_options(block: _Block) -> bool:
    """Options are in capitals when any line starts with one (then ``a)`` is question text)."""
    for line in block.lines:
        found = _OPTION.match(line.text)
        if found and found.group(2).isupper() and _keyword(line) is None:
            return True
    return False


def _ignorable(text: str) -> bool:
    return bool(_END_MARK.fullmatch(text.strip()))


def _marked(options: list[_Option]) -> list[str]:
    """Letters marked by formatting: the first way of marking that picks some options but not
    all (a bank whose options are all bold marks nothing)."""
    ways = [
        lambda o: o.body.all_marked(o.body.bold),
        lambda o: o.body.all_marked(o.body.underline),
        lambda o: o.letter_bold,
        lambda o: o.letter_underline,
    ]
    for way in ways:
        picked = [o.letter for o in options if way(o)]
        if picked and len(picked) < len(options):
            return picked
    return []


@dataclass
class _Parts:
    """What one question's lines say."""

    options: list[_Option] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    explanation: _Text = field(default_factory=_Text)
    topic: str | None = None
    level: str | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)


def _stray(text: str) -> tuple[str, str]:
    shown = normalise_text(text)
    shown = shown if len(shown) <= 60 else shown[:57] + "…"
    return "", _(
        "Dòng «%(line)s» nằm sau dòng Đáp án, Chủ đề hoặc Mức độ nên không rõ thuộc phần nào "
        "của câu hỏi. Nếu đó là lời giải thích, vui lòng ghi «Giải thích:» ở đầu dòng; nếu "
        "không, hãy xoá dòng này.",
        line=shown,
    )


def _read_lines(block: _Block) -> _Parts:
    parts = _Parts()
    upper = _upper_options(block)
    last: str | _Option | None = "text"
    for line in block.lines:
        if not line.text.strip():
            continue
        keyword = _keyword(line)
        if keyword is not None:
            name, end = keyword
            rest = normalise_text(line.text[end:])
            if name == "explanation":
                parts.explanation.add(line, end)
                last = "explanation"
                continue
            if name == "answer" and rest:
                parts.answers.append(rest)
            elif name == "topic":
                parts.topic = rest
            elif name == "level":
                parts.level = rest
            last = None
            continue
        options = _options_in(line, upper) if last != "explanation" else []
        if not options and _ignorable(line.text):  # "--- HẾT ---", a rule of dashes
            continue
        if options:
            parts.options.extend(options)
            last = options[-1]
        elif last == "text":
            block.question.add(line)
        elif last == "explanation":
            parts.explanation.add(line)
        elif isinstance(last, _Option):
            last.body.add(line)
        else:
            parts.problems.append(_stray(line.text))
    return parts


_LETTER_FIRST = re.compile(r"([A-Fa-f])\s*[.)]\s*\S")


def _answer_letters(answer: str) -> tuple[str, list[int] | None]:
    """The answer as the checks read it, and its options (``None``: not readable)."""
    correct, bad = parse_answer(answer)
    if bad and (first := _LETTER_FIRST.match(answer)):  # "Đáp án: B. 1930"
        answer = first.group(1).upper()
        correct, bad = parse_answer(answer)
    return answer, (None if bad else correct)


def _answer(parts: _Parts) -> str:
    """The answer cell: the ``Đáp án`` line, else the marked options (problems reported)."""
    options = parts.options
    if not parts.answers:
        for option in options:
            if found := _TRAILING_STAR.search(option.body.text):
                option.star = True
                cut = found.start()
                body = option.body
                body.text, body.bold, body.underline = (
                    body.text[:cut],
                    body.bold[:cut],
                    body.underline[:cut],
                )
    marks = [o.letter for o in options if o.star] or _marked(options)
    if len(parts.answers) > 1:
        parts.problems.append(
            (ANSWER, _("Câu hỏi có nhiều dòng «Đáp án». Vui lòng chỉ giữ lại một dòng."))
        )
    if parts.answers:
        answer, correct = _answer_letters(parts.answers[0])
        wanted = sorted(LETTERS.index(letter) for letter in marks if letter in LETTERS)
        if marks and correct is not None and correct != wanted:
            parts.problems.append(
                (
                    ANSWER,
                    _(
                        "Dòng «Đáp án: %(answer)s» khác với phương án được đánh dấu "
                        "(in đậm, gạch chân hoặc *): %(marked)s. Vui lòng sửa cho khớp.",
                        answer=parts.answers[0],
                        marked=", ".join(sorted(marks)),
                    ),
                )
            )
        return answer
    if marks:
        return ", ".join(sorted(marks))
    parts.problems.append(
        (
            ANSWER,
            _(
                "Không tìm thấy đáp án đúng. Vui lòng thêm dòng «Đáp án: B» sau các phương án, "
                "hoặc in đậm, gạch chân hay đánh dấu * trước chữ cái của phương án đúng."
            ),
        )
    )
    return ""


def _cells(block: _Block, parts: _Parts, topic: str | None, level: str | None) -> dict[str, str]:
    answer = _answer(parts)
    cells = {
        "topic": parts.topic or topic or DEFAULT_TOPIC,
        "difficulty": parts.level or level or "",
        "text": normalise_text(block.question.text),
        "answer": answer,
        "explanation": normalise_text(parts.explanation.text),
        **dict.fromkeys(OPTION_KEYS, ""),
    }
    seen: set[str] = set()
    for option in parts.options:
        if option.letter not in LETTERS:
            parts.problems.append(
                (
                    "",
                    _(
                        "Câu hỏi có hơn %(count)s phương án (A–F). Vui lòng bớt phương án.",
                        count=len(LETTERS),
                    ),
                )
            )
            continue
        index = LETTERS.index(option.letter)
        if option.letter in seen:
            parts.problems.append(
                (
                    option_label(index),
                    _(
                        "Phương án %(letter)s xuất hiện hai lần. Vui lòng kiểm tra lại chữ cái "
                        "đầu các phương án.",
                        letter=option.letter,
                    ),
                )
            )
        seen.add(option.letter)
        cells[OPTION_KEYS[index]] = normalise_text(option.body.text)
    return cells


@dataclass
class _Reader:
    """Groups lines into questions; ``topic`` and ``level`` are what holds for the next one."""

    topic: str | None = None
    level: str | None = None
    count: int = 0
    files: dict[str, bytes] = field(default_factory=dict)  # the pictures, by a name of ours

    def row(self, block: _Block) -> tuple[int, dict[str, str], list[RowError]]:
        self.count += 1
        if self.count > MAX_QUESTIONS:
            limit = f"{MAX_QUESTIONS:,}".replace(",", ".")
            raise UnreadableFile(
                _(
                    "Tệp có hơn %(count)s câu hỏi. "
                    "Vui lòng chia thành nhiều tệp nhỏ hơn rồi nhập lần lượt.",
                    count=limit,
                )
            )
        parts = _read_lines(block)
        cells = _cells(block, parts, self.topic, self.level)
        if parts.topic:
            self.topic = parts.topic
        self._picture(block, cells, parts)
        problems = [QuestionError(block.number, col, msg) for col, msg in parts.problems]
        return block.number, cells, problems

    def _picture(self, block: _Block, cells: dict[str, str], parts: _Parts) -> None:
        """A picture anywhere in the question becomes its ``Hình ảnh`` (one at most)."""
        if len(block.pictures) > 1:
            parts.problems.append(
                (
                    IMAGE,
                    _(
                        "Câu hỏi có %(count)s hình; mỗi câu hỏi chỉ có một hình. Vui lòng "
                        "giữ lại một hình.",
                        count=len(block.pictures),
                    ),
                )
            )
        elif block.pictures:
            data, alt = block.pictures[0]
            name = f"picture-{len(self.files) + 1}"
            self.files[name] = data
            cells["image"], cells["image_alt"] = name, normalise_text(alt)

    def outside(self, line: Line) -> None:
        """A line outside any question: only ``Chủ đề:`` and ``Mức độ:`` count."""
        keyword = _keyword(line)
        if keyword is None:
            return
        name, end = keyword
        if name == "topic":
            self.topic = normalise_text(line.text[end:]) or None
        elif name == "level" and not line.heading:
            self.level = normalise_text(line.text[end:]) or None

    def rows(self, lines: Iterable[Line]) -> Iterator[tuple[int, dict[str, str], list[RowError]]]:
        block: _Block | None = None
        for line in lines:
            if line.title:
                continue
            start = _question_start(line)
            if start is None and not line.heading:
                if block is None:
                    self.outside(line)
                else:
                    block.lines.append(line)
                    block.pictures.extend(line.pictures)
                continue
            if block is not None:
                yield self.row(block)
                block = None
            if start is None:  # a heading ends the question before it
                self.outside(line)
                continue
            number, end = start
            block = _Block(number, _Text(), pictures=list(line.pictures))
            block.question.add(line, end)
        if block is not None:
            yield self.row(block)


def _unreadable() -> UnreadableFile:
    return UnreadableFile(
        _(
            "Không đọc được tệp Word: tệp bị hỏng hoặc có nội dung không hợp lệ. Vui lòng mở "
            "tệp bằng Word, chọn Lưu thành Word Document (.docx) rồi tải lên lại."
        )
    )


def _no_questions() -> UnreadableFile:
    return UnreadableFile(
        _(
            "Không tìm thấy câu hỏi nào trong tệp Word. Mỗi câu hỏi cần bắt đầu bằng «Câu 1:» "
            "(hoặc «Câu 1.»), tiếp theo là các phương án «A.», «B.», … mỗi phương án một dòng "
            "và dòng «Đáp án: B». Vui lòng xem tệp mẫu Word."
        )
    )


def parse_docx_bank(
    data: bytes | bytearray | IO[bytes],
    *,
    existing_keys: Iterable[str] = frozenset(),
    identify: Callable[[bytes], str] = raw_identity,
) -> BankParse:
    """Parse and validate a question bank ``.docx`` (bytes or a binary stream).

    The same outcome as ``parse_bank`` for an ``.xlsx``: ``BankParse`` with the valid
    questions (``row`` is the question's number as written), every problem as a
    ``QuestionError`` and the skipped duplicates. Raises ``UnreadableFile`` for a file that
    is not a safe, readable ``.docx`` (old ``.doc``, ``.docm`` with macros, zip bomb,
    damaged), one without any question, or one with more than ``MAX_QUESTIONS``. A picture
    in a question is its picture (``identify`` as in ``pictures``; its Word alt text the
    ``alt``).
    """
    payload = read_source(data)
    check_docx(payload)
    reader = _Reader()
    try:
        rows = list(reader.rows(document_lines(payload)))
    except UnreadableFile:
        raise
    except Exception as exc:
        # Whatever python-docx, lxml, zipfile or the defusedxml check raise means the file
        # is damaged or hostile: report it, never a traceback.
        raise _unreadable() from exc
    if not rows:
        raise _no_questions()
    return validate_rows(
        rows,
        existing_keys,
        error=QuestionError,
        in_file=lambda number: _("trùng với Câu %(number)s trong tệp", number=number),
        pictures=Pictures(reader.files, identify),
    )
