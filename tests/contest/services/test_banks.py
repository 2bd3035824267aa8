"""The question bank service: import (all or nothing), duplicates, search, versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest.models import AuditEntry, Difficulty, Option, Question
from contest.services import bank_files, banks, questions
from contest.services.errors import ImportFailed, NotFound, ValidationFailed
from question_bank import UnreadableFile, parse_bank
from tests.bank_files import HEADER, make_xlsx
from tests.conftest import NOW


def row(
    text="Đảng Cộng sản Việt Nam ra đời năm nào?",
    topic="Lịch sử Đảng",
    level="Dễ",
    options=("1925", "1930", "1945", "1954"),
    answer="B",
    explanation="",
):
    opts = list(options) + [None] * (4 - len(options))
    return [topic, level, text, *opts, answer, explanation]


SAMPLE = [
    row(
        "Đại hội đại biểu toàn quốc lần thứ nhất của Đảng họp năm nào?",
        options=("1930", "1935", "1945", "1951"),
        answer="B",
    ),
    row(
        "Đại hội lần thứ II của Đảng họp ở đâu?",
        level="Trung bình",
        options=("Tuyên Quang", "Hà Nội", "Ma Cao", "Cao Bằng"),
        answer="A",
    ),
    row(
        "Đại hội XIII của Đảng họp năm nào?",
        topic="Văn kiện Đại hội XIII",
        level="Khó",
        options=("2016", "2021", "2026", "2011"),
        answer="B",
    ),
    row(
        "Những văn kiện nào được Hội nghị thành lập Đảng thông qua?",
        level="Khó",
        options=("Chánh cương vắn tắt", "Sách lược vắn tắt", "Luận cương", "Điều lệ vắn tắt"),
        answer="A, B, D",
    ),
]


@pytest.fixture
def new_bank(db, make_user):
    def make(name="Ngân hàng thử", actor=None):
        return banks.create_bank(name, actor=actor, now=NOW)

    return make


def count_questions(db, bank=None):
    stmt = select(func.count(Question.id))
    if bank is not None:
        stmt = stmt.where(Question.bank_id == bank.id)
    return db.session.scalar(stmt)


def test_preview_counts_per_topic_and_difficulty(db, new_bank):
    bank = new_bank()
    preview = bank_files.preview_import(bank, make_xlsx(SAMPLE))
    assert preview.ok and preview.rows_read == 4 and len(preview.questions) == 4
    assert preview.counts.topics == ["Lịch sử Đảng", "Văn kiện Đại hội XIII"]
    assert preview.counts.row("Lịch sử Đảng") == [1, 1, 1, 3]
    assert preview.counts.row("Văn kiện Đại hội XIII") == [0, 0, 1, 1]
    assert preview.counts.totals == [1, 1, 2, 4]
    assert count_questions(db, bank) == 0  # a preview saves nothing


def test_import_saves_questions_options_and_is_audited(db, new_bank, make_user):
    from contest.models import Role

    organiser = make_user(Role.organiser)
    bank = new_bank(actor=organiser)
    result = bank_files.import_questions(bank, make_xlsx(SAMPLE), actor=organiser, now=NOW)
    assert result == bank_files.ImportResult(imported=4, duplicates=0)
    several = db.session.scalar(select(Question).where(Question.text.like("Những văn kiện%")))
    assert several.option_texts == [
        "Chánh cương vắn tắt",
        "Sách lược vắn tắt",
        "Luận cương",
        "Điều lệ vắn tắt",
    ]
    assert several.correct == [0, 1, 3] and several.multiple
    assert several.difficulty is Difficulty.hard and several.author_id == organiser.id
    assert several.search_key == "nhung van kien nao duoc hoi nghi thanh lap dang thong qua?"
    assert several.created_at == NOW and several.version == 1 and several.is_current
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "bank.import"))
    assert entry.actor_id == organiser.id and entry.details["imported"] == 4
    assert banks.count_questions([bank.id])[bank.id].total == 4


def test_one_bad_row_saves_nothing_and_reports_every_error(db, new_bank):
    bank = new_bank()
    rows = [
        *SAMPLE,
        row("Câu thiếu đáp án?", answer=""),
        row("Câu có đáp án sai?", answer="E", level="Rất khó"),
    ]
    with pytest.raises(ImportFailed) as caught:
        bank_files.import_questions(bank, make_xlsx(rows), actor=None, now=NOW)
    errors = {(e.row, e.column) for e in caught.value.errors}
    assert errors == {(6, "Đáp án đúng"), (7, "Đáp án đúng"), (7, "Mức độ")}
    assert count_questions(db) == 0
    assert db.session.scalar(select(func.count(Option.id))) == 0


def test_duplicates_in_the_file_and_in_the_bank_are_skipped_and_reported(db, new_bank):
    bank = new_bank()
    bank_files.import_questions(bank, make_xlsx(SAMPLE[:2]), actor=None, now=NOW)
    # Same question with other case, spacing and option order; a repeat inside the file.
    again = row(
        "đại hội đại biểu toàn quốc  lần thứ NHẤT của Đảng họp năm nào?",
        options=("1951", "1945", "1935", "1930"),
        answer="C",
    )
    rows = [again, SAMPLE[2], SAMPLE[2], SAMPLE[3]]
    preview = bank_files.preview_import(bank, make_xlsx(rows))
    assert [(d.row, d.reason) for d in preview.duplicates] == [
        (2, "đã có trong ngân hàng"),
        (4, "trùng trong tệp (dòng 3)"),
    ]
    result = bank_files.save_import(bank, preview, actor=None, now=NOW)
    assert result == bank_files.ImportResult(imported=2, duplicates=2)
    assert count_questions(db, bank) == 4


def test_the_same_question_may_be_in_two_banks(db, new_bank):
    first, second = new_bank("Ngân hàng A"), new_bank("Ngân hàng B")
    bank_files.import_questions(first, make_xlsx(SAMPLE), actor=None, now=NOW)
    assert bank_files.import_questions(second, make_xlsx(SAMPLE), actor=None, now=NOW).imported == 4


def test_unreadable_file_raises(db, new_bank):
    with pytest.raises(UnreadableFile):
        bank_files.preview_import(new_bank(), b"Chu de,Cau hoi\nabc,def\n")
    with pytest.raises(bank_files.FileTooLarge):
        bank_files.check_upload(b"PK" + b"0" * bank_files.MAX_FILE_BYTES)


def test_search_ignores_case_and_diacritics_and_filters(db, new_bank):
    bank = new_bank()
    bank_files.import_questions(bank, make_xlsx(SAMPLE), actor=None, now=NOW)
    found = banks.search_questions(bank, query="dai hoi")
    assert found.total == 3
    assert all("Đại hội" in q.text for q in found.items)
    assert banks.search_questions(bank, query="ĐẠI HỘI  XIII").total == 1
    assert banks.search_questions(bank, query="dai hoi", topic="Lịch sử Đảng").total == 2
    assert banks.search_questions(bank, difficulty="hard").total == 2
    assert banks.search_questions(bank, query="%").total == 0  # LIKE wildcards are escaped
    page = banks.search_questions(bank, per_page=3, page=2)
    assert page.total == 4 and len(page.items) == 1
    assert banks.list_topics(bank) == ["Lịch sử Đảng", "Văn kiện Đại hội XIII"]


def _first(bank) -> Question:
    return banks.search_questions(bank, query="lan thu nhat").items[0]


def _input(question: Question, **changes) -> questions.QuestionInput:
    values = dict(
        topic=question.topic,
        difficulty=question.difficulty.value,
        text=question.text,
        options=question.option_texts,
        correct=question.correct,
        explanation=question.explanation,
    )
    values.update(changes)
    return questions.QuestionInput(**values)


def test_edit_without_option_changes_is_made_in_place(db, new_bank):
    bank = new_bank()
    bank_files.import_questions(bank, make_xlsx(SAMPLE), actor=None, now=NOW)
    question = _first(bank)
    option_ids = [o.id for o in question.options]
    later = NOW + timedelta(hours=1)
    saved = questions.update_question(
        question,
        _input(
            question,
            text="Đại hội I của Đảng họp vào năm nào?",
            difficulty="medium",
            explanation="Ma Cao, 3/1935.",
        ),
        actor=None,
        now=later,
    )
    assert saved is question and saved.version == 1 and saved.is_current
    assert [o.id for o in saved.options] == option_ids
    assert saved.search_key == "dai hoi i cua dang hop vao nam nao?"
    assert saved.difficulty is Difficulty.medium and saved.updated_at == later
    assert banks.search_questions(bank, query="dai hoi i cua").total == 1


def test_changing_options_or_answer_makes_a_new_version(db, new_bank):
    bank = new_bank()
    bank_files.import_questions(bank, make_xlsx(SAMPLE), actor=None, now=NOW)
    old = _first(bank)
    old_options = [(o.id, o.text, o.is_correct) for o in old.options]
    # Only the correct set changes: the key stays the same (partial unique index).
    new = questions.update_question(old, _input(old, correct=[0]), actor=None, now=NOW)
    assert new.id != old.id and new.version == 2 and new.replaces_id == old.id
    assert new.key == old.key and new.correct == [0]
    db.session.expire_all()
    assert not old.is_current and not old.is_active
    assert [(o.id, o.text, o.is_correct) for o in old.options] == old_options
    newer = questions.update_question(
        new, _input(new, options=[*new.option_texts, "1960"]), actor=None, now=NOW
    )
    assert newer.version == 3 and newer.option_texts[-1] == "1960"
    candidates = {c.id for c in banks.active_candidates([bank.id])}
    assert newer.id in candidates and old.id not in candidates and new.id not in candidates
    assert banks.count_questions([bank.id])[bank.id].total == 4
    assert banks.search_questions(bank, query="lan thu nhat").items == [newer]
    with pytest.raises(NotFound):
        banks.get_question(bank, old.id)
    with pytest.raises(NotFound):
        questions.update_question(old, _input(newer), actor=None, now=NOW)


def test_an_edit_that_duplicates_another_question_is_refused(db, new_bank):
    bank = new_bank()
    bank_files.import_questions(bank, make_xlsx(SAMPLE), actor=None, now=NOW)
    first = _first(bank)
    other = banks.search_questions(bank, query="lan thu ii").items[0]
    with pytest.raises(ValidationFailed) as caught:
        questions.update_question(first, _input(other), actor=None, now=NOW)
    assert "đã có trong ngân hàng" in caught.value.fields["text"]


def test_question_validation_messages(db, new_bank):
    bank = new_bank()
    bad = questions.QuestionInput(
        topic="",
        text="",
        options=["Một", "", "Ba", "Một"],
        correct=[],
        difficulty="rất khó",
        explanation="x" * 5000,
    )
    with pytest.raises(ValidationFailed) as caught:
        questions.create_question(bank, bad, actor=None, now=NOW)
    fields = caught.value.fields
    assert set(fields) == {
        "topic",
        "text",
        "difficulty",
        "option_1",
        "option_3",
        "correct",
        "explanation",
    }
    assert fields["correct"] == "Vui lòng đánh dấu ít nhất một phương án đúng."
    assert "trùng với Phương án A" in fields["option_3"]
    with pytest.raises(ValidationFailed) as caught:
        questions.create_question(
            bank,
            questions.QuestionInput(
                topic="T", text="Câu?", options=["Một", "", "", ""], correct=[2]
            ),
            actor=None,
            now=NOW,
        )
    assert "ít nhất hai phương án" in caught.value.fields["options"]
    assert "(C)" in caught.value.fields["correct"]


def test_create_question_and_duplicate(db, new_bank):
    bank = new_bank()
    data = questions.QuestionInput(
        topic=" Lịch sử  Đảng ",
        text="Bác Hồ đọc Tuyên ngôn năm nào?",
        options=["1945", "1946", "", ""],
        correct=[0],
    )
    question = questions.create_question(bank, data, actor=None, now=NOW)
    assert question.topic == "Lịch sử Đảng" and question.option_texts == ["1945", "1946"]
    assert question.difficulty is Difficulty.medium
    with pytest.raises(ValidationFailed):
        questions.create_question(bank, data, actor=None, now=NOW)


def test_deactivate_and_reactivate(db, new_bank):
    bank = new_bank()
    bank_files.import_questions(bank, make_xlsx(SAMPLE), actor=None, now=NOW)
    question = _first(bank)
    questions.set_question_active(question, False, actor=None, now=NOW)
    assert question.id not in {c.id for c in banks.active_candidates([bank.id])}
    counts = banks.count_questions([bank.id])[bank.id]
    assert counts.total == 3 and counts.inactive == 1
    assert banks.search_questions(bank, status="inactive").items == [question]
    assert banks.search_questions(bank, status="active").total == 3
    # A deactivated question still counts as "already in the bank" for imports.
    assert bank_files.preview_import(bank, make_xlsx(SAMPLE[:1])).duplicates
    assert len(bank_files.list_export_questions(bank)) == 3
    questions.set_question_active(question, True, actor=None, now=NOW)
    assert len(banks.active_candidates([bank.id])) == 4
    actions = db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "question", AuditEntry.object_id == str(question.id)
        )
    ).all()
    assert actions == ["question.deactivate", "question.activate"]


def test_bank_names_are_unique_ignoring_diacritics(db, new_bank):
    bank = new_bank("Ngân hàng câu hỏi")
    with pytest.raises(ValidationFailed) as caught:
        new_bank("ngan hang  CAU HOI")
    assert "Đã có ngân hàng" in caught.value.fields["name"]
    with pytest.raises(ValidationFailed):
        new_bank("   ")
    assert banks.get_bank_by_name("NGAN HANG CAU HOI") is bank
    banks.update_bank(bank, name="Ngân hàng mới", description="Mô tả", actor=None, now=NOW)
    assert banks.get_bank_by_name("Ngân hàng mới") is bank


def test_export_then_import_is_lossless(db, new_bank):
    tricky = [
        *SAMPLE,
        row(
            "=1+1 là công thức hay văn bản?",
            options=("-1", "+2", "@3", "0123"),
            answer="D",
            explanation="=SUM(A1)",
        ),
        [
            *row("Câu có sáu phương án?", options=("A1", "B1", "C1", "D1"), answer="F")[:7],
            "F",
            "",
            "E1",
            "F1",
        ],
    ]
    header = [*HEADER, "Phương án E", "Phương án F"]
    bank = new_bank("Nguồn")
    bank_files.import_questions(bank, make_xlsx(tricky, header), actor=None, now=NOW)
    data = bank_files.export_bank(bank, actor=None, now=NOW)
    copy = new_bank("Bản sao")
    assert bank_files.import_questions(copy, data, actor=None, now=NOW).imported == 6

    def snapshot(b):
        return sorted(
            (
                q.topic,
                q.difficulty.value,
                q.text,
                tuple(q.option_texts),
                tuple(q.correct),
                q.explanation,
                q.key,
            )
            for q in bank_files.list_export_questions(b)
        )

    assert snapshot(copy) == snapshot(bank)
    assert parse_bank(data).ok


def test_staged_uploads(tmp_path):
    token = bank_files.stage_upload(
        tmp_path, b"bytes", bank_id=1, actor_id=7, now=NOW, filename="cau-hoi.xlsx"
    )
    assert bank_files.read_staged(tmp_path, token, bank_id=1, actor_id=7, now=NOW) == (
        b"bytes",
        "cau-hoi.xlsx",
    )
    for kwargs in (
        dict(bank_id=2, actor_id=7, now=NOW),
        dict(bank_id=1, actor_id=8, now=NOW),
        dict(bank_id=1, actor_id=7, now=NOW + timedelta(hours=1, seconds=1)),
    ):
        with pytest.raises(NotFound):
            bank_files.read_staged(tmp_path, token, **kwargs)
    with pytest.raises(NotFound):
        bank_files.read_staged(tmp_path, "../../etc/passwd", bank_id=1, actor_id=7, now=NOW)
    assert bank_files.purge_staged(tmp_path, now=NOW + timedelta(minutes=59)) == 0
    assert bank_files.purge_staged(tmp_path, now=NOW + timedelta(minutes=61)) == 1
    assert list(tmp_path.iterdir()) == []
    token = bank_files.stage_upload(tmp_path, b"x", bank_id=1, actor_id=None, now=NOW)
    bank_files.discard_staged(tmp_path, token)
    assert list(tmp_path.iterdir()) == []


def test_demo_bank_is_loaded_once(db):
    from contest.demo.bank import DEMO_BANK_NAME, load_demo_bank

    bank = load_demo_bank(now=NOW)
    assert load_demo_bank(now=NOW) is bank
    assert bank.name == DEMO_BANK_NAME
    assert banks.count_questions([bank.id])[bank.id].total == 60
    assert count_questions(db, bank) == 60
