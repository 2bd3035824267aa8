"""Ranking: pure functions over plain records (G6: a total, documented order, invariant
under input order) and the actual value registry. Units: test_unit_ranking.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.services import ranking
from contest.services.ranking import Entry, ParticipantSummary

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def entry(aid, pid, score, prediction=None, duration=60_000, second=0, total=20):
    return Entry(aid, pid, score, total, prediction, duration, T0 + timedelta(seconds=second))


# --- examples for each preset ---------------------------------------------------------------


def order(entries, preset, actual):
    return [r.entry.participant_id for r in ranking.rank(entries, preset, actual)]


def test_default_preset_score_prediction_duration_submission_id():
    entries = [
        entry(1, 10, 18, prediction=100, duration=50_000),
        entry(2, 11, 19, prediction=None, duration=90_000),
        entry(3, 12, 18, prediction=104, duration=10_000),
        entry(4, 13, 18, prediction=96, duration=40_000, second=5),
        entry(5, 14, 18, prediction=96, duration=40_000, second=1),
        entry(6, 15, 18, prediction=None, duration=1_000),
        entry(7, 16, 18, prediction=96, duration=40_000, second=1),
    ]
    # 104 and 96 are equally far from 100: the shorter duration (12) goes first.
    assert order(entries, "default", 100) == [11, 10, 12, 14, 16, 13, 15]
    ranked = ranking.rank(entries, "default", 100)
    assert [r.decided_by for r in ranked] == [
        "score",
        "prediction",
        "duration",
        "attempt_id",
        "submitted",
        "prediction",
        None,
    ]
    assert [r.rank for r in ranked] == list(range(1, 8))
    assert ranked[1].distance == 0 and ranked[-1].distance is None


def test_vcnet_ignores_duration_phu_yen_puts_duration_before_prediction():
    entries = [
        entry(1, 1, 10, prediction=5, duration=90_000, second=1),
        entry(2, 2, 10, prediction=9, duration=10_000, second=2),
        entry(3, 3, 10, prediction=5, duration=10_000, second=3),
    ]
    assert order(entries, "vcnet", 5) == [1, 3, 2]
    assert order(entries, "phu_yen", 5) == [3, 2, 1]


def test_dong_nai_prefers_fewer_attempts():
    entries = [entry(1, 1, 10, duration=50_000), entry(2, 1, 3), entry(3, 2, 10, duration=50_000)]
    ranked = ranking.rank(entries, "dong_nai", None)
    assert [(r.entry.participant_id, r.attempts) for r in ranked] == [(2, 1), (1, 2)]
    assert ranked[0].decided_by == "attempts"


def test_no_prediction_ranks_after_any_prediction_however_far():
    entries = [entry(1, 1, 5, prediction=None), entry(2, 2, 5, prediction=10**12)]
    assert order(entries, "default", 0) == [2, 1]


def test_best_attempt_per_participant():
    entries = [
        entry(1, 1, 12, prediction=50, duration=30_000),
        entry(2, 1, 12, prediction=49, duration=60_000),
        entry(3, 1, 11, prediction=48, duration=1_000),
    ]
    # default: score, then the closer prediction; phu_yen: score, then the shorter time.
    assert ranking.best_attempts(entries, "default", 48)[1].attempt_id == 2
    assert ranking.best_attempts(entries, "phu_yen", 48)[1].attempt_id == 1


def test_unknown_preset_and_target():
    with pytest.raises(KeyError):
        ranking.rank([], "olympic", 0)
    with pytest.raises(KeyError):
        ranking.actual_value("nobody", ranking.RoundFacts(0, 0, 0))


def test_actual_value_registry():
    entries = [entry(1, 1, 20), entry(2, 1, 19), entry(3, 2, 19), entry(4, 3, 20)]
    facts = ranking.facts_of(ranking.summarise(entries))
    assert facts == ranking.RoundFacts(participants=3, attempts=4, perfect_participants=2)
    assert ranking.actual_value("perfect_participants", facts) == 2
    assert ranking.actual_value("participants", facts) == 3
    assert ranking.actual_value("attempts", facts) == 4
    assert ranking.actual_value("manual", facts, 1234) == 1234
    with pytest.raises(ranking.ActualValueRequired):
        ranking.actual_value("manual", facts)
    assert ranking.facts_of([ParticipantSummary(9, 2, False)]).perfect_participants == 0


# --- properties --------------------------------------------------------------------------------

entries_strategy = st.lists(
    st.builds(
        lambda pid, score, prediction, duration, second: (pid, score, prediction, duration, second),
        st.integers(1, 8),
        st.integers(0, 5),
        st.one_of(st.none(), st.integers(0, 30)),
        st.integers(1, 4),
        st.integers(0, 3),
    ),
    max_size=30,
).map(
    lambda rows: [
        entry(i + 1, pid, score, prediction, duration * 1000, sec)
        for i, (pid, score, prediction, duration, sec) in enumerate(rows)
    ]
)
presets = st.sampled_from(sorted(ranking.PRESETS))
actuals = st.one_of(st.none(), st.integers(0, 30))


@settings(max_examples=150, deadline=None)
@given(entries_strategy, presets, actuals, st.randoms(use_true_random=False))
def test_ranking_is_total_and_independent_of_input_order(entries, preset, actual, rnd):
    ranked = ranking.rank(entries, preset, actual)
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    again = ranking.rank(shuffled, preset, actual)
    assert [r.entry for r in ranked] == [r.entry for r in again]
    # One row per participant, ranks 1..n.
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    assert (
        len({r.entry.participant_id for r in ranked})
        == len(ranked)
        == len({e.participant_id for e in entries})
    )
    # Strictly increasing keys: a total order, no ties.
    counts = ranking.count_attempts(entries)
    key = ranking.sort_key(preset, actual, counts)
    keys = [key(r.entry) for r in ranked]
    assert all(a < b for a, b in zip(keys, keys[1:], strict=False))
    # The column-wise keys used for large rankings are the same keys.
    assert ranking.keys_of(entries, preset, actual, counts) == [key(e) for e in entries]


@settings(max_examples=150, deadline=None)
@given(entries_strategy, presets, actuals)
def test_best_attempt_is_chosen_by_the_ranking_key(entries, preset, actual):
    counts = ranking.count_attempts(entries)
    key = ranking.sort_key(preset, actual, counts)
    best = ranking.best_attempts(entries, preset, actual)
    for pid, chosen in best.items():
        own = [e for e in entries if e.participant_id == pid]
        assert chosen == min(own, key=key)
    assert {r.entry.attempt_id for r in ranking.rank(entries, preset, actual)} == {
        e.attempt_id for e in best.values()
    }


@settings(max_examples=100, deadline=None)
@given(entries_strategy, presets, actuals)
def test_loading_only_top_score_attempts_gives_the_same_ranking(entries, preset, actual):
    """The database loads only each participant's top-score attempts (every preset starts
    with the score), with their full attempt counts: the ranking must not change."""
    counts = ranking.count_attempts(entries)
    top = {}
    for e in entries:
        top[e.participant_id] = max(top.get(e.participant_id, -1), e.score)
    subset = [e for e in entries if e.score == top[e.participant_id]]
    assert [r.entry for r in ranking.rank(subset, preset, actual, counts)] == [
        r.entry for r in ranking.rank(entries, preset, actual)
    ]
