"""A round's draw with exact quotas (issue 10, item 5): every attempt's paper has exactly
the quota's hard questions, and the round's draw check says in Vietnamese when the bank
cannot give the rest of the paper."""

from __future__ import annotations

import pytest

from contest.models import AttemptQuestion, Question
from contest.services import attempts, papers
from contest.services.errors import PoolTooSmall
from tests.conftest import NOW


def hard_count(db, paper_ids):
    levels = {q.id: q.difficulty.value for q in db.session.query(Question).all()}
    return sum(levels[i] == "hard" for i in paper_ids)


def test_every_paper_of_a_round_has_exactly_the_quota(db, make_round, make_bank):
    bank = make_bank(60)  # 20 hard
    r = make_round(
        bank, question_count=20, quotas=[{"topic": None, "difficulty": "hard", "count": 3}]
    )
    assert papers.check_draw(r) == []
    for seed in range(60):
        paper = papers.build_paper(r, seed)
        assert len({q["question_id"] for q in paper}) == 20
        assert hard_count(db, [q["question_id"] for q in paper]) == 3
        assert papers.build_paper(r, seed) == paper


def test_an_attempt_serves_exactly_the_quota(db, make_round, make_bank, make_user):
    r = make_round(
        make_bank(60),
        question_count=20,
        quotas=[
            {"topic": None, "difficulty": "hard", "count": 3},
            {"topic": "Lịch sử", "difficulty": None, "count": 8},
        ],
    )
    for _ in range(5):
        attempt, _created = attempts.start_attempt(r, make_user(), now=NOW)
        ids = [
            q.question_id
            for q in db.session.query(AttemptQuestion).filter_by(attempt_id=attempt.id)
        ]
        topics = {q.id: q.topic for q in db.session.query(Question).all()}
        assert hard_count(db, ids) == 3
        assert sum(topics[i] == "Lịch sử" for i in ids) == 8


def test_the_draw_check_names_the_missing_rest(db, make_round, make_bank):
    bank = make_bank(30)  # 10 easy, 10 medium, 10 hard
    r = make_round(
        bank, question_count=25, quotas=[{"topic": None, "difficulty": "hard", "count": 3}]
    )
    assert papers.check_draw(r) == [
        "Theo cơ cấu đề, đề có đúng 3 câu thuộc mức Khó; 22 câu còn lại phải là câu không "
        "thuộc mức Khó, nhưng ngân hàng chỉ có 20 câu như vậy. Vui lòng thêm loại câu này vào "
        "ngân hàng, tăng số câu theo cơ cấu đề hoặc giảm số câu của đề."
    ]
    with pytest.raises(PoolTooSmall) as info:
        papers.build_paper(r, 1)
    assert "22 câu còn lại" in str(info.value.message)
