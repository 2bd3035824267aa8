"""The quiz page's report of the answers that never reached the server (issue 10, item 7):
a server record for the result page and for disputes, never graded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.models import AttemptStatus
from contest.services import attempt_saves, attempts
from contest.services.errors import Conflict, ValidationFailed
from tests.conftest import NOW


@pytest.fixture
def late(db, make_round, make_user, login):
    """An attempt whose deadline and grace have passed, one answer saved in time."""
    r = make_round(question_count=6, time_limit_minutes=5)
    user = make_user()
    attempt, _ = attempts.start_attempt(r, user, now=NOW - timedelta(minutes=6))
    first = attempt.questions[0]
    attempt_saves.save_answer(
        attempt, first.question_id, first.correct_option_ids, arrived_at=NOW - timedelta(minutes=5)
    )
    db.session.commit()
    login(user)
    return attempt


def report(client, login, attempt, body):
    return client.put(f"/api/attempts/{attempt.id}/unsent", json=body, headers=login.headers)


def test_after_a_late_save_the_report_is_kept_and_never_graded(client, db, login, late):
    q1, q2, q5 = late.questions[0], late.questions[1], late.questions[4]
    refused = client.put(
        f"/api/attempts/{late.id}/answers/{q2.question_id}",
        json={"option_ids": q2.correct_option_ids, "seq": 2, "client": "phone"},
        headers=login.headers,
    )
    assert refused.status_code == 410
    body = {
        "answers": {
            str(q1.question_id): q1.correct_option_ids,  # did arrive: not listed
            str(q2.question_id): q2.correct_option_ids,
            str(q5.question_id): [q5.options[0]["id"]],
        },
        "prediction": 1250,
    }
    response = report(client, login, late, body)
    assert response.status_code == 200
    reply = response.get_json()
    assert reply["positions"] == [2, 5] and reply["prediction"] is True
    assert set(reply["unsent"]["answers"]) == {str(q2.question_id), str(q5.question_id)}
    db.session.refresh(late)
    assert late.status is AttemptStatus.expired
    assert (late.score, late.prediction) == (1, None)  # the report changed nothing graded
    assert late.unsent_reported_at is not None
    # The result page lists them, in the words of the issue.
    page = client.get(f"/luot-thi/{late.id}/ket-qua").get_data(as_text=True)
    assert "Câu 2: câu trả lời chưa được gửi tới máy chủ trước khi hết giờ" in page
    assert "Câu 5: câu trả lời chưa được gửi tới máy chủ trước khi hết giờ" in page
    assert "Câu 1: câu trả lời chưa được gửi" not in page
    assert "Câu hỏi dự đoán: câu trả lời chưa được gửi tới máy chủ trước khi hết giờ" in page


def test_a_second_report_merges(client, db, login, late):
    q2, q3 = late.questions[1], late.questions[2]
    report(client, login, late, {"answers": {str(q2.question_id): [q2.options[0]["id"]]}})
    again = report(client, login, late, {"answers": {str(q3.question_id): [q3.options[0]["id"]]}})
    assert again.get_json()["positions"] == [2, 3]


def test_nothing_reported_lists_nothing(client, db, login, late):
    assert report(client, login, late, {"answers": {}}).get_json()["positions"] == []
    page = client.get(f"/luot-thi/{late.id}/ket-qua").get_data(as_text=True)
    assert 'id="unsent-list"' not in page


@pytest.mark.parametrize(
    "answers",
    [[], {"999999999": [1]}, {"abc": [1]}, "x"],
    ids=["a-list", "not-on-the-paper", "not-a-number", "text"],
)
def test_a_bad_report_is_a_422_and_nothing_is_kept(client, db, login, late, answers):
    response = report(client, login, late, {"answers": answers})
    assert response.status_code == 422 and response.get_json()["error"] == "validation"
    db.session.refresh(late)
    assert late.unsent is None


def test_a_bad_choice_in_a_report_is_a_422(client, db, login, late):
    q = late.questions[1]
    response = report(client, login, late, {"answers": {str(q.question_id): [-5]}})
    assert response.status_code == 422


def test_no_report_while_the_attempt_is_running(db, make_round, make_user):
    attempt, _ = attempts.start_attempt(make_round(), make_user(), now=NOW)
    q = attempt.questions[0]
    with pytest.raises(Conflict):
        attempt_saves.record_unsent(
            attempt, {str(q.question_id): [q.options[0]["id"]]}, arrived_at=NOW
        )
    with pytest.raises(ValidationFailed):  # a report from someone else's paper
        attempt_saves.submit_attempt(attempt, arrived_at=NOW)
        attempt_saves.record_unsent(attempt, {"999999999": [1]}, arrived_at=NOW)


def test_someone_elses_attempt_cannot_be_reported(client, db, login, make_round, make_user):
    attempt, _ = attempts.start_attempt(make_round(), make_user(), now=NOW)
    attempt_saves.submit_attempt(attempt, arrived_at=NOW)
    db.session.commit()
    login(make_user())
    assert report(client, login, attempt, {"answers": {}}).status_code == 403
