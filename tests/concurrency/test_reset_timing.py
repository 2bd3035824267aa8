"""Review: 'Quên mật khẩu' must not tell by its timing whether an address has an account.
Against a live threaded server (jobs in the app's thread pool, as without Redis) and a
real SMTP server (aiosmtpd) that takes 1.5 s per message: a known and an unknown address
are both answered at once; the link arrives afterwards, for the known one only."""

from __future__ import annotations

import re
import time
import urllib.parse
import urllib.request

import pytest

from tests.concurrency.conftest import Browser
from tests.smtp import smtp_server

SMTP_DELAY = 1.5
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def slow_inbox(race_app):
    with smtp_server(race_app.config, delay=SMTP_DELAY) as box:
        yield box


def _account(race_app, email):
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Role, User
    from contest.services.passwords import hash_password

    with race_app.app_context():
        db.session.add(
            User(
                role=Role.participant,
                full_name="Lò Thị Mai",
                name_key="lo thi mai",
                email=email,
                password_hash=hash_password("matkhau123"),
                created_at=utcnow(),
            )
        )
        db.session.commit()


def _ask(base: str, address: str) -> tuple[int, float]:
    browser = Browser(base)
    with browser.opener.open(base + "/quen-mat-khau", timeout=30) as page:
        token = CSRF.search(page.read().decode()).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": address}).encode()
    started = time.perf_counter()
    with browser.opener.open(
        urllib.request.Request(base + "/quen-mat-khau", body), timeout=30
    ) as r:
        r.read()
        return r.status, time.perf_counter() - started


def test_known_and_unknown_addresses_are_answered_before_the_mail_goes(
    race_server, race_app, slow_inbox
):
    if race_app.extensions["jobs"].mode != "thread":
        pytest.skip("this test runs the jobs in the app's own threads")
    known = f"mai.{time.time_ns()}@example.vn"
    _account(race_app, known)
    answers = [_ask(race_server, a) for a in (known, "khong.ai@example.vn", known.upper())]
    assert [status for status, _ in answers] == [200, 200, 200]
    assert max(seconds for _, seconds in answers) < SMTP_DELAY * 2 / 3, answers
    deadline = time.monotonic() + 15
    while len(slow_inbox.recipients) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert slow_inbox.recipients == [known, known]  # the unknown address got nothing
