"""Apps for the job tests that need work to leave the request: each on its own database
(a fresh SQLite file, or a sibling PostgreSQL database ``<name>_jobs`` under ``--db-url``)
whose rows are committed for real, so a thread or another process can see them.

Redis tests use database 9 of the local Redis (``JOBS_TEST_REDIS_URL`` to change it) and
skip, saying why, when it cannot be reached.
"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import FreshContextClient

REDIS_URL = os.environ.get("JOBS_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
PASSWORD = "matkhau-jobs-123"
ORGANISER = "bantochuc@jobs.example.vn"
PARTICIPANT = "0355500999"


def redis_or_skip(url: str = REDIS_URL):
    """The test Redis at ``url``, flushed (only its own database), or a skip that says why."""
    try:
        from redis import Redis
        from redis.exceptions import RedisError

        connection = Redis.from_url(url, socket_connect_timeout=1)
        connection.ping()
    except (ImportError, RedisError, OSError) as exc:
        pytest.skip(f"Redis is not reachable at {url} ({exc}); CI runs these tests")
    connection.flushdb()
    return connection


def scratch_url(base_url: str | None, tmp_path, name: str) -> str:
    if not base_url or not base_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / (name + '.db')}"
    url = make_url(base_url)
    scratch = url.set(database=f"{url.database}_{name}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{scratch.database}"'))
    admin.dispose()
    return scratch.render_as_string(hide_password=False)


def build_app(url: str, **config):
    from flask_migrate import upgrade

    from contest import create_app

    app = create_app(
        {
            "SECRET_KEY": "jobs-test",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": None,
            "JOBS_HEARTBEAT_SECONDS": 0.2,
            "JOBS_STALE_SECONDS": 2,
            **config,
        }
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        upgrade(revision="heads")
    return app


def dispose(app) -> None:
    from contest.extensions import db

    app.extensions["jobs"].stop()  # its threads must not outlive it (the suite's session)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def make_job_app(request, tmp_path_factory):
    """``make_job_app(name, **config)``: a migrated app on its own database."""
    apps = []

    def make(name: str, **config):
        base = request.config.getoption("--db-url")
        url = scratch_url(base, tmp_path_factory.mktemp(name), f"jobs_{name}")
        app = build_app(url, **config)
        app.config["TEST_DATABASE_URI"] = url
        apps.append(app)
        return app

    yield make
    for app in apps:
        dispose(app)


def seed(app, *, manual: bool = False) -> dict:
    """An organiser, a participant and a round that ended an hour ago with five finished
    attempts (three prizes). Returns their ids."""
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import (
        Attempt,
        AttemptStatus,
        Contest,
        Gender,
        PredictionTarget,
        Role,
        Round,
        User,
    )
    from contest.services import accounts
    from contest.services.passwords import hash_password
    from question_bank.text import fold

    now = utcnow()
    stamp = f"{time.monotonic_ns()}"
    target = PredictionTarget.manual if manual else PredictionTarget.perfect_participants
    with app.app_context():
        organiser = db.session.scalar(db.select(User).where(User.email == ORGANISER))
        if organiser is None:
            organiser = accounts.create_account(
                role=Role.organiser,
                email=ORGANISER,
                password=PASSWORD,
                full_name="Ban Tổ chức",
                now=now,
            )
            db.session.add(
                User(
                    role=Role.participant,
                    full_name="Người dự thi",
                    name_key=fold("Người dự thi"),
                    phone=PARTICIPANT,
                    password_hash=hash_password(PASSWORD),
                    created_at=now,
                )
            )
        contest = Contest(title=f"Cuộc thi {stamp}", slug=f"cuoc-thi-{stamp}", created_at=now)
        db.session.add(contest)
        db.session.flush()
        round_ = Round(
            contest_id=contest.id,
            name="Tuần 1",
            opens_at=now - timedelta(days=7),
            closes_at=now - timedelta(hours=1),
            bank_ids=[],
            created_at=now,
            prediction_text="Có bao nhiêu người trả lời đúng tất cả?",
            prediction_target=target,
            prize_tiers=[{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 2}],
        )
        db.session.add(round_)
        db.session.flush()
        for i in range(5):
            user = User(
                role=Role.participant,
                full_name=f"Thí sinh {stamp} {i}",
                name_key=fold(f"thi sinh {stamp} {i}"),
                birth_date=date(1999, 1, 1 + i),
                gender=Gender.female,
                phone=f"03{int(stamp) % 10**6:06d}{i:02d}",
                password_hash="x",
                created_at=now,
            )
            db.session.add(user)
            db.session.flush()
            submitted = round_.opens_at + timedelta(hours=1, minutes=i)
            db.session.add(
                Attempt(
                    round_id=round_.id,
                    participant_id=user.id,
                    number=1,
                    seed=i,
                    status=AttemptStatus.submitted,
                    started_at=submitted - timedelta(minutes=5),
                    deadline=submitted + timedelta(minutes=10),
                    submitted_at=submitted,
                    score=20 - i,
                    total=20,
                    duration_ms=300_000,
                    prediction=i,
                )
            )
        db.session.commit()
        return {"round_id": round_.id, "organiser_id": organiser.id}


def sign_in(client, login: str = ORGANISER) -> str:
    response = client.post("/api/auth/login", json={"login": login, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["csrf_token"]


def wait_for(predicate, timeout: float = 30, every: float = 0.1):
    """Poll ``predicate`` until it returns something true; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"still waiting after {timeout} s")
