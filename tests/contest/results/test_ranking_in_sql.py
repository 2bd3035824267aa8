"""Closing ranks in the database's order and decides with the pure rule
(``result_ranking``): on a generated round of a few thousand attempts full of ties (equal
scores, equal distances on both sides of the actual value, no prediction, equal durations
and submission times, several attempts each), staff, excluded and disqualified people and
Vietnamese names, the database's order is the pure order for every preset, and the stored
result is exactly the pure ranking of every finished ranked attempt, with its prizes."""

from __future__ import annotations

import random
from datetime import UTC, date, timedelta

import pytest
from sqlalchemy import insert, select

from contest.models import (
    Attempt,
    AttemptStatus,
    Exclusion,
    PredictionTarget,
    Role,
    Round,
    TieBreak,
    User,
)
from contest.models.results import Disqualification, ResultRow
from contest.services import prizes, ranking, result_closing, result_ranking
from contest.services.result_inputs import load_inputs
from question_bank.text import fold
from tests.conftest import NOW

NAMES = ["Nguyễn Thị Ánh", "Trần Văn Bình", "Lê Đức Anh", "Phạm Thị Ðào", "Hoàng Ân", "Võ Ưng"]


@pytest.fixture
def tied_round(db, make_round, unit, category):
    """A closed round with 3,000 attempts by 900 people, built for ties."""
    rnd = random.Random(12)
    round_ = make_round(
        opens_at=NOW - timedelta(days=7),
        closes_at=NOW - timedelta(hours=1),
        prize_tiers=[
            {"name": "Giải Nhất", "count": 2},
            {"name": "Giải Nhì", "count": 5},
            {"name": "Giải tập thể", "count": 1, "collective": True},
        ],
    )
    first = db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0
    people = []
    for i in range(900):
        name = f"{NAMES[i % len(NAMES)]} {i}"
        people.append(
            {
                "id": first + 1 + i,
                "role": Role.judge if i % 97 == 0 else Role.participant,
                "full_name": name,
                "name_key": fold(name),
                "birth_date": date(1990 + i % 20, 1 + i % 12, 1 + i % 27),
                "id_number": f"0790{i:08d}",
                "phone": f"08{i:08d}",
                "unit_id": unit.id,
                "category_id": category.id,
                "password_hash": "x",
                "created_at": NOW,
            }
        )
    db.session.execute(insert(User), people)
    base = (NOW - timedelta(days=3)).astimezone(UTC)
    attempts = []
    for person in people:
        for number in range(1, rnd.choice([1, 2, 3, 4, 6]) + 1):
            at = base + timedelta(seconds=rnd.choice([0, 0, 1, 2]), microseconds=rnd.choice([0, 7]))
            duration = rnd.choice([60_000, 60_000, 90_000])
            attempts.append(
                {
                    "round_id": round_.id,
                    "participant_id": person["id"],
                    "number": number,
                    "is_practice": False,
                    "seed": 1,
                    "status": rnd.choice([AttemptStatus.submitted, AttemptStatus.expired]),
                    "started_at": at - timedelta(milliseconds=duration),
                    "deadline": at + timedelta(minutes=5),
                    "submitted_at": at,
                    "score": rnd.choice([8, 9, 10, 10]),
                    "total": 10,
                    "duration_ms": duration,
                    "prediction": rnd.choice([None, 8, 10, 12, 12, 30]),
                }
            )
    # Practice and unfinished attempts never count.
    attempts.append({**attempts[0], "number": 1, "is_practice": True, "score": 10})
    attempts.append({**attempts[1], "number": 99, "status": AttemptStatus.in_progress, "score": 10})
    db.session.execute(insert(Attempt), attempts)
    db.session.add_all(
        [
            Exclusion(
                contest_id=round_.contest_id,
                round_id=round_.id,
                user_id=pid,
                reason="Ban Tổ chức",
                created_at=NOW,
            )
            for pid in (people[5]["id"], people[6]["id"])
        ]
    )
    db.session.add(
        Disqualification(
            round_id=round_.id, participant_id=people[7]["id"], reason="Gian lận", created_at=NOW
        )
    )
    db.session.commit()
    return round_


def pure_ranking(db, round_: Round, actual: int | None) -> list[ranking.Ranked]:
    """The pure rule over every finished ranked attempt of everyone who may rank, loaded
    through the ORM (no top-score shortcut, no database order)."""
    skip = load_inputs(round_).skip
    attempts = db.session.scalars(
        select(Attempt)
        .join(User, User.id == Attempt.participant_id)
        .where(
            Attempt.round_id == round_.id,
            Attempt.is_practice.is_(False),
            Attempt.status.in_(result_ranking.FINISHED),
            User.role == Role.participant,
            Attempt.participant_id.not_in(skip),
        )
    ).all()
    entries = [
        ranking.Entry(
            a.id,
            a.participant_id,
            a.score,
            a.total,
            a.prediction,
            a.duration_ms,
            a.submitted_at.astimezone(UTC).replace(tzinfo=None),
        )
        for a in attempts
    ]
    return ranking.rank(entries, round_.tie_break.value, actual)


@pytest.mark.parametrize("preset", sorted(ranking.PRESETS))
@pytest.mark.parametrize("actual", [10, 0, None])
def test_database_order_is_the_pure_order(db, tied_round, preset, actual):
    tied_round.tie_break = TieBreak(preset)
    db.session.commit()
    loaded = result_ranking.load_ranking(
        tied_round.id, preset, actual, load_inputs(tied_round).skip
    )
    assert loaded.in_database_order
    assert loaded.ranked == pure_ranking(db, tied_round, actual)
    # Ties on every key but the last did happen.
    decided = {r.decided_by for r in loaded.ranked}
    if preset == "default":
        assert {"score", "duration", "attempt_id"} <= decided
        assert ("prediction" in decided) is (actual is not None)


def test_close_stores_the_pure_ranking_and_its_prizes(db, tied_round):
    outcome = result_closing.close_round(tied_round, actor=None, now=NOW)
    result = outcome.result
    facts = ranking.facts_of(ranking.summarise(r.entry for r in pure_ranking(db, tied_round, 0)))
    expected = pure_ranking(db, tied_round, result.actual_value)
    rows = db.session.scalars(
        select(ResultRow).where(ResultRow.result_id == result.id).order_by(ResultRow.rank)
    ).all()
    assert [
        (r.rank, r.participant_id, r.attempt_id, r.attempts, r.distance, r.decided_by) for r in rows
    ] == [
        (e.rank, e.entry.participant_id, e.entry.attempt_id, e.attempts, e.distance, e.decided_by)
        for e in expected
    ]
    assert result.participants == len(expected) == facts.participants
    inputs = load_inputs(tied_round)
    allocation = prizes.allocate(
        (
            prizes.Contender(e.entry.participant_id, e.entry.score, rows[0].category_id)
            for e in expected
        ),
        inputs.tiers,
        inputs.options,
        participants=len(expected),
    )
    assert {r.participant_id: r.prize for r in rows if r.prize} == {
        pid: a.tier_name for pid, a in allocation.awards.items()
    }
    assert result.collective[0]["prize"] == "Giải tập thể"
    # Closing again with the same inputs stores nothing (the same hash).
    assert result_closing.close_round(tied_round, actor=None, now=NOW).created is False


def test_a_database_order_that_is_not_the_pure_one_falls_back_to_sorting(
    db, tied_round, monkeypatch
):
    monkeypatch.setitem(
        result_ranking.SQL_ORDER, "duration", lambda c, _a: [c["duration_ms"].desc()]
    )
    loaded = result_ranking.load_ranking(tied_round.id, "default", 10, frozenset())
    assert not loaded.in_database_order
    monkeypatch.undo()
    again = result_ranking.load_ranking(tied_round.id, "default", 10, frozenset())
    assert again.in_database_order
    assert loaded.ranked == again.ranked and loaded.digest == again.digest


def test_attempts_changing_between_the_facts_and_the_ranking_refuse_the_close(
    db, tied_round, monkeypatch
):
    real = result_closing.load_inputs

    def stale(round_):
        inputs = real(round_)
        inputs.facts = ranking.RoundFacts(1, 1, 0)
        return inputs

    monkeypatch.setattr(result_closing, "load_inputs", stale)
    with pytest.raises(result_closing.Conflict):
        result_closing.close_round(tied_round, actor=None, now=NOW)


def test_every_ranking_key_has_its_sql_order():
    assert set(result_ranking.SQL_ORDER) == set(ranking.CRITERIA)


def test_manual_target_takes_its_facts_from_the_ranking(db, tied_round):
    tied_round.prediction_target = PredictionTarget.manual
    db.session.commit()
    result = result_closing.close_round(tied_round, actor=None, now=NOW, actual=12).result
    expected = pure_ranking(db, tied_round, 12)
    assert result.participants == len(expected)
    assert result.settings["facts"]["attempts"] == sum(e.attempts for e in expected)
