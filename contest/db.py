"""The database layer's base: the declarative base (naming convention, UTC timestamps,
enums stored by value) and the engine set-up. SQLite gets WAL, a busy timeout, foreign keys
and BEGIN IMMEDIATE (C6), except inside ``reading()``: a read-only stretch of the quiz
API's hot path (issue 12) that runs without holding the database's one write lock."""

from __future__ import annotations

import enum
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC; refuses naive datetimes on the way in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def enum_column(enum_cls: type[enum.Enum], length: int = 20) -> Enum:
    """A portable enum type that stores the member's value, not its name."""
    return Enum(
        enum_cls,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        length=length,
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        # Take the write lock up front, so a read-then-write never fails with
        # "database is locked" half-way through; a ``reading()`` stretch only reads.
        conn.exec_driver_sql("BEGIN" if _reading.get() else "BEGIN IMMEDIATE")


_reading: ContextVar[bool] = ContextVar("sqlite_reading", default=False)


@contextmanager
def reading(session: Session | scoped_session) -> Iterator[None]:
    """A stretch of ``session`` that only reads. On SQLite it runs in a transaction of
    its own that does not take the write lock (WAL: readers never wait for the writer)
    and ends with the block, so the next statement begins the writing transaction, which
    holds the lock only for the writes; 3,000 starts at once then queue for the writes
    only, not for the whole request (issue 12). On PostgreSQL it changes nothing: the
    reads and the writes share one transaction, as before (no extra round trip).

    What the block read is a snapshot: a write that depends on it must re-check in SQL
    (a unique rule, a ``WHERE`` on the values read) and take the locked path if that
    check fails. The block must not write; a change left pending in the session is a
    programming error (RuntimeError), never silently dropped."""
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite" or session.in_transaction():
        yield  # already inside a writing transaction: keep it (and its lock)
        return
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)
        pending = session.new or session.dirty or session.deleted
        session.rollback()  # ends the read-only transaction; nothing to undo
    if pending:
        raise RuntimeError("reading() must not write")


# A pooled PostgreSQL connection idle longer than this is pinged before use (see below).
PING_IDLE_SECONDS = 10.0


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """``pool_pre_ping`` without its round trip on every request: a connection is pinged
    at checkout only when it has sat in the pool for ``idle_seconds`` (a restarted
    server, PgBouncer's ``server_idle_timeout``, a firewall dropping idle sockets); one
    that fails is replaced, as ``pool_pre_ping`` does. Under load (the start rush:
    thousands of checkouts a second) no connection idles, so nothing is pinged; a
    connection broken while busy is caught by SQLAlchemy's disconnect handling, which
    drops the whole pool."""

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # just connected, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure means: use a new one
            raise DisconnectionError() from exc


def init_database(app: Flask) -> None:
    from contest.extensions import db  # the extension is built on Base, defined above

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    pre_ping = options.pop("pool_pre_ping", False)  # replaced by _ping_when_idle
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
        pre_ping = False  # a file: nothing to reconnect
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    with app.app_context():
        if uri.startswith("sqlite"):
            _configure_sqlite(db.engine)
        elif pre_ping:
            idle = float(app.config.get("DB_PING_IDLE_SECONDS", PING_IDLE_SECONDS))
            _ping_when_idle(db.engine, idle)
