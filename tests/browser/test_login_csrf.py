"""Login CSRF in Chromium: a page of another origin that posts the attacker's own
credentials to the app — an auto-submitted login form, a ``text/plain`` form shaped like
JSON, a ``no-cors`` fetch — must not leave the visitor signed in to the attacker's account.

The attacker's pages come from a second small server: on ``localhost`` (another site
than the app's ``127.0.0.1``: ``Sec-Fetch-Site: cross-site``) and on ``127.0.0.1`` with
another port (the same site, another origin: only ``Origin`` tells). A control runs the
same fetch from the app's own origin and does sign in, so the check below can see a
sign-in when there is one."""

from __future__ import annotations

import html
import json
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

pytestmark = pytest.mark.browser

ATTACKER_EMAIL = "ke-tan-cong@live.example.vn"
ATTACKER_PASSWORD = "matkhau-ke-tan-cong"


@pytest.fixture(scope="module")
def attacker_account(live_app):
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Role
    from contest.services import accounts

    with live_app.app_context():
        accounts.create_account(
            role=Role.judge,
            email=ATTACKER_EMAIL,
            password=ATTACKER_PASSWORD,
            full_name="Kẻ Tấn Công",
            now=utcnow(),
        )
        db.session.commit()
    return {"login": ATTACKER_EMAIL, "password": ATTACKER_PASSWORD}


def _pages(app_url: str, creds: dict) -> dict[str, str]:
    """The attacker's pages, each posting ``creds`` to the app as soon as it loads."""
    body = json.dumps(creds)
    # A text/plain form whose single field spells a JSON object: name + "=" + value.
    name, value = body[:-1] + ', "x": "', '"}'
    return {
        "/form": f"""<form id="f" method="post" action="{app_url}/dang-nhap">
            <input name="login" value="{creds["login"]}">
            <input name="password" value="{creds["password"]}"></form>
            <script>document.getElementById("f").submit()</script>""",
        "/json-form": f"""<form id="f" method="post" enctype="text/plain"
            action="{app_url}/api/auth/login">
            <input name='{html.escape(name, quote=False)}' value='{value}'></form>
            <script>document.getElementById("f").submit()</script>""",
        "/fetch": f"""<script>
            fetch("{app_url}/api/auth/login", {{method: "POST", mode: "no-cors",
                credentials: "include", body: {json.dumps(body)}}})
              .finally(() => {{ document.title = "sent"; }});
            </script>""",
    }


@pytest.fixture(scope="module")
def attacker(live_server, attacker_account):
    """The attacker's server on a free port; yields its port."""
    pages = _pages(live_server, attacker_account)

    def app(environ, start_response):
        page = pages.get(environ["PATH_INFO"])
        response = Response(
            f"<!doctype html><title>trang khác</title>{page or ''}",
            status=200 if page else 404,
            mimetype="text/html",
        )
        return response(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="attacker", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def _signed_in_as(page) -> str | None:
    """Who the browser context's cookies sign in to the app, or None."""
    response = page.context.request.get("/api/auth/me")
    if response.status != 200:
        return None
    return response.json()["user"]["full_name"]


def _run_attack(page, url: str, kind: str) -> None:
    if kind == "/fetch":
        page.goto(url)
        page.wait_for_function("document.title === 'sent'")
    else:  # the form navigates the page to the app's answer
        page.goto(url)
        page.wait_for_url(lambda u: "/dang-nhap" in u or "/api/auth/login" in u)
        page.wait_for_load_state()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"], ids=["cross-site", "same-site"])
@pytest.mark.parametrize("kind", ["/form", "/json-form", "/fetch"])
def test_a_page_of_another_origin_cannot_sign_the_visitor_in(page, attacker, host, kind):
    page.goto("/")  # the victim has visited the contest: a session cookie exists
    assert _signed_in_as(page) is None
    _run_attack(page, f"http://{host}:{attacker}{kind}", kind)
    assert _signed_in_as(page) is None
    if kind == "/json-form":
        refusal = page.locator("body").inner_text()
        assert "cross_site" in refusal and "trang web khác" in json.loads(refusal)["message"]


def test_the_same_fetch_from_the_apps_own_page_does_sign_in(page, attacker_account):
    """The control: the check above would see a sign-in if the attack had worked."""
    page.goto("/")
    status = page.evaluate(
        """async (creds) => (await fetch("/api/auth/login", {method: "POST",
            headers: {"Content-Type": "application/json"}, body: JSON.stringify(creds)})).status""",
        attacker_account,
    )
    assert status == 200
    assert _signed_in_as(page) == "Kẻ Tấn Công"
