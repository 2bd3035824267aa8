"""The database layer's base: the declarative base (naming convention, UTC timestamps,
enums stored by value) and the engine set-up. SQLite gets WAL, a busy timeout, foreign keys
and BEGIN IMMEDIATE (C6), except inside ``reading()``: a read-only stretch of the quiz
API's hot path (issue 12) that runs without holding the database's one write lock."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator, event
from sqlalchemy.engine import Engine
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


def init_database(app: Flask) -> None:
    from contest.extensions import db  # the extension is built on Base, defined above

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    if uri.startswith("sqlite"):
        with app.app_context():
            _configure_sqlite(db.engine)
