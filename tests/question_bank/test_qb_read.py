"""Reading a bank: headers, cell types, row numbers, duplicates, formulas (F7)."""

import datetime as dt
import io
import unicodedata

import pytest
import xlsxwriter

from question_bank import (
    Column,
    HeaderError,
    ParsedQuestion,
    RowError,
    UnreadableFile,
    dedup_key,
    parse_answer,
    parse_bank,
    parse_difficulty,
    read_table,
)

from .qb_helpers import HEADER, make_xlsx, question_row, replace_cell

ENGLISH = [
    "Explanation",
    "Answer",
    "Option D",
    "Option C",
    "Option B",
    "Option A",
    "Question",
    "Difficulty",
    "Topic",
]


def only_question(data, **kwargs) -> ParsedQuestion:
    result = parse_bank(data, **kwargs)
    assert result.errors == []
    assert len(result.questions) == 1
    return result.questions[0]


def test_row_error_str_is_the_cli_contract():
    assert str(RowError(7, "Đáp án đúng", "Thiếu đáp án đúng.")) == (
        "row 7, column Đáp án đúng: Thiếu đáp án đúng."
    )


def test_valid_row():
    q = only_question(make_xlsx([question_row(explanation="Năm 1930.")]))
    assert (q.row, q.topic, q.difficulty, q.text) == (
        2,
        "Lịch sử Đảng",
        "easy",
        "Đảng Cộng sản Việt Nam ra đời năm nào?",
    )
    assert q.options == ["1925", "1930", "1945", "1954"]
    assert q.correct == [1]
    assert q.explanation == "Năm 1930."
    assert q.key == dedup_key(q.text, q.options)
    assert not q.multiple and q.answer_letters == "B"


def test_english_headers_in_shuffled_order():
    row = list(reversed(question_row(difficulty="hard", explanation="Vì vậy.")))
    q = only_question(make_xlsx([row], ENGLISH))
    assert (q.topic, q.difficulty, q.correct, q.explanation) == (
        "Lịch sử Đảng",
        "hard",
        [1],
        "Vì vậy.",
    )


def test_headers_ignore_case_diacritics_spacing_and_form():
    header = [unicodedata.normalize("NFD", h) for h in HEADER]
    header[0] = "  CHU DE "
    header[3] = "phuong an a"
    header[4] = "PHUONGANB"
    header[7] = "Đáp   án  ĐÚNG *"
    q = only_question(make_xlsx([question_row()], header))
    assert q.options[:2] == ["1925", "1930"]


def test_unknown_columns_ignored_and_optional_columns_may_be_missing():
    header = ["Ghi chú", "Chủ đề", "Câu hỏi", "Phương án A", "Phương án B", "Đáp án đúng"]
    q = only_question(make_xlsx([["bỏ qua", "Sử", "Đúng hay sai?", "Đúng", "Sai", "a"]], header))
    assert (q.difficulty, q.options, q.correct, q.explanation) == (
        "medium",
        ["Đúng", "Sai"],
        [0],
        "",
    )


def test_nfd_text_comes_out_nfc_and_whitespace_collapsed():
    text = unicodedata.normalize("NFD", "Đại hội  lần thứ\nVI  diễn ra năm nào?")
    q = only_question(make_xlsx([question_row(text=f"  {text}\u00a0", topic="  Đổi   mới ")]))
    assert q.text == "Đại hội lần thứ VI diễn ra năm nào?"
    assert unicodedata.is_normalized("NFC", q.text)
    assert q.topic == "Đổi mới"


def test_numbers_and_dates_are_text():
    row = question_row(
        text=1930,
        options=(1930.0, 3.5, dt.datetime(1930, 2, 3), "0123"),
        answer="d",
        difficulty=2,
    )
    q = only_question(make_xlsx([row]))
    assert q.text == "1930"
    assert q.options == ["1930", "3.5", "03/02/1930", "0123"]
    assert (q.correct, q.difficulty) == ([3], "medium")


def test_blank_rows_skipped_with_true_row_numbers():
    rows = [
        question_row(text="Câu 1?"),
        [None] * 9,
        ["", "  ", None],
        question_row(text="Câu 2?"),
        [None] * 9,
        question_row(text=None),
    ]
    result = parse_bank(make_xlsx(rows))
    assert [q.row for q in result.questions] == [2, 5]
    assert [e.row for e in result.errors] == [7]
    assert result.rows_read == 3


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("A, C", [0, 2]),
        ("A,C", [0, 2]),
        ("AC", [0, 2]),
        ("a; c", [0, 2]),
        ("C A", [0, 2]),
        ("A và C", [0, 2]),
        ("b", [1]),
        ("A, A", [0]),
        ("A/B/C/D", [0, 1, 2, 3]),
    ],
)
def test_several_correct_letters(answer, expected):
    q = only_question(make_xlsx([question_row(answer=answer)]))
    assert q.correct == expected
    assert q.multiple == (len(expected) > 1)


def test_parse_answer_reports_unknown_tokens():
    assert parse_answer("A, G, 1") == ([0], ["G", "1"])
    assert parse_answer(None) == ([], [])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Dễ", "easy"),
        ("de", "easy"),
        ("DỄ", "easy"),
        (1, "easy"),
        ("easy", "easy"),
        ("Trung bình", "medium"),
        ("trung  BINH", "medium"),
        ("2", "medium"),
        ("", "medium"),
        (None, "medium"),
        ("Khó", "hard"),
        ("3", "hard"),
        ("HARD", "hard"),
        ("Rất khó", None),
        ("4", None),
    ],
)
def test_parse_difficulty(value, expected):
    assert parse_difficulty(value) == expected


def test_options_e_and_f():
    header = [*HEADER[:7], "Phương án E", "Phương án F", *HEADER[7:]]
    row = [
        "Sử",
        "Khó",
        "Chọn các năm Đại hội?",
        "1935",
        "1951",
        "1960",
        "1976",
        "1982",
        "1986",
        "A, C, F",
        "",
    ]
    q = only_question(make_xlsx([row], header))
    assert q.options == ["1935", "1951", "1960", "1976", "1982", "1986"]
    assert q.correct == [0, 2, 5]


def test_duplicates_in_file_and_against_existing_keys():
    existing = dedup_key("Thủ đô của Việt Nam?", ["Huế", "Hà Nội"])
    rows = [
        question_row(),
        question_row(text="Thủ đô của Việt Nam?", options=("Hà Nội", "Huế"), answer="A"),
        # same question, different case, spacing and option order: a duplicate of row 2
        question_row(
            text="đảng cộng sản việt nam  RA ĐỜI năm nào?",
            options=("1954", "1945", "1930", "1925"),
            answer="C",
        ),
        # differs only by diacritics: not a duplicate
        question_row(text="Đảng Cộng sản Việt Nam ra đời năm nao?"),
    ]
    result = parse_bank(make_xlsx(rows), existing_keys={existing})
    assert result.errors == []
    assert [q.row for q in result.questions] == [2, 5]
    assert [(d.row, d.reason) for d in result.duplicates] == [
        (3, "đã có trong ngân hàng"),
        (4, "trùng trong tệp (dòng 2)"),
    ]
    assert result.rows_read == 4


def test_formula_cells_give_cached_values():
    data = make_xlsx([question_row(text="__TEXT__", answer="__ANSWER__", options=("__A__", "x"))])
    data = replace_cell(
        data,
        "__TEXT__",
        lambda ref: (
            f'<c r="{ref}" t="str"><f>CONCATENATE("Năm ","thành lập Đảng?")</f>'
            "<v>Năm thành lập Đảng?</v></c>"
        ),
    )
    data = replace_cell(data, "__A__", lambda ref: f'<c r="{ref}"><f>1900+30</f><v>1930</v></c>')
    data = replace_cell(
        data, "__ANSWER__", lambda ref: f'<c r="{ref}" t="str"><f>CHAR(65)</f><v>A</v></c>'
    )
    q = only_question(data)
    assert (q.text, q.options, q.correct) == ("Năm thành lập Đảng?", ["1930", "x"], [0])


def test_formula_without_cached_value_reads_as_empty():
    data = make_xlsx([question_row(answer="__ANSWER__")])
    data = replace_cell(data, "__ANSWER__", lambda ref: f'<c r="{ref}"><f>CHAR(65)</f></c>')
    result = parse_bank(data)
    assert [(e.row, e.column) for e in result.errors] == [(2, "Đáp án đúng")]
    assert result.errors[0].message.startswith("Thiếu đáp án đúng.")


def excel_like(rows, header=HEADER) -> bytes:
    """A workbook as Excel writes it: shared strings, real date formats, rich text."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Câu hỏi")
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, date_format)
            elif isinstance(value, tuple):
                sheet.write_rich_string(r, c, *[bold if part == "<b>" else part for part in value])
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return out.getvalue()


def test_excel_style_shared_strings_dates_and_rich_text():
    rows = [
        question_row(
            text=("Ngày ", "<b>", "thành lập", " Đảng?"),
            options=(dt.datetime(1930, 2, 3), "3/2/1930\r\nsai", "_x0041_ nguyên văn", 42),
            answer="A",
        ),
        question_row(text="Câu thứ hai?", options=("Có", "Không")),
        question_row(text="Câu thứ hai?", options=("Có", "Không")),
    ]
    result = parse_bank(excel_like(rows))
    assert result.errors == []
    first = result.questions[0]
    assert first.text == "Ngày thành lập Đảng?"
    assert first.options == ["03/02/1930", "3/2/1930 sai", "_x0041_ nguyên văn", "42"]
    assert [d.row for d in result.duplicates] == [4]


def test_read_table_generic_columns():
    columns = [
        Column("name", "Họ và tên", ("Full name",)),
        Column("phone", "Số điện thoại", ("Phone",), required=False),
        Column("email", "Email"),
    ]
    data = make_xlsx(
        [
            ["Nguyễn Văn A", "0912345678", "a@example.vn"],
            [None, None, None],
            ["Trần Thị B", None, ""],
        ],
        header=["HỌ VÀ TÊN", "So dien thoai", "E-mail"],
    )
    table = read_table(data, columns)
    assert table.present == {"name", "phone", "email"}
    assert table.rows == [
        (2, {"name": "Nguyễn Văn A", "phone": "0912345678", "email": "a@example.vn"}),
        (4, {"name": "Trần Thị B", "phone": "", "email": ""}),
    ]
    with pytest.raises(HeaderError) as info:
        read_table(make_xlsx([], header=["Họ và tên"]), columns)
    assert [str(e) for e in info.value.errors] == [
        "row 1, column Email: Thiếu cột «Email» ở dòng tiêu đề (dòng 1). "
        "Vui lòng dùng tệp mẫu hoặc thêm cột này."
    ]


def test_read_table_accepts_a_binary_stream_and_reads_the_first_sheet():
    data = make_xlsx([question_row()], extra_sheets=["Khác"])
    assert len(parse_bank(io.BytesIO(data)).questions) == 1


def test_header_only_file_has_no_questions_and_no_errors():
    result = parse_bank(make_xlsx([]))
    assert (result.questions, result.errors, result.rows_read, result.ok) == ([], [], 0, True)


def test_max_rows_boundary():
    columns = [Column("name", "Họ và tên")]
    data = make_xlsx([["A"], [None], ["B"]], header=["Họ và tên"])
    assert [r for r, _ in read_table(data, columns, max_rows=2).rows] == [2, 4]
    with pytest.raises(UnreadableFile):
        read_table(data, columns, max_rows=1)
