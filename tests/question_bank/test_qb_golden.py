"""Each kind of row error, as the exact ``row R, column C: message`` lines the CLI prints.

Regenerate after a deliberate wording change with ``UPDATE_GOLDEN=1`` and review the diff.
"""

import os
from pathlib import Path

import pytest

from question_bank import parse_bank

from .qb_helpers import HEADER, make_xlsx, question_row

GOLDEN = Path(__file__).parent / "golden"
LONG = "x" * 2001

CASES = {
    "missing_columns": dict(
        header=["Chủ đề", "Câu hỏi", "Phương án A", "Giải thích"],
        rows=[["Lịch sử", "Câu?", "Có", ""]],
    ),
    "repeated_column": dict(
        header=[*HEADER, "Đáp án đúng"],
        rows=[question_row()],
    ),
    "empty_header": dict(header=None, rows=[[None], question_row()]),
    "empty_question": dict(rows=[question_row(text=None), question_row(text="   ")]),
    "empty_topic": dict(rows=[question_row(topic=None)]),
    "too_few_options": dict(
        rows=[
            question_row(options=("Có",), answer="A"),
            question_row(options=(None, None, None, "Chỉ D"), answer="D"),
        ]
    ),
    "option_gap": dict(
        rows=[
            question_row(options=("A1", None, "C1"), answer="A"),
            question_row(options=(None, "B1", "C1", "D1"), answer="B"),
        ]
    ),
    "empty_answer": dict(rows=[question_row(answer=None)]),
    "bad_answer": dict(
        rows=[
            question_row(answer="G"),
            question_row(answer=1),
            question_row(answer="A, Z"),
            question_row(answer="Phương án B"),
        ]
    ),
    "answer_names_empty_option": dict(
        rows=[
            question_row(options=("Có", "Không"), answer="C"),
            question_row(options=("1", "2", "3"), answer="A, D, F"),
        ]
    ),
    "bad_difficulty": dict(rows=[question_row(difficulty="Rất khó"), question_row(difficulty=4)]),
    "too_long": dict(
        rows=[
            question_row(
                topic="c" * 201,
                text=LONG,
                options=("o" * 501, "ngắn"),
                answer="B",
                explanation="g" * 4001,
            )
        ]
    ),
    "duplicate_options": dict(
        rows=[
            question_row(options=("Hà Nội", "Huế", "hà  nội", "HUẾ"), answer="A"),
            question_row(options=("bàn", "bán", "bạn", "Bàn"), answer="B"),
        ]
    ),
    "many_errors": dict(
        rows=[
            question_row(),
            [None] * 9,
            question_row(topic=None, difficulty="??", text=None, options=(), answer="Q"),
            question_row(text="Câu hợp lệ thứ hai?"),
            question_row(options=("A", "B", None, "D"), answer="C"),
        ]
    ),
}


def error_lines(case) -> str:
    data = make_xlsx(case["rows"], case.get("header", HEADER))
    result = parse_bank(data)
    assert not result.questions or result.errors
    return "".join(f"{error}\n" for error in result.errors)


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_errors(name):
    path = GOLDEN / f"{name}.txt"
    actual = error_lines(CASES[name])
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual, "every golden case has at least one error"
    assert actual == path.read_text(encoding="utf-8")


def test_every_golden_file_has_a_case():
    assert {p.stem for p in GOLDEN.glob("*.txt")} == set(CASES)
