"""gunicorn's settings, read from the working directory by every ``gunicorn`` started here
(``make run``, the benchmarks); a deployment passing ``-c`` gives its own.

Each worker's threads share one interpreter lock (GIL). A thread back from the database
(SQLite's write lock held, or a PostgreSQL reply in hand) waits for the lock up to
Python's switch interval, 5 ms by default, while another thread runs Python; under the
start rush that wait was most of the time SQLite's write lock was held. A 0.5 ms
interval hands the lock back sooner: measured on the 2-core box, 800 participants
starting at once on SQLite, 26-29 -> 41 starts/s and the mean write-lock hold 6.7-15 ms
-> 5-12 ms, alternating runs (docs/operations.md). ``GIL_SWITCH_INTERVAL`` (seconds)
overrides it.
"""

import os
import sys


def post_fork(_server, _worker):
    sys.setswitchinterval(float(os.environ.get("GIL_SWITCH_INTERVAL", "0.0005")))
