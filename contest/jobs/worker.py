"""``make worker``: an RQ worker with the app's configuration (``REDIS_URL``,
``DATABASE_URL`` …, the same environment as the web servers).

It builds the app, hands out again what dead workers left (at start and every half stale
limit: ``runner.sweep``), then runs an RQ ``Worker`` on the ``contest`` queue inside the
app's context. Each job runs in a forked work-horse (``--simple``: in this process).

    python -m contest.jobs.worker [--burst] [--simple] [--stale-seconds N] [--no-schedule]
"""

from __future__ import annotations

import argparse
import sys

from contest import create_app
from contest.jobs.queue import QUEUE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m contest.jobs.worker", description="Run the job worker (RQ)."
    )
    parser.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    parser.add_argument("--simple", action="store_true", help="run jobs here, without forking")
    parser.add_argument(
        "--stale-seconds",
        type=float,
        help="a running job whose heartbeat is older is taken over (default 60)",
    )
    parser.add_argument(
        "--no-schedule", action="store_true", help="leave scheduled work to cron instead"
    )
    parser.add_argument(
        "--heartbeat-seconds", type=float, help="how often a job writes its progress (default 5)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    from rq import Queue, SimpleWorker, Worker

    args = _parser().parse_args(argv)
    overrides: dict = {"JOBS_MODE": "rq"}
    if args.stale_seconds:
        overrides["JOBS_STALE_SECONDS"] = args.stale_seconds
    if args.no_schedule:
        overrides["JOBS_SCHEDULE"] = False
    if args.heartbeat_seconds:
        overrides["JOBS_HEARTBEAT_SECONDS"] = args.heartbeat_seconds
    app = create_app(overrides)
    if not app.config.get("REDIS_URL"):
        print("REDIS_URL is not set: the worker needs Redis.", file=sys.stderr)
        return 2
    backend = app.extensions["jobs"]
    connection = backend.redis()
    with app.app_context():
        backend.sweep_once()
        backend.start_sweeper()
        worker_class = SimpleWorker if args.simple else Worker
        worker = worker_class([Queue(QUEUE, connection=connection)], connection=connection)
        worker.work(burst=args.burst, with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
