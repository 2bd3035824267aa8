"""When an attempt's clock starts: when its paper reaches the participant (issue 12).

Pure: plain datetimes in, plain datetimes out; the rules are tested from a table
(tests/contest/quiz/test_attempt_clock.py).

Four moments, all on the server's clock:

* ``requested_at`` — the start request arrived;
* ``handed_out_at`` — the server wrote the attempt and sent its paper;
* ``confirmed_at`` — the client's receipt confirmation arrived (``POST
  /api/attempts/{id}/received``), or None while it has not.

The clock starts at the hand-out and, once the client confirms, at the confirmation:
a participant who waited in a start rush, or on a slow mountain link, loses none of the
time limit. A confirmation counts only up to ``requested_at + max_delay_seconds`` (a
client cannot buy time by confirming late), never moves the start before the hand-out
(the server's own record), and the deadline never passes the round's close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# The longest a paper may take to arrive and still start the clock at its arrival.
DEFAULT_MAX_DELAY_SECONDS = 30


@dataclass(frozen=True)
class Clock:
    started_at: datetime
    deadline: datetime


def clock_start(
    requested_at: datetime,
    handed_out_at: datetime,
    confirmed_at: datetime | None,
    max_delay_seconds: float = DEFAULT_MAX_DELAY_SECONDS,
) -> datetime:
    """The moment the time limit counts from: max(hand-out, min(confirmation, request
    arrival + max delay)); the hand-out while nothing is confirmed."""
    if confirmed_at is None:
        return handed_out_at
    latest = requested_at + timedelta(seconds=max(0.0, max_delay_seconds))
    return max(handed_out_at, min(confirmed_at, latest))


def attempt_clock(
    requested_at: datetime,
    handed_out_at: datetime,
    confirmed_at: datetime | None,
    *,
    time_limit_minutes: int,
    closes_at: datetime,
    max_delay_seconds: float = DEFAULT_MAX_DELAY_SECONDS,
) -> Clock:
    """The attempt's start and deadline = min(start + time limit, round close); a start
    past the close is the close (the attempt has no time left)."""
    start = clock_start(requested_at, handed_out_at, confirmed_at, max_delay_seconds)
    deadline = min(start + timedelta(minutes=time_limit_minutes), closes_at)
    return Clock(min(start, deadline), deadline)
