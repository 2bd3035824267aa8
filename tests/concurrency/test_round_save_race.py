"""Review: saving a round races its first attempt. The save locks the round row while it
checks the locks and writes (``round_lifecycle.lock_round``), so an attempt that is being
written when the organiser saves makes the save wait and then refuse the locked setting —
on PostgreSQL (``SELECT … FOR UPDATE`` meets the attempt's foreign-key share lock) and on
SQLite (``BEGIN IMMEDIATE`` serialises the writers)."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from tests.concurrency.conftest import Browser
from tests.contest.quiz.round_form import form_fields


def _organiser(race_app) -> str:
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Role, User
    from contest.services.passwords import hash_password

    email = f"btc.{time.time_ns()}@example.vn"
    with race_app.app_context():
        db.session.add(
            User(
                role=Role.organiser,
                full_name="Ban Tổ chức",
                name_key="ban to chuc",
                email=email,
                password_hash=hash_password("matkhau123"),
                created_at=utcnow(),
            )
        )
        db.session.commit()
    return email


def _page(browser: Browser, path: str, form=None) -> tuple[int, str]:
    data = None if form is None else urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(browser.base + path, data=data)
    try:  # a redirect is followed, as a browser would
        with browser.opener.open(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _round_of(race_app, round_id):
    from contest.extensions import db
    from contest.models import Round

    with race_app.app_context():
        round_ = db.session.get(Round, round_id)
        values = round_.question_count, round_.contest_id
        db.session.remove()
        return values


def test_a_save_racing_the_first_attempt_cannot_change_a_locked_setting(
    race_server, race_app, race_round, race_user
):
    from sqlalchemy import select

    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Attempt, AttemptStatus, User

    round_id = race_round()
    count, contest_id = _round_of(race_app, round_id)
    phone = race_user()
    organiser = Browser(race_server).login(_organiser(race_app))
    path = f"/ban-to-chuc/cuoc-thi/{contest_id}/dot-thi/{round_id}/sua"
    status, html = _page(organiser, path)
    assert status == 200
    form = [(k, v) for k, v in form_fields(html) if k != "question_count"]
    form.append(("question_count", str(count + 2)))  # a locked setting once anyone takes part

    with race_app.app_context():
        participant = db.session.scalar(select(User.id).where(User.phone == phone))
        db.session.remove()
        connection = db.engine.connect()
        first = connection.begin()  # the first attempt, being written
        now = utcnow()
        connection.execute(
            Attempt.__table__.insert().values(
                round_id=round_id,
                participant_id=participant,
                number=1,
                is_practice=False,
                seed=1,
                status=AttemptStatus.in_progress,
                started_at=now,
                deadline=now + timedelta(minutes=20),
            )
        )
        saved: list = []
        save = threading.Thread(target=lambda: saved.append(_page(organiser, path, form)))
        save.start()
        save.join(timeout=1.5)
        assert save.is_alive(), "the save did not wait for the attempt being written"
        first.commit()
        connection.close()
    save.join(timeout=60)
    status, html = saved[0]
    assert status in (200, 422), status  # the form again, or a redirect followed
    assert _round_of(race_app, round_id)[0] == count  # the locked setting did not change
    if status == 422:
        assert "Đợt thi đã có người dự thi" in html
