"""Two phones, one attempt (issue 10, item 7): the server orders saves by arrival, a
device's own sequence number orders only that device's retries, and every reply says
truthfully whether the save is what is stored. Late writes are 410; a missing or
garbled body is a 422. Runs on SQLite and, with ``--db-url``, on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.models import Answer, Attempt, AttemptStatus
from contest.services import attempt_saves, attempts
from tests.conftest import NOW, Login

# A phone whose clock runs a year ahead numbered its saves from Date.now() (the old
# page did): 2027's milliseconds. The second phone's clock is right.
FAST_CLOCK_SEQ = 1_830_000_000_000
RIGHT_CLOCK_SEQ = 1_798_000_000_000


@pytest.fixture
def phones(app, client, db, make_round, make_user):
    """One participant signed in on two phones (two HTTP sessions) with an attempt."""
    user = make_user()
    first, second = Login(client), Login(app.test_client())
    first(user)
    second(user)
    r = make_round(question_count=4)
    body = first.client.post(
        f"/api/rounds/{r.id}/attempts", json={}, headers=first.headers
    ).get_json()
    again = second.client.post(f"/api/rounds/{r.id}/attempts", json={}, headers=second.headers)
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]  # resumed
    return first, second, body


def put_answer(phone, attempt, question, option, **extra):
    return phone.client.put(
        f"/api/attempts/{attempt['id']}/answers/{question['id']}",
        json={"option_ids": [option["id"]], **extra},
        headers=phone.headers,
    )


def stored(phone, attempt, question):
    state = phone.client.get(f"/api/attempts/{attempt['id']}").get_json()
    return state["answers"].get(str(question["id"]))


def test_second_phone_with_the_correct_clock_wins_over_an_older_save(phones):
    first, second, attempt = phones
    q = attempt["questions"][0]
    a, b = q["options"][0], q["options"][1]
    one = put_answer(first, attempt, q, a, seq=FAST_CLOCK_SEQ, client="phone-one")
    assert one.status_code == 200 and one.get_json()["applied"] is True
    two = put_answer(second, attempt, q, b, seq=RIGHT_CLOCK_SEQ, client="phone-two")
    assert two.status_code == 200
    reply = two.get_json()
    assert reply["applied"] is True and reply["option_ids"] == [b["id"]]
    assert reply["client"] == "phone-two" and reply["seq"] == RIGHT_CLOCK_SEQ
    # Both phones read the second phone's answer: it arrived last.
    assert stored(first, attempt, q) == stored(second, attempt, q) == [b["id"]]
    # And back: the first phone changes its mind later, with a *lower* number; it wins too.
    back = put_answer(first, attempt, q, a, seq=3, client="phone-one")
    assert back.get_json()["applied"] is True and stored(second, attempt, q) == [a["id"]]


def test_an_old_retry_of_the_same_phone_is_ignored_and_the_reply_says_so(phones):
    first, _second, attempt = phones
    q = attempt["questions"][1]
    a, b = q["options"][0], q["options"][1]
    put_answer(first, attempt, q, b, seq=8, client="phone-one")
    retry = put_answer(first, attempt, q, a, seq=7, client="phone-one")  # arrived late
    assert retry.status_code == 200
    reply = retry.get_json()
    assert reply["applied"] is False and reply["reason"] == "older_retry"
    assert reply["option_ids"] == [b["id"]] and reply["seq"] == 8  # what is stored, truly
    assert stored(first, attempt, q) == [b["id"]]
    # The same number again (a retry of the very save) is applied: nothing newer exists.
    assert put_answer(first, attempt, q, b, seq=8, client="phone-one").get_json()["applied"]


def test_a_save_without_a_device_still_works(phones, db):
    first, second, attempt = phones
    q = attempt["questions"][2]
    a, b = q["options"][0], q["options"][1]
    plain = put_answer(first, attempt, q, a)  # the API as before: no seq, no client
    assert plain.status_code == 200 and plain.get_json()["applied"] is True
    assert plain.get_json()["client"] is None
    # seq without client: one unnamed device, its numbers order its saves (as before)
    put_answer(first, attempt, q, b, seq=5)
    older = put_answer(second, attempt, q, a, seq=4)
    assert older.get_json()["applied"] is False and stored(first, attempt, q) == [b["id"]]
    # a named device is another device: arrival decides
    named = put_answer(second, attempt, q, a, seq=1, client="phone-two")
    assert named.get_json()["applied"] is True and stored(first, attempt, q) == [a["id"]]
    row = db.session.scalar(
        select(Answer).where(Answer.attempt_id == attempt["id"], Answer.question_id == q["id"])
    )
    assert (row.client, row.seq) == ("phone-two", 1)


@pytest.mark.parametrize("client_id", ["", "x" * 65, "có dấu", 12, ["a"]])
def test_a_bad_device_id_is_a_422_and_nothing_is_saved(phones, client_id):
    first, _second, attempt = phones
    q = attempt["questions"][3]
    bad = put_answer(first, attempt, q, q["options"][0], seq=1, client=client_id)
    assert bad.status_code == 422 and bad.get_json()["error"] == "validation"
    assert "client" in bad.get_json()["fields"]
    assert stored(first, attempt, q) is None


def test_arrival_orders_devices_even_when_processed_out_of_order(db, make_round, make_user):
    """The service takes each request's arrival time: a save that arrived earlier but took
    the lock later loses to one from another phone that arrived after it."""
    attempt, _ = attempts.start_attempt(make_round(), make_user(), now=NOW)
    q = attempt.questions[0]
    a, b = q.options[0]["id"], q.options[1]["id"]
    late = attempt_saves.save_answer(
        attempt, q.question_id, [b], arrived_at=NOW + timedelta(seconds=2), seq=1, client="two"
    )
    early = attempt_saves.save_answer(
        attempt, q.question_id, [a], arrived_at=NOW + timedelta(seconds=1), seq=99, client="one"
    )
    assert late.applied and not early.applied and early.reason == attempt_saves.NEWER_SAVE
    assert early.option_ids == [b] and attempts.answers_of(attempt)[q.question_id] == [b]


# --- a missing or garbled body -----------------------------------------------------------


def put_raw(phone, path, data, content_type="application/json"):
    headers = {**phone.headers, "Content-Type": content_type}
    return phone.client.put(path, data=data, headers=headers)


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"value=3", b"[1]", b'"12"', b"{}", b'{"valeu": 12}'],
    ids=["empty", "garbled", "form", "array", "string", "no-value", "misspelt"],
)
def test_a_missing_or_garbled_prediction_body_is_a_422_never_a_clear(phones, data):
    first, _second, attempt = phones
    path = f"/api/attempts/{attempt['id']}/prediction"
    assert first.client.put(path, json={"value": 1250}, headers=first.headers).status_code == 200
    bad = put_raw(first, path, data)
    assert bad.status_code == 422, bad.get_data(as_text=True)
    body = bad.get_json()
    assert body["error"] == "validation" and body["message"] and body["fields"]
    assert first.client.get(f"/api/attempts/{attempt['id']}").get_json()["prediction"] == 1250


def test_only_an_explicit_null_clears_the_prediction(phones):
    first, _second, attempt = phones
    path = f"/api/attempts/{attempt['id']}/prediction"
    first.client.put(path, json={"value": 77}, headers=first.headers)
    assert first.client.put(path, json={"value": ""}, headers=first.headers).status_code == 422
    cleared = first.client.put(path, json={"value": None}, headers=first.headers)
    assert cleared.status_code == 200 and cleared.get_json() == {"prediction": None}


def test_a_garbled_answer_or_submit_body_is_a_422(phones):
    first, _second, attempt = phones
    q = attempt["questions"][0]
    bad = put_raw(first, f"/api/attempts/{attempt['id']}/answers/{q['id']}", b'{"option_ids": [')
    assert bad.status_code == 422 and bad.get_json()["error"] == "validation"
    headers = {**first.headers, "Content-Type": "application/json"}
    garbled = first.client.post(f"/api/attempts/{attempt['id']}/submit", data=b"{", headers=headers)
    assert garbled.status_code == 422
    state = first.client.get(f"/api/attempts/{attempt['id']}").get_json()
    assert state["status"] == "in_progress"  # nothing half-done
    empty = first.client.post(f"/api/attempts/{attempt['id']}/submit", headers=first.headers)
    assert empty.status_code == 200  # no body at all is still a plain submit


# --- late writes: 410 everywhere ---------------------------------------------------------


def late_attempt(db, make_round, make_user, login, *, status=None):
    r = make_round(question_count=3, time_limit_minutes=1)
    user = make_user()
    attempt, _ = attempts.start_attempt(r, user, now=NOW - timedelta(minutes=3))
    if status == "expired":
        attempts.finalise_overdue(NOW)  # the cron job came first
    elif status == "submitted":
        attempt_saves.submit_attempt(attempt, arrived_at=NOW - timedelta(minutes=2, seconds=30))
    db.session.commit()
    login(user)
    return attempt


WRITES = {
    "answer": lambda c, a, h: c.put(
        f"/api/attempts/{a.id}/answers/{a.questions[0].question_id}",
        json={"option_ids": a.questions[0].correct_option_ids, "seq": 1, "client": "p"},
        headers=h,
    ),
    "prediction": lambda c, a, h: c.put(
        f"/api/attempts/{a.id}/prediction", json={"value": 5}, headers=h
    ),
    "submit": lambda c, a, h: c.post(f"/api/attempts/{a.id}/submit", json={}, headers=h),
}


@pytest.mark.parametrize("status", [None, "expired"], ids=["in-progress", "finalised-by-cron"])
@pytest.mark.parametrize("write", list(WRITES))
def test_every_late_write_is_a_410_with_the_json_error(
    client, db, login, make_round, make_user, write, status
):
    attempt = late_attempt(db, make_round, make_user, login, status=status)
    response = WRITES[write](client, attempt, login.headers)
    assert response.status_code == 410, (write, status, response.get_json())
    body = response.get_json()
    assert body["error"] == "deadline_passed" and "hết thời gian" in body["message"]
    db.session.expire_all()
    row = db.session.get(Attempt, attempt.id)
    assert row.status is AttemptStatus.expired and row.score == 0 and row.prediction is None


def test_late_saves_on_a_submitted_attempt_are_410_and_its_repeat_submit_is_the_result(
    client, db, login, make_round, make_user
):
    attempt = late_attempt(db, make_round, make_user, login, status="submitted")
    for write in ("answer", "prediction"):
        assert WRITES[write](client, attempt, login.headers).status_code == 410, write
    repeat = WRITES["submit"](client, attempt, login.headers)  # C2: the same stored result
    assert repeat.status_code == 200 and repeat.get_json()["status"] == "submitted"


def test_the_spec_says_late_writes_are_410(client, db):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path, method in [
        ("/api/attempts/{attempt_id}/answers/{question_id}", "put"),
        ("/api/attempts/{attempt_id}/prediction", "put"),
        ("/api/attempts/{attempt_id}/submit", "post"),
    ]:
        responses = paths[path][method]["responses"]
        assert "410" in responses and "422" in responses, path
        assert "grace" in responses["410"]["description"]
    answer = paths["/api/attempts/{attempt_id}/answers/{question_id}"]["put"]
    schema = answer["requestBody"]["content"]["application/json"]["schema"]
    assert "client" in schema["properties"]
