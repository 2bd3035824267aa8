"""The clock starts when the paper reaches the participant (issue 12): table-driven rules
of ``attempt_clock``, with delivery delays, the bound on a late confirmation and the
round's close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contest.services.attempt_clock import attempt_clock, clock_start

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # the start request arrives
LIMIT = 20  # minutes
FAR = T0 + timedelta(days=1)  # a round closing long after


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# (case, handed out at, confirmed at, round closes at, max delay, start, deadline)
CASES = [
    ("not confirmed: counts from the hand-out", s(0), None, FAR, 30, s(0), s(1200)),
    ("hand-out after 4 s of queueing, unconfirmed", s(4), None, FAR, 30, s(4), s(1204)),
    ("confirmed 2 s after a 4 s hand-out", s(4), s(6), FAR, 30, s(6), s(1206)),
    ("a rush: handed out at 9 s, confirmed at 9.4 s", s(9), s(9.4), FAR, 30, s(9.4), s(1209.4)),
    ("confirmed exactly at the bound", s(1), s(30), FAR, 30, s(30), s(1230)),
    ("confirmed late: bounded by arrival + 30 s", s(1), s(75), FAR, 30, s(30), s(1230)),
    ("a shorter configured bound", s(1), s(20), FAR, 10, s(10), s(1210)),
    ("bound 0: the clock starts at the hand-out", s(3), s(20), FAR, 0, s(3), s(1203)),
    ("the server itself handed out after the bound", s(40), s(41), FAR, 30, s(40), s(1240)),
    ("a confirmation before the hand-out is the hand-out", s(5), s(4), FAR, 30, s(5), s(1205)),
    ("round closes before the limit runs out", s(0), s(5), s(600), 30, s(5), s(600)),
    ("round closes 2 s after a late delivery", s(0), s(20), s(10), 30, s(10), s(10)),
]


@pytest.mark.parametrize(
    ("handed_out", "confirmed", "closes", "max_delay", "start", "deadline"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_clock_rules(handed_out, confirmed, closes, max_delay, start, deadline):
    clock = attempt_clock(
        T0,
        handed_out,
        confirmed,
        time_limit_minutes=LIMIT,
        closes_at=closes,
        max_delay_seconds=max_delay,
    )
    assert (clock.started_at, clock.deadline) == (start, deadline)


@pytest.mark.parametrize("delay", [0, 0.3, 1, 5, 9.9, 17, 29.99])
def test_usable_time_is_the_whole_limit_for_any_delivery_delay_within_the_bound(delay):
    """Whatever the rush costs (up to the bound), the time after delivery is the limit."""
    delivered = s(delay)
    clock = attempt_clock(
        T0, s(min(delay, 0.2)), delivered, time_limit_minutes=LIMIT, closes_at=FAR
    )
    assert clock.deadline - delivered == timedelta(minutes=LIMIT)


def test_start_never_before_the_hand_out_nor_after_the_bound():
    for handed in (0, 3, 12):
        for confirmed in (None, 0, 2, 15, 31, 90):
            start = clock_start(T0, s(handed), None if confirmed is None else s(confirmed))
            assert start >= s(handed)
            assert start <= max(s(handed), s(30))
