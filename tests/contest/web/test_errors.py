"""Domain errors are mapped in one place (contest/web/errors.py): a refused form goes back
to the page it was sent from with the reason; without that page, the error page says it;
under /api/ the JSON error shape."""

from __future__ import annotations

import html

from contest.models import Role
from tests.conftest import csrf_from

STILL_OPEN = "Đợt thi chưa kết thúc nên chưa thể đóng và xếp hạng."


def _close(client, round_id: int, **headers):
    page = f"/ban-to-chuc/ket-qua/dot-thi/{round_id}"
    token = csrf_from(client, page)
    return client.post(f"{page}/dong", data={"csrf_token": token}, headers=headers)


def test_refused_form_goes_back_to_its_page_with_the_reason(
    client, db, login, make_user, make_round
):
    login(make_user(role=Role.organiser))
    round_ = make_round()
    page = f"http://localhost/ban-to-chuc/ket-qua/dot-thi/{round_.id}"
    response = _close(client, round_.id, Referer=page)
    assert response.status_code == 302 and response.headers["Location"] == page
    shown = html.unescape(client.get(page).get_data(as_text=True))
    assert STILL_OPEN in shown


def test_refused_form_without_a_referrer_gets_the_error_page(
    client, db, login, make_user, make_round
):
    login(make_user(role=Role.organiser))
    round_ = make_round()
    response = _close(client, round_.id)
    assert response.status_code == 409
    assert STILL_OPEN in html.unescape(response.get_data(as_text=True))


def test_api_domain_error_is_json_in_the_request_language(
    client, db, login, make_user, make_round, compiled_catalogue
):
    login(make_user())
    round_ = make_round(published=False)
    response = client.post(
        f"/api/rounds/{round_.id}/attempts?lang=en", headers=login.headers, json={}
    )
    body = response.get_json()
    assert (response.status_code, body) == (
        404,
        {"error": "not_found", "message": "Round not found."},
    )
