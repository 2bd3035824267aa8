"""Migration 0022 (the funnel) on a scratch database of the suite's kind: an existing round
gets no level and stays open to everyone; the three tables come and go; the downgrade
drops the columns again."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from contest.extensions import db as _db
from tests.contest.migration_scratch import scratch_app, scratch_url  # noqa: F401

WHEN = datetime(2026, 11, 1, 8, 0)
TABLES = {"advancement_rules", "advancements", "round_qualifiers"}


def _seed(conn):
    conn.execute(
        sa.text(
            "INSERT INTO contests (id, kind, title, slug, summary, rules_text, is_published,"
            " complaint_days, challenge_days, created_at) VALUES (1, 'quiz', 'Cuộc thi', 'ct',"
            " '', '', true, 30, 3, :at)"
        ),
        {"at": WHEN},
    )
    conn.execute(
        sa.text(
            "INSERT INTO rounds (id, contest_id, name, opens_at, closes_at, question_count,"
            " time_limit_minutes, max_attempts, allow_practice, shuffle_questions,"
            " shuffle_options, review_policy, bank_ids, quotas, eligible_category_ids,"
            " eligible_unit_ids, prediction_text, prediction_target, tie_break, prize_tiers,"
            " prize_options, grace_seconds, created_at) VALUES (10, 1, 'Tuần 1', :opens,"
            " :closes, 10, 15, 3, false, true, true, 'after_close', '[]', '[]', '[]', '[]',"
            " '', 'participants', 'default', '[]', '{}', 10, :at)"
        ),
        {"opens": WHEN, "closes": WHEN.replace(day=8), "at": WHEN},
    )


def test_upgrade_and_downgrade(scratch_url):  # noqa: F811
    with scratch_app(scratch_url):
        upgrade(revision="0021")
        with _db.engine.begin() as conn:
            _seed(conn)
        upgrade(revision="0022")
        with _db.engine.begin() as conn:
            row = conn.execute(
                sa.text("SELECT funnel_level, qualified_only FROM rounds WHERE id = 10")
            ).one()
            assert row[0] is None and not row[1]
            assert set(sa.inspect(conn).get_table_names()) >= TABLES
            pk = sa.inspect(conn).get_pk_constraint("round_qualifiers")
            assert pk["constrained_columns"] == ["round_id", "participant_id"]
        downgrade(revision="0021")
        with _db.engine.begin() as conn:
            inspector = sa.inspect(conn)
            assert not TABLES & set(inspector.get_table_names())
            names = {c["name"] for c in inspector.get_columns("rounds")}
            assert not names & {"funnel_level", "qualified_only"}
            checks = {c["name"] for c in inspector.get_check_constraints("rounds")}
            assert "ck_rounds_window_order" in checks
