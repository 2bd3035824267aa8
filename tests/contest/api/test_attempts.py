"""Attempts through the service and the JSON API: T1–T6, D1, D3, C1–C4, G7."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest.models import Answer, Attempt, AttemptQuestion, AttemptStatus, Role
from contest.services import attempt_saves, attempts, papers
from contest.services.errors import (
    AlreadySubmitted,
    AttemptLimitReached,
    DeadlinePassed,
    NotEligible,
    RoundNotOpen,
    ValidationFailed,
)
from tests.conftest import NOW


def correct_ids(db, attempt):
    return {q.question_id: q.correct_option_ids for q in attempt.questions}


def wrong_id(q):
    return next(o["id"] for o in q.options if o["id"] not in q.correct_option_ids)


def test_start_draws_a_paper_with_deadline_and_is_idempotent(db, make_round, make_user):
    r = make_round(question_count=10, time_limit_minutes=15)
    user = make_user()
    attempt, created = attempts.start_attempt(r, user, now=NOW)
    assert created and attempt.number == 1
    assert attempt.deadline == NOW + timedelta(minutes=15)
    assert len(attempt.questions) == 10
    assert len({q.question_id for q in attempt.questions}) == 10
    again, created_again = attempts.start_attempt(r, user, now=NOW + timedelta(minutes=1))
    assert again.id == attempt.id and not created_again


def test_deadline_is_the_round_close_when_earlier(db, make_round, make_user):
    r = make_round(closes_at=NOW + timedelta(minutes=5), time_limit_minutes=15)
    attempt, _ = attempts.start_attempt(r, make_user(), now=NOW)
    assert attempt.deadline == NOW + timedelta(minutes=5)


def test_paper_is_deterministic_from_the_seed(db, make_round, make_user):
    r = make_round(question_count=8)
    attempt, _ = attempts.start_attempt(r, make_user(), now=NOW)
    rebuilt = papers.build_paper(r, attempt.seed)
    assert [(p["question_id"], [o["id"] for o in p["options"]]) for p in rebuilt] == [
        (q.question_id, [o["id"] for o in q.options]) for q in attempt.questions
    ]


def test_round_not_open_and_not_published(db, make_round, make_user):
    user = make_user()
    upcoming = make_round(opens_at=NOW + timedelta(hours=1), closes_at=NOW + timedelta(days=1))
    with pytest.raises(RoundNotOpen):
        attempts.start_attempt(upcoming, user, now=NOW)
    closed = make_round(opens_at=NOW - timedelta(days=2), closes_at=NOW - timedelta(days=1))
    with pytest.raises(RoundNotOpen):
        attempts.start_attempt(closed, user, now=NOW)


def test_eligibility_refusals_say_why(db, make_round, make_user, category, make_unit):
    other_unit = make_unit("Xã Khác")
    r = make_round(eligible_unit_ids=[other_unit.id])
    with pytest.raises(NotEligible) as exc:
        attempts.start_attempt(r, make_user(), now=NOW)
    assert "đơn vị" in exc.value.message
    r2 = make_round(eligible_category_ids=[category.id + 1000])
    with pytest.raises(NotEligible, match="đối tượng"):
        attempts.start_attempt(r2, make_user(), now=NOW)
    r3 = make_round(min_age=30)
    with pytest.raises(NotEligible, match="30 tuổi"):
        attempts.start_attempt(r3, make_user(), now=NOW)
    with pytest.raises(NotEligible):
        attempts.start_attempt(make_round(), make_user(role=Role.organiser), now=NOW)


def test_unit_eligibility_includes_child_units(db, make_round, make_user, make_unit, unit):
    school = make_unit("Trường THCS Tân Phong", parent=unit)
    r = make_round(eligible_unit_ids=[unit.id])
    attempt, _ = attempts.start_attempt(r, make_user(unit_id=school.id), now=NOW)
    assert attempt.id


def test_attempt_limit(db, make_round, make_user):
    r = make_round(max_attempts=2)
    user = make_user()
    for _ in range(2):
        a, _ = attempts.start_attempt(r, user, now=NOW)
        attempt_saves.submit_attempt(a, arrived_at=NOW + timedelta(minutes=1))
    with pytest.raises(AttemptLimitReached):
        attempts.start_attempt(r, user, now=NOW + timedelta(minutes=2))
    assert attempts.attempts_left(r, user) == 0


def test_practice_attempts_do_not_count_or_rank(db, make_round, make_user):
    r = make_round(max_attempts=1, allow_practice=True)
    user = make_user()
    p, _ = attempts.start_attempt(r, user, now=NOW, practice=True)
    attempt_saves.submit_attempt(p, arrived_at=NOW)
    real, _ = attempts.start_attempt(r, user, now=NOW)
    assert real.number == 1 and not real.is_practice and p.is_practice
    assert attempts.attempts_left(r, user) == 0


def test_grading_all_or_nothing_and_max_over_served(db, make_round, make_user, make_bank):
    r = make_round(make_bank(12, multiple_every=3), question_count=6)
    attempt, _ = attempts.start_attempt(r, make_user(), now=NOW)
    questions = attempt.questions
    # right on the first two, half-right on a several-correct one if drawn, wrong elsewhere
    for i, q in enumerate(questions):
        chosen = q.correct_option_ids if i < 2 else [wrong_id(q)]
        attempt_saves.save_answer(attempt, q.question_id, chosen, arrived_at=NOW)
    result = attempt_saves.submit_attempt(attempt, arrived_at=NOW + timedelta(minutes=3))
    assert (result.score, result.total) == (2, 6)
    assert result.duration_ms == 180_000
    assert result.status is AttemptStatus.submitted


def test_several_correct_question_needs_the_exact_set(db, make_round, make_user, make_bank):
    r = make_round(make_bank(3, multiple_every=1), question_count=3)
    attempt, _ = attempts.start_attempt(r, make_user(), now=NOW)
    q = attempt.questions[0]
    assert q.multiple and len(q.correct_option_ids) == 2
    attempt_saves.save_answer(attempt, q.question_id, q.correct_option_ids[:1], arrived_at=NOW)
    assert attempt_saves.submit_attempt(attempt, arrived_at=NOW).score == 0


def test_single_answer_question_refuses_two_options(db, make_round, make_user):
    attempt, _ = attempts.start_attempt(make_round(), make_user(), now=NOW)
    q = attempt.questions[0]
    with pytest.raises(ValidationFailed):
        attempt_saves.save_answer(
            attempt, q.question_id, [o["id"] for o in q.options[:2]], arrived_at=NOW
        )


def test_stale_save_never_overwrites_a_newer_one(db, make_round, make_user):
    attempt, _ = attempts.start_attempt(make_round(), make_user(), now=NOW)
    q = attempt.questions[0]
    first, second = q.options[0]["id"], q.options[1]["id"]
    attempt_saves.save_answer(attempt, q.question_id, [second], arrived_at=NOW, seq=5)
    attempt_saves.save_answer(attempt, q.question_id, [first], arrived_at=NOW, seq=4)  # late
    assert attempts.answers_of(attempt)[q.question_id] == [second]
    # without sequence numbers, the arrival time decides
    attempt_saves.save_answer(
        attempt, q.question_id, [first], arrived_at=NOW + timedelta(seconds=2), seq=6
    )
    attempt_saves.save_answer(
        attempt, q.question_id, [second], arrived_at=NOW + timedelta(seconds=1)
    )
    assert attempts.answers_of(attempt)[q.question_id] == [first]


def test_saves_in_grace_count_after_grace_410(db, make_round, make_user):
    r = make_round(time_limit_minutes=10)
    attempt, _ = attempts.start_attempt(r, make_user(), now=NOW)
    q = attempt.questions[0]
    attempt_saves.save_answer(
        attempt,
        q.question_id,
        q.correct_option_ids,
        arrived_at=attempt.deadline + timedelta(seconds=9),
    )
    with pytest.raises(DeadlinePassed):
        attempt_saves.save_answer(
            attempt, q.question_id, [], arrived_at=attempt.deadline + timedelta(seconds=11)
        )
    assert attempt.status is AttemptStatus.expired  # finalised on the way (T2)
    assert attempt.score == 1 and attempt.submitted_at == attempt.deadline


def test_overdue_attempt_finalised_from_saved_answers_and_prediction(db, make_round, make_user):
    r = make_round(time_limit_minutes=10)
    attempt, _ = attempts.start_attempt(r, make_user(), now=NOW)
    for q in attempt.questions[:3]:
        attempt_saves.save_answer(attempt, q.question_id, q.correct_option_ids, arrived_at=NOW)
    attempt_saves.save_prediction(attempt, 1234, arrived_at=NOW)
    assert attempts.finalise_overdue(NOW + timedelta(minutes=5)) == 0
    assert attempts.finalise_overdue(NOW + timedelta(minutes=11)) == 1
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.expired
    assert (attempt.score, attempt.total, attempt.prediction) == (3, 10, 1234)  # T3
    assert attempt.submitted_at == attempt.deadline
    assert attempt.duration_ms == 600_000


def test_submit_is_exactly_once(db, make_round, make_user):
    attempt, _ = attempts.start_attempt(make_round(), make_user(), now=NOW)
    q = attempt.questions[0]
    attempt_saves.save_answer(attempt, q.question_id, q.correct_option_ids, arrived_at=NOW)
    first = attempt_saves.submit_attempt(attempt, arrived_at=NOW + timedelta(minutes=1))
    stored = (first.score, first.submitted_at, first.duration_ms)
    again = attempt_saves.submit_attempt(attempt, arrived_at=NOW + timedelta(minutes=2))
    assert (again.score, again.submitted_at, again.duration_ms) == stored
    with pytest.raises(AlreadySubmitted):
        attempt_saves.save_answer(attempt, q.question_id, [], arrived_at=NOW + timedelta(minutes=2))


def test_database_holds_one_in_progress_attempt(db, make_round, make_user):
    from sqlalchemy.exc import IntegrityError

    r = make_round()
    user = make_user()
    attempts.start_attempt(r, user, now=NOW)
    db.session.commit()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            Attempt(
                round_id=r.id,
                participant_id=user.id,
                number=2,
                seed=1,
                status=AttemptStatus.in_progress,
                started_at=NOW,
                deadline=NOW,
            )
        )
        db.session.flush()


# --- HTTP -----------------------------------------------------------------------------


def api_start(client, login, round_id, **body):
    return client.post(f"/api/rounds/{round_id}/attempts", json=body, headers=login.headers)


def test_api_start_save_submit_and_read(client, db, login, make_round, make_user):
    r = make_round(question_count=5)
    login(make_user())
    response = api_start(client, login, r.id)
    assert response.status_code == 201
    body = response.get_json()
    assert {"id", "deadline", "server_time", "questions", "answers"} <= set(body)
    assert all({"id", "text", "options", "multiple"} <= set(q) for q in body["questions"])
    again = api_start(client, login, r.id)
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]

    attempt = db.session.get(Attempt, body["id"])
    key = correct_ids(db, attempt)
    qid = body["questions"][0]["id"]
    put = client.put(
        f"/api/attempts/{body['id']}/answers/{qid}",
        json={"option_ids": key[qid], "seq": 1},
        headers=login.headers,
    )
    assert put.status_code == 200
    state = client.get(f"/api/attempts/{body['id']}").get_json()
    assert state["answers"] == {str(qid): key[qid]} and state["status"] == "in_progress"
    pred = client.put(
        f"/api/attempts/{body['id']}/prediction", json={"value": 321}, headers=login.headers
    )
    assert pred.status_code == 200
    submitted = client.post(
        f"/api/attempts/{body['id']}/submit", json={"prediction": 320}, headers=login.headers
    )
    assert submitted.status_code == 200
    result = submitted.get_json()
    assert (result["score"], result["total"]) == (1, 5) and result["duration_ms"] >= 0
    repeat = client.post(f"/api/attempts/{body['id']}/submit", json={}, headers=login.headers)
    assert repeat.get_json() == result
    final = client.get(f"/api/attempts/{body['id']}").get_json()
    assert final["status"] == "submitted" and final["prediction"] == 320
    conflict = client.put(
        f"/api/attempts/{body['id']}/answers/{qid}", json={"option_ids": []}, headers=login.headers
    )
    assert conflict.status_code == 409 and conflict.get_json()["error"] == "already_submitted"


def test_answer_key_never_reaches_the_client_during_an_attempt(
    client, db, login, make_round, make_user
):
    """G7: no response of a running attempt contains a correct-answer marker."""
    r = make_round(
        question_count=5,
        review_policy=__import__(
            "contest.models", fromlist=["ReviewPolicy"]
        ).ReviewPolicy.after_submit,
    )
    login(make_user())
    responses = [api_start(client, login, r.id)]
    body = responses[0].get_json()
    for q in body["questions"]:
        responses.append(
            client.put(
                f"/api/attempts/{body['id']}/answers/{q['id']}",
                json={"option_ids": [q["options"][0]["id"]]},
                headers=login.headers,
            )
        )
    responses.append(client.get(f"/api/attempts/{body['id']}"))
    responses.append(client.get(f"/luot-thi/{body['id']}"))
    for response in responses:
        text = response.get_data(as_text=True)
        assert "correct" not in text and "is_correct" not in text, response.request.path
    # after submitting, this round's policy lets the participant see the key
    client.post(f"/api/attempts/{body['id']}/submit", json={}, headers=login.headers)
    finished = client.get(f"/api/attempts/{body['id']}").get_json()
    assert all("correct_option_ids" in q for q in finished["questions"])


def test_api_errors_have_codes_and_vietnamese_messages(
    client, db, login, make_round, make_user, app
):
    r = make_round(max_attempts=1)
    other_attempt, _ = attempts.start_attempt(r, make_user(), now=NOW)
    db.session.commit()
    assert client.post(f"/api/rounds/{r.id}/attempts").status_code == 401
    login(make_user())
    assert client.post(f"/api/rounds/{r.id}/attempts").status_code == 400  # no CSRF token
    missing = client.post("/api/rounds/999999/attempts", headers=login.headers)
    assert missing.status_code == 404 and missing.get_json()["message"]
    not_mine = client.get(f"/api/attempts/{other_attempt.id}")
    assert not_mine.status_code == 403
    body = api_start(client, login, r.id).get_json()
    bad = client.put(
        f"/api/attempts/{body['id']}/answers/{body['questions'][0]['id']}",
        json={"option_ids": ["x"]},
        headers=login.headers,
    )
    assert bad.status_code == 422 and bad.get_json()["error"] == "validation"
    bad_pred = client.put(
        f"/api/attempts/{body['id']}/prediction", json={"value": -3}, headers=login.headers
    )
    assert bad_pred.status_code == 422
    client.post(f"/api/attempts/{body['id']}/submit", json={}, headers=login.headers)
    limit = api_start(client, login, r.id)
    assert limit.status_code == 409 and limit.get_json()["error"] == "attempt_limit_reached"
    upcoming = make_round(opens_at=NOW + timedelta(days=30), closes_at=NOW + timedelta(days=31))
    closed = api_start(client, login, upcoming.id)
    assert closed.status_code == 409 and closed.get_json()["error"] == "round_not_open"


def test_api_410_after_deadline_and_read_finalises(client, db, login, make_round, make_user):
    r = make_round(question_count=3, time_limit_minutes=1)
    user = make_user()
    # An attempt that started two minutes ago (the API uses the real clock).
    attempt, _ = attempts.start_attempt(r, user, now=NOW - timedelta(minutes=2))
    db.session.commit()
    login(user)
    q = attempt.questions[0]
    late = client.put(
        f"/api/attempts/{attempt.id}/answers/{q.question_id}",
        json={"option_ids": q.correct_option_ids},
        headers=login.headers,
    )
    assert late.status_code == 410 and late.get_json()["error"] == "deadline_passed"
    state = client.get(f"/api/attempts/{attempt.id}").get_json()
    assert state["status"] == "expired" and state["score"] == 0  # T6: read-only with a result


def test_counts_in_database_after_api_session(db, client, login, make_round, make_user):
    r = make_round(question_count=4)
    login(make_user())
    body = api_start(client, login, r.id).get_json()
    for q in body["questions"]:
        client.put(
            f"/api/attempts/{body['id']}/answers/{q['id']}",
            json={"option_ids": [q["options"][1]["id"]]},
            headers=login.headers,
        )
    assert (
        db.session.scalar(select(func.count(Answer.id)).where(Answer.attempt_id == body["id"])) == 4
    )
    assert (
        db.session.scalar(
            select(func.count(AttemptQuestion.id)).where(AttemptQuestion.attempt_id == body["id"])
        )
        == 4
    )
    assert json.dumps(body)  # serialisable


def test_bank_changes_reach_the_cached_pool_at_once(db, make_round, make_bank, make_user):
    from contest.services import questions

    bank = make_bank(10)
    r = make_round(bank, question_count=10)
    assert papers.check_draw(r) == []  # the pool is now cached
    question = bank.questions[0]
    questions.set_question_active(question, False, actor=make_user(role=Role.organiser), now=NOW)
    assert papers.check_draw(r)  # nine active questions cannot make a ten-question paper


def test_pool_cache_is_per_database(db, make_round, make_bank):
    r = make_round(make_bank(12), question_count=10)
    pool = papers.round_pool(r)
    key = (str(db.session.get_bind().engine.url), r.id)  # the database, then the round
    assert key in papers._pool_cache and len(pool) == 12  # noqa: SLF001
