"""NUL characters (O5): PostgreSQL's text cannot hold U+0000, so a NUL anywhere in a JSON
body, a form field or a query string is refused at the door (422 on the API, 400 on a page,
with a Vietnamese message) instead of reaching the driver as a 500."""

from __future__ import annotations

import pytest

from contest.web.json_input import loads_strict
from tests.conftest import csrf_from


def test_the_strict_parser_refuses_nul_anywhere():
    for document in ['"a\\u0000b"', '{"k\\u0000": 1}', '[["x", {"y": "\\u0000"}]]']:
        with pytest.raises(ValueError):
            loads_strict(document)
    # A backslash followed by the letters u0000 is text, not a NUL.
    assert loads_strict('"\\\\u0000"') == "\\u0000"


@pytest.mark.parametrize(
    "body",
    [
        {"login": "0912\u0000345678", "password": "x"},
        {"login": "0912345678", "password": "mat\u0000khau"},
        {"login\u0000": "0912345678", "password": "x"},
    ],
)
def test_a_nul_in_the_login_json_is_422(client, body):
    response = client.post("/api/auth/login", json=body)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    payload = response.get_json()
    assert payload["error"] and payload["message"]


def test_a_nul_in_a_registration_json_is_422(client):
    response = client.post("/api/auth/register", json={"full_name": "Lò\u0000 Văn A"})
    assert response.status_code == 422


def test_a_nul_in_a_form_field_is_400_with_a_message(client):
    token = csrf_from(client)
    response = client.post(
        "/dang-nhap",
        data={"csrf_token": token, "login": "0912\u0000345678", "password": "x"},
    )
    assert response.status_code == 400
    assert "có ký tự không hợp lệ (ký tự rỗng NUL)" in response.get_data(as_text=True)


def test_a_nul_in_a_query_string_is_400(client):
    response = client.get("/?q=a%00b")
    assert response.status_code == 400
    assert "có ký tự không hợp lệ (ký tự rỗng NUL)" in response.get_data(as_text=True)
