"""The collective ranking of units: pure functions over plain records, total and
independent of the input order; every method has its words."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from contest.services import unit_ranking
from contest.services.unit_ranking import UnitTally


def test_units_by_participants_and_rate():
    tallies = [
        UnitTally(1, 10, 100, 12, 1000),
        UnitTally(2, 8, 90, 8, 10),
        UnitTally(3, 10, 120, 11, None),
    ]
    by_people = unit_ranking.rank_units(tallies, "participants")
    assert [u.tally.unit_id for u in by_people] == [3, 1, 2]
    by_rate = unit_ranking.rank_units(tallies, "participation_rate")
    assert [(u.tally.unit_id, u.rank) for u in by_rate] == [(2, 1), (1, 2), (3, None)]


def test_dong_nai_points_ten_to_one_ties_to_more_participants():
    tallies = [UnitTally(i, 20 - i, 100, 30, None) for i in range(1, 13)]
    tallies.append(UnitTally(50, 5, 500, 5, None))
    ranked = unit_ranking.rank_units(tallies, "points")
    points = {u.tally.unit_id: u.breakdown for u in ranked}
    # participants: unit 1 (19) gets 10 points … unit 10 (10) gets 1; unit 11 none.
    assert points[1][0] == 10 and points[10][0] == 1 and points[11][0] == 0
    # total score: unit 50 first (500); the others tie at 100 → more participants first.
    assert points[50][1] == 10 and points[1][1] == 9 and points[9][1] == 1
    assert points[10][1] == 0
    # attempts: all tie at 30 except unit 50 → by participants.
    assert points[1][2] == 10 and points[50][2] == 0
    assert ranked[0].tally.unit_id == 1 and ranked[0].points == 29
    assert [u.rank for u in ranked] == list(range(1, 14))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 30),
            st.integers(0, 300),
            st.integers(0, 60),
            st.one_of(st.none(), st.integers(1, 50)),
        ),
        max_size=25,
    ),
    st.sampled_from(list(unit_ranking.UNIT_METHODS)),
    st.randoms(use_true_random=False),
)
def test_unit_ranking_total_and_order_independent(rows, method, rnd):
    tallies = [UnitTally(i, p, s, a, h) for i, (p, s, a, h) in enumerate(rows, start=1)]
    ranked = unit_ranking.rank_units(tallies, method)
    shuffled = list(tallies)
    rnd.shuffle(shuffled)
    assert ranked == unit_ranking.rank_units(shuffled, method)
    ranks = [u.rank for u in ranked if u.rank is not None]
    assert ranks == list(range(1, len(ranks) + 1))
    for per in zip(*(u.breakdown for u in ranked), strict=False):
        assert sorted(p for p in per if p) == sorted(set(p for p in per if p))  # no shared


def test_every_method_has_its_words():
    for method in unit_ranking.UNIT_METHODS.values():
        assert str(method.choice) and str(method.text)
    assert unit_ranking.DEFAULT_UNIT_METHOD in unit_ranking.UNIT_METHODS
