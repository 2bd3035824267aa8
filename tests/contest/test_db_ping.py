"""PostgreSQL's pooled connections are pinged only after sitting idle (issue 12): the
start rush checks a connection out thousands of times a second without a ping's round
trip, and a connection the server dropped while idle is still replaced before use."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from contest.db import _ping_when_idle
from contest.extensions import db as _db


@pytest.fixture
def engine(app):
    with app.app_context():
        url = _db.engine.url
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL's pool")
    engine = create_engine(url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _pings(engine, monkeypatch) -> list[int]:
    seen: list[int] = []
    real = engine.dialect.do_ping

    def counting(dbapi_connection):
        seen.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return seen


def test_a_busy_connection_is_not_pinged(engine, monkeypatch):
    _ping_when_idle(engine, 60.0)
    pings = _pings(engine, monkeypatch)
    for _ in range(20):
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    assert pings == []


def test_a_connection_dropped_while_idle_is_replaced(engine, monkeypatch):
    _ping_when_idle(engine, 0.05)
    pings = _pings(engine, monkeypatch)
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    other = create_engine(engine.url, poolclass=NullPool)
    with other.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.commit()
    other.dispose()
    time.sleep(0.1)
    with engine.connect() as conn:  # no error: the ping found it dead, a new one serves
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    assert pings == [1]
