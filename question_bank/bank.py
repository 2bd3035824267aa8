"""The question bank template: its columns, and parsing and validating an ``.xlsx`` bank.

Template (first sheet, header in row 1)::

    Chủ đề | Mức độ | Câu hỏi | Phương án A | Phương án B | Phương án C | Phương án D
    | Đáp án đúng | Giải thích

Options E and F are optional extra columns. English headers (``Topic, Difficulty, Question,
Option A…F, Answer, Explanation``) are accepted; headers match ignoring case, diacritics,
spacing and punctuation, in any order. The headers, the sheet names and the accepted words
(Dễ, Trung bình, Khó …) are the file's contract and never translated; the messages about a
row are (``i18n``). The template and exports are written by ``template``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from ._levels import DIFFICULTY_LABELS, Difficulty, parse_difficulty
from .i18n import _, lazy_gettext
from .pictures import IMAGE, IMAGE_ALT, Picture, Pictures, check_picture
from .text import normalise_text
from .xlsx import Column, HeaderError, RowError, read_table

__all__ = [
    "DIFFICULTY_LABELS",
    "BankParse",
    "Difficulty",
    "Duplicate",
    "ParsedQuestion",
    "QuestionLike",
    "dedup_key",
    "parse_answer",
    "parse_bank",
    "parse_difficulty",
    "too_long_message",
    "validate_rows",
]

LETTERS = "ABCDEF"
MAX_OPTIONS = len(LETTERS)
MAX_TOPIC = 200
MAX_TEXT = 2000
MAX_OPTION = 500
MAX_EXPLANATION = 4000
TEMPLATE_ROWS = 20000  # data validation covers this many rows


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


def dedup_key(text: str, options: Iterable[str], picture: str = "") -> str:
    """Return the de-duplication key of a question: a 64-character hex digest.

    Built from the question text and the *sorted* option texts, ignoring case and whitespace
    but not diacritics ("bàn" and "bán" differ) nor option order, and from the picture's
    identity when it has one (a question without a picture keeps its key). Never raises.
    """
    return _digest(_key_part(text), [_key_part(o) for o in options], picture)


def _digest(text_key: str, option_keys: list[str], picture: str = "") -> str:
    parts = [text_key, *sorted(option_keys)]
    if picture:
        parts.append("\x1epicture:" + picture)
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
    picture: Picture | None = None  # the question's picture (``pictures``), if any

    def __post_init__(self) -> None:
        if not self.key:
            self.key = dedup_key(self.text, self.options, self.picture_identity)

    @property
    def picture_identity(self) -> str:
        return self.picture.identity if self.picture else ""

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
    """A row skipped as a duplicate; ``reason`` is translated, e.g. ``trùng trong tệp (dòng 5)``."""

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
    Column("image", IMAGE, ("Image", "Hình", "Ảnh", "Tệp hình"), required=False),
    Column("image_alt", IMAGE_ALT, ("Image alt", "Alt", "Mô tả hình"), required=False),
]

TEMPLATE_HEADER = [
    TOPIC,
    DIFFICULTY,
    QUESTION,
    *(option_label(i) for i in range(4)),
    ANSWER,
    EXPLANATION,
]


# --- checking one row -----------------------------------------------------------------------

# The same messages serve the question editor (contest.services.questions).
_TOO_LONG = {
    "topic": lazy_gettext(
        "Chủ đề dài %(length)s ký tự, vượt quá giới hạn %(limit)s ký tự. Vui lòng rút gọn."
    ),
    "text": lazy_gettext(
        "Câu hỏi dài %(length)s ký tự, vượt quá giới hạn %(limit)s ký tự. Vui lòng rút gọn."
    ),
    "option": lazy_gettext(
        "Phương án %(letter)s dài %(length)s ký tự, vượt quá giới hạn %(limit)s ký tự. "
        "Vui lòng rút gọn."
    ),
    "explanation": lazy_gettext(
        "Giải thích dài %(length)s ký tự, vượt quá giới hạn %(limit)s ký tự. Vui lòng rút gọn."
    ),
}


def too_long_message(field: str, length: int | str, limit: int | str, letter: str = "") -> str:
    """The message for a text over its limit, translated. ``field`` is ``topic``, ``text``,
    ``option`` (with its ``letter``) or ``explanation``; numbers are shown as given."""
    return _TOO_LONG[field] % {"length": length, "limit": limit, "letter": letter}


def _too_long(field: str, text: str, limit: int, letter: str = "") -> str:
    return too_long_message(field, _number(len(text)), _number(limit), letter)


def _number(value: int) -> str:
    """Vietnamese thousands separator: 2000 gives "2.000"."""
    return f"{value:,}".replace(",", ".")


Report = Callable[[str, str], None]  # report(column label, message)


def _check_topic(topic: str, report: Report) -> None:
    if not topic:
        report(TOPIC, _("Thiếu chủ đề. Vui lòng ghi chủ đề của câu hỏi."))
    elif len(topic) > MAX_TOPIC:
        report(TOPIC, _too_long("topic", topic, MAX_TOPIC))


def _check_difficulty(value: str, report: Report) -> str | None:
    difficulty = parse_difficulty(value)
    if difficulty is None:
        report(
            DIFFICULTY,
            _(
                "Mức độ «%(value)s» không hợp lệ. Vui lòng ghi Dễ, Trung bình hoặc Khó "
                "(hoặc 1, 2, 3); để trống nghĩa là Trung bình.",
                value=value,
            ),
        )
    return difficulty


def _check_text(text: str, report: Report) -> None:
    if not text:
        report(QUESTION, _("Thiếu nội dung câu hỏi."))
    elif len(text) > MAX_TEXT:
        report(QUESTION, _too_long("text", text, MAX_TEXT))


def _check_filled(raw_options: list[str], report: Report) -> list[int]:
    """Indexes of the options with text: at least two, with no gap before the last one."""
    filled = [i for i, option in enumerate(raw_options) if option]
    if len(filled) < 2:
        first_empty = next(i for i, option in enumerate(raw_options) if not option)
        report(
            option_label(first_empty),
            _("Câu hỏi cần ít nhất hai phương án. Vui lòng điền Phương án A và Phương án B."),
        )
        return filled
    for i in range(filled[-1]):
        if not raw_options[i]:
            report(
                option_label(i),
                _(
                    "Phương án %(letter)s đang để trống trong khi Phương án %(last)s "
                    "có nội dung. Vui lòng điền các phương án liên tiếp từ A, không bỏ trống "
                    "ở giữa.",
                    letter=LETTERS[i],
                    last=LETTERS[filled[-1]],
                ),
            )
    return filled


def _check_options(raw_options: list[str], report: Report) -> tuple[list[int], dict[str, int]]:
    """The filled option indexes and their keys (casefolded text → first index)."""
    filled = _check_filled(raw_options, report)
    # Cells come normalised from read_table: casefold() is enough for _key_part here.
    seen: dict[str, int] = {}
    for i in filled:
        option = raw_options[i]
        if len(option) > MAX_OPTION:
            report(option_label(i), _too_long("option", option, MAX_OPTION, LETTERS[i]))
        same = seen.setdefault(option.casefold(), i)
        if same != i:
            report(
                option_label(i),
                _(
                    "Phương án %(letter)s trùng với Phương án %(other)s. "
                    "Các phương án của một câu hỏi phải khác nhau.",
                    letter=LETTERS[i],
                    other=LETTERS[same],
                ),
            )
    return filled, seen


def _check_answer(answer: str, raw_options: list[str], report: Report) -> list[int]:
    """The correct option indexes of an answer cell (reported when unusable)."""
    correct, bad = parse_answer(answer)
    if not answer:
        report(
            ANSWER,
            _(
                "Thiếu đáp án đúng. Vui lòng ghi chữ cái của phương án đúng, ví dụ: A "
                "(hoặc A, C nếu câu có nhiều đáp án đúng)."
            ),
        )
    elif bad or not correct:
        report(
            ANSWER,
            _(
                "Đáp án «%(answer)s» không hợp lệ. Đáp án đúng phải là chữ cái của một "
                "phương án có nội dung (A–F), ví dụ: A hoặc A, C.",
                answer=answer,
            ),
        )
    elif empty := [LETTERS[i] for i in correct if not raw_options[i]]:
        report(
            ANSWER,
            _(
                "Phương án %(letters)s đang để trống nên không thể là đáp án đúng. Đáp án "
                "đúng phải là chữ cái của một phương án có nội dung (A–F).",
                letters=", ".join(empty),
            ),
        )
    return correct


def _validate_row(
    row: int,
    cells: dict[str, str],
    error: type[RowError] = RowError,
    pictures: Pictures | None = None,
) -> tuple[ParsedQuestion | None, list[RowError]]:
    """The row's question, or ``None`` and every problem of the row."""
    errors: list[RowError] = []

    def report(column: str, message: str) -> None:
        errors.append(error(row, column, message))

    topic, text, explanation = cells["topic"], cells["text"], cells["explanation"]
    _check_topic(topic, report)
    difficulty = _check_difficulty(cells["difficulty"], report)
    _check_text(text, report)
    raw_options = [cells[key] for key in OPTION_KEYS]
    filled, seen = _check_options(raw_options, report)
    correct = _check_answer(cells["answer"], raw_options, report)
    if len(explanation) > MAX_EXPLANATION:
        report(EXPLANATION, _too_long("explanation", explanation, MAX_EXPLANATION))
    picture = check_picture(cells, pictures, report)
    if errors:
        return None, errors
    question = ParsedQuestion(
        row=row,
        topic=topic,
        difficulty=difficulty or Difficulty.MEDIUM.value,
        text=text,
        options=[raw_options[i] for i in filled],
        correct=correct,
        explanation=explanation,
        key=_digest(text.casefold(), list(seen), picture.identity if picture else ""),
        picture=picture,
    )
    return question, []


def parse_bank(
    data: bytes | bytearray | IO[bytes],
    *,
    existing_keys: Iterable[str] = frozenset(),
    pictures: Pictures | None = None,
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
    rows = ((row, cells, ()) for row, cells in table.rows)
    return validate_rows(rows, existing_keys, pictures=pictures)


def validate_rows(
    rows: Iterable[tuple[int, dict[str, str], Sequence[RowError]]],
    existing_keys: Iterable[str] = frozenset(),
    *,
    error: type[RowError] = RowError,
    in_file: Callable[[int], str] | None = None,
    pictures: Pictures | None = None,
) -> BankParse:
    """Check rows read from any bank file: ``(number, {column key: text}, problems the reader
    already found)``. The reader's problems come first and replace the checks' own about the
    same column. ``error`` builds each error; ``in_file(number)`` says why a repeat is
    skipped (default: ``trùng trong tệp (dòng N)``).
    """
    known = existing_keys if isinstance(existing_keys, set | frozenset) else set(existing_keys)
    result = BankParse()
    first_row: dict[str, int] = {}
    for row, cells, found in rows:
        result.rows_read += 1
        question, errors = _validate_row(row, cells, error, pictures)
        if found:
            taken = {e.column for e in found}
            errors = [*found, *(e for e in errors if e.column not in taken)]
            question = None
        if question is None:
            result.errors.extend(errors)
            continue
        if question.key in first_row:
            first = first_row[question.key]
            reason = in_file(first) if in_file else _("trùng trong tệp (dòng %(row)s)", row=first)
            result.duplicates.append(Duplicate(row, question.text, reason))
        elif question.key in known:
            result.duplicates.append(Duplicate(row, question.text, _("đã có trong ngân hàng")))
        else:
            first_row[question.key] = row
            result.questions.append(question)
    return result
