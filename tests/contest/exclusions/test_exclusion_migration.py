"""Migration 0006 on a scratch database of the suite's kind (SQLite file, or a scratch
schema of the PostgreSQL database): the old JSON lists become rows, the columns go, the
rounds table keeps its checks, and the downgrade writes every row back."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from contest.extensions import db as _db
from contest.services.exclusions import MIGRATED_REASON
from tests.contest.migration_scratch import scratch_app, scratch_url  # noqa: F401

WHEN = datetime(2026, 11, 1, 8, 0)


def _seed(conn):
    """Three people, a quiz contest with two rounds and an essay contest, at 0005."""
    for uid in (1, 2, 3):
        conn.execute(
            sa.text(
                "INSERT INTO users (id, role, full_name, name_key, password_hash, session_token,"
                " is_active_account, must_change_password, created_at) VALUES (:id, "
                "'participant', :name, :name, 'x', :token, true, false, :at)"
            ),
            {"id": uid, "name": f"Người {uid}", "token": f"t{uid}", "at": WHEN},
        )
    for cid, kind in ((1, "quiz"), (2, "essay")):
        conn.execute(
            sa.text(
                "INSERT INTO contests (id, kind, title, slug, summary, rules_text, is_published,"
                " created_at) VALUES (:id, :kind, :title, :slug, '', '', true, :at)"
            ),
            {"id": cid, "kind": kind, "title": f"Cuộc thi {cid}", "slug": f"ct-{cid}", "at": WHEN},
        )
    for rid, excluded in ((10, '[1, "2", 999, true, "x"]'), (11, "[]")):
        conn.execute(
            sa.text(
                "INSERT INTO rounds (id, contest_id, name, opens_at, closes_at, question_count,"
                " time_limit_minutes, max_attempts, allow_practice, shuffle_questions,"
                " shuffle_options, review_policy, bank_ids, quotas, eligible_category_ids,"
                " eligible_unit_ids, excluded_user_ids, prediction_text, prediction_target,"
                " tie_break, prize_tiers, prize_options, grace_seconds, created_at) VALUES"
                " (:id, 1, :name, :opens, :closes, 10, 15, 3, false, true, true, 'after_close',"
                " '[]', '[]', '[]', '[]', :excluded, '', 'participants', 'default', '[]', '{}',"
                " 10, :at)"
            ),
            {
                "id": rid,
                "name": f"Tuần {rid}",
                "opens": WHEN,
                "closes": WHEN.replace(day=8),
                "excluded": excluded,
                "at": WHEN,
            },
        )
    conn.execute(
        sa.text(
            "INSERT INTO essay_settings (id, contest_id, opens_at, closes_at, allow_online,"
            " allow_docx, allow_pdf, max_entries, judges_per_entry, discrepancy_x100,"
            " discrepancy_rule, prize_tiers, excluded_user_ids, judge_ids, created_at) VALUES"
            " (1, 2, :opens, :closes, true, true, true, 1, 2, 2000, 'third_judge', '[]', '[3]',"
            " '[]', :at)"
        ),
        {"opens": WHEN, "closes": WHEN.replace(day=8), "at": WHEN},
    )


def _json_lists(conn):
    rounds = dict(conn.execute(sa.text("SELECT id, excluded_user_ids FROM rounds")).all())
    essays = dict(
        conn.execute(sa.text("SELECT contest_id, excluded_user_ids FROM essay_settings")).all()
    )

    def as_list(value):  # SQLite hands JSON back as text here
        return value if isinstance(value, list) else json.loads(value)

    return {k: as_list(v) for k, v in rounds.items()}, {k: as_list(v) for k, v in essays.items()}


def test_upgrade_copies_the_json_lists_and_downgrade_restores_them(scratch_url):  # noqa: F811
    with scratch_app(scratch_url):
        upgrade(revision="0005")
        with _db.engine.begin() as conn:
            _seed(conn)
        upgrade(revision="0006")
        with _db.engine.begin() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT contest_id, round_id, user_id, reason, created_by_id "
                    "FROM exclusions ORDER BY contest_id, user_id"
                )
            ).all()
            assert [tuple(r) for r in rows] == [
                (1, 10, 1, MIGRATED_REASON, None),
                (1, 10, 2, MIGRATED_REASON, None),
                (2, None, 3, MIGRATED_REASON, None),
            ]
            inspector = sa.inspect(conn)
            for table in ("rounds", "essay_settings"):
                names = {c["name"] for c in inspector.get_columns(table)}
                assert "excluded_user_ids" not in names
            checks = {c["name"] for c in inspector.get_check_constraints("rounds")}
            assert "ck_rounds_window_order" in checks
            # A contest-wide row of the quiz contest, added after the upgrade.
            conn.execute(
                sa.text(
                    "INSERT INTO exclusions (contest_id, round_id, user_id, reason, "
                    "created_at) VALUES (1, NULL, 3, 'Người ra đề', :at)"
                ),
                {"at": WHEN},
            )
        downgrade(revision="0005")
        with _db.engine.begin() as conn:
            rounds, essays = _json_lists(conn)
            assert rounds == {10: [1, 2, 3], 11: [3]}
            assert essays == {2: [3]}
            assert "exclusions" not in sa.inspect(conn).get_table_names()
