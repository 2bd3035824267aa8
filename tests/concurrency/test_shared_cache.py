"""Caches that must agree across servers (issue 13, item 1): a change made by one app
process is in the very next paper another process hands out.

The other "server" is a separate Python process with its own app on the same database
(SQLite file, or the ``_live`` PostgreSQL database with ``--db-url``), which keeps its
round settings and question pool cached between requests exactly as a gunicorn worker does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest

from contest.db import utcnow
from tests.seeding import open_round_with_bank

SERVER_B = r"""
import json, sys
from contest import create_app
from contest.db import utcnow
from tests.seeding import open_round_with_bank
from contest.extensions import db
from contest.models import User
from contest.services import attempt_start

app = create_app({"SECRET_KEY": "race", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "RATELIMIT_ENABLED": False, "SERVER_NAME": None})
for line in sys.stdin:
    ask = json.loads(line)
    with app.app_context():
        now = utcnow()
        user = db.session.get(User, ask["user_id"])
        body = attempt_start.start_new(ask["round_id"], user, requested_at=now, now=now)
        db.session.commit()
        print(json.dumps({"texts": sorted(q["text"] for q in body["questions"]),
                          "deadline": body["deadline"], "started_at": body["started_at"]}),
              flush=True)
"""


class OtherServer:
    def __init__(self, url: str, instance: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER_B, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "INSTANCE_PATH": instance},
        )

    def start(self, user_id: int, round_id: int) -> dict:
        self.proc.stdin.write(json.dumps({"user_id": user_id, "round_id": round_id}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the other server stopped"
        return json.loads(line)

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


@pytest.fixture
def world(race_app):
    """A participant-ready round of 5 questions (all on every paper) and four takers."""
    from contest.extensions import db
    from contest.models import Gender, Role, User

    now = utcnow()
    tag = now.strftime("%H%M%S%f")
    with race_app.app_context():
        seeded = open_round_with_bank(now, tag=tag, correct=1, time_limit=30)
        users = [
            User(
                role=Role.participant,
                full_name=f"Thí sinh {n}",
                name_key=f"thi sinh {n}",
                birth_date=date(1990, 1, 1),
                gender=Gender.female,
                id_number=f"{tag[-6:]}{n:06d}",
                phone=f"09{tag[-4:]}{n:04d}",
                unit_id=seeded["unit_id"],
                category_id=seeded["category_id"],
                password_hash="x",
                created_at=now,
            )
            for n in range(4)
        ]
        db.session.add_all(users)
        db.session.commit()
        ids = {
            "round": seeded["round_id"],
            "questions": seeded["question_ids"],
            "users": [u.id for u in users],
        }
        db.session.remove()
    return ids


def _minutes(body: dict) -> float:
    from datetime import datetime

    deadline = datetime.fromisoformat(body["deadline"].replace("Z", "+00:00"))
    started = datetime.fromisoformat(body["started_at"].replace("Z", "+00:00"))
    return round((deadline - started).total_seconds() / 60)


def test_a_change_on_one_server_is_in_the_next_paper_of_another(race_app, world, tmp_path):
    from sqlalchemy import update

    from contest.extensions import db
    from contest.models import Question, Round
    from contest.services import papers, shared_cache

    url = race_app.config["SQLALCHEMY_DATABASE_URI"]
    other = OtherServer(url, str(tmp_path))
    users, round_id = world["users"], world["round"]
    try:
        first = other.start(users[0], round_id)  # B caches the round and its pool now
        assert first["texts"] == [f"Câu hỏi số {i}?" for i in range(1, 6)]
        assert _minutes(first) == 30

        with race_app.app_context():
            before = shared_cache.version(shared_cache.QUIZ)
            db.session.rollback()
            # An edit through the ORM marks the cache by itself.
            db.session.get(Question, world["questions"][0]).text = "Câu hỏi mới?"
            db.session.commit()
            assert shared_cache.version(shared_cache.QUIZ) == before + 1
            db.session.remove()
        second = other.start(users[1], round_id)
        assert "Câu hỏi mới?" in second["texts"] and "Câu hỏi số 1?" not in second["texts"]

        with race_app.app_context():
            db.session.get(Round, round_id).time_limit_minutes = 20  # a round's settings
            db.session.commit()
            db.session.remove()
        assert _minutes(other.start(users[2], round_id)) == 20

        with race_app.app_context():
            # A bulk Core write (as the bank import does) says so with invalidate_pool.
            db.session.execute(
                update(Question)
                .where(Question.id == world["questions"][1])
                .values(text="Câu hỏi nạp lại?")
            )
            papers.invalidate_pool()
            db.session.commit()
            db.session.remove()
        fourth = other.start(users[3], round_id)
        assert "Câu hỏi nạp lại?" in fourth["texts"]
    finally:
        other.stop()


def test_a_rolled_back_change_bumps_nothing(race_app, world):
    from contest.extensions import db
    from contest.models import Question
    from contest.services import shared_cache

    with race_app.app_context():
        before = shared_cache.version(shared_cache.QUIZ)
        db.session.rollback()
        db.session.get(Question, world["questions"][2]).text = "Không lưu?"
        db.session.flush()
        db.session.rollback()
        assert shared_cache.version(shared_cache.QUIZ) == before
        db.session.remove()
