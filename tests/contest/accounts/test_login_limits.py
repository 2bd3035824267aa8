"""Sign-in limits keyed on the account, not the spelling (issue 11 item 2, S4).

The documented limit is ``LOGIN_LIMIT_PER_ACCOUNT`` ("10 per 5 minutes"): ten failed
sign-ins to one account, however its phone or email is spelt, then 429 with Retry-After.
The two-server test with Redis is in ``test_login_limits_redis.py``.
"""

from __future__ import annotations

import itertools

import pytest

from contest.services import accounts
from contest.web.limits import login_account_key
from tests.conftest import PASSWORD, csrf_from

LIMIT = 10  # "10 per 5 minutes"
BLOCKED = "Bạn đã đăng nhập sai quá nhiều lần với tài khoản này"


def spellings(user):
    """Ways a person (or an attacker) may type one account's login."""
    local = user.phone[1:]
    return [
        "+84" + local,
        f"0{local[:3]} {local[3:6]} {local[6:]}",
        user.phone,
        "84" + local,
        "+84 " + local.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        user.phone.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
        user.email.upper(),
        " " + user.email + " ",
        f"({user.phone[:4]}) {user.phone[4:7]}.{user.phone[7:]}",
        "0084" + local,
    ]


def assert_blocked(response):
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_24_wrong_tries_in_varied_spellings_are_blocked_after_the_limit(client, db, make_user):
    user = make_user()
    tries = itertools.islice(itertools.cycle(spellings(user)), 24)
    responses = [
        client.post("/api/auth/login", json={"login": login, "password": "sai-mat-khau"})
        for login in tries
    ]
    assert [r.status_code for r in responses] == [401] * LIMIT + [429] * (24 - LIMIT)
    for response in responses[LIMIT:]:
        assert_blocked(response)
        body = response.get_json()
        assert body["error"] == "too_many_requests"
        assert BLOCKED in body["message"] and "phút" in body["message"]
    # The right password waits too: the account is what is protected.
    right = client.post("/api/auth/login", json={"login": user.email, "password": PASSWORD})
    assert_blocked(right)


def test_the_login_page_blocks_the_account_with_a_message_beside_the_form(client, db, make_user):
    user = make_user()
    token = csrf_from(client)
    statuses = []
    for login in itertools.islice(itertools.cycle(spellings(user)), LIMIT + 2):
        response = client.post(
            "/dang-nhap", data={"login": login, "password": "sai", "csrf_token": token}
        )
        statuses.append(response.status_code)
    assert statuses == [422] * LIMIT + [429, 429]
    assert_blocked(response)
    html = response.get_data(as_text=True)
    assert BLOCKED in html and 'name="login"' in html


def test_page_and_api_share_the_account_s_counter(client, db, make_user):
    user = make_user()
    token = csrf_from(client)
    for _ in range(LIMIT // 2):
        client.post("/dang-nhap", data={"login": user.email, "password": "x", "csrf_token": token})
    for _ in range(LIMIT - LIMIT // 2):
        response = client.post("/api/auth/login", json={"login": user.phone, "password": "x"})
        assert response.status_code == 401
    assert_blocked(client.post("/api/auth/login", json={"login": "+84" + user.phone[1:]}))


def test_successful_sign_ins_do_not_use_up_the_account_s_tries(client, db, make_user):
    user = make_user()
    for _ in range(LIMIT + 2):
        ok = client.post("/api/auth/login", json={"login": user.phone, "password": PASSWORD})
        assert ok.status_code == 200
        client.post("/api/auth/logout", headers={"X-CSRFToken": ok.get_json()["csrf_token"]})
    bad = [
        client.post("/api/auth/login", json={"login": user.phone, "password": "x"}).status_code
        for _ in range(LIMIT + 1)
    ]
    assert bad == [401] * LIMIT + [429]


def test_other_accounts_are_not_blocked(client, db, make_user):
    victim, other = make_user(), make_user()
    for _ in range(LIMIT + 1):
        client.post("/api/auth/login", json={"login": victim.phone, "password": "x"})
    response = client.post("/api/auth/login", json={"login": other.phone, "password": PASSWORD})
    assert response.status_code == 200


def test_an_unknown_login_is_limited_by_its_canonical_spelling(client, db):
    tries = ["+84911222333", "0911 222 333", "84911222333", "０９１１２２２３３３"] * 3
    statuses = [
        client.post("/api/auth/login", json={"login": login, "password": "x"}).status_code
        for login in tries
    ]
    assert statuses == [401] * LIMIT + [429, 429]


def test_the_key_is_the_account_and_never_the_phone_or_email(app, db, make_user):
    user = make_user()
    keys = set()
    for login in spellings(user):
        with app.test_request_context("/api/auth/login", method="POST", json={"login": login}):
            keys.add(login_account_key())
    assert keys == {f"user:{user.id}"}
    unknown = accounts.login_key("+84 911 222 333")
    assert unknown == accounts.login_key("0911222333")
    assert "911222333" not in unknown and unknown.startswith("login:")  # L2: not in logs


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"login": 5}', b'["0977000012"]', b"\xff\xfe", b"nan"],
)
def test_the_key_never_fails_on_a_hostile_body(app, db, body):
    with app.test_request_context(
        "/api/auth/login", method="POST", data=body, content_type="application/json"
    ):
        assert login_account_key().startswith("login:")
