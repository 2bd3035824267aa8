"""``flask questions import|export`` (product.md §5): output lines and exit codes."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from contest.models import Question, QuestionBank
from contest.services import banks
from question_bank import parse_bank
from tests.bank_files import HEADER, make_xlsx

GOOD = [
    [
        "Lịch sử Đảng",
        "Dễ",
        "Đại hội I của Đảng họp năm nào?",
        "1930",
        "1935",
        "1945",
        "1951",
        "B",
        "",
    ],
    [
        "Lịch sử Đảng",
        "Khó",
        "Đại hội II của Đảng họp ở đâu?",
        "Tuyên Quang",
        "Hà Nội",
        "Ma Cao",
        "Cao Bằng",
        "A",
        "",
    ],
    [
        "Văn kiện",
        "Trung bình",
        "Đại hội XIII họp năm nào?",
        "2016",
        "2021",
        "2026",
        "",
        "B, C",
        "Có hai đáp án để thử.",
    ],
]


def write_xlsx(path, rows, header=HEADER):
    path.write_bytes(make_xlsx(rows, header))
    return str(path)


def counts(db):
    return (
        db.session.scalar(select(func.count(QuestionBank.id))),
        db.session.scalar(select(func.count(Question.id))),
    )


def test_import_creates_the_bank_and_prints_the_summary(runner, db, tmp_path):
    path = write_xlsx(tmp_path / "bank.xlsx", [*GOOD, GOOD[0]])
    result = runner.invoke(args=["questions", "import", path, "--bank", "Ngân hàng CLI"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported 3, duplicates 1, errors 0\n"
    assert result.stderr == ""
    assert counts(db) == (1, 3)
    # Again: everything is already in the bank (named without diacritics this time).
    result = runner.invoke(args=["questions", "import", path, "--bank", "ngan hang cli"])
    assert result.exit_code == 0
    assert result.stdout == "imported 0, duplicates 4, errors 0\n"
    assert counts(db) == (1, 3)


def test_dry_run_saves_nothing(runner, db, tmp_path):
    path = write_xlsx(tmp_path / "bank.xlsx", GOOD)
    result = runner.invoke(args=["questions", "import", path, "--bank", "Thử", "--dry-run"])
    assert result.exit_code == 0
    assert result.stdout == "imported 3, duplicates 0, errors 0\n"
    assert counts(db) == (0, 0)


def test_row_errors_exit_1_and_import_nothing(runner, db, tmp_path):
    rows = [
        *GOOD,
        ["Văn kiện", "Dễ", "Thiếu đáp án?", "Có", "Không", "", "", "", ""],
        ["", "Rất khó", "Câu lỗi?", "Có", "", "", "", "A", ""],
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    result = runner.invoke(args=["questions", "import", path, "--bank", "Thử"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert all(re.fullmatch(r"row \d+, column [^:]+: \S.*", line) for line in lines)
    assert [line.split(":")[0] for line in lines] == [
        "row 5, column Đáp án đúng",
        "row 6, column Chủ đề",
        "row 6, column Mức độ",
        "row 6, column Phương án B",
    ]
    assert "imported" not in result.output
    assert counts(db) == (0, 0)


def test_missing_header_is_a_row_1_error(runner, db, tmp_path):
    path = write_xlsx(tmp_path / "bad.xlsx", GOOD, header=HEADER[:7] + ["Ghi chú", "Giải thích"])
    result = runner.invoke(args=["questions", "import", path, "--bank", "Thử"])
    assert result.exit_code == 1
    assert result.stdout.startswith("row 1, column Đáp án đúng: ")
    assert "Đáp án đúng" in result.stdout.split(": ", 1)[1]


def test_unreadable_files_exit_2(runner, db, tmp_path):
    text = tmp_path / "bank.xlsx"
    text.write_text("Chủ đề,Câu hỏi\nLịch sử,Đảng ra đời năm nào?\n", encoding="utf-8")
    for path in (str(text), str(tmp_path / "missing.xlsx")):
        result = runner.invoke(args=["questions", "import", path, "--bank", "Thử"])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.strip()
    assert (
        "không phải tệp Excel"
        in runner.invoke(args=["questions", "import", str(text), "--bank", "Thử"]).stderr
    )
    assert counts(db) == (0, 0)


def test_export_writes_the_template_losslessly(runner, db, tmp_path):
    source = write_xlsx(tmp_path / "bank.xlsx", GOOD)
    runner.invoke(args=["questions", "import", source, "--bank", "Thử"])
    target = tmp_path / "export.xlsx"
    result = runner.invoke(args=["questions", "export", "--bank", "Thử", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"exported 3 questions to {target}\n"
    exported = parse_bank(target.read_bytes())
    original = parse_bank((tmp_path / "bank.xlsx").read_bytes())
    assert [
        (q.topic, q.difficulty, q.text, q.options, q.correct, q.explanation)
        for q in exported.questions
    ] == [
        (q.topic, q.difficulty, q.text, q.options, q.correct, q.explanation)
        for q in original.questions
    ]
    result = runner.invoke(args=["questions", "export", "--bank", "Không có", str(target)])
    assert result.exit_code == 1 and "Không có ngân hàng" in result.stderr


def test_demo_load_imports_the_demo_bank_once(runner, db):
    for _ in range(2):
        result = runner.invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
    bank = banks.get_bank_by_name("Ngân hàng câu hỏi mẫu")
    assert bank is not None
    assert (
        db.session.scalar(select(func.count(Question.id)).where(Question.bank_id == bank.id)) == 60
    )
