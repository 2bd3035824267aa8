"""Giải lan tỏa: the referral prizes of a round, a pure function over plain records (no
Flask, no database), like ``ranking`` and ``prizes``.

The rule (docs/sharing.md):

* A **credit** is a newcomer who registered through a participant's link (credited at
  sign-up: not the referrer again, not a duplicate account; ``services/referrals.py``)
  and then finished a ranked attempt of this round. ``finished_at`` is when their first
  such attempt ended. A newcomer counts once, for one referrer.
* Neither an ineligible referrer (staff, the round's exclusion list, the disqualified)
  nor an ineligible newcomer counts.
* Referrers are ordered by the number of credits, most first; between equal counts, the
  one who **reached** that count earlier ranks higher: ``reached_at`` is the
  ``finished_at`` of the credit that brought them to their count (the latest of theirs).
  Equal to the second, the older account (lower id) ranks higher, so the order is total.
* The first ``n`` referrers with at least one credit win a referral prize. It is apart
  from the score prizes: the same person may hold both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from contest.services.i18n import lazy_gettext

PRIZE_NAME = lazy_gettext("Giải lan tỏa")


@dataclass(frozen=True, slots=True)
class Credit:
    """A newcomer brought by ``referrer_id`` who finished an attempt at ``finished_at``."""

    referrer_id: int
    referred_id: int
    finished_at: datetime


@dataclass(frozen=True, slots=True)
class Standing:
    """A referrer's place: 1-based ``rank``, their ``count`` and when they reached it;
    ``winner`` when the place is within the round's ``n`` prizes."""

    rank: int
    referrer_id: int
    count: int
    reached_at: datetime
    winner: bool


def rank_referrers(
    credits: Iterable[Credit], n: int, *, ineligible: Iterable[int] = ()
) -> list[Standing]:
    """Every referrer with at least one counted credit, best first, by the rule above;
    the first ``n`` (``n`` ≥ 0) are winners."""
    banned = frozenset(ineligible)
    first: dict[int, Credit] = {}
    for c in credits:
        if c.referrer_id in banned or c.referred_id in banned or c.referrer_id == c.referred_id:
            continue
        seen = first.get(c.referred_id)
        # One newcomer counts once: keep their earliest finish (a stable choice).
        if seen is None or (c.finished_at, c.referrer_id) < (seen.finished_at, seen.referrer_id):
            first[c.referred_id] = c
    tally: dict[int, list] = {}
    for c in first.values():
        t = tally.setdefault(c.referrer_id, [0, c.finished_at])
        t[0] += 1
        t[1] = max(t[1], c.finished_at)
    order = sorted(tally.items(), key=lambda item: (-item[1][0], item[1][1], item[0]))
    return [
        Standing(i + 1, rid, count, reached, i < n)
        for i, (rid, (count, reached)) in enumerate(order)
    ]
