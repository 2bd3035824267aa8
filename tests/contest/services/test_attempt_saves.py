"""The ordering rule of answer saves, table-driven (D3, T4; issue 10 item 7): the server
orders saves by their arrival; a device's sequence number orders only that device's own
saves; without a device id, saves with numbers count as one device's, as before."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.services import attempt_saves, attempts
from tests.conftest import NOW

S = timedelta(seconds=1)
OLDER, NEWER = attempt_saves.OLDER_RETRY, attempt_saves.NEWER_SAVE

# (first save: client, seq, arrival), (second save: client, seq, arrival), applied, reason
CASES = [
    # one device: its own numbers decide, whatever the arrival order
    (("a", 5, 0), ("a", 6, 1), True, None),
    (("a", 6, 0), ("a", 5, 1), False, OLDER),  # an old retry that arrived late
    (("a", 5, 1), ("a", 6, 0), True, None),  # a newer change processed after an older one
    (("a", 5, 0), ("a", 5, 1), True, None),  # the same save retried
    # two devices: arrival decides, numbers and clocks never compare across devices
    (("a", 1_830_000_000_000, 0), ("b", 1, 1), True, None),  # the second phone wins
    (("a", 1, 2), ("b", 999, 1), False, NEWER),  # arrived earlier, processed later: loses
    (("a", 7, 0), ("b", None, 1), True, None),
    # no device id: one unnamed device with numbers (the API before devices were named)
    ((None, 5, 0), (None, 4, 1), False, OLDER),
    ((None, 5, 0), (None, 6, 0), True, None),
    ((None, 5, 0), ("b", 1, 1), True, None),  # a named device is another device
    # no numbers at all: arrival alone
    ((None, None, 1), (None, None, 0), False, NEWER),
    (("a", None, 0), ("a", None, 1), True, None),
]


@pytest.mark.parametrize(("first", "second", "applied", "reason"), CASES)
def test_which_save_is_stored(db, make_round, make_user, first, second, applied, reason):
    attempt, _ = attempts.start_attempt(make_round(question_count=2), make_user(), now=NOW)
    q = attempt.questions[0]
    one, two = q.options[0]["id"], q.options[1]["id"]

    def save(choice, client, seq, at):
        return attempt_saves.save_answer(
            attempt, q.question_id, [choice], arrived_at=NOW + at * S, seq=seq, client=client
        )

    assert save(one, *first).applied  # the first save of a question always lands
    result = save(two, *second)
    assert (result.applied, result.reason) == (applied, reason)
    expected = two if applied else one
    assert result.option_ids == [expected]
    assert attempts.answers_of(attempt)[q.question_id] == [expected]
    assert result.client == (second[0] if applied else first[0])
