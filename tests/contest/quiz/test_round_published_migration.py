"""Migration 0008 on a scratch database of the suite's kind: the rounds that exist are
published (nothing live disappears); the downgrade drops the column."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from contest import create_app
from contest.extensions import db as _db

WHEN = datetime(2026, 11, 1, 8, 0)


@pytest.fixture
def scratch_url(db_url, tmp_path):
    if not db_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    schema = f"published_{uuid.uuid4().hex[:10]}"
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


def _seed(conn):
    conn.execute(
        sa.text(
            "INSERT INTO contests (id, kind, title, slug, summary, rules_text, is_published,"
            " created_at) VALUES (1, 'quiz', 'Cuộc thi', 'ct', '', '', true, :at)"
        ),
        {"at": WHEN},
    )
    conn.execute(
        sa.text(
            "INSERT INTO rounds (id, contest_id, name, opens_at, closes_at, question_count,"
            " time_limit_minutes, max_attempts, allow_practice, shuffle_questions,"
            " shuffle_options, review_policy, bank_ids, quotas, eligible_category_ids,"
            " eligible_unit_ids, prediction_text, prediction_target, tie_break, prize_tiers,"
            " prize_options, grace_seconds, created_at) VALUES (7, 1, 'Tuần 1', :opens,"
            " :closes, 10, 15, 3, false, true, true, 'after_close', '[]', '[]', '[]', '[]', '',"
            " 'participants', 'default', '[]', '{}', 10, :at)"
        ),
        {"opens": WHEN, "closes": WHEN.replace(day=8), "at": WHEN},
    )


def test_existing_rounds_become_published(scratch_url):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": scratch_url,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        try:
            upgrade(revision="0007")
            with _db.engine.begin() as conn:
                _seed(conn)
            upgrade(revision="0008")
            with _db.engine.begin() as conn:
                published = conn.execute(sa.text("SELECT published_at FROM rounds")).scalar()
            assert published is not None and str(published).startswith("2026-11-01 08:00")
            downgrade(revision="0007")
            with _db.engine.begin() as conn:
                columns = {c["name"] for c in sa.inspect(conn).get_columns("rounds")}
            assert "published_at" not in columns
        finally:
            _db.session.remove()
            _db.engine.dispose()
