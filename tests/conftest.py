"""Fixtures: app, db, client, runner, login, factories (style.md).

The schema is built by running the migrations from empty (so they are tested on every
run). Each test runs inside a transaction that is rolled back. The database is SQLite
unless ``--db-url`` (or TEST_DATABASE_URL) names another one.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import MetaData, orm, text

from contest import create_app
from contest.extensions import db as _db
from contest.extensions import limiter
from contest.models import Category, Gender, Role, Unit, UnitKind, User
from contest.services.passwords import hash_password
from question_bank.text import fold

PASSWORD = "matkhau123"
# Services take an explicit ``now``; the API uses the real clock, so NOW follows it.
NOW = datetime.now(UTC).replace(microsecond=0)


TRANSLATIONS_PO = (
    Path(__file__).resolve().parents[1] / "contest/translations/en/LC_MESSAGES/messages.po"
)


def _english_catalog():
    from babel.messages.pofile import read_po

    with TRANSLATIONS_PO.open("rb") as f:
        return read_po(f)


def pytest_addoption(parser):
    parser.addoption(
        "--db-url",
        default=os.environ.get("TEST_DATABASE_URL"),
        help="database URL for the suite (default: a temporary SQLite file)",
    )


@pytest.fixture(scope="session")
def db_url(request, tmp_path_factory):
    url = request.config.getoption("--db-url")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _reset_database(url: str) -> None:
    if url.startswith("postgresql"):
        with _db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        meta = MetaData()
        meta.reflect(_db.engine)
        meta.drop_all(_db.engine)
        with _db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


class FreshContextClient(FlaskClient):
    """Runs every request in its own app context, as a real server does.

    The test itself holds an app context; without this, Flask would reuse it, so ``g``
    (Flask-Login's user, Flask-WTF's token) would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(db_url, tmp_path_factory):
    os.environ.setdefault("INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": db_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
        }
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        _reset_database(db_url)
        upgrade(revision="heads")
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


class _BoundSession(orm.Session):
    def __init__(self, db=None, **kwargs):
        super().__init__(**kwargs)


@pytest.fixture
def db(app):
    """The database session for one test, rolled back afterwards."""
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        # A plain Session: Flask-SQLAlchemy's own one picks the engine per table and
        # would ignore this connection.
        _db.session = _db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": _BoundSession,
            }
        )
        limiter.reset()
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


_seq = itertools.count(1)


def valid_cccd(birth: date, gender: str, province: str = "012") -> str:
    century = {19: 0, 20: 1}[birth.year // 100] * 2 + (1 if gender == "female" else 0)
    serial = next(_seq) % 1_000_000
    return f"{province}{century}{birth.year % 100:02d}{serial:06d}"


def unique_phone() -> str:
    return f"09{next(_seq) % 100_000_000:08d}"


@pytest.fixture
def make_unit(db):
    def make(name=None, parent=None, kind=UnitKind.commune, headcount=None):
        name = name or f"Xã Thử Nghiệm {next(_seq)}"
        unit = Unit(
            name=name,
            name_key=fold(name),
            kind=kind,
            headcount=headcount,
            parent_id=parent.id if parent else None,
        )
        db.session.add(unit)
        db.session.commit()  # releases the test's savepoint; the outer rollback still undoes it
        return unit

    return make


@pytest.fixture
def category(db):
    cat = db.session.query(Category).filter_by(name="Học sinh, sinh viên").one_or_none()
    if cat is None:
        cat = Category(name="Học sinh, sinh viên", position=2)
        db.session.add(cat)
        db.session.commit()
    return cat


@pytest.fixture
def unit(make_unit):
    return make_unit("Phường Tân Phong")


@pytest.fixture
def make_user(db, unit, category):
    def make(role=Role.participant, *, password=PASSWORD, **fields):
        n = next(_seq)
        birth = fields.pop("birth_date", date(2000, 1, 15))
        gender = fields.pop("gender", Gender.male)
        values = dict(
            full_name=f"Người Dùng {n}",
            birth_date=birth,
            gender=gender,
            id_number=valid_cccd(birth, gender.value),
            phone=unique_phone(),
            email=f"user{n}@example.vn",
            unit_id=unit.id,
            category_id=category.id,
        )
        values.update(fields)
        user = User(
            role=role,
            name_key=fold(values["full_name"]),
            password_hash=hash_password(password),
            created_at=NOW,
            **values,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(client, path="/dang-nhap") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no csrf token on {path}"
    return match.group(1)


class Login:
    def __init__(self, client):
        self.client = client
        self.csrf_token = None

    def __call__(self, user_or_login, password=PASSWORD, remember=False):
        login = (
            user_or_login
            if isinstance(user_or_login, str)
            else (user_or_login.phone or user_or_login.email)
        )
        response = self.client.post(
            "/api/auth/login", json={"login": login, "password": password, "remember": remember}
        )
        assert response.status_code == 200, response.get_json()
        self.csrf_token = response.get_json()["csrf_token"]
        return response

    @property
    def headers(self):
        return {"X-CSRFToken": self.csrf_token}


@pytest.fixture
def login(client):
    return Login(client)


@pytest.fixture
def make_bank(db):
    """A bank with ``n`` questions over two topics and three difficulties; 4 options,
    option B correct (or B and D for every ``multiple_every``-th question)."""
    from contest.models import Difficulty, Option, Question, QuestionBank

    def make(n=30, name=None, multiple_every=0):
        bank = QuestionBank(name=name or f"Ngân hàng {next(_seq)}", created_at=NOW)
        db.session.add(bank)
        db.session.flush()
        levels = [Difficulty.easy, Difficulty.medium, Difficulty.hard]
        for i in range(n):
            text_ = f"Câu hỏi số {i + 1} về Đại hội?"
            q = Question(
                bank_id=bank.id,
                topic="Đại hội" if i % 2 else "Lịch sử",
                difficulty=levels[i % 3],
                text=text_,
                search_key=fold(text_),
                key=f"k{bank.id}-{i}",
                created_at=NOW,
                updated_at=NOW,
            )
            db.session.add(q)
            db.session.flush()
            several = multiple_every and i % multiple_every == 0
            for pos, letter in enumerate("ABCD"):
                db.session.add(
                    Option(
                        question_id=q.id,
                        position=pos,
                        text=f"Phương án {letter} của câu {i + 1}",
                        is_correct=letter == "B" or (several and letter == "D"),
                    )
                )
        db.session.commit()
        return bank

    return make


@pytest.fixture
def make_round(db, make_bank):
    """A published quiz contest with one round open at NOW (unless told otherwise)."""
    from datetime import timedelta

    from contest.models import Contest, Round
    from contest.services.papers import invalidate_pool

    def make(
        bank=None,
        *,
        opens_at=None,
        closes_at=None,
        question_count=10,
        time_limit_minutes=15,
        max_attempts=3,
        published=True,
        **settings,
    ):
        if bank is None and "bank_ids" not in settings:
            bank = make_bank()
        contest = Contest(
            title=f"Cuộc thi {next(_seq)}",
            slug=f"cuoc-thi-{next(_seq)}",
            is_published=published,
            rules_text="Thể lệ.",
            created_at=NOW,
        )
        db.session.add(contest)
        db.session.flush()
        values = dict(
            name="Tuần 1",
            bank_ids=[bank.id] if bank is not None else None,
            created_at=NOW,
            published_at=NOW,  # published unless told (published_at=None: a draft)
            prediction_text="Có bao nhiêu người trả lời đúng tất cả?",
        )
        values.update(settings)
        round_ = Round(
            contest_id=contest.id,
            opens_at=opens_at or NOW - timedelta(days=1),
            closes_at=closes_at or NOW + timedelta(days=6),
            question_count=question_count,
            time_limit_minutes=time_limit_minutes,
            max_attempts=max_attempts,
            **values,
        )
        db.session.add(round_)
        db.session.commit()
        invalidate_pool()
        return round_

    return make


@pytest.fixture
def compiled_catalogue(app):
    """Compile the catalogue into contest/translations when the .mo is missing or stale,
    as ``make setup`` would; written atomically, since tests may run in parallel."""
    po = TRANSLATIONS_PO
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                from babel.messages.mofile import write_mo

                write_mo(f, _english_catalog(), use_fuzzy=True)
            os.chmod(tmp, 0o644)
            os.replace(tmp, mo)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    # Flask-Babel caches catalogues per locale; drop any loaded before the .mo was current.
    app.extensions["babel"].instance.domain_instance.cache.clear()
    return mo
