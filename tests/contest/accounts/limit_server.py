"""One app server for ``test_login_limits_redis.py``, in its own process (its own
Flask-Limiter, as a second server or worker has).

``python limit_server.py init DB_URL`` builds the schema and one participant;
``python limit_server.py serve DB_URL STORAGE_URI KEY_PREFIX`` serves on a free port and
prints it.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime

PHONE, PASSWORD = "0977000012", "dung-mat-khau-2026"


def build(db_url: str, storage_uri: str = "memory://", prefix: str = ""):
    from contest import create_app

    return create_app(
        {
            "SECRET_KEY": "limit-test",
            "SQLALCHEMY_DATABASE_URI": db_url,
            "RATELIMIT_STORAGE_URI": storage_uri,
            "RATELIMIT_KEY_PREFIX": prefix,
            "SERVER_NAME": None,
        }
    )


def init(db_url: str) -> None:
    from flask_migrate import upgrade

    from contest.extensions import db
    from contest.models import Category, Gender, Role, Unit, UnitKind, User
    from contest.services.passwords import hash_password

    app = build(db_url)
    with app.app_context():
        upgrade(revision="heads")
        unit = Unit(name="Phường Tân Phong", name_key="phuong tan phong", kind=UnitKind.commune)
        category = Category(name="Học sinh, sinh viên", position=1)
        db.session.add_all([unit, category])
        db.session.flush()
        db.session.add(
            User(
                role=Role.participant,
                full_name="Lò Thị Mai",
                name_key="lo thi mai",
                birth_date=date(2001, 3, 9),
                gender=Gender.female,
                id_number="012301000001",
                phone=PHONE,
                email="mai@example.vn",
                unit_id=unit.id,
                category_id=category.id,
                password_hash=hash_password(PASSWORD),
                created_at=datetime.now(UTC),
            )
        )
        db.session.commit()


def serve(db_url: str, storage_uri: str, prefix: str) -> None:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, build(db_url, storage_uri, prefix), threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"init": init, "serve": serve}[command](*args)
