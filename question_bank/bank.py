"""The question bank template: parse and validate an ``.xlsx`` bank, write the template and exports.

Template (first sheet, header in row 1)::

    Chủ đề | Mức độ | Câu hỏi | Phương án A | Phương án B | Phương án C | Phương án D
    | Đáp án đúng | Giải thích

Options E and F are optional extra columns. English headers (``Topic, Difficulty, Question,
Option A…F, Answer, Explanation``) are accepted; headers match ignoring case, diacritics,
spacing and punctuation, in any order.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO, Any, Protocol

from .text import fold, normalise_text
from .xlsx import Column, HeaderError, RowError, Sheet, build_workbook, read_table, workbook_bytes

__all__ = [
    "DIFFICULTY_LABELS",
    "BankParse",
    "Difficulty",
    "Duplicate",
    "ParsedQuestion",
    "QuestionLike",
    "dedup_key",
    "export_bank",
    "parse_answer",
    "parse_bank",
    "parse_difficulty",
    "template_bytes",
]

LETTERS = "ABCDEF"
MAX_OPTIONS = len(LETTERS)
MAX_TOPIC = 200
MAX_TEXT = 2000
MAX_OPTION = 500
MAX_EXPLANATION = 4000
TEMPLATE_ROWS = 20000  # data validation covers this many rows


class Difficulty(StrEnum):
    """Question difficulty, stored by value (``"easy"``, ``"medium"``, ``"hard"``)."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"

    @property
    def label(self) -> str:
        """Vietnamese label: Dễ / Trung bình / Khó."""
        return DIFFICULTY_LABELS[self.value]


DIFFICULTY_LABELS: dict[str, str] = {"easy": "Dễ", "medium": "Trung bình", "hard": "Khó"}

_DIFFICULTY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "easy": ("Dễ", "1", "easy"),
    "medium": ("Trung bình", "2", "medium", "TB", "vừa"),
    "hard": ("Khó", "3", "hard"),
}
_DIFFICULTY_INPUT: dict[str, str] = {
    fold(word).replace(" ", ""): value
    for value, words in _DIFFICULTY_SYNONYMS.items()
    for word in words
}
# The same words exactly as written (the template's drop-down gives these): no fold needed.
_DIFFICULTY_WORDS: dict[str, str] = {
    word: _DIFFICULTY_INPUT[fold(word).replace(" ", "")]
    for words in _DIFFICULTY_SYNONYMS.values()
    for word in words
}


def parse_difficulty(value: Any) -> str | None:
    """Return ``"easy"``/``"medium"``/``"hard"`` for an input cell, or ``None`` if unknown.

    Accepts ``Dễ``/``Trung bình``/``Khó`` (any case, with or without diacritics), ``1``/``2``/
    ``3`` and ``easy``/``medium``/``hard``; blank means ``"medium"``.
    """
    if isinstance(value, str) and (known := _DIFFICULTY_WORDS.get(value)):
        return known
    key = fold(value).replace(" ", "")
    if not key:
        return Difficulty.MEDIUM.value
    return _DIFFICULTY_INPUT.get(key)


_LETTER_SPLIT = re.compile(r"[\s,;/&+.]+")
_CONNECTORS = {"VÀ", "VA", "AND"}
_LETTERS_ONLY = re.compile(f"[{LETTERS}]+")
_SINGLE_LETTER = {letter: index for index, letter in enumerate(LETTERS)}


def parse_answer(value: Any) -> tuple[list[int], list[str]]:
    """Parse an answer cell into ``(sorted 0-based option indexes, unrecognised tokens)``.

    ``"A, C"``, ``"A,C"``, ``"AC"``, ``"a; c"`` and ``"A và C"`` all give ``[0, 2]``.
    Letters must be A–F; anything else is returned in the second list. Never raises.
    """
    text = normalise_text(value).upper()
    single = _SINGLE_LETTER.get(text)
    if single is not None:  # the usual answer: one letter
        return [single], []
    indexes: set[int] = set()
    bad: list[str] = []
    for raw in _LETTER_SPLIT.split(text):
        token = raw.strip("()[]")
        if not token or token in _CONNECTORS:
            continue
        if _LETTERS_ONLY.fullmatch(token):
            indexes.update(LETTERS.index(ch) for ch in token)
        else:
            bad.append(raw)
    return sorted(indexes), bad


def _key_part(value: str) -> str:
    return normalise_text(value).casefold()


def dedup_key(text: str, options: Iterable[str]) -> str:
    """Return the de-duplication key of a question: a 64-character hex digest.

    Built from the question text and the *sorted* option texts, ignoring case and whitespace
    but not diacritics ("bàn" and "bán" differ) nor option order. Never raises.
    """
    return _digest(_key_part(text), [_key_part(o) for o in options])


def _digest(text_key: str, option_keys: list[str]) -> str:
    parts = [text_key, *sorted(option_keys)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass
class ParsedQuestion:
    """A valid question read from a bank file (``row`` is its sheet row; 0 if not from a file).

    ``options`` are the non-empty options in order A…F; ``correct`` are 0-based indexes into
    ``options``; ``difficulty`` is ``"easy"``, ``"medium"`` or ``"hard"``.
    """

    row: int
    topic: str
    difficulty: str
    text: str
    options: list[str]
    correct: list[int]
    explanation: str = ""
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            self.key = dedup_key(self.text, self.options)

    @property
    def multiple(self) -> bool:
        """True when the question has several correct options."""
        return len(self.correct) > 1

    @property
    def answer_letters(self) -> str:
        """The correct letters as written in the template, e.g. ``"A, C"``."""
        return ", ".join(LETTERS[i] for i in self.correct)


class QuestionLike(Protocol):
    """What ``export_bank`` needs of a question (``ParsedQuestion`` or an app model)."""

    topic: str
    difficulty: str
    text: str
    options: Sequence[str]
    correct: Sequence[int]
    explanation: str


@dataclass(frozen=True)
class Duplicate:
    """A row skipped as a duplicate; ``reason`` is Vietnamese, e.g. ``trùng trong tệp (dòng 5)``."""

    row: int
    text: str
    reason: str


@dataclass
class BankParse:
    """Outcome of ``parse_bank``: valid ``questions``, every row ``errors``, skipped
    ``duplicates`` and ``rows_read`` (non-blank data rows). Import only when ``ok``.
    """

    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        """True when no row has an error (the import is all-or-nothing)."""
        return not self.errors


# --- columns --------------------------------------------------------------------------------

TOPIC = "Chủ đề"
DIFFICULTY = "Mức độ"
QUESTION = "Câu hỏi"
ANSWER = "Đáp án đúng"
EXPLANATION = "Giải thích"


def option_label(index: int) -> str:
    """Template label of option ``index`` (0 gives ``"Phương án A"``)."""
    return f"Phương án {LETTERS[index]}"


OPTION_KEYS = [f"option_{letter.lower()}" for letter in LETTERS]

COLUMNS: list[Column] = [
    Column("topic", TOPIC, ("Topic", "Chuyên đề")),
    Column("difficulty", DIFFICULTY, ("Difficulty", "Level", "Độ khó"), required=False),
    Column("text", QUESTION, ("Question", "Nội dung câu hỏi")),
    *[
        Column(
            OPTION_KEYS[i],
            option_label(i),
            (f"Option {LETTERS[i]}", f"Đáp án {LETTERS[i]}", f"Choice {LETTERS[i]}"),
            required=i < 2,
        )
        for i in range(MAX_OPTIONS)
    ],
    Column("answer", ANSWER, ("Answer", "Correct answer", "Đáp án")),
    Column("explanation", EXPLANATION, ("Explanation",), required=False),
]

TEMPLATE_HEADER = [
    TOPIC,
    DIFFICULTY,
    QUESTION,
    *(option_label(i) for i in range(4)),
    ANSWER,
    EXPLANATION,
]


def _too_long_message(what: str, text: str, limit: int) -> str:
    return (
        f"{what} dài {_number(len(text))} ký tự, vượt quá giới hạn {_number(limit)} ký tự. "
        "Vui lòng rút gọn."
    )


def _number(value: int) -> str:
    """Vietnamese thousands separator: 2000 gives "2.000"."""
    return f"{value:,}".replace(",", ".")


def _validate_row(row: int, cells: dict[str, str]) -> tuple[ParsedQuestion | None, list[RowError]]:
    errors: list[RowError] = []

    def error(column: str, message: str) -> None:
        errors.append(RowError(row, column, message))

    topic = cells["topic"]
    if not topic:
        error(TOPIC, "Thiếu chủ đề. Vui lòng ghi chủ đề của câu hỏi.")
    elif len(topic) > MAX_TOPIC:
        error(TOPIC, _too_long_message("Chủ đề", topic, MAX_TOPIC))

    difficulty = parse_difficulty(cells["difficulty"])
    if difficulty is None:
        error(
            DIFFICULTY,
            f"Mức độ «{cells['difficulty']}» không hợp lệ. Vui lòng ghi Dễ, Trung bình hoặc Khó "
            "(hoặc 1, 2, 3); để trống nghĩa là Trung bình.",
        )

    text = cells["text"]
    if not text:
        error(QUESTION, "Thiếu nội dung câu hỏi.")
    elif len(text) > MAX_TEXT:
        error(QUESTION, _too_long_message("Câu hỏi", text, MAX_TEXT))

    raw_options = [cells[key] for key in OPTION_KEYS]
    filled = [i for i, option in enumerate(raw_options) if option]
    if len(filled) < 2:
        first_empty = next(i for i, option in enumerate(raw_options) if not option)
        error(
            option_label(first_empty),
            "Câu hỏi cần ít nhất hai phương án. Vui lòng điền Phương án A và Phương án B.",
        )
    else:
        for i in range(filled[-1]):
            if not raw_options[i]:
                error(
                    option_label(i),
                    f"{option_label(i)} đang để trống trong khi {option_label(filled[-1])} "
                    "có nội dung. Vui lòng điền các phương án liên tiếp từ A, không bỏ trống "
                    "ở giữa.",
                )
    # Cells come normalised from read_table: casefold() is enough for _key_part here.
    seen: dict[str, int] = {}
    for i in filled:
        option = raw_options[i]
        if len(option) > MAX_OPTION:
            error(option_label(i), _too_long_message(option_label(i), option, MAX_OPTION))
        same = seen.setdefault(option.casefold(), i)
        if same != i:
            error(
                option_label(i),
                f"{option_label(i)} trùng với {option_label(same)}. Các phương án của một câu "
                "hỏi phải khác nhau.",
            )

    answer = cells["answer"]
    correct, bad = parse_answer(answer)
    rule = "Đáp án đúng phải là chữ cái của một phương án có nội dung (A–F)"
    if not answer:
        error(
            ANSWER,
            "Thiếu đáp án đúng. Vui lòng ghi chữ cái của phương án đúng, ví dụ: A "
            "(hoặc A, C nếu câu có nhiều đáp án đúng).",
        )
    elif bad or not correct:
        error(ANSWER, f"Đáp án «{answer}» không hợp lệ. {rule}, ví dụ: A hoặc A, C.")
    else:
        empty = [LETTERS[i] for i in correct if not raw_options[i]]
        if empty:
            names = ", ".join(empty)
            error(
                ANSWER,
                f"Phương án {names} đang để trống nên không thể là đáp án đúng. {rule}.",
            )

    explanation = cells["explanation"]
    if len(explanation) > MAX_EXPLANATION:
        error(EXPLANATION, _too_long_message("Giải thích", explanation, MAX_EXPLANATION))

    if errors:
        return None, errors
    options = [raw_options[i] for i in filled]
    question = ParsedQuestion(
        row=row,
        topic=topic,
        difficulty=difficulty or Difficulty.MEDIUM.value,
        text=text,
        options=options,
        correct=correct,
        explanation=explanation,
        key=_digest(text.casefold(), list(seen)),
    )
    return question, []


def parse_bank(
    data: bytes | bytearray | IO[bytes], *, existing_keys: Iterable[str] = frozenset()
) -> BankParse:
    """Parse and validate a question bank ``.xlsx`` (bytes or a binary stream).

    Every row is checked and every problem collected in ``BankParse.errors`` (header problems
    as row-1 errors). Rows repeating an earlier row of the file, or a question whose
    ``dedup_key`` is in ``existing_keys``, are skipped and listed in ``duplicates``.

    Raises ``UnreadableFile`` when the file is not a safe, readable ``.xlsx`` or has too
    many rows.
    """
    try:
        table = read_table(data, COLUMNS)
    except HeaderError as exc:
        return BankParse(errors=list(exc.errors))
    known = existing_keys if isinstance(existing_keys, set | frozenset) else set(existing_keys)
    result = BankParse(rows_read=len(table.rows))
    first_row: dict[str, int] = {}
    for row, cells in table.rows:
        question, errors = _validate_row(row, cells)
        if question is None:
            result.errors.extend(errors)
            continue
        if question.key in first_row:
            reason = f"trùng trong tệp (dòng {first_row[question.key]})"
            result.duplicates.append(Duplicate(row, question.text, reason))
        elif question.key in known:
            result.duplicates.append(Duplicate(row, question.text, "đã có trong ngân hàng"))
        else:
            first_row[question.key] = row
            result.questions.append(question)
    return result


# --- writing --------------------------------------------------------------------------------

_WIDTHS = {TOPIC: 28, DIFFICULTY: 12, QUESTION: 60, ANSWER: 13, EXPLANATION: 60}
_OPTION_WIDTH = 30


def _widths(header: Sequence[str]) -> list[float]:
    return [_WIDTHS.get(label, _OPTION_WIDTH) for label in header]


def _add_validations(header: Sequence[str]) -> Any:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    def customise(ws: Any) -> None:
        last = TEMPLATE_ROWS + 1
        level = get_column_letter(header.index(DIFFICULTY) + 1)
        answer = get_column_letter(header.index(ANSWER) + 1)
        levels = DataValidation(
            type="list",
            formula1='"Dễ,Trung bình,Khó"',
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle="Mức độ không hợp lệ",
            error="Vui lòng chọn Dễ, Trung bình hoặc Khó.",
        )
        levels.add(f"{level}2:{level}{last}")
        answers = DataValidation(
            type="list",
            formula1=f'"{",".join(LETTERS)}"',
            allow_blank=True,
            # A warning, not a stop: "A, C" (several correct options) must stay possible.
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Đáp án có nhiều chữ cái?",
            error=(
                "Đáp án đúng là chữ cái của phương án đúng (A–F). Câu có nhiều đáp án đúng "
                "thì ghi các chữ cái cách nhau bởi dấu phẩy, ví dụ: A, C. "
                "Chọn Yes để giữ giá trị đã nhập."
            ),
            showInputMessage=True,
            promptTitle="Đáp án đúng",
            prompt="Chọn A–F. Nhiều đáp án đúng: gõ A, C.",
        )
        answers.add(f"{answer}2:{answer}{last}")
        ws.add_data_validation(levels)
        ws.add_data_validation(answers)

    return customise


_GUIDE = [
    "Hướng dẫn nhập ngân hàng câu hỏi",
    "Nhập câu hỏi vào trang tính «Câu hỏi» (trang đầu tiên), mỗi câu một dòng, bắt đầu từ "
    "dòng 2. Giữ nguyên dòng tiêu đề.",
    "Chủ đề: bắt buộc, tối đa 200 ký tự.",
    "Mức độ: Dễ, Trung bình hoặc Khó (hoặc 1, 2, 3). Để trống nghĩa là Trung bình.",
    "Câu hỏi: bắt buộc, tối đa 2.000 ký tự.",
    "Phương án A, B, ...: ít nhất hai phương án, điền liên tiếp từ A, không trùng nhau, "
    "mỗi phương án tối đa 500 ký tự. Cần thêm phương án thì thêm cột «Phương án E», "
    "«Phương án F» (tối đa 6 phương án).",
    "Đáp án đúng: chữ cái của phương án đúng, ví dụ A. Câu có nhiều đáp án đúng thì ghi các "
    "chữ cái cách nhau bởi dấu phẩy, ví dụ A, C; thí sinh phải chọn đủ và đúng các phương án "
    "này mới được tính điểm.",
    "Giải thích: không bắt buộc, tối đa 4.000 ký tự.",
    "Các dòng trống được bỏ qua. Câu hỏi trùng với câu đã có (cùng nội dung và cùng các "
    "phương án) được bỏ qua và liệt kê trong báo cáo. Nếu có dòng lỗi, không câu nào được "
    "nhập: hãy sửa theo báo cáo lỗi (số dòng, tên cột) rồi nhập lại.",
    "Ví dụ (không nhập từ trang này):",
]

_EXAMPLES = [
    [
        "Thành lập Đảng và Chủ tịch Hồ Chí Minh",
        "Dễ",
        "Ngày nào hằng năm được lấy làm Ngày thành lập Đảng Cộng sản Việt Nam?",
        "Ngày 19/5",
        "Ngày 3/2",
        "Ngày 2/9",
        "Ngày 6/1",
        "B",
        "Đại hội III (9/1960) quyết nghị lấy ngày 3/2 dương lịch hằng năm làm ngày kỷ niệm "
        "thành lập Đảng.",
    ],
    [
        "Thành lập Đảng và Chủ tịch Hồ Chí Minh",
        "Trung bình",
        "Hội nghị hợp nhất thành lập Đảng Cộng sản Việt Nam đầu năm 1930 đã thông qua những "
        "văn kiện nào? (câu có nhiều đáp án đúng)",
        "Chánh cương vắn tắt",
        "Sách lược vắn tắt",
        "Luận cương chính trị của Đảng Cộng sản Đông Dương",
        "Chương trình tóm tắt của Đảng",
        "A, B, D",
        "Các văn kiện vắn tắt do Nguyễn Ái Quốc soạn thảo, được Hội nghị hợp nhất thông qua, "
        "hợp thành Cương lĩnh chính trị đầu tiên của Đảng.",
    ],
]


def template_bytes() -> bytes:
    """Return the blank bank template ``.xlsx``: sheet «Câu hỏi» (header only, drop-downs for
    Mức độ and Đáp án đúng) and sheet «Hướng dẫn» (rules and examples, never imported).
    """
    header = TEMPLATE_HEADER
    sheets = [
        Sheet(
            title="Câu hỏi",
            header=header,
            widths=_widths(header),
            customise=_add_validations(header),
        ),
        Sheet(
            title="Hướng dẫn",
            title_rows=_GUIDE,
            header=header,
            rows=_EXAMPLES,
            widths=_widths(header),
            freeze_header=False,
            wrap=True,
        ),
    ]
    return workbook_bytes(build_workbook(sheets))


def _export_row(question: QuestionLike, n_options: int) -> list[Any]:
    level = parse_difficulty(question.difficulty)
    if level is None:
        raise ValueError(f"unknown difficulty {question.difficulty!r}")
    options = list(question.options)
    if len(options) > MAX_OPTIONS:
        raise ValueError("a question has at most six options")
    options += [""] * (n_options - len(options))
    letters = ", ".join(LETTERS[i] for i in sorted(question.correct))
    return [
        question.topic,
        DIFFICULTY_LABELS[level],
        question.text,
        *options,
        letters,
        question.explanation or "",
    ]


def export_bank(questions: Iterable[QuestionLike]) -> bytes:
    """Write questions in the import template; returns ``.xlsx`` bytes.

    Columns are the template's, plus «Phương án E»/«Phương án F» only when some question
    needs them. ``parse_bank`` of the result gives back the same topic, difficulty, text,
    options, correct letters and explanation (for text already normalised as the parser
    leaves it).

    Formula injection (E1): text starting with ``=``, ``+``, ``-``, ``@`` … is written as a
    *string cell* (``t="inlineStr"``), which Excel never evaluates, instead of the
    apostrophe prefix used by other exports: the prefix would become part of the text on
    re-import, and the export must re-import losslessly.

    Raises ``ValueError`` for a question with an unknown difficulty or more than six options.
    """
    items = list(questions)
    n_options = max([4, *(len(q.options) for q in items)])
    header = [
        TOPIC,
        DIFFICULTY,
        QUESTION,
        *(option_label(i) for i in range(n_options)),
        ANSWER,
        EXPLANATION,
    ]
    sheet = Sheet(
        title="Câu hỏi",
        header=header,
        rows=(_export_row(q, n_options) for q in items),
        widths=_widths(header),
        literal_strings=True,
        customise=_add_validations(header),
    )
    return workbook_bytes(build_workbook([sheet]))
