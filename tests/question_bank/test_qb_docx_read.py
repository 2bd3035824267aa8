"""Reading Word banks: the forms organisers write, from real .docx files made by python-docx."""

import unicodedata
from pathlib import Path

import pytest

from question_bank import parse_bank_file, parse_docx_bank
from question_bank.docx_reader import DEFAULT_TOPIC

from .docx_helpers import make_docx, numbered_docx, question


def read(paragraphs):
    result = parse_docx_bank(make_docx(paragraphs))
    assert result.errors == [], [str(e) for e in result.errors]
    return result.questions


def test_the_usual_form_with_every_line():
    [q] = read(
        [
            "NGÂN HÀNG CÂU HỎI CUỘC THI TÌM HIỂU LỊCH SỬ ĐẢNG",  # a title: ignored
            "Câu 1: Đảng Cộng sản Việt Nam ra đời năm nào?",
            "A. 1925",
            "B. 1930",
            "C. 1945",
            "D. 1954",
            "Đáp án: B",
            "Chủ đề: Lịch sử Đảng",
            "Mức độ: Dễ",
            "Giải thích: Hội nghị hợp nhất họp đầu năm 1930",
            "tại Cửu Long (Hương Cảng).",
        ]
    )
    assert (q.row, q.topic, q.difficulty, q.text) == (
        1,
        "Lịch sử Đảng",
        "easy",
        "Đảng Cộng sản Việt Nam ra đời năm nào?",
    )
    assert q.options == ["1925", "1930", "1945", "1954"] and q.correct == [1]
    assert q.explanation == "Hội nghị hợp nhất họp đầu năm 1930 tại Cửu Long (Hương Cảng)."


@pytest.mark.parametrize(
    "start, options",
    [
        ("Câu 1.", ["A. Có", "B. Không"]),
        ("Câu hỏi 1:", ["A) Có", "B) Không"]),
        ("CÂU 1:", ["a. Có", "b. Không"]),
        ("Cau 1 -", ["a) Có", "b) Không"]),
        ("Câu 1:", ["A.Có", "B.Không"]),
    ],
)
def test_question_and_option_variants(start, options):
    [q] = read([f"{start} Trả lời có hay không?", *options, "Đáp án: a"])
    assert (q.text, q.options, q.correct) == ("Trả lời có hay không?", ["Có", "Không"], [0])


def test_bold_underlined_and_starred_keys():
    questions = read(
        [
            "Câu 1: In đậm?",
            "A. Một",
            [("B. Hai", "b")],
            "C. Ba",
            "Câu 2: Gạch chân?",
            "A. Một",
            "B. Hai",
            ["C. ", ("Ba", "u")],
            "Câu 3: Chỉ in đậm chữ cái?",
            [("A.", "b"), " Một"],
            "B. Hai",
            "Câu 4: Dấu sao trước chữ cái?",
            "A. Một",
            "*B. Hai",
            "Câu 5: Dấu sao cuối phương án?",
            "A. Một *",
            "B. Hai",
            "Câu 6: Dấu sao sau chữ cái?",
            "A. Một",
            "B*. Hai",
            "C. Ba (*)",
        ]
    )
    assert [q.correct for q in questions] == [[1], [2], [0], [1], [0], [1, 2]]
    assert questions[4].options == ["Một", "Hai"]
    assert questions[5].options == ["Một", "Hai", "Ba"]


def test_several_correct_options():
    by_line, by_bold = read(
        [
            *question(1, "Văn kiện nào?", options=("X", "Y", "Z", "T"), answer="A, C"),
            "Câu 2: Văn kiện nào nữa?",
            [("A. X", "b")],
            "B. Y",
            [("C. Z", "b")],
            "D. T",
        ]
    )
    assert by_line.correct == [0, 2] and by_bold.correct == [0, 2]
    assert by_line.multiple


def test_answer_line_agrees_with_bold_and_mentions_the_text():
    [q] = read(["Câu 1: Năm?", "A. 1930", [("B. 1945", "b")], "Đáp án: B. 1945"])
    assert q.correct == [1]


def test_all_options_bold_marks_nothing_so_the_line_decides():
    [q] = read(["Câu 1: Năm?", [("A. 1930", "b")], [("B. 1945", "b")], "Đáp án: A"])
    assert q.correct == [0]


def test_topic_holds_until_the_next_and_headings_start_groups():
    questions = read(
        [
            "Mức độ: Khó",  # before any question: the default level
            ("heading", "Chủ đề: Đại hội Đảng"),
            *question(1, "Câu một?"),
            *question(2, "Câu hai?"),
            "Mức độ: Dễ",
            ("heading", "Chủ đề: Đảng bộ tỉnh"),
            *question(3, "Câu ba?"),
            ("heading", "Phần II. Câu hỏi khác"),  # another heading ends a question
            *question(4, "Câu bốn?"),
            "Chủ đề: Riêng câu bốn",
        ]
    )
    assert [(q.topic, q.difficulty) for q in questions] == [
        ("Đại hội Đảng", "hard"),
        ("Đại hội Đảng", "easy"),
        ("Đảng bộ tỉnh", "hard"),
        ("Riêng câu bốn", "hard"),
    ]


def test_no_topic_anywhere_gives_the_default_topic_and_medium():
    [q] = read(question())
    assert (q.topic, q.difficulty) == (DEFAULT_TOPIC, "medium")


@pytest.mark.parametrize(
    "word, level",
    [("Nhận biết", "easy"), ("Thông hiểu", "medium"), ("Vận dụng", "hard"), ("3", "hard")],
)
def test_levels_of_vietnamese_exams(word, level):
    [q] = read([*question(), f"Mức độ: {word}"])
    assert q.difficulty == level


def test_options_on_one_line_separated_by_tabs_or_spaces():
    first, second = read(
        [
            "Câu 1: Năm nào?",
            "A. 1925\tB. 1930\tC. 1945\tD. 1954",
            "Đáp án: C",
            "Câu 2: Ai?",
            ["A. Trần Phú    ", ("B. Lê Duẩn", "b")],
        ]
    )
    assert first.options == ["1925", "1930", "1945", "1954"] and first.correct == [2]
    assert second.options == ["Trần Phú", "Lê Duẩn"] and second.correct == [1]


def test_options_in_a_table():
    [q] = read(
        [
            "Câu 1: Năm nào?",
            ("table", [["A. 1925", "B. 1930"], ["C. 1945", [("D. 1954", "b")]]]),
        ]
    )
    assert q.options == ["1925", "1930", "1945", "1954"] and q.correct == [3]


def test_lowercase_items_are_question_text_when_options_are_capitals():
    [q] = read(
        [
            "Câu 1: Cho các nhận định sau:",
            "a) Đảng ra đời năm 1930.",
            "b) Đại hội I họp năm 1935.",
            "Nhận định nào đúng?",
            "A. Chỉ a",
            "B. Chỉ b",
            "C. Cả a và b",
            "Đáp án: C",
        ]
    )
    assert q.text == (
        "Cho các nhận định sau: a) Đảng ra đời năm 1930. b) Đại hội I họp năm 1935. "
        "Nhận định nào đúng?"
    )
    assert q.options == ["Chỉ a", "Chỉ b", "Cả a và b"]


def test_line_breaks_inside_one_paragraph_and_an_end_mark():
    [q] = read(["Câu 1: Năm nào?\nA. 1925\nB. 1930\nĐáp án: B", "", "----- HẾT -----"])
    assert q.options == ["1925", "1930"] and q.correct == [1]


def test_decomposed_unicode_is_read_as_composed():
    nfd = unicodedata.normalize("NFD", "Câu 1: Chủ tịch Hồ Chí Minh sinh năm nào?")
    [q] = read([nfd, "A. 1890", "B. 1900", unicodedata.normalize("NFD", "Đáp án: A")])
    assert q.text == "Chủ tịch Hồ Chí Minh sinh năm nào?"


def test_word_auto_numbered_questions_and_options():
    data = numbered_docx(
        [
            ("question", "Đảng ra đời năm nào?"),
            ("option", "1925"),
            ("option", "1930"),
            (None, "Đáp án: B"),
            ("question", "Đại hội I họp ở đâu?"),
            ("option", "Ma Cao"),
            ("option", "Hà Nội"),
            (None, "Đáp án: A"),
        ]
    )
    result = parse_docx_bank(data)
    assert result.errors == []
    assert [(q.row, q.text, q.options, q.correct) for q in result.questions] == [
        (1, "Đảng ra đời năm nào?", ["1925", "1930"], [1]),
        (2, "Đại hội I họp ở đâu?", ["Ma Cao", "Hà Nội"], [0]),
    ]


def test_parse_bank_file_tells_word_from_excel_by_content():
    data = make_docx(question())
    kind, result = parse_bank_file(data, filename="ngan-hang.xlsx")
    assert kind == "docx" and len(result.questions) == 1


def test_a_bank_saved_by_libreoffice_writer():
    # fixtures/libreoffice_bank.html converted by LibreOffice 7.4 (the command is in it):
    # headings, bold and underlined keys, Writer's own list numbering (A., B. …), a table,
    # "*B.", lowercase options, a line break in the explanation and an end mark.
    data = (Path(__file__).parent / "fixtures" / "libreoffice_bank.docx").read_bytes()
    result = parse_docx_bank(data)
    assert result.errors == [] and result.duplicates == []
    assert [(q.row, q.topic, q.difficulty, q.options, q.correct) for q in result.questions] == [
        (1, "Lịch sử Đảng", "easy", ["1925", "1930", "1945", "1954"], [1]),
        (2, "Lịch sử Đảng", "medium", ["Ma Cao", "Hà Nội", "Tuyên Quang"], [0]),
        (3, "Lịch sử Đảng", "medium", ["2016", "2021", "2026", "2011"], [1]),
        (
            4,
            "Văn kiện",
            "hard",
            [
                "Chánh cương vắn tắt",
                "Sách lược vắn tắt",
                "Luận cương chính trị",
                "Chương trình tóm tắt",
            ],
            [0, 1, 3],
        ),
    ]
    assert result.questions[3].explanation == (
        "Các văn kiện vắn tắt do Nguyễn Ái Quốc soạn thảo hợp thành Cương lĩnh chính trị "
        "đầu tiên của Đảng."
    )
