"""Configuration from the environment, production safety, shared rate-limit counters,
logs without personal data, and migrations that match the models."""

from __future__ import annotations

import logging
import subprocess
import sys
import uuid

import pytest

from contest import config, create_app


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(config.ConfigError):
        config.load()


def test_production_cookies_are_secure_and_hsts_on(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    cfg = config.load()
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"] and cfg["HSTS"]
    assert cfg["SESSION_COOKIE_HTTPONLY"] and cfg["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_generates_and_keeps_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    first, second = config.load()["SECRET_KEY"], config.load()["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_redis_url_moves_rate_limit_counters_to_redis(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert config.load()["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    monkeypatch.delenv("REDIS_URL")
    assert config.load()["RATELIMIT_STORAGE_URI"] == "memory://"


def redis_available() -> bool:
    try:
        import redis

        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_two_app_servers_share_login_counters_in_redis(tmp_path):
    """S4: counters live in Redis, so a second worker sees the first one's attempts."""
    prefix = f"test-{uuid.uuid4().hex}"
    apps = [
        create_app(
            {
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.db'}",
                "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
                "RATELIMIT_KEY_PREFIX": prefix,
                "LOGIN_LIMIT_PER_IP": "3 per minute",
                "TESTING": True,
            }
        )
        for _ in range(2)
    ]
    for app in apps:
        with app.app_context():
            from contest.extensions import db

            db.create_all()
    first, second = apps[0].test_client(), apps[1].test_client()
    statuses = [
        c.post("/api/auth/login", json={"login": "0900000000", "password": "x"}).status_code
        for c in (first, second, first, second)
    ]
    assert statuses == [401, 401, 401, 429]


def test_unhandled_errors_never_log_phone_or_id_numbers(tmp_path, caplog):
    app = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False}
    )

    @app.route("/__boom_for_test", methods=["POST"])
    def boom():
        from flask import request

        raise RuntimeError(f"phone {request.form['phone']} id {request.form['id_number']}")

    with caplog.at_level(logging.DEBUG):
        response = app.test_client().post(
            "/__boom_for_test", data={"phone": "0912345678", "id_number": "012090001234"}
        )
    assert response.status_code == 500
    assert "Đã có lỗi xảy ra" in response.get_data(as_text=True)
    assert "unhandled RuntimeError" in caplog.text
    assert "0912345678" not in caplog.text and "012090001234" not in caplog.text


def test_migrations_match_the_models(app, db):
    """Every model change has a migration: autogenerate finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    conn = db.session.connection()  # the test's own connection holds the SQLite lock
    diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_migrations_form_one_line(app):
    """Migrations are one chain 0001, 0002, … with a single head: work done side by side
    is put in line before it lands, so `flask db upgrade` and a downgrade are unambiguous."""
    from alembic.script import ScriptDirectory

    from contest.extensions import migrate

    with app.app_context():
        script = ScriptDirectory.from_config(migrate.get_config())
    assert len(script.get_heads()) == 1, script.get_heads()
    chain = [rev.revision for rev in script.walk_revisions()][::-1]
    assert chain == [f"{n:04d}" for n in range(1, len(chain) + 1)]


def test_question_bank_never_imports_flask_or_contest():
    code = (
        "import question_bank, sys; bad = [m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'sqlalchemy', 'contest', 'flask_sqlalchemy')]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_access_log_format_never_records_query_strings():
    """L2: `make run` logs paths only, so a search for a phone never lands in the log."""
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    line = next(x for x in makefile.splitlines() if x.startswith("ACCESS_LOG"))
    assert "%(U)s" in line and "%(r)s" not in line and "%(q)s" not in line
    assert "--access-logformat '$(ACCESS_LOG)'" in makefile
