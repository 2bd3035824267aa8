"""The pure advancement rule of the funnel: top K per unit, a cut-off, both, quotas per
unit, ties at the boundary decided (and named) by the round's chain, rows without a group,
the diff against the list in force, and the unit grouping."""

from __future__ import annotations

import pytest

from contest.services.advancement import Row, Rule, advance, diff, group_of

CHAIN = ("score", "prediction", "duration", "submitted", "attempt_id")


def rows(*spec):
    """(participant, score, group, decided_by) in rank order."""
    return [Row(p, rank, score, group, key) for rank, (p, score, group, key) in enumerate(spec, 1)]


# Two units: A (1) and B (2), one row without a group.
RANKED = rows(
    (10, 9, 1, "score"),
    (20, 8, 2, "score"),
    (11, 7, 1, "duration"),  # 11 and 12 have the same score: duration decides
    (12, 7, 1, "score"),
    (21, 6, 2, "score"),
    (13, 5, 1, "score"),
    (99, 5, None, "score"),
    (22, 4, 2, None),
)


def ids(outcome):
    return [r.participant_id for r in outcome.qualified]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (Rule(top_k=1), [10, 20]),
        (Rule(top_k=2), [10, 20, 11, 21]),
        (Rule(top_k=10), [10, 20, 11, 12, 21, 13, 22]),
        (Rule(min_score=7), [10, 20, 11, 12]),
        (Rule(top_k=3, min_score=6), [10, 20, 11, 12, 21]),
        (Rule(top_k=1, quotas={2: 3}), [10, 20, 21, 22]),
        (Rule(top_k=2, quotas={1: 0}), [20, 21]),
        (Rule(min_score=5, quotas={1: 1}), [10, 20, 21]),
    ],
)
def test_who_goes_on(rule, expected):
    assert ids(advance(RANKED, rule, CHAIN)) == expected


def test_k_is_exact_and_the_tie_is_named():
    outcome = advance(RANKED, Rule(top_k=2), CHAIN)
    a = next(g for g in outcome.groups if g.group_id == 1)
    assert [r.participant_id for r in a.qualified] == [10, 11]
    # 11 and 12 both have 7: the chain's duration key separated them.
    assert a.boundary_key == "duration"
    assert (a.took_part, a.passed_cutoff, a.limit) == (4, 4, 2)
    b = next(g for g in outcome.groups if g.group_id == 2)
    assert b.boundary_key is None  # 21 (6) and 22 (4) differ by score
    assert outcome.ungrouped == 1


def test_the_separating_key_is_the_earliest_between_non_neighbours():
    # 1 and 3 in the same group, 2 of another group between them: the pair (1, 2) is
    # separated by duration, (2, 3) by submitted: 1 and 3 differ first on duration.
    ranked = rows((1, 5, 7, "duration"), (2, 5, 8, "submitted"), (3, 5, 7, None))
    (group,) = [g for g in advance(ranked, Rule(top_k=1), CHAIN).groups if g.group_id == 7]
    assert group.boundary_key == "duration"


def test_a_rule_needs_k_a_cutoff_or_quotas():
    with pytest.raises(ValueError):
        advance(RANKED, Rule(), CHAIN)


def test_input_order_does_not_matter():
    assert ids(advance(list(reversed(RANKED)), Rule(top_k=2), CHAIN)) == [10, 20, 11, 21]


def test_diff():
    assert diff([1, 2, 3], [2, 3, 4]) == {"added": [4], "removed": [1]}
    assert diff([], []) == {"added": [], "removed": []}


def test_group_of_walks_up_to_the_kind():
    parents = {1: (None, "province"), 2: (1, "commune"), 3: (2, "school"), 4: (None, "other")}
    assert group_of(3, "unit", parents) == 3
    assert group_of(3, "commune", parents) == 2
    assert group_of(2, "commune", parents) == 2
    assert group_of(3, "province", parents) == 1
    assert group_of(4, "commune", parents) is None
    assert group_of(None, "commune", parents) is None
