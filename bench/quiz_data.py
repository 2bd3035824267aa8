"""The quiz benchmarks' data: the schema, a 200-question bank, open rounds and participants
with sessions minted from the app's secret key (bench_quiz.py, bench_login.py,
bench_scale.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, VENV_BIN  # noqa: E402

SECRET = "bench-secret-key"


def migrate(url: str) -> None:
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def seed(url: str, participants: int, rounds: int = 2):
    """Units, a 200-question bank, open rounds and participants; returns (round ids,
    [(user id, cookie, csrf)])."""
    os.environ["DATABASE_URL"] = url
    os.environ["SECRET_KEY"] = SECRET
    from flask import g, session
    from flask_wtf.csrf import generate_csrf

    from contest import create_app
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import (
        Category,
        Contest,
        Gender,
        Option,
        Question,
        QuestionBank,
        Role,
        Round,
        Unit,
        User,
    )
    from contest.services.passwords import hash_password

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    now = utcnow()
    with app.app_context():
        unit = Unit(name="Đơn vị thử tải", name_key="don vi thu tai")
        category = Category(name="Nhân dân")
        bank = QuestionBank(name="Ngân hàng thử tải", created_at=now)
        db.session.add_all([unit, category, bank])
        db.session.flush()
        for i in range(200):
            q = Question(
                bank_id=bank.id,
                topic=f"Chủ đề {i % 5}",
                text=f"Câu hỏi {i}?",
                search_key=f"cau hoi {i}",
                key=f"b{i}",
                created_at=now,
                updated_at=now,
            )
            db.session.add(q)
            db.session.flush()
            db.session.add_all(
                Option(question_id=q.id, position=p, text=f"Phương án {p}", is_correct=p == i % 4)
                for p in range(4)
            )
        contest = Contest(title="Thử tải", slug="thu-tai", is_published=True, created_at=now)
        db.session.add(contest)
        db.session.flush()
        round_ids = []
        for n in range(rounds):
            r = Round(
                contest_id=contest.id,
                name=f"Đợt {n}",
                opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(days=1),
                question_count=20,
                time_limit_minutes=30,
                max_attempts=3,
                bank_ids=[bank.id],
                created_at=now,
                published_at=now,
            )
            db.session.add(r)
            db.session.flush()
            round_ids.append(r.id)
        password = hash_password("matkhau-thu-tai")
        users = [
            dict(
                role=Role.participant,
                full_name=f"Thí sinh {i}",
                name_key=f"thi sinh {i}",
                birth_date=date(1995, 1, 1),
                gender=Gender.male,
                id_number=f"0120950{i:05d}",
                phone=f"0913{i:06d}",
                unit_id=unit.id,
                category_id=category.id,
                password_hash=password,
                session_token=f"t{i}",
                created_at=now,
            )
            for i in range(participants)
        ]
        db.session.execute(User.__table__.insert(), users)
        db.session.commit()
        ids = [u.id for u in db.session.query(User.id).order_by(User.id)]
        serializer = app.session_interface.get_signing_serializer(app)
        sessions = []
        for i, user_id in enumerate(ids):
            with app.test_request_context():
                g.pop("csrf_token", None)  # the outer app context would cache one token
                session["_user_id"] = f"{user_id}:t{i}"
                session["_fresh"] = False
                csrf = generate_csrf()
                cookie = "hoithi_session=" + serializer.dumps(dict(session))
            sessions.append((user_id, cookie, csrf))
        db.session.remove()
        db.engine.dispose()
    return round_ids, sessions
