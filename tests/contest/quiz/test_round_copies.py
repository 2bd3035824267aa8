"""Item 3 of issue 10: "Nhân bản đợt thi" and "Tạo nhiều đợt theo tuần"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.models import AuditEntry, Exclusion, Role, Round
from contest.services import exclusions, round_copies
from contest.services.errors import ValidationFailed
from contest.services.formatting import to_local
from tests.conftest import NOW, csrf_from
from tests.contest.quiz.round_form import round_columns, sign_in_organiser

SETTINGS = dict(
    question_count=12,
    time_limit_minutes=25,
    max_attempts=2,
    allow_practice=True,
    shuffle_options=False,
    quotas=[{"topic": "Đại hội", "difficulty": "hard", "count": 2}],
    min_age=16,
    prediction_target="attempts",
    tie_break="vcnet",
    prize_tiers=[
        {"name": "Giải Nhất", "count": 1},
        {"name": "Giải tập thể", "count": 2, "collective": True},
    ],
    prize_options={"min_score": 6, "max_share": 0.5, "once_per_contest": True},
    grace_seconds=30,
)


def _source(make_round, make_user):
    from contest.models import PredictionTarget, TieBreak

    values = dict(SETTINGS)
    values["prediction_target"] = PredictionTarget.attempts
    values["tie_break"] = TieBreak.vcnet
    r = make_round(**values)
    person = make_user()
    exclusions.insert(r.contest, r, person, "Tổ thư ký", actor=None, now=NOW)
    return r, person


def _local(value):
    return to_local(value).strftime("%Y-%m-%dT%H:%M")


def _same_settings(copy, source):
    theirs, mine = round_columns(source), round_columns(copy)
    for key in round_copies.copied_settings():
        assert mine[key] == theirs[key], key


def test_copy_page_makes_a_draft_with_every_setting_and_the_exclusions(
    client, db, login, make_user, make_round
):
    source, person = _source(make_round, make_user)
    sign_in_organiser(make_user, login)
    path = f"/ban-to-chuc/cuoc-thi/dot-thi/{source.id}/nhan-ban"
    page = client.get(path).get_data(as_text=True)
    assert 'value="Tuần 2"' in page and "Nhân bản đợt thi" in page
    opens, closes = NOW + timedelta(days=10), NOW + timedelta(days=17)
    bad = client.post(
        path,
        data={
            "csrf_token": csrf_from(client, path),
            "name": "Tuần 2",
            "opens_at": _local(closes),
            "closes_at": _local(opens),
        },
    )
    assert bad.status_code == 422 and "Thời điểm đóng phải sau thời điểm mở" in bad.get_data(
        as_text=True
    )
    response = client.post(
        path,
        data={
            "csrf_token": csrf_from(client, path),
            "name": "Tuần 2",
            "opens_at": _local(opens),
            "closes_at": _local(closes),
        },
    )
    assert response.status_code == 302
    copy = db.session.scalar(
        select(Round).where(Round.contest_id == source.contest_id, Round.name == "Tuần 2")
    )
    assert copy.published_at is None and copy.closed_at is None
    assert copy.opens_at == opens.replace(second=0) and copy.closes_at == closes.replace(second=0)
    _same_settings(copy, source)
    assert copy.prize_options == SETTINGS["prize_options"]
    rows = db.session.scalars(select(Exclusion).where(Exclusion.round_id == copy.id)).all()
    assert [(row.user_id, row.reason) for row in rows] == [(person.id, "Tổ thư ký")]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "round.copy"))
    assert entry.object_id == str(copy.id) and entry.details["source"] == source.id


def test_the_copied_columns_are_every_setting():
    assert set(round_copies.copied_settings()) >= {
        "contest_id",
        "bank_ids",
        "quotas",
        "prize_tiers",
        "prize_options",
        "eligible_category_ids",
        "eligible_unit_ids",
        "grace_seconds",
        "prediction_text",
    }
    assert not set(round_copies.copied_settings()) & {"published_at", "closed_at", "actual_value"}


def test_next_name():
    assert round_copies.next_name("Tuần 1") == "Tuần 2"
    assert round_copies.next_name("Tuần 9", 3) == "Tuần 12"
    assert round_copies.next_name("Đợt đặc biệt") == "Đợt đặc biệt (bản sao)"


def test_schedule_page_makes_weekly_drafts(client, db, login, make_user, make_round):
    source, _person = _source(make_round, make_user)
    sign_in_organiser(make_user, login)
    path = f"/ban-to-chuc/cuoc-thi/dot-thi/{source.id}/len-lich"
    first = (NOW + timedelta(days=7)).replace(second=0)
    response = client.post(
        path,
        data={
            "csrf_token": csrf_from(client, path),
            "weeks": "3",
            "first_opens_at": _local(first),
            "length_days": "6",
            "gap_days": "7",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    made = db.session.scalars(
        select(Round)
        .where(Round.contest_id == source.contest_id, Round.id != source.id)
        .order_by(Round.opens_at)
    ).all()
    assert [r.name for r in made] == ["Tuần 2", "Tuần 3", "Tuần 4"]
    assert [r.opens_at for r in made] == [first + timedelta(days=7 * n) for n in range(3)]
    assert all(r.closes_at - r.opens_at == timedelta(days=6) for r in made)
    assert all(r.published_at is None for r in made)
    for r in made:
        _same_settings(r, source)
    overlapping = client.post(
        path,
        data={
            "csrf_token": csrf_from(client, path),
            "weeks": "2",
            "first_opens_at": _local(first),
            "length_days": "9",
            "gap_days": "7",
        },
    )
    assert overlapping.status_code == 422
    assert "chồng lên nhau" in overlapping.get_data(as_text=True)


def test_schedule_refuses_bad_numbers(db, make_round):
    r = make_round()
    for weeks, gap in ((0, 7), (53, 7), (2, 1)):
        with pytest.raises(ValidationFailed):
            round_copies.schedule_rounds(
                r, weeks=weeks, gap=timedelta(days=gap), actor=None, now=NOW
            )


def test_participants_cannot_copy(client, db, login, make_user, make_round):
    r = make_round()
    login(make_user(role=Role.participant))
    assert client.get(f"/ban-to-chuc/cuoc-thi/dot-thi/{r.id}/nhan-ban").status_code == 403
