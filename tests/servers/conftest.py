"""Several app servers on one PostgreSQL database and one Redis (issue 13, item 4).

Two gunicorn servers (A and B) on two free ports, one job worker, all with the same
``SECRET_KEY``, ``DATABASE_URL`` (a scratch database ``<name>_servers`` beside the suite's)
and ``REDIS_URL`` (database 11 of the local Redis, ``SERVERS_TEST_REDIS_URL`` to change it,
flushed before and after). Skipped, saying why, when the suite's database is not
PostgreSQL or Redis cannot be reached: ``make test``'s second pass and CI run them.
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import valid_cccd
from tests.contest.jobs.conftest import ORGANISER, PASSWORD, redis_or_skip, seed
from tests.seeding import open_round_with_bank
from tests.servers import procs

REDIS_URL = os.environ.get("SERVERS_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
SECRET = "servers-test-secret"
PARTICIPANT_PASSWORD = "matkhau-may-chu-2026"
EXPORT_PACE_SECONDS = 0.7  # each progress step of an export, so it can be killed mid-way


def postgres_url_or_skip(request) -> str:
    url = request.config.getoption("--db-url")
    if not url or not url.startswith("postgresql"):
        pytest.skip(
            "several servers need one PostgreSQL database: run with "
            "--db-url postgresql+psycopg://… (make test's second pass and CI do)"
        )
    return url


def scratch_database(base_url: str, suffix: str) -> str:
    """A fresh database ``<name>_<suffix>`` beside the suite's; returns its URL."""
    url = make_url(base_url)
    scratch = url.set(database=f"{url.database}_{suffix}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{scratch.database}"'))
    admin.dispose()
    return scratch.render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def migrated_app(url: str):
    """An app on ``url`` with the schema built by the migrations (the test's own handle
    on the database: seeding and reading rows)."""
    from flask_migrate import upgrade

    from contest import create_app

    app = create_app(
        {
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": url,
            "SERVER_NAME": None,
            "JOBS_MODE": "inline",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade(revision="heads")
    return app


def seed_open_round(app) -> dict:
    """A unit and category (for registering), an open round whose bank has exactly as many
    questions as a paper, and two participants. Returns their ids and phones."""
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Gender, Role, User
    from contest.services.passwords import hash_password
    from question_bank.text import fold

    now = utcnow()
    with app.app_context():
        seeded = open_round_with_bank(now, tag="servers", correct=0, time_limit=20)
        phones = []
        for i in range(3):
            phone = f"091230000{i}"
            db.session.add(
                User(
                    role=Role.participant,
                    full_name=f"Thí sinh máy chủ {i}",
                    name_key=fold(f"thi sinh may chu {i}"),
                    birth_date=date(1990, 1, 1 + i),
                    gender=Gender.male,
                    id_number=valid_cccd(date(1990, 1, 1 + i), "male"),
                    phone=phone,
                    unit_id=seeded["unit_id"],
                    category_id=seeded["category_id"],
                    password_hash=hash_password(PARTICIPANT_PASSWORD),
                    created_at=now,
                )
            )
            phones.append(phone)
        db.session.commit()
        ids = {
            "unit_id": seeded["unit_id"],
            "category_id": seeded["category_id"],
            "bank_id": seeded["bank_id"],
            "open_round_id": seeded["round_id"],
            "question_ids": seeded["question_ids"],
            "phones": phones,
        }
        db.session.remove()
        return ids


class Cluster:
    """Two app servers, a worker, and what the test knows about the database."""

    def __init__(self, app, url: str, tmp: Path, ids: dict):
        self.app, self.url, self.tmp, self.ids = app, url, tmp, ids
        self.env = {
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": str(tmp / "instance"),
            "PROXY_FIX": "1",  # the address behind nginx comes from X-Forwarded-For
            "EXPORT_PACE_SECONDS": str(EXPORT_PACE_SECONDS),
        }
        self.log = tmp / "processes.log"
        self.ports = [procs.free_port(), procs.free_port()]
        self.servers = [procs.gunicorn(port, self.env, self.log) for port in self.ports]
        self.worker = None
        self.start_worker()

    @property
    def a(self) -> str:
        return f"http://127.0.0.1:{self.ports[0]}"

    @property
    def b(self) -> str:
        return f"http://127.0.0.1:{self.ports[1]}"

    def start_worker(self) -> None:
        self.worker = procs.worker(
            self.env, self.log, "--stale-seconds", "3", "--heartbeat-seconds", "0.3"
        )

    def stop(self) -> None:
        for process in [*self.servers, self.worker]:
            if process is not None:
                procs.stop(process)


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory):
    base = postgres_url_or_skip(request)
    redis = redis_or_skip(REDIS_URL)
    url = scratch_database(base, "servers")
    app = migrated_app(url)
    ids = {**seed_open_round(app), **seed(app)}
    tmp = tmp_path_factory.mktemp("servers")
    cluster = Cluster(app, url, tmp, ids)
    try:
        yield cluster
    finally:
        cluster.stop()
        from contest.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        redis.flushdb()
        drop_database(url)


def organiser_session(base: str) -> tuple[requests.Session, str]:
    """An organiser signed in through the API on ``base``; the session and its token."""
    browser = requests.Session()
    reply = browser.post(f"{base}/api/auth/login", json={"login": ORGANISER, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    return browser, reply.json()["csrf_token"]


def wait_for(predicate, timeout: float = 30, every: float = 0.1):
    """Poll ``predicate`` until it returns something true; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"still waiting after {timeout} s")
