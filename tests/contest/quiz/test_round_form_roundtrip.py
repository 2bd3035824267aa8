"""Item 1 of issue 10: saving the round form, even unchanged, keeps every setting."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.models import Category, Difficulty, PredictionTarget, ReviewPolicy, TieBreak
from contest.services import prizes
from question_bank.text import normalise_text
from tests.conftest import NOW
from tests.contest.quiz.round_form import (
    as_multidict,
    edit_path,
    form_fields,
    round_columns,
    sign_in_organiser,
)


def _post_back_unchanged(client, round_):
    page = client.get(edit_path(round_))
    assert page.status_code == 200
    response = client.post(
        edit_path(round_), data=as_multidict(form_fields(page.get_data(as_text=True)))
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_an_unchanged_save_keeps_prize_options_collective_tier_and_grace(
    client, db, login, make_user, make_round
):
    sign_in_organiser(make_user, login)
    r = make_round(
        opens_at=NOW + timedelta(days=1, seconds=17),
        closes_at=NOW + timedelta(days=8, seconds=41),
        prize_tiers=[
            {"name": "Giải Nhất", "count": 1},
            {"name": "Giải tập thể", "count": 3, "collective": True},
        ],
        prize_options={"min_score": 15, "max_share": 0.5, "collective_method": "points"},
        grace_seconds=25,
    )
    before = round_columns(r)
    _post_back_unchanged(client, r)
    db.session.expire_all()
    after = round_columns(r)
    assert after["prize_options"] == {
        "min_score": 15,
        "max_share": 0.5,
        "collective_method": "points",
    }
    assert after["prize_tiers"][1] == {"name": "Giải tập thể", "count": 3, "collective": True}
    assert after["grace_seconds"] == 25
    assert after == before


def test_a_collective_tier_typed_in_the_form_is_collective(
    client, db, login, make_user, make_round
):
    sign_in_organiser(make_user, login)
    r = make_round(opens_at=NOW + timedelta(days=1), closes_at=NOW + timedelta(days=8))
    page = client.get(edit_path(r)).get_data(as_text=True)
    data = as_multidict(form_fields(page))
    data["prize_tiers"] = "Giải Nhất | 1\nGiải đơn vị | 2 | Tập thể"
    assert client.post(edit_path(r), data=data).status_code == 302
    db.session.expire_all()
    assert r.prize_tiers == [
        {"name": "Giải Nhất", "count": 1},
        {"name": "Giải đơn vị", "count": 2, "collective": True},
    ]
    data["prize_tiers"] = "Giải Nhất | 1 | hạng nhất"
    response = client.post(edit_path(r), data=data)
    assert response.status_code == 422 and "Dòng 1 chưa đúng dạng" in response.get_data(
        as_text=True
    )


# --- the property: random rounds survive an unchanged save ----------------------------------

_letters = st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyAĐƠÚỳỹẫệ0123456789 ,.-()«»&<>'\""))
_text = st.text(_letters, min_size=1, max_size=40).map(normalise_text).filter(bool)
_PAIRS = [(t, d.value) for t in ("Đại hội", "Lịch sử") for d in Difficulty]

_tiers = st.lists(
    st.fixed_dictionaries(
        {"name": _text, "count": st.integers(1, 50)},
        optional={"collective": st.just(True)},
    ),
    max_size=5,
)
_options = st.builds(
    prizes.PrizeOptions,
    min_score=st.none() | st.integers(0, 20),
    max_share=st.none() | st.sampled_from([0.25, 0.5, 1]),
    once_per_contest=st.booleans(),
    other_quota=st.none() | st.integers(0, 9),
    collective_method=st.sampled_from(["participants", "participation_rate", "points"]),
    points_top=st.integers(1, 20),
).map(lambda o: o.to_dict())


@st.composite
def _rounds(draw, banks, categories, units):
    quotas = draw(st.lists(st.sampled_from(_PAIRS), unique=True, max_size=3))
    quota_rows = [
        {"topic": t, "difficulty": d, "count": draw(st.integers(1, 4))} for t, d in quotas
    ]
    least = max(1, sum(q["count"] for q in quota_rows))
    opens_at = NOW + timedelta(seconds=draw(st.integers(-86_400, 90 * 86_400)))
    return {
        "name": draw(_text),
        "opens_at": opens_at,
        "closes_at": opens_at + timedelta(seconds=draw(st.integers(86_400 + 60, 60 * 86_400))),
        "question_count": draw(st.integers(least, min(25, least + 12))),
        "time_limit_minutes": draw(st.integers(1, 600)),
        "max_attempts": draw(st.integers(1, 100)),
        "allow_practice": draw(st.booleans()),
        "shuffle_questions": draw(st.booleans()),
        "shuffle_options": draw(st.booleans()),
        "review_policy": draw(st.sampled_from(list(ReviewPolicy))),
        "bank_ids": sorted(draw(st.sets(st.sampled_from(banks), min_size=1))),
        "quotas": quota_rows,
        "eligible_category_ids": sorted(draw(st.sets(st.sampled_from(categories)))),
        "eligible_unit_ids": sorted(draw(st.sets(st.sampled_from(units)))),
        "min_age": draw(st.none() | st.integers(0, 120)),
        "prediction_text": draw(_text),
        "prediction_target": draw(st.sampled_from(list(PredictionTarget))),
        "tie_break": draw(st.sampled_from(list(TieBreak))),
        "prize_tiers": draw(_tiers),
        "prize_options": draw(_options),
        "grace_seconds": draw(st.integers(0, 120)),
    }


def test_any_round_survives_an_unchanged_save(
    client, db, login, make_user, make_round, make_bank, make_unit, category
):
    sign_in_organiser(make_user, login)
    banks = [make_bank(30).id, make_bank(30).id]
    other = Category(name="Cán bộ, công chức thử", position=9)
    db.session.add(other)
    db.session.commit()
    categories = [category.id, other.id]
    units = [make_unit().id, make_unit().id, make_unit().id]

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(values=_rounds(banks, categories, units))
    def check(values):
        r = make_round(**values)
        before = round_columns(r)
        _post_back_unchanged(client, r)
        db.session.expire_all()
        assert round_columns(r) == before

    check()
