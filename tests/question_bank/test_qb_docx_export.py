"""Writing Word banks: the template, the layout, and export → parse is lossless (hypothesis)."""

import io
import string

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from question_bank import (
    ParsedQuestion,
    UnreadableFile,
    docx_template_bytes,
    export_bank,
    export_docx,
    normalise_text,
    parse_bank,
    parse_docx_bank,
)

FIELDS = ("topic", "difficulty", "text", "options", "correct", "explanation", "key")


def same(questions):
    return [tuple(getattr(q, f) for f in FIELDS) for q in questions]


def paragraphs(data):
    return [(p.style.name, p.text) for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_template_has_rules_and_two_examples_that_import():
    data = docx_template_bytes()
    shown = paragraphs(data)
    assert shown[0] == ("Title", "Ngân hàng câu hỏi (mẫu)")
    assert any(style == "List Bullet" and "Đáp án: A, C" in text for style, text in shown)
    result = parse_docx_bank(data)
    assert result.errors == [] and len(result.questions) == 2
    assert result.questions[1].correct == [0, 1, 3]


def test_export_layout():
    q = ParsedQuestion(0, "Lịch sử", "hard", "Năm nào?", ["1930", "1945"], [0, 1], "Vì.")
    assert paragraphs(export_docx([q], title="Ngân hàng A")) == [
        ("Title", "Ngân hàng A"),
        ("Heading 2", "Chủ đề: Lịch sử"),
        ("Normal", "Câu 1: Năm nào?"),
        ("Normal", "A. 1930"),
        ("Normal", "B. 1945"),
        ("Normal", "Đáp án: A, B"),
        ("Normal", "Mức độ: Khó"),
        ("Normal", "Giải thích: Vì."),
    ]


def test_export_refuses_what_it_cannot_write():
    with pytest.raises(ValueError):
        export_docx([ParsedQuestion(0, "T", "impossible", "?", ["a", "b"], [0])])


def test_an_empty_export_reads_as_no_questions():
    with pytest.raises(UnreadableFile):
        parse_docx_bank(export_docx([]))


VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
)
ALPHABET = VIETNAMESE + VIETNAMESE.upper() + string.digits + " \t\n.,;:?!()/'\"%&<>=+-@#*–"
words = st.text(alphabet=ALPHABET, min_size=1, max_size=25).map(normalise_text).filter(bool)
# Text that looks like the form itself, in every field.
special = st.sampled_from(
    [
        "Câu 2: tiếp",
        "A. một",
        "B) hai",
        "*",
        "x *",
        "(*)",
        "Đáp án: C",
        "Chủ đề: khác",
        "Mức độ: Khó",
        "Giải thích: sao",
        ": hai chấm",
        "- gạch",
        "HẾT",
        "---",
        "a. thường",
        "=SUM(A1)",
    ]
)
cell = st.one_of(words, special)


@st.composite
def questions(draw):
    options = draw(st.lists(cell, min_size=2, max_size=6, unique_by=lambda s: s.casefold()))
    correct = draw(st.lists(st.integers(0, len(options) - 1), min_size=1, unique=True))
    return ParsedQuestion(
        row=0,
        topic=draw(cell),
        difficulty=draw(st.sampled_from(["easy", "medium", "hard"])),
        text=draw(cell),
        options=options,
        correct=sorted(correct),
        explanation=draw(st.one_of(st.just(""), cell)),
    )


banks = st.lists(questions(), min_size=1, max_size=8, unique_by=lambda q: q.key)


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(banks, cell)
def test_export_then_parse_is_lossless(bank, title):
    result = parse_docx_bank(export_docx(bank, title=title))
    assert result.errors == [] and result.duplicates == []
    assert same(result.questions) == same(bank)
    assert [q.row for q in result.questions] == list(range(1, len(bank) + 1))


@settings(max_examples=20, deadline=None, database=None)
@given(banks)
def test_word_and_excel_exports_read_back_the_same(bank):
    assert same(parse_docx_bank(export_docx(bank)).questions) == same(
        parse_bank(export_bank(bank)).questions
    )
