"""Notification batches: N participants (2,000) eligible for a round that has just opened;
``notify_scan`` is queued as the schedule does, and the "round opens" emails go out in
batches of ``NOTIFY_BATCH`` (200) through the job queue (thread mode, the default without
Redis: each batch claims its people in the database, sends, then queues the next) to a
local aiosmtpd sink in a process of its own. Then, in the same run and to the same sink,
the same messages (composed beforehand, not timed) through a bare ``smtplib`` loop on one
connection: the baseline. Prints emails/s, the number of batches, the memory (RSS before,
peak) and the ratio to the baseline; with ``--per-connection`` also a loop opening one
connection per message, as ``mail.send`` does, which tells the cost of the SMTP connections
from that of the queue and the database.

``BENCH=notifications make bench`` (2,000 people: well under a minute on a quiet machine);
``.venv/bin/python bench/bench_notifications.py [--people 10000] [--batch B]
[--mode thread|inline] [--per-connection] [--pg]`` (``--pg``: also on a scratch PostgreSQL
database, dropped afterwards).
"""

from __future__ import annotations

import argparse
import resource
import smtplib
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import drop_database, free_port, scratch_database  # noqa: E402

# The sink: aiosmtpd in its own process (its parsing never competes with the app for the
# GIL); it counts the messages and their distinct recipients, and answers "count" on stdin.
SINK = """
import sys, threading
from aiosmtpd.controller import Controller

class Sink:
    def __init__(self):
        self.messages, self.rcpt, self.lock = 0, set(), threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages += 1
            self.rcpt.update(envelope.rcpt_tos)
        return "250 OK"

sink = Sink()
controller = Controller(sink, hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
for line in sys.stdin:
    with sink.lock:
        print(sink.messages, len(sink.rcpt), flush=True)
controller.stop()
"""


class SmtpSink:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SINK, str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")

    def count(self) -> tuple[int, int]:
        """(messages received, distinct recipients) so far."""
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        messages, recipients = self.proc.stdout.readline().split()
        return int(messages), int(recipients)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1024 / 1024


def _seed(db, people: int, now: datetime) -> int:
    """A unit, a published contest, a round opened a minute ago, ``people`` participants
    with an email and a complete profile (bulk insert: no password hashing)."""
    from sqlalchemy import insert

    from contest.models import Contest, Role, Round, Unit, User

    unit = Unit(name="Xã Đo Hiệu Năng", name_key="xa do hieu nang")
    contest = Contest(title="Hội thi đo hiệu năng", slug="do-thong-bao", is_published=True)
    contest.created_at = now
    db.session.add_all([unit, contest])
    db.session.flush()
    round_ = Round(
        contest_id=contest.id,
        name="Tuần 1",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=7),
        question_count=10,
        bank_ids=[],
        published_at=now - timedelta(days=1),
        created_at=now - timedelta(days=1),
    )
    db.session.add(round_)
    db.session.flush()
    rows = [
        {
            "role": Role.participant,
            "full_name": f"Người Dự Thi {i}",
            "name_key": f"nguoi du thi {i}",
            "email": f"nguoi{i}@bench.example.vn",
            "birth_date": datetime(1990, 1, 1).date(),
            "id_number": f"{i:012d}",
            "unit_id": unit.id,
            "password_hash": "x",
            "created_at": now - timedelta(days=2),
        }
        for i in range(people)
    ]
    for start in range(0, people, 5000):
        db.session.execute(insert(User), rows[start : start + 5000])
    db.session.commit()
    return round_.id


def _wait_for_jobs(db, people: int, timeout: float) -> float:
    """Until no notification job waits or runs and every person has their row; returns
    the highest RSS (MB) seen meanwhile (sampled every 50 ms: a second run in the same
    process cannot read its own peak from ``ru_maxrss``)."""
    from sqlalchemy import func, select

    from contest.models.job import Job, JobStatus
    from contest.models.notification import Notification

    deadline = time.monotonic() + timeout
    peak = _rss_mb()
    while time.monotonic() < deadline:
        peak = max(peak, _rss_mb())
        busy = db.session.scalar(
            select(func.count(Job.id)).where(Job.status.in_([JobStatus.queued, JobStatus.running]))
        )
        told = db.session.scalar(select(func.count(Notification.id)))
        # End the read before waiting: on SQLite (BEGIN IMMEDIATE) an open transaction
        # holds the write lock the batches need.
        db.session.rollback()
        if not busy and told >= people:
            return peak
        time.sleep(0.05)
    raise TimeoutError(f"the batches did not finish within {timeout:.0f} s")


def _messages(round_id: int, now: datetime):
    """The same emails the batches sent, composed as ``EmailNotifier`` does (not timed)."""
    from sqlalchemy import select

    from contest.extensions import db
    from contest.jobs.notification_kinds import settings
    from contest.models import Role, Round, User
    from contest.services import mail, notifications

    config = settings()
    mail_settings = mail.MailSettings.from_config(config.config)
    round_ = db.session.get(Round, round_id)
    out = []
    for user in db.session.scalars(
        select(User).where(User.role == Role.participant).order_by(User.id)
    ):
        message = notifications.compose(notifications.OPENED, round_, user, {}, config)
        composed = mail.compose(
            mail_settings, to=user.email, subject=message.subject, body=message.body
        )
        composed["List-Unsubscribe"] = f"<{message.unsubscribe}>"
        out.append(composed)
    return out


def _bare(port: int, messages, *, per_message: bool) -> float:
    """Seconds to send ``messages`` with a bare smtplib loop (one connection, or one per
    message)."""
    started = time.perf_counter()
    if per_message:
        for m in messages:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                smtp.send_message(m)
    else:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            for m in messages:
                smtp.send_message(m)
    return time.perf_counter() - started


def bench(label: str, url: str, args) -> bool:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from contest import create_app
    from contest.extensions import db
    from contest.jobs.queue import enqueue
    from contest.models.job import Job, JobStatus

    people, batch, per_message = args.people, args.batch, args.per_connection
    sink = SmtpSink()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "JOBS_MODE": args.mode,
            "JOBS_SCHEDULE": False,
            "NOTIFY_BATCH": batch,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": sink.port,
            "MAIL_FROM": "hoithi@bench.example.vn",
            "PUBLIC_BASE_URL": "https://hoithi.example.vn",
        }
    )
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            round_id = _seed(db, people, now)
            seeded = time.perf_counter() - started
            before = _rss_mb()
            started = time.perf_counter()
            enqueue("notify_scan", {}, actor=None, now=now)
            db.session.remove()
            peak = _wait_for_jobs(db, people, timeout=600)
            took = time.perf_counter() - started
            batches = db.session.scalar(
                select(func.count(Job.id)).where(
                    Job.kind == "notify_batch", Job.status == JobStatus.done
                )
            )
            failed = db.session.scalar(
                select(func.count(Job.id)).where(Job.status == JobStatus.failed)
            )
            received, recipients = sink.count()
            messages = _messages(round_id, now)
            db.session.remove()
        bare = _bare(sink.port, messages, per_message=False)
        each = _bare(sink.port, messages, per_message=True) if per_message else None
        total, _distinct = sink.count()
    finally:
        app.extensions["jobs"].stop()
        sink.close()
        with app.app_context():
            db.engine.dispose()
    expected_total = people * (3 if per_message else 2)
    ok = received == recipients == people and failed == 0 and total == expected_total
    print(
        f"notify {people:,} 'round opens' emails ({label}): {took:.2f} s = "
        f"{people / took:,.0f} emails/s in {batches} batches of {batch} via the job queue "
        f"({args.mode} mode); RSS {before:.0f} MB before, peak {peak:.0f} MB while sending "
        f"(seeding {seeded:.1f} s, not timed)",
        flush=True,
    )
    print(
        f"  bare smtplib loop, one connection: {bare:.2f} s = {people / bare:,.0f} emails/s; "
        f"the batches take {took / bare:.1f}× the bare loop",
        flush=True,
    )
    if each is not None:
        print(
            f"  bare smtplib loop, a connection per message (as mail.send): {each:.2f} s = "
            f"{people / each:,.0f} emails/s; the batches take {took / each:.1f}× that",
            flush=True,
        )
    if not ok:
        print(
            f"  WRONG: the sink got {received} messages for {recipients} people (expected "
            f"{people}), {failed} failed jobs, {total} messages in all (expected "
            f"{expected_total})",
            file=sys.stderr,
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=200, help="NOTIFY_BATCH")
    parser.add_argument("--mode", choices=["thread", "inline"], default="thread", help="JOBS_MODE")
    parser.add_argument(
        "--per-connection",
        action="store_true",
        help="also a bare loop opening a connection per message",
    )
    parser.add_argument("--pg", action="store_true", help="also on a scratch PostgreSQL database")
    args, _rest = parser.parse_known_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        url = scratch_database("sqlite", Path(tmp), "bench_notifications")
        ok &= bench("SQLite", url, args)
    if args.pg:
        url = scratch_database("pg", Path("."), "bench_notifications_e")
        try:
            ok &= bench("PostgreSQL", url, args)
        finally:
            drop_database(url)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
