"""Regrade after a key change: 100,000 finished attempts of 20 questions (2,000,000 served
questions and answers) in a scratch SQLite file (``--pg``: also a scratch PostgreSQL
database, dropped afterwards). Closes the round once (version 1), changes the key of one
question served to every attempt, then times ``regrade.regrade_round``: grading every
attempt again and recomputing the result as version 2. Prints the time and the peak RSS
of the process (``make bench`` runs it; ``BENCH=regrade make bench`` alone).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import drop_database, scratch_database  # noqa: E402

OPENS = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
QUESTIONS = 20


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fill(db, attempts: int):
    """A bank of QUESTIONS questions (B correct), a closed round, ``attempts`` participants
    with one finished attempt each; answers drawn so the scores spread."""
    from sqlalchemy import insert

    from contest.models import (
        Answer,
        Attempt,
        AttemptQuestion,
        Contest,
        Option,
        Question,
        QuestionBank,
        Role,
        Round,
        User,
    )

    bank = QuestionBank(name="Đo hiệu năng", created_at=OPENS)
    db.session.add(bank)
    db.session.flush()
    questions = []
    for i in range(QUESTIONS):
        q = Question(
            bank_id=bank.id,
            topic="T",
            text=f"Câu {i}",
            key=f"k{i}",
            created_at=OPENS,
            updated_at=OPENS,
        )
        db.session.add(q)
        db.session.flush()
        opts = [
            Option(question_id=q.id, position=p, text=f"{i}-{p}", is_correct=p == 1)
            for p in range(4)
        ]
        db.session.add_all(opts)
        db.session.flush()
        questions.append((q, [o.id for o in opts]))
    contest = Contest(title="Đo", slug="do", is_published=True, created_at=OPENS)
    db.session.add(contest)
    db.session.flush()
    round_ = Round(
        contest_id=contest.id,
        name="Đợt",
        opens_at=OPENS,
        closes_at=OPENS + timedelta(days=7),
        question_count=QUESTIONS,
        bank_ids=[bank.id],
        published_at=OPENS,
        created_at=OPENS,
        prize_tiers=[
            {"name": "Giải Nhất", "count": 1},
            {"name": "Giải Nhì", "count": 2},
            {"name": "Giải Ba", "count": 3},
        ],
    )
    db.session.add(round_)
    db.session.flush()
    users = [
        {
            "role": Role.participant,
            "full_name": f"Người {i}",
            "name_key": f"nguoi {i}",
            "email": f"u{i}@b.vn",
            "password_hash": "x",
            "created_at": OPENS,
        }
        for i in range(attempts)
    ]
    for start in range(0, attempts, 20_000):
        db.session.execute(insert(User), users[start : start + 20_000])
    uid0 = db.session.scalar(db.select(db.func.min(User.id)).where(User.role == Role.participant))
    rows_a, rows_q, rows_ans = [], [], []
    for i in range(attempts):
        aid = i + 1
        at = OPENS + timedelta(seconds=i)
        right = 0
        for pos, (q, opts) in enumerate(questions):
            pick = opts[1] if (i * 7 + pos * 13) % 10 < 6 else opts[(i + pos) % 4]
            right += pick == opts[1]
            rows_q.append(
                {
                    "attempt_id": aid,
                    "position": pos,
                    "question_id": q.id,
                    "question_version": 1,
                    "text": q.text,
                    "options": [{"id": o, "text": ""} for o in opts],
                    "correct_option_ids": [opts[1]],
                    "points": 1,
                }
            )
            rows_ans.append(
                {
                    "attempt_id": aid,
                    "question_id": q.id,
                    "option_ids": [pick],
                    "saved_at": at,
                    "seq": 0,
                }
            )
        rows_a.append(
            {
                "id": aid,
                "round_id": round_.id,
                "participant_id": uid0 + i,
                "number": 1,
                "is_practice": False,
                "seed": i,
                "status": "submitted",
                "started_at": at,
                "deadline": at + timedelta(minutes=20),
                "submitted_at": at + timedelta(minutes=5),
                "score": right,
                "total": QUESTIONS,
                "duration_ms": 300_000 + i,
                "prediction": i % 50,
            }
        )
        if len(rows_q) >= 100_000 or i == attempts - 1:
            db.session.execute(insert(Attempt.__table__), rows_a)
            db.session.execute(insert(AttemptQuestion.__table__), rows_q)
            db.session.execute(insert(Answer.__table__), rows_ans)
            rows_a, rows_q, rows_ans = [], [], []
    db.session.commit()
    return round_.id, questions[0]


def bench(label: str, url: str, attempts: int) -> None:
    from flask_migrate import upgrade

    from contest import create_app
    from contest.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        round_id, (question, opts) = _fill(db, attempts)
        print(
            f"generate {attempts} attempts x {QUESTIONS} questions ({label}): "
            f"{time.perf_counter() - started:.1f} s (not a target)",
            flush=True,
        )
        from contest.models import Round
        from contest.services import answer_keys, regrade, result_closing

        now = OPENS + timedelta(days=8)
        round_ = db.session.get(Round, round_id)
        result_closing.close_round(round_, actor=None, now=now)
        db.session.commit()
        answer_keys.revise_key(
            question, "change", [opts[2]], "Đo", round_=round_, actor=None, now=now
        )
        db.session.commit()
        before = _rss_mb()
        started = time.perf_counter()
        outcome = regrade.regrade_round(round_, actor=None, now=now)
        db.session.commit()
        seconds = time.perf_counter() - started
        print(
            f"regrade {outcome.regraded} attempts ({label}): {seconds:.2f} s, "
            f"{outcome.changed} scores changed, result version {outcome.close.result.version}; "
            f"peak RSS {_rss_mb():.0f} MB (before {before:.0f} MB)",
            flush=True,
        )
        db.session.remove()
        db.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--pg", action="store_true", help="also on a scratch PostgreSQL database")
    args, _rest = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", scratch_database("sqlite", Path(tmp), "bench_regrade"), args.attempts)
    if args.pg:
        url = scratch_database("pg", Path("."), "bench_regrade_d")
        try:
            bench("PostgreSQL", url, args.attempts)
        finally:
            drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
