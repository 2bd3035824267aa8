"""Registration tells who has an account only as far as the rule needs (issue 11 item 6).

The duplicate message names the field and says how to get back in; it is given only to a
registration that would otherwise succeed; the per-IP registration limit bounds how many
numbers one address can try (docs/security.md, "Registration").
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from contest.models import User
from tests.conftest import csrf_from, unique_phone, valid_cccd
from tests.contest.accounts.test_auth import registration

SIGN_IN_OR_RESET = "Hãy đăng nhập, hoặc dùng “Quên mật khẩu” nếu bạn không nhớ mật khẩu."


def count_users(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


def fresh(unit, category, **overrides):
    """A registration nobody has made: new CCCD, phone and email."""
    data = registration(unit, category, phone=unique_phone(), email="")
    data["id_number"] = valid_cccd(date(2001, 3, 9), "female")
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("phone", "Số điện thoại này đã có tài khoản. " + SIGN_IN_OR_RESET),
        ("id_number", "Số CCCD này đã có tài khoản. " + SIGN_IN_OR_RESET),
        ("email", "Email này đã có tài khoản. " + SIGN_IN_OR_RESET),
    ],
)
def test_the_duplicate_message_names_the_field_and_says_how_to_get_back_in(
    client, db, unit, category, make_user, field, message
):
    existing = make_user()
    data = fresh(unit, category)
    if field == "id_number":
        data.update(
            id_number=existing.id_number,
            birth_date=existing.birth_date.isoformat(),
            gender=existing.gender.value,
        )
    else:
        data[field] = getattr(existing, field)
    before = count_users(db)
    response = client.post("/api/auth/register", json=data)
    assert response.status_code == 422
    body = response.get_json()
    assert body["fields"] == {field: message}
    assert body["message"] == "Có vẻ bạn đã có tài khoản. " + SIGN_IN_OR_RESET
    assert count_users(db) == before


def test_the_page_links_to_sign_in_when_the_person_has_an_account(
    client, db, unit, category, make_user
):
    existing = make_user()
    data = fresh(unit, category, phone=existing.phone)
    data.update(
        category_id=data.pop("category"), consent="y", csrf_token=csrf_from(client, "/dang-ky")
    )
    response = client.post("/dang-ky", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Số điện thoại này đã có tài khoản. " + SIGN_IN_OR_RESET in html
    assert "Có vẻ bạn đã có tài khoản." in html and 'href="/dang-nhap"' in html
    assert 'href="/quen-mat-khau"' in html


def test_a_probe_that_would_not_register_learns_nothing(client, db, unit, category, make_user):
    """Only a phone (or a phone with any other field wrong): taken or free, same answer."""
    existing = make_user()
    answers = []
    for phone in (existing.phone, unique_phone()):
        for probe in ({"phone": phone}, fresh(unit, category, phone=phone, password="short")):
            response = client.post("/api/auth/register", json=probe)
            assert response.status_code == 422
            answers.append(response.get_json())
    assert answers[0] == answers[2] and answers[1] == answers[3]
    assert all("phone" not in answer["fields"] for answer in answers)


def test_the_registration_limit_exists_and_triggers(app, client, db, unit, category):
    assert app.config["REGISTER_LIMIT_PER_IP"] == "30 per hour"  # documented default
    statuses = [
        client.post("/api/auth/register", json={"phone": unique_phone()}).status_code
        for _ in range(31)
    ]
    assert statuses == [422] * 30 + [429]


def test_the_page_and_the_api_share_the_registration_limit(app, client, db, unit, category):
    app.config["REGISTER_LIMIT_PER_IP"] = "3 per hour"
    try:
        token = csrf_from(client, "/dang-ky")
        page = [
            client.post("/dang-ky", data={"phone": unique_phone(), "csrf_token": token})
            for _ in range(2)
        ]
        api = client.post("/api/auth/register", json={"phone": unique_phone()})
        blocked_api = client.post("/api/auth/register", json=fresh(unit, category))
        blocked_page = client.post("/dang-ky", data={"phone": "x", "csrf_token": token})
    finally:
        app.config["REGISTER_LIMIT_PER_IP"] = "30 per hour"
    assert [r.status_code for r in page] + [api.status_code] == [422, 422, 422]
    assert blocked_api.status_code == 429 and int(blocked_api.headers["Retry-After"]) > 0
    assert "thử lại" in blocked_api.get_json()["message"]
    assert blocked_page.status_code == 429 and blocked_page.headers["Retry-After"]
    assert "Vui lòng chờ một lát rồi thử lại" in blocked_page.get_data(as_text=True)
