"""Item 6 of issue 10: a new round's prizes need at least half the questions right."""

from __future__ import annotations

import math
from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import select

from contest.models import Contest, Round
from contest.services import rounds
from tests.conftest import NOW
from tests.contest.quiz.round_form import (
    as_multidict,
    edit_path,
    form_fields,
    sign_in_organiser,
)


def test_the_default_is_half_the_questions_rounded_up():
    assert [rounds.default_min_score(n) for n in (1, 8, 9, 20, 25)] == [1, 4, 5, 10, 13]


def test_a_round_saved_without_a_minimum_gets_the_default(db, make_bank, make_user):
    from contest.models import Role

    actor = make_user(role=Role.organiser)
    contest = rounds.save_contest(
        rounds.ContestInput(title="Cuộc thi mặc định"), actor=actor, now=NOW
    )
    r = rounds.save_round(
        contest,
        rounds.RoundInput(
            name="Tuần 1",
            opens_at=NOW + timedelta(days=1),
            closes_at=NOW + timedelta(days=8),
            question_count=9,
            bank_ids=[make_bank(20).id],
            prize_options={"max_share": 0.5},
        ),
        actor=actor,
        now=NOW,
    )
    assert r.prize_options == {"max_share": 0.5, "min_score": 5}


def test_the_new_round_form_shows_the_default_and_takes_the_organisers_value(
    client, db, login, make_user, make_round, make_bank
):
    sign_in_organiser(make_user, login)
    contest_id = make_round().contest_id
    bank = make_bank(30)
    path = f"/ban-to-chuc/cuoc-thi/{contest_id}/dot-thi/moi"
    page = client.get(path).get_data(as_text=True)
    field = BeautifulSoup(page, "html.parser").find("input", attrs={"name": "min_score"})
    assert field["value"] == "10"  # 20 questions by default
    assert "một nửa số câu hỏi" in page
    data = as_multidict(form_fields(page))
    for key, value in {
        "name": "Tuần có điểm sàn",
        "opens_at": "2027-01-04T08:00",
        "closes_at": "2027-01-10T20:00",
        "bank_ids": str(bank.id),
        "min_score": "14",
    }.items():
        data[key] = value  # replaces the field's value
    assert client.post(path, data=data).status_code == 302
    saved = db.session.scalar(select(Round).where(Round.name == "Tuần có điểm sàn"))
    assert saved.prize_options == {"min_score": 14}
    edit = client.get(edit_path(saved)).get_data(as_text=True)
    assert 'name="min_score"' in edit and 'value="14"' in edit
    data = as_multidict(form_fields(edit))
    data["min_score"] = ""
    assert client.post(edit_path(saved), data=data).status_code == 302
    db.session.expire_all()
    assert "min_score" not in saved.prize_options  # cleared: no minimum


def test_the_demo_rounds_have_the_default_and_no_winner_below_it(db):
    from contest.demo import load_demo
    from contest.demo.quiz import DEMO_CONTEST_TITLE
    from contest.services import result_pages

    load_demo(now=NOW)
    contest = db.session.scalar(select(Contest).where(Contest.title == DEMO_CONTEST_TITLE))
    assert contest.rounds
    for r in contest.rounds:
        assert r.prize_options["min_score"] == math.ceil(r.question_count / 2)
        result = result_pages.current_result(r.id)
        if result is None:
            continue
        winners = [row for row, _user in result_pages.winners(result)]
        assert winners and all(row.score >= r.prize_options["min_score"] for row in winners)
