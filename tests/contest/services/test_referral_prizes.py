"""The pure rule of "giải lan tỏa" (services/referral_prizes.py): property tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from contest.services.referral_prizes import Credit, rank_referrers

T0 = datetime(2026, 12, 1, tzinfo=UTC)

credits_st = st.lists(
    st.builds(
        Credit,
        referrer_id=st.integers(1, 6),
        referred_id=st.integers(10, 40),
        finished_at=st.integers(0, 500).map(lambda m: T0 + timedelta(minutes=m)),
    ),
    max_size=60,
)


@given(credits_st, st.integers(0, 8), st.sets(st.integers(1, 40), max_size=5))
def test_properties(credits, n, banned):
    standings = rank_referrers(credits, n, ineligible=banned)
    # Places are 1..k, best first: more credits, then earlier reached.
    assert [s.rank for s in standings] == list(range(1, len(standings) + 1))
    keys = [(-s.count, s.reached_at, s.referrer_id) for s in standings]
    assert keys == sorted(keys)
    # The first n win; nobody without a credit is listed; the ineligible never are.
    assert [s.winner for s in standings] == [i < n for i in range(len(standings))]
    assert all(s.count >= 1 and s.referrer_id not in banned for s in standings)
    # Each newcomer counts once, for one referrer, and never when ineligible.
    counted = {c.referred_id for c in credits if c.referrer_id not in banned}
    counted -= banned
    assert sum(s.count for s in standings) <= len(counted)


def test_ties_go_to_whoever_reached_the_count_first():
    a = [Credit(1, 10, T0 + timedelta(hours=1)), Credit(1, 11, T0 + timedelta(hours=5))]
    b = [Credit(2, 12, T0 + timedelta(hours=2)), Credit(2, 13, T0 + timedelta(hours=3))]
    c = [Credit(3, 14, T0)]
    standings = rank_referrers(a + b + c, 2)
    assert [(s.referrer_id, s.count, s.winner) for s in standings] == [
        (2, 2, True),  # reached 2 at 3h
        (1, 2, True),  # reached 2 at 5h
        (3, 1, False),
    ]
    assert standings[0].reached_at == T0 + timedelta(hours=3)


def test_same_second_goes_to_the_older_account_and_a_newcomer_counts_once():
    same = T0 + timedelta(hours=1)
    standings = rank_referrers(
        [Credit(5, 20, same), Credit(4, 21, same), Credit(4, 20, same + timedelta(1))], 1
    )
    assert [(s.referrer_id, s.count) for s in standings] == [(4, 1), (5, 1)]


def test_disqualified_newcomers_and_referrers_do_not_count():
    standings = rank_referrers(
        [Credit(1, 10, T0), Credit(1, 11, T0), Credit(2, 12, T0)], 3, ineligible={11, 2}
    )
    assert [(s.referrer_id, s.count) for s in standings] == [(1, 1)]
