"""Browser fixtures: a live server on a fresh SQLite file and a Playwright page in Debian's
Chromium, sized like a phone (360 × 740, vi-VN).

The live app is its own ``create_app`` with its own database file; it never shares the
rolled-back ``db`` session of the other tests. Without /usr/bin/chromium the browser tests
are skipped, except in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

BROWSER_DIR = os.path.dirname(__file__)


def pytest_collection_modifyitems(config, items):
    """Chromium drops connections mid-response (a page left, a cached asset); the threaded
    test server then leaves that static file to the garbage collector, which reports an
    unclosed file in a server thread. That is the test server's, not the app's: ignore it
    in the browser tests only."""
    ignore = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
    for item in items:
        if str(item.fspath).startswith(BROWSER_DIR):
            item.add_marker(ignore)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ORGANISER_EMAIL = "bantochuc@live.example.vn"
PASSWORD = "matkhau-live-123"


@dataclass(frozen=True)
class Account:
    login: str
    password: str


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """A separate app on a migrated temporary SQLite file (shared by the browser tests)."""
    from flask_migrate import upgrade

    from contest import create_app

    base = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "SECRET_KEY": "live-test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{base / 'live.db'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "BANK_STAGING_DIR": str(base / "bank-uploads"),
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        upgrade(revision="heads")
    yield app
    from contest.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """Serve ``live_app`` from a thread on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="session")
def live_organiser(live_app) -> Account:
    """An organiser account in the live database."""
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Role
    from contest.services import accounts

    with live_app.app_context():
        accounts.create_account(
            role=Role.organiser,
            email=ORGANISER_EMAIL,
            password=PASSWORD,
            full_name="Ban Tổ chức thử nghiệm",
            now=utcnow(),
        )
        db.session.commit()
    return Account(ORGANISER_EMAIL, PASSWORD)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        reason = f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh phone-sized page (own cookies) whose relative URLs go to the live server."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", base_url=live_server
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def sign_in(page):
    """Sign in through the login page: ``sign_in(account)``."""

    def sign_in(account: Account) -> None:
        page.goto("/dang-nhap")
        page.get_by_label("Số điện thoại hoặc email").fill(account.login)
        page.get_by_label("Mật khẩu").fill(account.password)
        page.get_by_role("button", name="Đăng nhập").last.click()
        page.wait_for_url(lambda url: "/dang-nhap" not in url)

    return sign_in
