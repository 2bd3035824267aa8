"""Pure ranking speed: ``ranking.rank`` over 100,000 attempts of 30,000 participants for
each preset, beside a bare ``sorted`` of the same entries by score (the same-run baseline).

Was a "test" that only checked a length; timing belongs here (machines are noisy).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contest.services import ranking  # noqa: E402
from contest.services.ranking import Entry  # noqa: E402

T0 = datetime(2026, 12, 1, 8, tzinfo=UTC)
ATTEMPTS = 100_000
PARTICIPANTS = 30_000


def entries(seed: int = 7) -> list[Entry]:
    rnd = random.Random(seed)
    return [
        Entry(
            i,
            rnd.randrange(PARTICIPANTS),
            rnd.randrange(21),
            20,
            rnd.randrange(200),
            rnd.randrange(1, 900) * 1000,
            T0 + timedelta(seconds=rnd.randrange(10_000)),
        )
        for i in range(1, ATTEMPTS + 1)
    ]


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    data = entries()
    participants = len({e.participant_id for e in data})
    bare = best_of(3, lambda: sorted(data, key=lambda e: (-e.score, e.attempt_id)))
    print(f"{ATTEMPTS:,} attempts, {participants:,} participants")
    print(f"bare sorted() by score: {bare * 1000:.0f} ms")
    for preset in ranking.PRESETS:
        ranked = ranking.rank(data, preset, 100)
        if len(ranked) != participants:
            print(f"{preset}: ranked {len(ranked)} rows, expected {participants}")
            return 1
        took = best_of(3, lambda p=preset: ranking.rank(data, p, 100))
        print(f"rank({preset!r}): {took * 1000:.0f} ms  ({took / bare:.1f}× the bare sort)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
