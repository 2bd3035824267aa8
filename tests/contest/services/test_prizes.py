"""Prize allocation: pure functions (product.md §3) and their invariants (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.services import prizes
from contest.services.prizes import Contender, PrizeOptions, Tier

DEFAULT_TIERS = [
    Tier("Giải Nhất", 1),
    Tier("Giải Nhì", 2),
    Tier("Giải Ba", 3),
    Tier("Giải Khuyến khích", 10),
]


def ranking_of(n, score=10, category=None):
    return [Contender(pid, score, category) for pid in range(1, n + 1)]


def names(allocation):
    return [(pid, a.tier_name) for pid, a in allocation.awards.items()]


def test_tiers_in_order_one_prize_each():
    allocation = prizes.allocate(ranking_of(20), DEFAULT_TIERS, PrizeOptions())
    assert names(allocation)[:4] == [
        (1, "Giải Nhất"),
        (2, "Giải Nhì"),
        (3, "Giải Nhì"),
        (4, "Giải Ba"),
    ]
    assert len(allocation.awards) == 16 and 17 not in allocation.awards


def test_fewer_contenders_than_prizes():
    allocation = prizes.allocate(ranking_of(2), DEFAULT_TIERS, PrizeOptions())
    assert names(allocation) == [(1, "Giải Nhất"), (2, "Giải Nhì")]


def test_min_score_cap_and_quotas():
    ranking = [
        Contender(1, 20, 1),
        Contender(2, 19, 1),
        Contender(3, 18, 2),
        Contender(4, 17, 3),
        Contender(5, 9, 2),
    ]
    options = PrizeOptions(min_score=10, max_share=0.8, category_quotas={1: 1}, other_quota=1)
    allocation = prizes.allocate(ranking, DEFAULT_TIERS, options)
    # cap floor(0.8 × 5) = 4; category 1 gets one prize; "others" (2 and 3 together) one.
    assert names(allocation) == [(1, "Giải Nhất"), (3, "Giải Nhì")]
    assert allocation.skipped == {2: prizes.SKIP_CATEGORY_QUOTA, 4: prizes.SKIP_CATEGORY_QUOTA}
    assert allocation.cap == 4


def test_share_cap_rounds_down_exactly():
    allocation = prizes.allocate(ranking_of(10), DEFAULT_TIERS, PrizeOptions(max_share=0.5))
    assert len(allocation.awards) == 5 and allocation.cap == 5


def test_once_per_contest_and_ineligible():
    allocation = prizes.allocate(
        ranking_of(5),
        [Tier("Giải Nhất", 2)],
        PrizeOptions(once_per_contest=True),
        earlier_winners={1},
        ineligible={2},
    )
    assert names(allocation) == [(3, "Giải Nhất"), (4, "Giải Nhất")]
    assert allocation.skipped == {1: prizes.SKIP_EARLIER_WINNER, 2: prizes.SKIP_NOT_ELIGIBLE}
    # Without the option, earlier winners may win again.
    assert (
        1
        in prizes.allocate(
            ranking_of(2), [Tier("A", 1)], PrizeOptions(), earlier_winners={1}
        ).awards
    )


def test_collective_tiers_go_to_units_only():
    tiers = [Tier("Giải Nhất", 1), Tier("Giải tập thể", 2, collective=True)]
    allocation = prizes.allocate(ranking_of(3), tiers, PrizeOptions())
    assert names(allocation) == [(1, "Giải Nhất")]
    units = prizes.allocate_collective([7, 8, 9], tiers)
    assert {u: a.tier_name for u, a in units.items()} == {7: "Giải tập thể", 8: "Giải tập thể"}
    assert units[7].tier_index == 1


def test_options_round_trip_and_validation():
    raw = {
        "min_score": 15,
        "max_share": 0.5,
        "once_per_contest": True,
        "category_quotas": {"3": 3, "4": 4},
        "other_quota": 3,
        "collective_method": "points",
    }
    options = PrizeOptions.from_dict(raw)
    assert options.category_quotas == {3: 3, 4: 4}
    assert options.to_dict() == raw
    assert PrizeOptions.from_dict({}).to_dict() == {}
    for bad in (
        {"min_score": -1},
        {"max_share": 1.5},
        {"max_share": 0},
        {"category_quotas": {"x": 1}},
        {"category_quotas": {"1": -2}},
        {"once_per_contest": "yes"},
        {"collective_method": "votes"},
    ):
        with pytest.raises(prizes.InvalidPrizeOptions):
            PrizeOptions.from_dict(bad)


def test_tiers_from_round_json():
    assert prizes.tiers_from(
        [{"name": "Giải Nhất", "count": 1}, {"name": "Tập thể", "count": 2, "collective": True}]
    ) == [Tier("Giải Nhất", 1), Tier("Tập thể", 2, True)]


# --- properties ------------------------------------------------------------------------------

contenders = st.lists(
    st.tuples(st.integers(1, 40), st.integers(0, 20), st.one_of(st.none(), st.integers(1, 3))),
    max_size=40,
)
tiers_st = st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=5).map(
    lambda ts: [Tier(f"Giải {i}", n, collective) for i, (n, collective) in enumerate(ts)]
)
options_st = st.builds(
    PrizeOptions,
    min_score=st.one_of(st.none(), st.integers(0, 20)),
    max_share=st.one_of(st.none(), st.floats(0.01, 1.0)),
    once_per_contest=st.booleans(),
    category_quotas=st.dictionaries(st.integers(1, 3), st.integers(0, 4), max_size=3),
    other_quota=st.one_of(st.none(), st.integers(0, 4)),
)


@settings(max_examples=300, deadline=None)
@given(
    contenders,
    tiers_st,
    options_st,
    st.sets(st.integers(1, 40), max_size=6),
    st.sets(st.integers(1, 40), max_size=6),
)
def test_allocation_invariants(rows, tiers, options, earlier, banned):
    # A ranking lists each participant once.
    seen, ranking = set(), []
    for pid, score, category in rows:
        if pid not in seen:
            seen.add(pid)
            ranking.append(Contender(pid, score, category))
    allocation = prizes.allocate(
        ranking, tiers, options, earlier_winners=earlier, ineligible=banned
    )
    awards = allocation.awards
    # No participant gets two prizes (dict keys), and the award names the holder.
    assert all(pid == a.holder_id for pid, a in awards.items())
    # Tiers are never exceeded; collective tiers never go to individuals.
    for i, tier in enumerate(tiers):
        given_ = sum(1 for a in awards.values() if a.tier_index == i)
        assert given_ <= (0 if tier.collective else tier.count)
    # The share cap holds.
    eligible = sum(1 for c in ranking if c.participant_id not in banned)
    cap = prizes.prize_cap(options, eligible)
    if cap is not None:
        assert len(awards) <= cap
    # Quotas hold.
    by_pid = {c.participant_id: c for c in ranking}
    if options.category_quotas:
        for category, limit in options.category_quotas.items():
            assert sum(1 for pid in awards if by_pid[pid].category_id == category) <= limit
        if options.other_quota is not None:
            assert (
                sum(1 for pid in awards if by_pid[pid].category_id not in options.category_quotas)
                <= options.other_quota
            )
    # Minimum score, exclusions, earlier winners.
    for pid in awards:
        assert pid not in banned
        assert options.min_score is None or by_pid[pid].score >= options.min_score
        assert not (options.once_per_contest and pid in earlier)
    # Better tiers go to better-ranked winners.
    order = [a.tier_index for a in awards.values()]
    assert order == sorted(order)
    # Greedy: if prizes were left, every eligible contender after the last winner was
    # unable to win.
    capacity = sum(t.count for t in tiers if not t.collective)
    if cap is not None:
        capacity = min(capacity, cap)
    if len(awards) < capacity:
        for c in ranking:
            if c.participant_id in awards:
                continue
            blocked = (
                c.participant_id in banned
                or (options.min_score is not None and c.score < options.min_score)
                or (options.once_per_contest and c.participant_id in earlier)
                or allocation.skipped.get(c.participant_id) == prizes.SKIP_CATEGORY_QUOTA
            )
            assert blocked
