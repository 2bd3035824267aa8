"""Pure grading and clock rules (T1, T4, T5, G1, G2, G4) — table-driven and properties."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.services import grading
from contest.services.grading import PaperItem

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
CLOSE = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("started", "limit", "closes", "expected"),
    [
        (T0, 20, CLOSE, T0 + timedelta(minutes=20)),  # the time limit comes first
        (CLOSE - timedelta(minutes=5), 20, CLOSE, CLOSE),  # the round closes first
        (CLOSE - timedelta(minutes=20), 20, CLOSE, CLOSE),  # both at once
        (T0, 1, CLOSE, T0 + timedelta(minutes=1)),
    ],
)
def test_deadline_is_min_of_limit_and_close(started, limit, closes, expected):
    assert grading.attempt_deadline(started, limit, closes) == expected


@pytest.mark.parametrize(
    ("arrived_offset_s", "grace", "accepted"),
    [
        (-1, 10, True),
        (0, 10, True),
        (10, 10, True),
        (10.001, 10, False),
        (60, 10, False),
        (0, 0, True),
        (1, 0, False),
    ],
)
def test_writes_accepted_until_deadline_plus_grace(arrived_offset_s, grace, accepted):
    deadline = T0 + timedelta(minutes=20)
    arrived = deadline + timedelta(seconds=arrived_offset_s)
    assert grading.accepts_writes(deadline, grace, arrived) is accepted
    assert grading.is_overdue(deadline, grace, arrived) is (not accepted)


@pytest.mark.parametrize(
    ("submitted_offset", "limit", "expected_ms"),
    [
        (timedelta(minutes=7, seconds=42), 20, 462_000),
        (timedelta(minutes=25), 20, 1_200_000),  # capped at the time limit
        (timedelta(0), 20, 0),
        (timedelta(milliseconds=1500), 20, 1500),
    ],
)
def test_duration_capped_at_time_limit(submitted_offset, limit, expected_ms):
    assert grading.duration_ms(T0, T0 + submitted_offset, limit) == expected_ms


def test_submission_in_grace_counts_at_deadline():
    deadline = T0 + timedelta(minutes=20)
    assert grading.submission_time(deadline + timedelta(seconds=4), deadline) == deadline
    assert grading.submission_time(
        deadline - timedelta(seconds=4), deadline
    ) == deadline - timedelta(seconds=4)


@pytest.mark.parametrize(
    ("now", "closed_at", "state"),
    [
        (T0 - timedelta(seconds=1), None, "upcoming"),
        (T0, None, "open"),
        (CLOSE - timedelta(seconds=1), None, "open"),
        (CLOSE, None, "closed"),
        (T0 + timedelta(minutes=5), T0 + timedelta(minutes=1), "closed"),
    ],
)
def test_round_state(now, closed_at, state):
    assert grading.round_state(T0, CLOSE, closed_at, now) == state


def test_grade_all_or_nothing_for_several_correct():
    paper = [
        PaperItem(1, frozenset({11})),
        PaperItem(2, frozenset({21, 23})),
        PaperItem(3, frozenset({31}), points=2),
    ]
    assert grading.grade(paper, {1: [11], 2: [21, 23], 3: [31]}).score == 4
    assert grading.grade(paper, {1: [11], 2: [21], 3: [32]}).score == 1
    assert grading.grade(paper, {2: [21, 22, 23]}).score == 0
    assert grading.grade(paper, {}).total == 4  # G4: only the served questions count
    assert grading.grade(paper, {99: [1]}).score == 0  # answers off the paper are ignored


papers = st.lists(
    st.tuples(
        st.integers(1, 10_000),
        st.sets(st.integers(1, 6), min_size=1, max_size=3),
        st.integers(1, 3),
    ),
    min_size=1,
    max_size=25,
    unique_by=lambda t: t[0],
)


@settings(max_examples=60, deadline=None)
@given(papers, st.randoms(use_true_random=False), st.data())
def test_shuffling_never_changes_a_score(paper_spec, rnd, data):
    """G1/G2: grading keys on ids; any permutation of questions and options scores the same."""
    paper = [
        PaperItem(qid, frozenset(qid * 10 + o for o in correct), points)
        for qid, correct, points in paper_spec
    ]
    answers = {}
    for qid, _correct, _points in paper_spec:
        picked = data.draw(st.sets(st.integers(1, 6), max_size=3))
        answers[qid] = [qid * 10 + o for o in picked]
    shuffled = list(paper)
    rnd.shuffle(shuffled)
    shuffled_answers = {k: random.Random(k).sample(v, len(v)) for k, v in answers.items()}
    a, b = grading.grade(paper, answers), grading.grade(shuffled, shuffled_answers)
    assert a == b
    assert 0 <= a.score <= a.total == sum(p.points for p in paper)
