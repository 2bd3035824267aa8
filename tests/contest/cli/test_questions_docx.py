"""``flask questions import FILE.docx`` and ``export --format docx`` (product.md §5)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from contest.models import Question
from question_bank import parse_bank, parse_docx_bank
from tests.bank_files import make_xlsx
from tests.question_bank.docx_helpers import make_docx, question
from tests.question_bank.qb_helpers import add_entry

BANK = [
    ("heading", "Chủ đề: Lịch sử Đảng"),
    *question(1, "Đại hội I của Đảng họp năm nào?", options=("1930", "1935", "1945")),
    "Mức độ: Dễ",
    "Câu 2: Đại hội II của Đảng họp ở đâu?",
    [("A. Tuyên Quang", "b")],
    "B. Hà Nội",
    "Câu 3: Đại hội XIII họp năm nào?",
    "A. 2016",
    "B. 2021",
    "*C. 2026",
    "Giải thích: Có hai cách đánh dấu để thử.",
]


def write(path, paragraphs):
    path.write_bytes(make_docx(paragraphs))
    return str(path)


def question_count(db):
    return db.session.scalar(select(func.count(Question.id)))


def test_import_a_word_bank(runner, db, tmp_path):
    path = write(
        tmp_path / "bank.docx",
        [*BANK, *question(4, "Đại hội I của Đảng họp năm nào?", options=("1930", "1935", "1945"))],
    )
    result = runner.invoke(args=["questions", "import", path, "--bank", "Word"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported 3, duplicates 1, errors 0\n"
    assert question_count(db) == 3
    again = runner.invoke(args=["questions", "import", path, "--bank", "Word", "--dry-run"])
    assert again.stdout == "imported 0, duplicates 4, errors 0\n"


def test_question_errors_exit_1_with_one_line_each(runner, db, tmp_path):
    path = write(
        tmp_path / "bad.docx",
        [
            *question(1),
            *question(12, "Không đáp án?", answer=None),
            "Câu 13: Một?",
            "A. Có",
            "Đáp án: A",
        ],
    )
    result = runner.invoke(args=["questions", "import", path, "--bank", "Word"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Câu 12: không tìm thấy đáp án đúng")
    assert re.fullmatch(r"Câu 13: câu hỏi cần ít nhất hai phương án\..*", lines[1])
    assert len(lines) == 2 and question_count(db) == 0


def test_refused_word_files_exit_2(runner, db, tmp_path):
    docm = tmp_path / "bank.docm"
    docm.write_bytes(add_entry(make_docx(question()), "word/vbaProject.bin", b"\0"))
    empty = write(tmp_path / "empty.docx", ["Không có câu hỏi"])
    for path, words in ((str(docm), "macro"), (empty, "Không tìm thấy câu hỏi nào")):
        result = runner.invoke(args=["questions", "import", path, "--bank", "Word"])
        assert result.exit_code == 2 and result.stdout == "" and words in result.stderr
    assert question_count(db) == 0


def test_export_docx_round_trips(runner, db, tmp_path):
    source = write(tmp_path / "bank.docx", BANK)
    runner.invoke(args=["questions", "import", source, "--bank", "Word"])
    target = tmp_path / "export.bin"
    result = runner.invoke(
        args=["questions", "export", "--bank", "Word", "--format", "docx", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"exported 3 questions to {target}\n"
    fields = ("topic", "difficulty", "text", "options", "correct", "explanation")
    original = parse_docx_bank(make_docx(BANK)).questions
    exported = parse_docx_bank(target.read_bytes()).questions
    assert [[getattr(q, f) for f in fields] for q in exported] == [
        [getattr(q, f) for f in fields] for q in original
    ]
    # The extension decides without --format; an .xlsx export holds the same questions.
    by_name = tmp_path / "export.docx"
    runner.invoke(args=["questions", "export", "--bank", "Word", str(by_name)])
    assert parse_docx_bank(by_name.read_bytes()).rows_read == 3
    xlsx = tmp_path / "export.xlsx"
    runner.invoke(args=["questions", "export", "--bank", "Word", str(xlsx)])
    assert [q.key for q in parse_bank(xlsx.read_bytes()).questions] == [q.key for q in exported]


def test_an_xlsx_import_is_unchanged(runner, db, tmp_path):
    path = tmp_path / "bank.xlsx"
    path.write_bytes(make_xlsx([["T", "Dễ", "Câu?", "a", "b", "", "", "A", ""]]))
    result = runner.invoke(args=["questions", "import", str(path), "--bank", "X"])
    assert result.stdout == "imported 1, duplicates 0, errors 0\n"
