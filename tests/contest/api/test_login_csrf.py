"""Login CSRF (S3): a page of another site cannot sign the visitor in, through the JSON API
(Origin / Sec-Fetch-Site check) or the login form (Flask-WTF's session-bound token).
tests/browser/test_login_csrf.py shows the same in Chromium."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, csrf_from

OWN = "http://localhost"  # the test client's host


def _login(client, user, **headers):
    return client.post(
        "/api/auth/login", json={"login": user.phone, "password": PASSWORD}, headers=headers
    )


def _signed_in(client) -> bool:
    return client.get("/api/auth/me").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://localhost:5205"},  # another port is another origin
        {"Origin": "https://localhost"},  # and so is another scheme
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": OWN},
    ],
)
def test_api_login_from_another_site_is_refused(client, make_user, headers):
    response = _login(client, make_user(), **headers)
    assert response.status_code == 403
    body = response.get_json()
    assert body["error"] == "cross_site"
    assert "trang web khác" in body["message"]
    assert not _signed_in(client)


def test_api_register_from_another_site_is_refused(client, db):
    response = client.post("/api/auth/register", json={}, headers={"Origin": "http://evil.example"})
    assert response.status_code == 403 and response.get_json()["error"] == "cross_site"


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a script or the quiz page's own fetch without Origin
        {"Origin": OWN},
        {"Origin": OWN + "/"},
        {"Sec-Fetch-Site": "same-origin", "Origin": OWN},
        {"Sec-Fetch-Site": "none"},  # typed into the address bar / a bookmark
    ],
)
def test_api_login_from_the_app_itself_still_works(client, make_user, headers):
    response = _login(client, make_user(), **headers)
    assert response.status_code == 200, response.get_json()
    assert _signed_in(client)


def test_login_form_without_the_visitors_own_token_is_refused(app, client, make_user):
    """The attacker's page can carry the attacker's token, never the victim's: the token
    is bound to the session it was made for."""
    user = make_user()
    attacker = app.test_client()
    attacker_token = csrf_from(attacker)
    client.get("/dang-nhap")  # the victim has a session of their own
    for token in (None, attacker_token):
        form = {"login": user.phone, "password": PASSWORD}
        if token:
            form["csrf_token"] = token
        response = client.post("/dang-nhap", data=form, headers={"Origin": "http://evil.example"})
        assert response.status_code == 400
        assert not _signed_in(client)
