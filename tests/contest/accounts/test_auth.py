"""Registration, sign-in, sessions, rate limits and security headers (issue: foundation)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from contest.models import User
from contest.services import accounts, participants
from contest.services.passwords import hash_password, needs_rehash
from tests.conftest import NOW, PASSWORD, csrf_from, valid_cccd


def registration(unit, cat, **overrides):
    birth = date(2001, 3, 9)
    data = {
        "full_name": "Lò Thị Mai",
        "birth_date": birth.isoformat(),
        "gender": "female",
        "id_number": valid_cccd(birth, "female"),
        "phone": "0987 654 321",
        "email": "mai@example.vn",
        "unit_id": unit.id,
        "category": cat.id,
        "password": "bai-thi-2026",
        "consent": True,
    }
    data.update(overrides)
    return data


def count_users(db):
    return db.session.scalar(select(func.count(User.id)))


def test_api_register_creates_participant_and_records_consent(client, db, unit, category):
    response = client.post("/api/auth/register", json=registration(unit, category))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["csrf_token"]
    user = db.session.get(User, body["user"]["id"])
    assert user.phone == "0987654321"  # normalised
    assert user.consent_at is not None and user.consent_version
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("full_name", "", "họ và tên"),
        ("full_name", "<script>alert(1)</script>", "chữ cái"),
        ("birth_date", "", "ngày sinh"),
        ("birth_date", "31/02/2001", "không hợp lệ"),
        ("birth_date", "2020-01-01", "đủ 12 tuổi"),
        ("gender", "other", "giới tính"),
        ("id_number", "12345", "12 chữ số"),
        ("id_number", "999101000001", "mã tỉnh"),
        ("id_number", "012001000001", "giới tính"),  # 4th digit says male
        ("id_number", "012199000001", "năm sinh"),  # year digits 99, born 2001
        ("phone", "", "số điện thoại"),
        ("phone", "0212345678", "không hợp lệ"),
        ("email", "not-an-email", "Email"),
        ("unit_id", 999999, "đơn vị"),
        ("category", "abc", "đối tượng"),
        ("password", "short", "8 ký tự"),
        ("consent", False, "đồng ý"),
    ],
)
def test_each_invalid_field_gets_its_own_message_and_nothing_is_saved(
    client, db, unit, category, field, value, fragment
):
    before = count_users(db)
    data = registration(unit, category, **{field: value})
    if field == "id_number" and value in ("012001000001", "012199000001"):
        data["birth_date"] = "2001-03-09"
    response = client.post("/api/auth/register", json=data)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "validation"
    key = "category_id" if field == "category" else field
    assert key in body["fields"], body
    assert fragment.lower() in body["fields"][key].lower()
    assert count_users(db) == before


def test_duplicate_phone_and_cccd_are_refused(client, db, make_user, unit, category):
    existing = make_user()
    data = registration(unit, category, phone=existing.phone, email="other@example.vn")
    data["id_number"] = existing.id_number
    data["birth_date"] = existing.birth_date.isoformat()
    data["gender"] = existing.gender.value
    before = count_users(db)
    response = client.post("/api/auth/register", json=data)
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert "phone" in fields and "id_number" in fields
    assert count_users(db) == before


def test_register_page_keeps_what_was_typed_except_password(client, db, unit, category):
    token = csrf_from(client, "/dang-ky")
    data = registration(unit, category, phone="123")
    data.pop("category")
    data.update(category_id=category.id, csrf_token=token, consent="y")
    response = client.post("/dang-ky", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Lò Thị Mai" in html
    assert "Số điện thoại không hợp lệ" in html
    assert "bai-thi-2026" not in html


def test_register_page_success_signs_in(client, db, unit, category):
    token = csrf_from(client, "/dang-ky")
    data = registration(unit, category)
    data.pop("category")
    data.update(category_id=category.id, csrf_token=token, consent="y")
    response = client.post("/dang-ky", data=data)
    assert response.status_code == 302
    assert client.get("/api/auth/me").status_code == 200


def test_login_with_phone_in_any_spelling_or_email(client, db, make_user):
    user = make_user(phone="0911222333", email="an@example.vn")
    for login in ("0911222333", "+84 911 222 333", "AN@example.vn"):
        response = client.post("/api/auth/login", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, login
        assert response.get_json()["user"]["id"] == user.id


def test_wrong_password_is_401_with_vietnamese_message(client, db, make_user):
    user = make_user()
    response = client.post("/api/auth/login", json={"login": user.phone, "password": "sai"})
    assert response.status_code == 401
    assert "không đúng" in response.get_json()["message"]


def test_login_page_wrong_password(client, db, make_user):
    user = make_user()
    response = client.post(
        "/dang-nhap",
        data={"login": user.phone, "password": "sai-mat-khau", "csrf_token": csrf_from(client)},
    )
    assert response.status_code == 422
    assert "không đúng" in response.get_data(as_text=True)


def test_replayed_cookie_after_logout_is_rejected(app, client, db, make_user, login):
    user = make_user()
    login(user)
    old_cookie = client.get_cookie("hoithi_session").value
    assert client.post("/api/auth/logout", headers=login.headers).status_code == 200
    replay = app.test_client()
    replay.set_cookie("hoithi_session", old_cookie)
    assert replay.get("/api/auth/me").status_code == 401


def test_password_change_signs_out_other_devices(app, client, db, make_user, login):
    user = make_user()
    other = app.test_client()
    other.post("/api/auth/login", json={"login": user.phone, "password": PASSWORD})
    assert other.get("/api/auth/me").status_code == 200
    login(user)
    response = client.post(
        "/doi-mat-khau",
        data={
            "current_password": PASSWORD,
            "new_password": "mat-khau-moi-2026",
            "csrf_token": csrf_from(client, "/doi-mat-khau"),
        },
    )
    assert response.status_code == 302
    assert other.get("/api/auth/me").status_code == 401
    assert client.get("/api/auth/me").status_code == 200  # this browser stays signed in


def test_remember_me_sets_a_long_lived_httponly_cookie(client, db, make_user):
    user = make_user()
    response = client.post(
        "/api/auth/login", json={"login": user.phone, "password": PASSWORD, "remember": True}
    )
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("hoithi_remember=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]
    session = [c for c in cookies if c.startswith("hoithi_session=")][0]
    assert "HttpOnly" in session and "SameSite=Lax" in session


def test_login_is_rate_limited_per_account(client, db, make_user):
    user = make_user()
    statuses = [
        client.post("/api/auth/login", json={"login": user.phone, "password": "x"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    response = client.post("/api/auth/login", json={"login": user.phone, "password": PASSWORD})
    assert response.status_code == 429
    assert "thử lại" in response.get_json()["message"]


def test_login_is_rate_limited_per_ip(app, client, db):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    try:
        statuses = [
            client.post(
                "/api/auth/login", json={"login": f"09000000{i:02d}", "password": "x"}
            ).status_code
            for i in range(4)
        ]
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "60 per minute"
    assert statuses == [401, 401, 401, 429]


def test_csrf_is_required_for_json_writes(client, db, make_user, login):
    login(make_user())
    response = client.post("/api/auth/logout")
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf"


def test_csrf_is_required_for_forms(client, db, make_user):
    user = make_user()
    response = client.post("/dang-nhap", data={"login": user.phone, "password": PASSWORD})
    assert response.status_code in (400, 422)
    assert client.get("/api/auth/me").status_code == 401


@pytest.mark.parametrize("path", ["/", "/dang-nhap", "/api/units", "/khong-co-trang-nay"])
def test_security_headers_on_every_response(client, db, path):
    headers = client.get(path).headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"]


def test_error_pages_are_vietnamese(client, db):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)
    api = client.get("/api/khong-co")
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"


def test_too_large_request_gives_clean_413(app, client, db):
    response = client.post(
        "/dang-ky",
        data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10),
        content_type="application/octet-stream",
    )
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.get_data(as_text=True)


def test_deactivated_account_cannot_log_in(client, db, make_user):
    user = make_user(is_active_account=False)
    response = client.post("/api/auth/login", json={"login": user.phone, "password": PASSWORD})
    assert response.status_code == 403


def test_password_rehashed_on_login_when_parameters_change(client, db, make_user):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    user = make_user()
    user.password_hash = weak
    db.session.flush()
    assert needs_rehash(weak)
    client.post("/api/auth/login", json={"login": user.phone, "password": PASSWORD})
    db.session.refresh(user)
    assert user.password_hash != weak and not needs_rehash(user.password_hash)


def test_profile_update_rechecks_uniqueness(client, db, make_user):
    me, other = make_user(), make_user()
    with pytest.raises(accounts.ValidationFailed) as exc:
        participants.update_profile(
            me,
            participants.ProfileInput(
                full_name=me.full_name,
                birth_date=me.birth_date,
                gender="male",
                id_number=me.id_number,
                phone=other.phone,
                unit_id=me.unit_id,
                category_id=me.category_id,
            ),
            now=NOW,
            min_age=12,
        )
    assert "phone" in exc.value.fields


def test_profile_page_saves_changes(client, db, make_user, login):
    me = make_user()
    login(me)
    token = csrf_from(client, "/ho-so")
    response = client.post(
        "/ho-so",
        data={
            "full_name": "Tên Mới Đẹp",
            "birth_date": me.birth_date.isoformat(),
            "gender": "male",
            "id_number": me.id_number,
            "phone": me.phone,
            "email": "",
            "unit_id": me.unit_id,
            "category_id": me.category_id,
            "address": "Bản Hon",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    db.session.refresh(me)
    assert me.full_name == "Tên Mới Đẹp" and me.address == "Bản Hon" and me.email is None


def test_units_and_categories_api(client, db, unit, category, make_unit):
    make_unit("Trường THCS Bản Lang", parent=unit)
    units = client.get("/api/units").get_json()["units"]
    assert any(u["path"] == "Phường Tân Phong / Trường THCS Bản Lang" for u in units)
    cats = client.get("/api/categories").get_json()["categories"]
    assert {"id": category.id, "name": category.name} in cats


def test_hashing_uses_owasp_minimum():
    assert hash_password("x").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_english_is_selectable(client, db):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Sign in" in html
