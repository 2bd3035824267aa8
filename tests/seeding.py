"""Seed data for tests that drive the app from outside a request (several processes,
several servers): an open round whose bank holds exactly one paper's questions."""

from __future__ import annotations

from datetime import datetime, timedelta


def open_round_with_bank(
    now: datetime, *, tag: str, questions: int = 5, correct: int = 0, time_limit: int = 30
) -> dict:
    """In an app context (``tag``: letters, digits and dashes): a unit, a category, a
    bank of ``questions`` questions ("Câu hỏi số 1?" …, four options, option ``correct``
    right) and a published contest with one open round drawing all of them. Flushed, not
    committed. Returns the objects' ids."""
    from contest.extensions import db
    from contest.models import Category, Contest, Option, Question, QuestionBank, Round, Unit
    from question_bank.text import fold

    unit = Unit(name=f"Đơn vị {tag}", name_key=fold(f"Đơn vị {tag}"))
    category = Category(name=f"Đối tượng {tag}")
    bank = QuestionBank(name=f"Ngân hàng {tag}", created_at=now)
    db.session.add_all([unit, category, bank])
    db.session.flush()
    question_ids = []
    for i in range(questions):
        q = Question(
            bank_id=bank.id,
            topic="Lịch sử",
            text=f"Câu hỏi số {i + 1}?",
            search_key=f"cau hoi so {i + 1}",
            key=f"{tag}-{i}",
            created_at=now,
            updated_at=now,
        )
        db.session.add(q)
        db.session.flush()
        question_ids.append(q.id)
        db.session.add_all(
            Option(question_id=q.id, position=p, text=f"Phương án {p}", is_correct=p == correct)
            for p in range(4)
        )
    contest = Contest(title=f"Thi {tag}", slug=f"thi-{tag}", is_published=True, created_at=now)
    db.session.add(contest)
    db.session.flush()
    round_ = Round(
        contest_id=contest.id,
        name="Tuần 1",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        question_count=questions,
        time_limit_minutes=time_limit,
        max_attempts=3,
        bank_ids=[bank.id],
        created_at=now,
        published_at=now,
    )
    db.session.add(round_)
    db.session.flush()
    return {
        "unit_id": unit.id,
        "category_id": category.id,
        "bank_id": bank.id,
        "contest_id": contest.id,
        "round_id": round_.id,
        "question_ids": question_ids,
    }
