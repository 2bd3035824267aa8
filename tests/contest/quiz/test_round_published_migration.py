"""Migration 0008 on a scratch database of the suite's kind: the rounds that exist are
published (nothing live disappears); the downgrade drops the column."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from contest.extensions import db as _db
from tests.contest.migration_scratch import scratch_app, scratch_url  # noqa: F401

WHEN = datetime(2026, 11, 1, 8, 0)


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


def test_existing_rounds_become_published(scratch_url):  # noqa: F811
    with scratch_app(scratch_url):
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
