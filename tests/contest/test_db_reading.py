"""``contest.db.reading`` (issue 12): on SQLite a read-only stretch of the quiz API's path
holds no write lock, so thousands of requests at once queue only for their writes; on
PostgreSQL it changes nothing."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import orm, select

from contest.db import reading
from contest.extensions import db as _db
from contest.models import User


def _sqlite_file(app) -> str:
    with app.app_context():
        url = _db.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's write lock")
    return url.database


@pytest.fixture
def writer_holding_the_lock(app):
    """Another connection in the middle of a write transaction (BEGIN IMMEDIATE)."""
    with app.app_context():
        other = sqlite3.connect(_sqlite_file(app), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()


def _in_thread(app, work) -> threading.Thread:
    def run():
        with app.app_context(), orm.Session(_db.engine) as session:
            work(session)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_read_runs_while_another_connection_writes(app, writer_holding_the_lock):
    seen = []

    def read(session):
        with reading(session):
            seen.append(session.execute(select(User.id).limit(1)).all())
        seen.append(session.in_transaction())  # the read transaction has ended

    thread = _in_thread(app, read)
    thread.join(timeout=5)
    assert not thread.is_alive() and seen == [seen[0], False]


def test_outside_reading_a_transaction_waits_for_the_write_lock(app, writer_holding_the_lock):
    """The contrast (C6 unchanged): any other transaction takes the lock up front."""
    done = threading.Event()

    def read(session):
        session.execute(select(User.id).limit(1)).all()
        done.set()

    _in_thread(app, read)
    assert not done.wait(0.5)  # released (and then done) when the fixture rolls back


def test_reading_refuses_to_drop_a_pending_change(app):
    _sqlite_file(app)
    with (
        app.app_context(),
        orm.Session(_db.engine) as session,
        pytest.raises(RuntimeError),
        reading(session),
    ):
        session.execute(select(User.id).limit(1)).all()
        session.add(User(full_name="x", name_key="x", password_hash="x", session_token="x"))


def test_inside_a_transaction_reading_keeps_it(app, db):
    """Already writing (or on PostgreSQL): the block shares the transaction and its lock."""
    db.session.execute(select(User.id).limit(1)).all()
    with reading(db.session):
        db.session.execute(select(User.id).limit(1)).all()
    assert db.session().in_transaction()


def test_on_postgresql_reading_changes_nothing(app):
    with app.app_context(), orm.Session(_db.engine) as session:
        if _db.engine.url.get_backend_name() == "sqlite":
            pytest.skip("PostgreSQL only")
        with reading(session):
            session.execute(select(User.id).limit(1)).all()
        assert session.in_transaction()  # no extra COMMIT round trip
        session.rollback()
