"""Hostile input on the JSON API (O5): every case answers 404, 405, 413 or 422 in the
error shape ``{"error", "message"[, "fields"]}``, never a 500."""

from __future__ import annotations

import pytest

from contest.web.json_input import API_MAX_BODY, loads_strict

HUGE = 2**63  # one past the largest bigint
DEEP = "[" * 100_000 + "]" * 100_000


def assert_error(response, status: int, code: str | None = None):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) >= {"error", "message"}, body
    assert body["message"] and isinstance(body["message"], str)
    if code:
        assert body["error"] == code, body
    return body


@pytest.fixture
def attempt(client, login, make_round, make_user):
    """A signed-in participant's attempt in progress: (attempt json, login)."""
    r = make_round(question_count=3)
    login(make_user())
    started = client.post(f"/api/rounds/{r.id}/attempts", headers=login.headers)
    assert started.status_code == 201
    return started.get_json(), login


@pytest.mark.parametrize(
    "path",
    [
        f"/api/attempts/{HUGE}",
        f"/api/attempts/{2**31}",
        f"/api/attempts/{'9' * 5000}",
    ],
)
def test_ids_too_large_for_the_database_are_404(client, attempt, path):
    assert_error(client.get(path), 404, "not_found")


def test_huge_ids_in_write_paths_are_404(client, attempt):
    body, login = attempt
    question = body["questions"][0]["id"]
    for method, path in [
        ("put", f"/api/attempts/{HUGE}/answers/{question}"),
        ("put", f"/api/attempts/{body['id']}/answers/{HUGE}"),
        ("put", f"/api/attempts/{HUGE}/prediction"),
        ("post", f"/api/attempts/{HUGE}/submit"),
        ("put", f"/api/attempts/{HUGE}/unsent"),
        ("post", f"/api/rounds/{HUGE}/attempts"),
    ]:
        response = getattr(client, method)(path, json={"option_ids": []}, headers=login.headers)
        assert_error(response, 404, "not_found")


@pytest.mark.parametrize("seq", [HUGE, -HUGE, 10**30])
def test_seq_beyond_bigint_is_422(client, attempt, seq):
    body, login = attempt
    q = body["questions"][0]
    response = client.put(
        f"/api/attempts/{body['id']}/answers/{q['id']}",
        json={"option_ids": [q["options"][0]["id"]], "seq": seq},
        headers=login.headers,
    )
    assert "seq" in assert_error(response, 422, "validation")["fields"]


def test_option_ids_beyond_bigint_are_422(client, attempt):
    body, login = attempt
    q = body["questions"][0]
    response = client.put(
        f"/api/attempts/{body['id']}/answers/{q['id']}",
        json={"option_ids": [HUGE]},
        headers=login.headers,
    )
    assert_error(response, 422, "validation")


@pytest.mark.parametrize(
    "value",
    ["²", "٣", "9" * 5000, "1" * 30, HUGE, 1e300, -1, "1e5", True, [], {}, "", "  "],
)
def test_bad_predictions_are_422(client, attempt, value):
    body, login = attempt
    for method, path, payload in [
        ("put", f"/api/attempts/{body['id']}/prediction", {"value": value}),
        ("put", f"/api/attempts/{body['id']}/unsent", {"prediction": value}),
        ("post", f"/api/attempts/{body['id']}/submit", {"prediction": value}),
    ]:
        response = getattr(client, method)(path, json=payload, headers=login.headers)
        if path.endswith("/unsent"):  # the attempt is still in progress: 409 comes first
            assert response.status_code in (409, 422), response.get_json()
            assert_error(response, response.status_code)
        else:
            assert_error(response, 422, "validation")
    after = client.get(f"/api/attempts/{body['id']}").get_json()
    assert after["status"] == "in_progress" and after["prediction"] is None


def test_unsent_report_with_a_5000_digit_question_key_is_422(client, attempt):
    body, login = attempt
    client.post(f"/api/attempts/{body['id']}/submit", headers=login.headers)
    response = client.put(
        f"/api/attempts/{body['id']}/unsent",
        json={"answers": {"9" * 5000: [1]}},
        headers=login.headers,
    )
    assert_error(response, 422, "validation")


def _raw(client, method, path, data, headers=None):
    return client.open(
        path,
        method=method,
        data=data,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


@pytest.mark.parametrize(
    "raw",
    [
        DEEP,
        '{"a":' * 40_000 + "1" + "}" * 40_000,  # 240 KB: under the 413
        '{"value": NaN}',
        '{"value": Infinity}',
        '{"value": -Infinity}',
        '{"value": 1e999}',
        '{"value": ' + "9" * 5000 + "}",
        "[1, 2]",
        '"text"',
        "null",
        "{not json",
        "\xff\xfe",
    ],
    ids=lambda raw: raw[:20],
)
def test_bodies_that_are_not_one_json_object_are_422(client, attempt, raw):
    body, login = attempt
    q = body["questions"][0]
    for method, path in [
        ("PUT", f"/api/attempts/{body['id']}/prediction"),
        ("PUT", f"/api/attempts/{body['id']}/answers/{q['id']}"),
        ("POST", f"/api/attempts/{body['id']}/submit"),
        ("POST", f"/api/rounds/{body['round_id']}/attempts"),
    ]:
        response = _raw(client, method, path, raw, login.headers)
        assert "body" in assert_error(response, 422, "validation")["fields"]
    assert client.get(f"/api/attempts/{body['id']}").get_json()["status"] == "in_progress"


@pytest.mark.parametrize(
    "raw",
    [DEEP, '{"login": NaN, "password": Infinity}', "[]", "{bad", '{"login": 1e999}'],
    ids=lambda raw: raw[:20],
)
def test_login_and_register_refuse_hostile_bodies_with_422(client, db, raw):
    for path in ("/api/auth/login", "/api/auth/register"):
        assert_error(_raw(client, "POST", path, raw), 422, "validation")


@pytest.mark.parametrize(
    "payload",
    [
        {"login": ["0977000012"], "password": "x"},
        {"login": "0977000012", "password": {"a": 1}},
        {"login": 977000012, "password": 12345678},
    ],
)
def test_login_with_wrong_types_is_422(client, db, payload):
    body = assert_error(client.post("/api/auth/login", json=payload), 422, "validation")
    assert set(body["fields"]) <= {"login", "password"}


def test_login_without_a_body_is_422(client, db):
    assert_error(client.post("/api/auth/login"), 422, "validation")


@pytest.mark.parametrize("unit_id", [HUGE, str(HUGE), "9" * 5000, 2**31, -HUGE])
def test_register_with_ids_too_large_is_422(client, db, unit_id):
    response = client.post(
        "/api/auth/register",
        json={"full_name": "Nguyễn Văn A", "unit_id": unit_id, "category": unit_id},
    )
    fields = assert_error(response, 422, "validation")["fields"]
    assert "unit_id" in fields


def test_huge_bodies_are_413_in_the_error_shape(client, attempt):
    body, login = attempt
    big = '{"value": "' + "1" * (API_MAX_BODY + 1) + '"}'
    for method, path, headers in [
        ("PUT", f"/api/attempts/{body['id']}/prediction", login.headers),
        ("POST", "/api/auth/login", {}),
        ("POST", "/api/auth/register", {}),
    ]:
        assert_error(_raw(client, method, path, big, headers), 413, "too_large")


def test_405_carries_allow_on_the_api_and_on_pages(client, db):
    response = client.delete("/api/auth/login")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]
    page = client.put("/dang-nhap")
    assert page.status_code == 405
    assert "POST" in page.headers["Allow"] and "GET" in page.headers["Allow"]


def test_the_strict_parser_turns_every_hostile_document_into_value_error():
    for raw in (DEEP, "NaN", "[Infinity]", "1e999", "9" * 5000):
        with pytest.raises(ValueError):
            loads_strict(raw)
    assert loads_strict('{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
