"""The restore drill of docs/deployment.md, performed: ``pg_dump -Fc`` of a database with a
closed round, ``pg_restore`` into another scratch database, then the same row counts in
every table, the same result (its inputs' SHA-256 recomputed from the restored rows), and
a winners export whose SHA-256 matches the original's byte for byte."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from tests.contest.jobs.conftest import seed
from tests.servers.conftest import (
    drop_database,
    migrated_app,
    postgres_url_or_skip,
    scratch_database,
)

pytestmark = pytest.mark.servers

EXPORTED_AT = datetime.now(UTC).replace(microsecond=0)  # after the seeded round ended


def libpq(url: str) -> str:
    """The URL as pg_dump and psql take it (no ``+psycopg``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables}
    finally:
        engine.dispose()


def result_and_export(app, round_id: int) -> tuple[str, bool, str]:
    """The round's current result's stored inputs hash, whether closing it again from
    these rows makes a new version (False: the recomputed hash is the stored one), and
    the SHA-256 of its winners export."""
    from contest.extensions import db
    from contest.models import Round
    from contest.services import exports, result_closing, result_pages

    with app.app_context():
        try:
            result = result_pages.current_result(round_id)
            out = io.BytesIO()
            exports.write_export("winners", result, out, now=EXPORTED_AT)
            again = result_closing.close_round(
                db.session.get(Round, round_id), actor=None, now=EXPORTED_AT
            )
            db.session.rollback()
            return result.inputs_hash, again.created, hashlib.sha256(out.getvalue()).hexdigest()
        finally:
            db.session.remove()
            db.engine.dispose()


def test_a_dump_restores_into_another_database_with_the_same_results(request, tmp_path):
    base = postgres_url_or_skip(request)
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed (postgresql-client)")
    source = scratch_database(base, "backup")
    restored = scratch_database(base, "restored")
    try:
        app = migrated_app(source)
        round_id = seed(app)["round_id"]
        from contest.extensions import db
        from contest.models import Round
        from contest.services import result_closing

        with app.app_context():
            round_ = db.session.scalar(select(Round).where(Round.id == round_id))
            result_closing.close_round(round_, actor=None, now=EXPORTED_AT)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()

        dump = tmp_path / "hoithi.dump"
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), libpq(source)],
            check=True,
        )
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", libpq(restored), str(dump)],
            check=True,
        )

        counts = row_counts(source)
        assert counts["round_results"] == 1 and counts["result_rows"] == 5
        assert row_counts(restored) == counts
        original = result_and_export(app, round_id)
        copy = result_and_export(migrated_app(restored), round_id)  # already at head
        assert original[1] is False and copy == original
    finally:
        drop_database(source)
        drop_database(restored)
