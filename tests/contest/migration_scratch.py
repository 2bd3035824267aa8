"""A scratch database for the migration tests, of the suite's kind (SQLite file or a fresh
PostgreSQL schema), and an app bound to it: each test upgrades it to the revision before
its migration, seeds rows in raw SQL, upgrades, checks, downgrades."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from contest import create_app
from contest.extensions import db as _db


@pytest.fixture
def scratch_url(db_url, tmp_path):
    if not db_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    schema = f"migration_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = make_url(db_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@contextmanager
def scratch_app(url: str) -> Iterator[Flask]:
    """An app on the scratch database, inside its app context; its connections are closed
    after (so that the PostgreSQL schema can be dropped)."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        try:
            yield app
        finally:
            _db.session.remove()
            _db.engine.dispose()
