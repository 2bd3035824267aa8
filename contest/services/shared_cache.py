"""Caches that every app process and server must agree on (issue 13, item 1).

The start rush reads a round's settings and its question pool thousands of times, so each
process keeps them in memory (``papers``, ``attempt_start``). Several gunicorn workers, or
several servers behind one address, must never serve a pool or settings another one has
already changed. So each shared cache has a version number in the database
(``cache_versions``):

- a change that stales the cache **marks** it (``mark_stale``) on the session; the number
  is bumped in the *same* transaction, just before it commits, so the change and the new
  number become visible together, and a rolled-back change bumps nothing;
- every change to a round, a contest, a bank, a question or an option made through the
  ORM marks the quiz cache by itself (a ``before_flush`` hook), so no service can forget;
  bulk Core writes (the bank import) call ``papers.invalidate_pool``, which marks it too;
- a reader asks ``version(name)`` (one primary-key read in its own transaction) and uses
  its cached entry only if it was loaded under that number; at most every
  ``check_seconds`` (0, the default: on every use) — so a change on one server is seen by
  the next request on any other, at once.

After a commit or a rollback that marked a cache, this process's own entries are dropped
too (``on_stale`` callbacks), so nothing loaded mid-transaction outlives it. The
embedded default (one machine, SQLite) works the same way: its gunicorn workers are
separate processes too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from contest.extensions import db
from contest.models.cache import CacheVersion

QUIZ = "quiz"  # rounds' settings and question pools
_STALE_KEY = "shared_cache_stale"
_callbacks: dict[str, list[Callable[[], None]]] = {}
_VERSION_QUERY = select(CacheVersion.version).where(CacheVersion.name == bindparam("name"))
_bumps: dict[str, object] = {}
check_seconds = 0.0  # how old a checked version may be; 0: read on every use
_checked: dict[tuple[str, str], tuple[float, int]] = {}
_lock = threading.Lock()


def on_stale(name: str, callback: Callable[[], None]) -> None:
    """Call ``callback`` (drop this process's entries) whenever a transaction of this
    process that marked ``name`` ends."""
    _callbacks.setdefault(name, []).append(callback)


def mark_stale(name: str, session: Session | None = None) -> None:
    """The data behind cache ``name`` changes in this transaction: its version is bumped
    when the transaction commits (with the change), and this process forgets its entries
    now and when the transaction ends."""
    session = session or db.session()
    session.info.setdefault(_STALE_KEY, set()).add(name)
    _forget(name)


def version(name: str) -> int:
    """The cache's current version (0 before the first change). Read from the database on
    every call unless ``check_seconds`` is set."""
    key = (str(db.session.get_bind().engine.url), name)
    if check_seconds:
        now = time.monotonic()
        with _lock:
            seen = _checked.get(key)
        if seen and now - seen[0] < check_seconds:
            return seen[1]
    number = db.session.execute(_VERSION_QUERY, {"name": name}).scalar() or 0
    if check_seconds:
        with _lock:
            _checked[key] = (time.monotonic(), number)
    return number


def _forget(name: str) -> None:
    with _lock:
        for key in [k for k in _checked if k[1] == name]:
            del _checked[key]
    for callback in _callbacks.get(name, []):
        callback()


def _bump_statement(dialect: str):
    stmt = _bumps.get(dialect)
    if stmt is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        table = CacheVersion.__table__
        base = insert(table).values(name=bindparam("name"), version=1)
        stmt = _bumps[dialect] = base.on_conflict_do_update(
            index_elements=[table.c.name], set_={"version": table.c.version + 1}
        )
    return stmt


# Every ORM change to these stales the quiz cache (round settings, pools).
_QUIZ_MODELS: tuple[type, ...] = ()


def _quiz_models() -> tuple[type, ...]:
    global _QUIZ_MODELS
    if not _QUIZ_MODELS:
        from contest.models import Contest, Option, Question, QuestionBank, Round

        _QUIZ_MODELS = (Round, Contest, Question, Option, QuestionBank)
    return _QUIZ_MODELS


@event.listens_for(Session, "before_flush")
def _mark_quiz_changes(session, _context, _instances) -> None:
    if QUIZ in session.info.get(_STALE_KEY, ()):
        return
    models = _quiz_models()
    for group in (session.new, session.dirty, session.deleted):
        if any(isinstance(obj, models) for obj in group):
            mark_stale(QUIZ, session)
            return


@event.listens_for(Session, "before_commit")
def _bump_marked(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction bumps
    if session.new or session.dirty or session.deleted:
        session.flush()  # commit would flush next; flushing first lets it mark
    names = session.info.get(_STALE_KEY)
    if not names:
        return
    dialect = session.get_bind().dialect.name
    for name in sorted(names):
        session.execute(_bump_statement(dialect), {"name": name})


def _transaction_over(session, *, outermost: bool) -> None:
    names = session.info.get(_STALE_KEY)
    if not names:
        return
    if outermost:
        del session.info[_STALE_KEY]
    for name in names:
        _forget(name)


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    _transaction_over(session, outermost=not session.in_nested_transaction())


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous) -> None:
    _transaction_over(session, outermost=not previous.nested)
