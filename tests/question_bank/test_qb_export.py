"""Template and export: layout, formula safety (E1) and lossless export → import."""

import io
import string

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from question_bank import (
    ParsedQuestion,
    Sheet,
    export_bank,
    normalise_text,
    parse_bank,
    read_table,
    template_bytes,
    write_workbook,
)
from question_bank.bank import COLUMNS

from .qb_helpers import HEADER


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def assert_no_formulas(book: openpyxl.Workbook) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_template_layout():
    book = load(template_bytes())
    assert book.sheetnames == ["Câu hỏi", "Hướng dẫn"]
    sheet = book["Câu hỏi"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.max_row == 1, "the first sheet must hold no example row"
    assert sheet.freeze_panes == "A2"
    assert all(c.font.bold for c in sheet[1])
    assert sheet.column_dimensions["C"].width >= 40
    validations = {dv.formula1: dv for dv in sheet.data_validations.dataValidation}
    assert str(validations['"Dễ,Trung bình,Khó"'].sqref).startswith("B2:")
    answers = validations['"A,B,C,D,E,F"']
    assert str(answers.sqref).startswith("H2:")
    assert answers.errorStyle == "warning"  # "A, C" must stay possible
    assert_no_formulas(book)


def test_template_imports_as_empty_and_guide_examples_are_valid():
    assert parse_bank(template_bytes()).rows_read == 0
    guide = load(template_bytes())["Hướng dẫn"]
    rows = list(guide.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if list(row[:9]) == HEADER)
    examples = [row[:9] for row in rows[start + 1 :] if any(row)]
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in examples:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    result = parse_bank(out.getvalue())
    assert result.errors == [] and len(result.questions) == 2
    assert result.questions[1].correct == [0, 1, 3]


def test_export_formula_like_text_is_a_string_cell_and_round_trips():
    question = ParsedQuestion(
        row=0,
        topic="@Chủ đề",
        difficulty="hard",
        text='=HYPERLINK("http://x")',
        options=["+84", "-1", "=1+1", "0123"],
        correct=[2, 3],
        explanation="\tGiải thích",
    )
    data = export_bank([question])
    book = load(data)
    sheet = book.active
    assert sheet["C2"].value == '=HYPERLINK("http://x")'
    assert sheet["C2"].data_type != "f"
    assert_no_formulas(book)
    back = parse_bank(data).questions[0]
    assert (back.topic, back.difficulty, back.text, back.options, back.correct) == (
        "@Chủ đề",
        "hard",
        '=HYPERLINK("http://x")',
        ["+84", "-1", "=1+1", "0123"],
        [2, 3],
    )
    assert back.explanation == "Giải thích"  # normalised: the leading tab is whitespace


def test_export_adds_e_and_f_only_when_needed():
    four = ParsedQuestion(0, "T", "easy", "Bốn?", ["a", "b", "c", "d"], [0])
    assert [c.value for c in load(export_bank([four])).active[1]] == HEADER
    six = ParsedQuestion(0, "T", "medium", "Sáu?", list("uvwxyz"), [4, 5])
    header = [c.value for c in load(export_bank([four, six])).active[1]]
    assert header == [*HEADER[:7], "Phương án E", "Phương án F", *HEADER[7:]]
    assert [q.correct for q in parse_bank(export_bank([four, six])).questions] == [[0], [4, 5]]


def test_generic_writer_neutralises_with_apostrophe():
    data = write_workbook(
        [
            Sheet(
                title="Kết quả",
                title_rows=["=Danh sách đoạt giải"],
                header=["Họ và tên", "Điểm"],
                rows=[["=cmd|' /C calc'!A0", 18], ["-2+3", -2]],
                widths=[30, 10],
            ),
        ]
    )
    book = load(data)
    assert_no_formulas(book)
    sheet = book.active
    assert sheet["A1"].value == "'=Danh sách đoạt giải"
    assert sheet["A3"].value == "'=cmd|' /C calc'!A0"
    assert sheet["B3"].value == 18 and sheet["B4"].value == -2  # numbers stay numbers
    assert sheet["A4"].value == "'-2+3"
    assert sheet.freeze_panes == "A3"
    assert sheet["A2"].font.bold


def test_write_workbook_drops_xml_illegal_characters():
    data = write_workbook([Sheet(title="S", header=["x"], rows=[["a\x01b\x00"]])])
    assert load(data).active["A2"].value == "ab"


# --- export → parse is lossless ---------------------------------------------------------------

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
)
ALPHABET = VIETNAMESE + VIETNAMESE.upper() + string.digits + " .,;:?!()/'\"%&<>=+-@#*"

words = st.text(alphabet=ALPHABET, min_size=1, max_size=25).map(normalise_text).filter(bool)
special = st.sampled_from(
    [
        "0123",
        "1930",
        "3.5",
        "1e5",
        "TRUE",
        "=SUM(A1:A2)",
        "+84 912",
        "-5",
        "@mention",
        "=",
        "#N/A",
        "'trích dẫn'",
        "_x0041_",
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


banks = st.lists(questions(), min_size=0, max_size=8, unique_by=lambda q: q.key)


@settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(banks)
def test_export_then_parse_is_lossless(bank):
    data = export_bank(bank)
    assert_no_formulas(load(data))
    result = parse_bank(data)
    assert result.errors == [] and result.duplicates == []
    fields = ("topic", "difficulty", "text", "options", "correct", "explanation", "key")
    assert [tuple(getattr(q, f) for f in fields) for q in result.questions] == [
        tuple(getattr(q, f) for f in fields) for q in bank
    ]


def test_read_table_of_export_sees_every_template_column():
    q = ParsedQuestion(0, "T", "easy", "Câu?", ["a", "b"], [0])
    table = read_table(export_bank([q]), COLUMNS)
    assert {
        "topic",
        "difficulty",
        "text",
        "option_a",
        "option_d",
        "answer",
        "explanation",
    } <= table.present
