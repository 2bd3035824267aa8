"""The packaged demo bank, and question_bank's independence from the app."""

import subprocess
import sys
from collections import Counter
from pathlib import Path

from question_bank import demo_bank_bytes, demo_bank_path, parse_bank

ROOT = Path(__file__).resolve().parents[2]

TOPICS = {
    "Thành lập Đảng và Chủ tịch Hồ Chí Minh": 6,
    "Các kỳ Đại hội toàn quốc (I–XIII)": 21,
    "Đại hội XIV của Đảng": 6,
    "Cương lĩnh và công cuộc Đổi mới": 7,
    "Chỉ thị 45, Nghị quyết 18, chính quyền 2 cấp": 7,
    "Đảng bộ tỉnh Lai Châu": 13,
}


def test_demo_bank_matches_its_notes():
    assert demo_bank_path().name == "demo_bank.xlsx"
    result = parse_bank(demo_bank_bytes())
    assert (len(result.questions), result.errors, result.duplicates) == (60, [], [])
    assert Counter(q.topic for q in result.questions) == TOPICS
    assert Counter(q.difficulty for q in result.questions) == {"easy": 17, "medium": 29, "hard": 14}
    # demo_questions.md: four options each, one correct answer, 15 per letter
    assert {len(q.options) for q in result.questions} == {4}
    assert Counter(q.answer_letters for q in result.questions) == dict.fromkeys("ABCD", 15)
    assert all(" Nguồn: http" in q.explanation for q in result.questions)


def test_question_bank_imports_no_flask_sqlalchemy_or_contest():
    code = (
        "import question_bank, sys; "
        "bad=[m for m in sys.modules if m.split('.')[0] in ('flask','sqlalchemy','contest')]; "
        "assert not bad, bad"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_question_bank_sources_never_name_the_app():
    for path in (ROOT / "question_bank").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in ("flask", "sqlalchemy", "contest"):
            assert f"import {name}" not in text and f"from {name}" not in text, path
