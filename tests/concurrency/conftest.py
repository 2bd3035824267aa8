"""A live app for race tests: a real threaded HTTP server on its own database.

On PostgreSQL (``--db-url postgresql…``) it uses a sibling database ``<name>_live`` so its
committed rows never meet the rolled-back tests; otherwise a fresh SQLite file (C6).
"""

from __future__ import annotations

import http.cookiejar
import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server


def _live_url(base_url: str | None, tmp_path) -> str:
    if not base_url or not base_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'race.db'}"
    url = make_url(base_url)
    live = url.set(database=f"{url.database}_live")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{live.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{live.database}"'))
    admin.dispose()
    return live.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def race_app(request, tmp_path_factory):
    from flask_migrate import upgrade

    from contest import create_app

    url = _live_url(request.config.getoption("--db-url"), tmp_path_factory.mktemp("race"))
    app = create_app(
        {
            "SECRET_KEY": "race",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        upgrade(revision="heads")
    yield app
    from contest.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def race_server(race_app):
    server = make_server("127.0.0.1", 0, race_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture(scope="module")
def race_round(race_app):
    """A round open now with 30 questions in its bank; returns a factory of rounds."""
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Contest, Option, Question, QuestionBank, Round
    from question_bank.text import fold

    def make(max_attempts=3):
        now = utcnow()
        with race_app.app_context():
            bank = QuestionBank(name=f"race-{now.timestamp()}-{max_attempts}", created_at=now)
            db.session.add(bank)
            db.session.flush()
            for i in range(30):
                q = Question(
                    bank_id=bank.id,
                    topic="T",
                    text=f"Câu {i}",
                    search_key=fold("c"),
                    key=f"{bank.id}-{i}",
                    created_at=now,
                    updated_at=now,
                )
                db.session.add(q)
                db.session.flush()
                db.session.add_all(
                    Option(question_id=q.id, position=p, text=f"P{p}", is_correct=p == 0)
                    for p in range(4)
                )
            contest = Contest(
                title=bank.name, slug=bank.name.replace(".", "-"), is_published=True, created_at=now
            )
            db.session.add(contest)
            db.session.flush()
            r = Round(
                contest_id=contest.id,
                name="R",
                opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(days=1),
                question_count=10,
                time_limit_minutes=20,
                max_attempts=max_attempts,
                bank_ids=[bank.id],
                created_at=now,
                published_at=now,
            )
            db.session.add(r)
            db.session.commit()
            return r.id

    return make


_n = iter(range(10_000, 99_999))


@pytest.fixture(scope="module")
def race_user(race_app):
    """Create a participant in the live database; returns its phone."""
    from datetime import date

    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Category, Gender, Role, Unit, User
    from contest.services.passwords import hash_password

    def make():
        n = next(_n)
        with race_app.app_context():
            unit = db.session.query(Unit).first()
            if unit is None:
                unit = Unit(name="Đơn vị", name_key="don vi")
                db.session.add(unit)
                db.session.add(Category(name="Nhân dân"))
                db.session.flush()
            phone = f"0912{n:06d}"
            db.session.add(
                User(
                    role=Role.participant,
                    full_name=f"Thí sinh {n}",
                    name_key="thi sinh",
                    birth_date=date(1990, 1, 1),
                    gender=Gender.male,
                    id_number=f"0120900{n:05d}",
                    phone=phone,
                    unit_id=unit.id,
                    password_hash=hash_password("matkhau123"),
                    created_at=utcnow(),
                )
            )
            db.session.commit()
        return phone

    return make


class Browser:
    """One person's HTTP session (cookies + CSRF token), safe to use from one thread."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def call(self, method: str, path: str, body=None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token},
        )
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def login(self, phone: str, password: str = "matkhau123") -> Browser:
        status, body = self.call("POST", "/api/auth/login", {"login": phone, "password": password})
        assert status == 200, body
        self.token = body["csrf_token"]
        return self


def run_together(n: int, work) -> list:
    """Run ``work(i)`` in ``n`` threads released at the same instant by a barrier."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def target(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            results[i] = exc

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results
