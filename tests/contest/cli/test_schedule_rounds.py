"""`quiz schedule-rounds ROUND_ID --weeks N [--start ISO] [--gap-days D]`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contest.models import Round
from tests.conftest import NOW


def test_schedule_rounds_prints_the_new_drafts(runner, db, make_round):
    source = make_round(
        opens_at=NOW - timedelta(days=1),
        closes_at=NOW + timedelta(days=5),
        prize_options={"min_score": 7},
    )
    result = runner.invoke(
        args=[
            "quiz",
            "schedule-rounds",
            str(source.id),
            "--weeks",
            "2",
            "--start",
            "2031-03-02T08:00",
            "--gap-days",
            "14",
        ]
    )
    assert result.exit_code == 0, result.output
    made = [db.session.get(Round, int(line)) for line in result.output.split()]
    first = datetime(2031, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
    assert [r.opens_at for r in made] == [first, first + timedelta(days=14)]
    assert all(r.closes_at - r.opens_at == timedelta(days=6) for r in made)
    assert [r.name for r in made] == ["Tuần 2", "Tuần 3"]
    assert all(r.published_at is None and r.prize_options == {"min_score": 7} for r in made)


def test_schedule_rounds_defaults_to_weekly_after_the_round(runner, db, make_round):
    source = make_round()
    result = runner.invoke(args=["quiz", "schedule-rounds", str(source.id), "--weeks", "1"])
    assert result.exit_code == 0, result.output
    (made,) = [db.session.get(Round, int(line)) for line in result.output.split()]
    assert made.opens_at == source.opens_at + timedelta(days=7)


def test_schedule_rounds_refuses_bad_input(runner, db, make_round):
    source = make_round()
    bad = runner.invoke(args=["quiz", "schedule-rounds", str(source.id), "--weeks", "0"])
    assert bad.exit_code == 1 and "weeks" in bad.output
    missing = runner.invoke(args=["quiz", "schedule-rounds", "999999", "--weeks", "2"])
    assert missing.exit_code == 1
