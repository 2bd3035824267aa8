"""The pure judging rules: balanced conflict-free assignment (hypothesis), aggregation with
the discrepancy rule, ranking tie-breaks and prizes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.services import judging
from contest.services.judging import EntryNeed, JudgeSlot, RankRecord, SheetTotal

UNITS = [None, 1, 2, 3, 4]


def check_plan(needs, judges, plan):
    """N distinct eligible judges per entry (or the shortfall reported), no conflicts."""
    by_id = {j.judge_id: j for j in judges}
    for need in needs:
        chosen = plan.pairs.get(need.entry_id, [])
        assert len(chosen) == len(set(chosen)), "a judge twice on one entry"
        assert len(chosen) + plan.short.get(need.entry_id, 0) == need.count
        for judge_id in chosen:
            judge = by_id[judge_id]
            assert judging.eligible(need, judge), "judge from the author's unit"
        possible = sum(judging.eligible(need, j) for j in judges)
        assert len(chosen) == min(need.count, possible)


@st.composite
def planted(draw):
    """Judges and entries for which a within-one assignment exists by construction: deal the
    entries round-robin to judges, then give each entry an author unit none of its dealt
    judges belongs to."""
    n_judges = draw(st.integers(2, 7))
    per_entry = draw(st.integers(1, min(3, n_judges)))
    judges = [JudgeSlot(j + 1, draw(st.sampled_from(UNITS))) for j in range(n_judges)]
    n_entries = draw(st.integers(0, 25))
    needs, cursor = [], 0
    for e in range(n_entries):
        dealt = {judges[(cursor + k) % n_judges] for k in range(per_entry)}
        cursor += per_entry
        free = [u for u in UNITS if u is None or all(j.unit_id != u for j in dealt)]
        needs.append(EntryNeed(100 + e, draw(st.sampled_from(free)), per_entry))
    return needs, judges


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(planted(), st.integers(0, 2**32 - 1))
def test_assignment_is_balanced_within_one_when_possible(case, seed):
    needs, judges = case
    plan = judging.plan_assignments(needs, judges, seed=seed)
    check_plan(needs, judges, plan)
    assert not plan.short
    loads = plan.loads(judges)
    assert max(loads.values()) - min(loads.values()) <= 1


@st.composite
def anything(draw):
    judges = [
        JudgeSlot(j + 1, draw(st.sampled_from(UNITS))) for j in range(draw(st.integers(1, 4)))
    ]
    needs = [
        EntryNeed(100 + e, draw(st.sampled_from(UNITS)), draw(st.integers(1, 2)))
        for e in range(draw(st.integers(0, 5)))
    ]
    return needs, judges


def best_spread_sum_of_squares(needs, judges):
    """Brute force: the smallest sum of squared loads over every valid assignment."""
    choices = []
    for need in needs:
        ok = [j.judge_id for j in judges if judging.eligible(need, j)]
        choices.append(list(itertools.combinations(ok, min(need.count, len(ok)))))
    best = None
    for combo in itertools.product(*choices):
        loads = dict.fromkeys((j.judge_id for j in judges), 0)
        for chosen in combo:
            for judge_id in chosen:
                loads[judge_id] += 1
        value = sum(v * v for v in loads.values())
        best = value if best is None else min(best, value)
    return best or 0


@settings(max_examples=80, deadline=None)
@given(anything(), st.integers(0, 1000))
def test_assignment_is_as_even_as_the_conflicts_allow(case, seed):
    needs, judges = case
    plan = judging.plan_assignments(needs, judges, seed=seed)
    check_plan(needs, judges, plan)
    loads = plan.loads(judges)
    assert sum(v * v for v in loads.values()) == best_spread_sum_of_squares(needs, judges)


def test_existing_loads_count_and_taken_judges_are_skipped():
    judges = [JudgeSlot(1, None, load=3), JudgeSlot(2, None), JudgeSlot(3, None)]
    needs = [EntryNeed(10, None, 1, frozenset({2})), EntryNeed(11, None, 2)]
    plan = judging.plan_assignments(needs, judges, seed=1)
    assert plan.pairs[10] == [3]
    assert sorted(plan.pairs[11]) == [2, 3]


def test_too_few_eligible_judges_is_reported():
    judges = [JudgeSlot(1, 5), JudgeSlot(2, 6)]
    plan = judging.plan_assignments([EntryNeed(10, 5, 2)], judges, seed=0)
    assert plan.pairs[10] == [2] and plan.short == {10: 1}


def test_extra_judge_is_eligible_and_least_loaded():
    judges = [
        JudgeSlot(1, 9, 0),
        JudgeSlot(2, None, 4),
        JudgeSlot(3, None, 2),
        JudgeSlot(4, None, 2),
    ]
    assert judging.pick_extra_judge(9, {4}, judges) == 3
    assert judging.pick_extra_judge(9, {2, 3, 4}, judges) is None


# --- aggregation ---------------------------------------------------------------------------


def sheets(*totals, extra=None):
    out = [SheetTotal(t * 100, t * 60, False) for t in totals]
    if extra is not None:
        out.append(SheetTotal(extra * 100, extra * 60, True))
    return out


def agg(items, rule="third_judge", expected=2, extra_assigned=False, threshold=2000):
    return judging.aggregate(
        items,
        expected_regular=expected,
        extra_assigned=extra_assigned,
        threshold_x100=threshold,
        rule=rule,
    )


def test_mean_of_totals_to_two_decimals():
    out = agg([SheetTotal(7025, 4000), SheetTotal(8050, 4500)])
    assert out.final_x100 == 7538 and out.first_x100 == 4250  # 75.375 rounds half up
    assert not out.discrepancy and not out.pending


def test_threshold_is_strict():
    assert agg(sheets(50, 70)).final_x100 == 6000  # differ by exactly 20: no third
    out = agg(sheets(50, 71))
    assert out.discrepancy and out.needs_extra and out.final_x100 is None


def test_pending_until_every_regular_sheet_is_in():
    assert agg(sheets(80)).pending
    assert agg([], expected=0).pending


def test_third_judge_rule_and_closest_two_mean():
    out = agg(sheets(40, 90, extra=70), extra_assigned=True)
    assert out.final_x100 == 7000 and out.first_x100 == 4200 and out.discrepancy
    out = agg(sheets(40, 90, extra=80), rule="closest_two_mean", extra_assigned=True)
    assert out.final_x100 == 8500  # 90 and 80 are the closest
    out = agg(sheets(40, 90, extra=65), rule="closest_two_mean", extra_assigned=True)
    assert out.final_x100 == 7750  # tie 25/25: the pair with the third judge, higher mean
    assert not agg(sheets(40, 90), extra_assigned=True).needs_extra


@pytest.mark.parametrize(
    ("value", "text"), [(7538, "75,38"), (8000, "80"), (7550, "75,5"), (25, "0,25"), (None, "")]
)
def test_points_text(value, text):
    assert judging.points_text(value) == text


# --- ranking and prizes --------------------------------------------------------------------

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def rec(entry_id, final, first, minutes, participant=None):
    return RankRecord(
        entry_id, participant or entry_id, final, first, T0 + timedelta(minutes=minutes)
    )


def test_ranking_ties_first_criterion_then_earlier_submission():
    records = [
        rec(1, 8000, 4000, 5),
        rec(2, 8000, 5000, 9),
        rec(3, 8000, 5000, 1),
        rec(4, 9000, 1000, 50),
        rec(5, 8000, 5000, 1),
    ]
    assert [r.entry_id for r in judging.rank(records)] == [4, 3, 5, 2, 1]


@given(st.permutations(range(8)))
def test_ranking_ignores_input_order(order):
    records = [rec(i + 1, (i % 3) * 1000, (i % 2) * 100, i % 4) for i in range(8)]
    shuffled = [records[i] for i in order]
    assert judging.rank(shuffled) == judging.rank(records)


def test_advance_top_k_or_cutoff():
    ranked = judging.rank([rec(1, 9000, 0, 0), rec(2, 7000, 0, 0), rec(3, 6999, 0, 0)])
    assert judging.advancing(ranked, "top_k", 2) == {1, 2}
    assert judging.advancing(ranked, "cutoff", 7000) == {1, 2}
    assert judging.advancing(ranked, None, None) == set()


def test_prizes_by_tier_one_per_participant():
    ranked = judging.rank(
        [
            rec(1, 9000, 0, 0, participant=7),
            rec(2, 8500, 0, 0, participant=7),
            rec(3, 8000, 0, 0),
            rec(4, 7000, 0, 0),
            rec(5, 6000, 0, 0),
        ]
    )
    prizes = judging.award(
        ranked, [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 2}]
    )
    assert prizes == {1: "Giải Nhất", 3: "Giải Nhì", 4: "Giải Nhì"}
