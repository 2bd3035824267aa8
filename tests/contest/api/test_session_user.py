"""The quiz API's lean signed-in user (contest/web/session_user.py) keeps every rule of the
full one: a revoked session token (S2), a closed account and a temporary password stop
the quiz endpoints exactly as they stop the pages."""

from __future__ import annotations

from contest.models import User
from contest.web.session_user import LEAN_ENDPOINTS, SessionUser


def _start(client, login, round_):
    return client.post(f"/api/rounds/{round_.id}/attempts", json={}, headers=login.headers)


def test_the_quiz_endpoints_get_the_lean_user_and_start_as_before(
    app, client, login, make_user, make_round
):
    user, round_ = make_user(), make_round()
    login(user)
    reply = _start(client, login, round_)
    assert reply.status_code == 201 and len(reply.get_json()["questions"]) == 10
    rules = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert rules >= LEAN_ENDPOINTS  # every name is a real endpoint
    assert SessionUser.__slots__  # a plain value, not an ORM object


def test_a_revoked_session_token_loads_nobody_on_the_quiz_api(
    db, client, login, make_user, make_round
):
    user, round_ = make_user(), make_round()
    login(user)
    db.session.get(User, user.id).session_token = "doi-mat-khau"  # changed elsewhere
    db.session.commit()
    reply = _start(client, login, round_)
    assert reply.status_code == 401 and reply.get_json()["error"] == "unauthorized"


def test_a_closed_account_cannot_start(db, client, login, make_user, make_round):
    user, round_ = make_user(), make_round()
    login(user)
    db.session.get(User, user.id).is_active_account = False
    db.session.commit()
    assert _start(client, login, round_).status_code == 401


def test_a_temporary_password_stops_the_quiz_api_too(db, client, login, make_user, make_round):
    user, round_ = make_user(), make_round()
    login(user)
    db.session.get(User, user.id).must_change_password = True
    db.session.commit()
    reply = _start(client, login, round_)
    assert reply.status_code == 403
    assert reply.get_json()["error"] == "password_change_required"
