"""``python -m contest.jobs.worker`` with every export paced: each progress report of an
export job sleeps ``EXPORT_PACE_SECONDS`` (default 0). The export itself is the real one;
the pause only gives a test the time to kill the worker in the middle of it.

    python -m tests.servers.paced_worker [the worker's options]
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time

from contest.jobs import kinds as _kinds  # noqa: F401  (registers the kinds first)
from contest.jobs.registry import KINDS
from contest.jobs.worker import main


def _paced(run, pace: float):
    def run_paced(params, *, now, actor, progress):
        def report(percent, step=None):
            progress(percent, step)
            time.sleep(pace)

        return run(params, now=now, actor=actor, progress=report)

    return run_paced


def pace_exports(pace: float) -> None:
    for name, kind in list(KINDS.items()):
        if name.startswith("export:"):
            KINDS[name] = dataclasses.replace(kind, run=_paced(kind.run, pace))


if __name__ == "__main__":
    pace_exports(float(os.environ.get("EXPORT_PACE_SECONDS", "0")))
    sys.exit(main(sys.argv[1:]))
