"""Migration 0021 (users.scope_unit_id) on a scratch database of the suite's kind: the
column arrives empty (every existing organiser stays a province organiser), holds a unit
that cannot then be deleted, and the downgrade drops it keeping the accounts."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from contest.extensions import db as _db
from tests.contest.migration_scratch import scratch_app, scratch_url  # noqa: F401

WHEN = datetime(2026, 12, 1, 8, 0)


def _columns(conn) -> set[str]:
    return {c["name"] for c in sa.inspect(conn).get_columns("users")}


def test_upgrade_adds_an_empty_scope_and_downgrade_drops_it(scratch_url):  # noqa: F811
    with scratch_app(scratch_url):
        upgrade(revision="0020")
        with _db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO units (id, name, name_key, kind, is_active) VALUES "
                    "(1, 'Trường A', 'truong a', 'school', true)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, role, full_name, name_key, password_hash,"
                    " session_token, is_active_account, must_change_password, created_at)"
                    " VALUES (1, 'organiser', 'Ban Tổ chức', 'ban to chuc', 'x', 't',"
                    " true, false, :at)"
                ),
                {"at": WHEN},
            )
        upgrade(revision="0021")
        with _db.engine.begin() as conn:
            assert "scope_unit_id" in _columns(conn)
            assert conn.execute(sa.text("SELECT scope_unit_id FROM users")).scalar() is None
            conn.execute(sa.text("UPDATE users SET scope_unit_id = 1"))
        with pytest.raises(sa.exc.IntegrityError), _db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM units WHERE id = 1"))
        downgrade(revision="0020")
        with _db.engine.begin() as conn:
            assert "scope_unit_id" not in _columns(conn)
            assert conn.execute(sa.text("SELECT count(*) FROM users")).scalar() == 1
