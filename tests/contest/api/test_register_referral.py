"""Sign-ups through the JSON API are credited like the registration page's (issue 15 item 4,
docs/sharing.md): the code from the body's optional ``ref`` or from the referral cookie
(which wins: first touch), once per new account; self-referral and duplicates don't count."""

from __future__ import annotations

from datetime import date
from itertools import count

from sqlalchemy import func, select

from contest.models import Role, User
from contest.models.referral import CREDITED, DUPLICATE, SELF, Referral
from contest.services import referrals
from contest.web.referral_link import COOKIE
from tests.conftest import NOW, valid_cccd

_n = count(1)


def body(unit, category, *, name="Lò Thị Mai", birth=date(2001, 3, 9), email=None, **extra):
    n = next(_n)
    data = {
        "full_name": name,
        "birth_date": birth.isoformat(),
        "gender": "female",
        "id_number": valid_cccd(birth, "female"),
        "phone": f"0986{n:06d}",
        "email": email or f"api-moi{n}@example.vn",
        "unit_id": unit.id,
        "category": category.id,
        "password": "bai-thi-2026",
        "consent": True,
    }
    data.update(extra)
    return data


def register(client, data, status=201):
    response = client.post("/api/auth/register", json=data)
    assert response.status_code == status, response.get_json()
    return response


def referral_of(db, user_id) -> Referral | None:
    return db.session.scalar(select(Referral).where(Referral.referred_id == user_id))


def code_of(db, user) -> str:
    code = referrals.code_for(user, now=NOW)
    db.session.commit()
    return code


def test_the_body_code_credits_the_referrer_once(app, db, make_user, unit, category):
    referrer = make_user()
    code = code_of(db, referrer)
    first = register(app.test_client(), body(unit, category, ref=code)).get_json()["user"]["id"]
    referral = referral_of(db, first)
    assert (referral.referrer_id, referral.status) == (referrer.id, CREDITED)
    assert referral.contest_id is None  # the body names no contest
    assert referrals.credited_count(referrer.id) == 1
    # Another newcomer through the same code is another credit; the first stays one.
    second = register(app.test_client(), body(unit, category, name="Hà Văn Nam", ref=code))
    assert referral_of(db, second.get_json()["user"]["id"]).status == CREDITED
    newcomer = db.session.get(User, first)
    other = make_user()
    referrals.record_signup(
        newcomer, code_of(db, other), contest_id=None, opened_as_referrer=False, now=NOW
    )
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 2
    assert referrals.credited_count(referrer.id) == 2
    assert referrals.credited_count(other.id) == 0


def test_the_referral_cookie_credits_and_wins_over_the_body(
    client, db, make_round, make_user, unit, category
):
    r = make_round()
    referrer, other = make_user(), make_user()
    code, other_code = code_of(db, referrer), code_of(db, other)
    client.get(f"/cuoc-thi/{r.contest.slug}?ref={code}")
    response = register(client, body(unit, category, ref=other_code))
    referral = referral_of(db, response.get_json()["user"]["id"])
    assert (referral.referrer_id, referral.status) == (referrer.id, CREDITED)
    assert referral.contest_id == r.contest_id
    # The cookie is dropped with the registration.
    dropped = response.headers.get("Set-Cookie", "")
    assert f"{COOKIE}=;" in dropped and "Max-Age=0" in dropped
    assert referrals.credited_count(other.id) == 0


def test_self_referral_by_email_or_by_the_signed_in_referrer_is_not_credited(
    app, client, db, login, make_user, unit, category
):
    referrer = make_user(email="lo.mai@gmail.com")
    code = code_of(db, referrer)
    # The same mailbox (Gmail dots and +tag folded).
    same = register(
        app.test_client(),
        body(unit, category, name="Hà Thị Hoa", email="lomai+2@gmail.com", ref=code),
    )
    assert referral_of(db, same.get_json()["user"]["id"]).status == SELF
    # Registering a second account while signed in as the referrer.
    login(referrer)
    again = register(client, body(unit, category, name="Đinh Văn Tú", ref=code))
    assert referral_of(db, again.get_json()["user"]["id"]).status == SELF
    assert referrals.credited_count(referrer.id) == 0


def test_a_duplicate_account_is_not_credited(app, db, make_user, unit, category):
    referrer = make_user()
    make_user(full_name="Vàng A Páo", birth_date=date(1999, 5, 5))  # already has an account
    code = code_of(db, referrer)
    data = body(unit, category, name="Vàng A Páo", birth=date(1999, 5, 5), ref=code)
    response = register(app.test_client(), data)
    assert referral_of(db, response.get_json()["user"]["id"]).status == DUPLICATE
    assert referrals.credited_count(referrer.id) == 0


def test_an_unknown_code_registers_without_credit_and_a_wrong_type_is_refused(
    app, db, make_user, unit, category
):
    organiser = make_user(Role.organiser)
    staff_code = code_of(db, organiser)  # only a participant's code credits
    for ref in ("AAAAAAAAAAAA", "short", "", staff_code):
        response = register(app.test_client(), body(unit, category, ref=ref))
        assert referral_of(db, response.get_json()["user"]["id"]) is None
    users = db.session.scalar(select(func.count()).select_from(User))
    refused = register(app.test_client(), body(unit, category, ref=12345), status=422)
    assert "ref" in refused.get_json()["fields"]
    assert db.session.scalar(select(func.count()).select_from(User)) == users


def test_the_spec_documents_the_optional_field(client, db):
    spec = client.get("/api/openapi.json").get_json()
    schema = spec["paths"]["/api/auth/register"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    assert schema["properties"]["ref"]["type"] == "string"
    assert "ref" not in schema["required"]
