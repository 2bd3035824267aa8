"""The start rush's path and the delivery-based clock through the API (issue 12):
``POST /api/rounds/{id}/attempts`` records arrival and hand-out, ``POST
/api/attempts/{id}/received`` restarts the clock at delivery, bounded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.db import utcnow
from contest.models import Attempt, AttemptStatus
from contest.services import attempt_start, attempts


def start(client, login, round_id, **body):
    return client.post(f"/api/rounds/{round_id}/attempts", json=body, headers=login.headers)


def received(client, login, attempt_id):
    return client.post(f"/api/attempts/{attempt_id}/received", json={}, headers=login.headers)


def fresh(db, attempt_id) -> Attempt:
    db.session.expire_all()
    return db.session.get(Attempt, attempt_id)


def test_start_records_arrival_and_hand_out_then_receipt_starts_the_clock(
    client, db, login, make_round, make_user
):
    r = make_round(question_count=4, time_limit_minutes=15)
    login(make_user())
    before = utcnow()
    body = start(client, login, r.id).get_json()
    attempt = fresh(db, body["id"])
    assert before <= attempt.requested_at <= attempt.handed_out_at <= utcnow()
    assert attempt.started_at == attempt.handed_out_at and attempt.delivered_at is None
    assert body["deadline"] == attempts.iso(attempt.handed_out_at + timedelta(minutes=15))

    reply = received(client, login, body["id"])
    assert reply.status_code == 200
    clock = reply.get_json()
    attempt = fresh(db, body["id"])
    assert attempt.delivered_at is not None and attempt.delivered_at >= attempt.handed_out_at
    assert attempt.started_at == attempt.delivered_at
    assert attempt.deadline == attempt.delivered_at + timedelta(minutes=15)
    assert clock["deadline"] == attempts.iso(attempt.deadline)
    assert clock["started_at"] == attempts.iso(attempt.started_at)
    assert clock["status"] == "in_progress" and "server_time" in clock
    # The quiz page reads the moved clock.
    state = client.get(f"/api/attempts/{body['id']}").get_json()
    assert state["deadline"] == attempts.iso(attempt.deadline)


def _age(db, attempt_id, seconds, limit_minutes=15):
    """Pretend the start request arrived ``seconds`` ago and was handed out at once."""
    attempt = fresh(db, attempt_id)
    then = utcnow() - timedelta(seconds=seconds)
    attempt.requested_at = attempt.handed_out_at = attempt.started_at = then
    attempt.deadline = then + timedelta(minutes=limit_minutes)
    db.session.commit()
    return then


def test_a_late_confirmation_counts_only_up_to_arrival_plus_the_bound(
    client, db, login, make_round, make_user
):
    r = make_round(question_count=3, time_limit_minutes=15)
    login(make_user())
    attempt_id = start(client, login, r.id).get_json()["id"]
    then = _age(db, attempt_id, 120)
    assert received(client, login, attempt_id).status_code == 200
    attempt = fresh(db, attempt_id)
    assert attempt.started_at == then + timedelta(seconds=30)
    assert attempt.deadline == then + timedelta(seconds=30, minutes=15)
    assert attempt.delivered_at > attempt.started_at  # when it did arrive, kept


def test_the_bound_is_configured(app, client, db, login, make_round, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "QUIZ_DELIVERY_MAX_SECONDS", 5)
    r = make_round(question_count=3)
    login(make_user())
    attempt_id = start(client, login, r.id).get_json()["id"]
    then = _age(db, attempt_id, 60)
    received(client, login, attempt_id)
    assert fresh(db, attempt_id).started_at == then + timedelta(seconds=5)


def test_only_the_first_confirmation_counts(client, db, login, make_round, make_user):
    r = make_round(question_count=3)
    login(make_user())
    attempt_id = start(client, login, r.id).get_json()["id"]
    first = received(client, login, attempt_id).get_json()
    again = received(client, login, attempt_id)
    assert again.status_code == 200
    assert {k: again.get_json()[k] for k in ("started_at", "deadline", "delivered_at")} == {
        k: first[k] for k in ("started_at", "deadline", "delivered_at")
    }


def test_the_deadline_never_passes_the_round_close(client, db, login, make_round, make_user):
    r = make_round(
        question_count=3, time_limit_minutes=15, closes_at=utcnow() + timedelta(minutes=5)
    )
    login(make_user())
    attempt_id = start(client, login, r.id).get_json()["id"]
    received(client, login, attempt_id)
    assert fresh(db, attempt_id).deadline == r.closes_at


def test_a_finished_attempt_keeps_its_clock(client, db, login, make_round, make_user):
    r = make_round(question_count=3)
    login(make_user())
    attempt_id = start(client, login, r.id).get_json()["id"]
    client.post(f"/api/attempts/{attempt_id}/submit", json={}, headers=login.headers)
    before = fresh(db, attempt_id)
    started, deadline = before.started_at, before.deadline
    reply = received(client, login, attempt_id)
    assert reply.status_code == 200 and reply.get_json()["status"] == "submitted"
    after = fresh(db, attempt_id)
    assert (after.started_at, after.deadline, after.delivered_at) == (started, deadline, None)


def test_an_overdue_attempt_is_finalised_not_revived(client, db, login, make_round, make_user):
    r = make_round(question_count=3, time_limit_minutes=1)
    login(make_user())
    attempt_id = start(client, login, r.id).get_json()["id"]
    _age(db, attempt_id, 600, limit_minutes=1)
    reply = received(client, login, attempt_id)
    assert reply.get_json()["status"] == "expired"
    assert fresh(db, attempt_id).delivered_at is None


def test_the_duration_counts_from_delivery(client, db, login, make_round, make_user):
    r = make_round(question_count=3)
    login(make_user())
    attempt_id = start(client, login, r.id).get_json()["id"]
    _age(db, attempt_id, 20)
    received(client, login, attempt_id)
    result = client.post(f"/api/attempts/{attempt_id}/submit", json={}, headers=login.headers)
    attempt = fresh(db, attempt_id)
    expected = (attempt.submitted_at - attempt.delivered_at) / timedelta(milliseconds=1)
    assert result.get_json()["duration_ms"] == int(expected)


def test_strangers_and_others_are_refused(client, db, login, make_round, make_user):
    r = make_round(question_count=3)
    owner, other = make_user(), make_user()
    login(owner)
    attempt_id = start(client, login, r.id).get_json()["id"]
    login(other)
    assert received(client, login, attempt_id).status_code == 403
    assert received(client, login, 99999999).status_code == 404
    assert fresh(db, attempt_id).delivered_at is None


@pytest.mark.parametrize("path", ["fast", "full"])
def test_both_receipt_paths_agree(db, make_round, make_user, path):
    """The rush's one-UPDATE path and the ORM path give the same clock."""
    r = make_round(question_count=3, time_limit_minutes=10)
    user = make_user()
    attempt, _ = attempts.start_attempt(r, user, now=utcnow() - timedelta(seconds=50))
    db.session.commit()
    arrived = attempt.requested_at + timedelta(seconds=12)
    if path == "fast":
        assert attempt_start.confirm_own_receipt(attempt.id, user, arrived_at=arrived)
    else:
        assert attempt_start.confirm_receipt(attempt, arrived_at=arrived)
    db.session.commit()
    attempt = fresh(db, attempt.id)
    assert attempt.status is AttemptStatus.in_progress
    assert (attempt.started_at, attempt.deadline, attempt.delivered_at) == (
        arrived,
        arrived + timedelta(minutes=10),
        arrived,
    )


def test_the_rush_path_gives_the_full_paths_answers(client, db, login, make_round, make_user):
    """Draft → 404, the limit → 409 attempt_limit_reached, a resume → 200 with the same
    attempt; the paper served is the attempt's stored paper."""
    draft = make_round(question_count=3, published_at=None)
    r = make_round(question_count=3, max_attempts=1)
    login(make_user())
    assert start(client, login, draft.id).status_code == 404
    first = start(client, login, r.id)
    assert first.status_code == 201
    resumed = start(client, login, r.id)
    assert resumed.status_code == 200
    assert resumed.get_json()["questions"] == first.get_json()["questions"]
    client.post(f"/api/attempts/{first.get_json()['id']}/submit", json={}, headers=login.headers)
    limit = start(client, login, r.id)
    assert limit.status_code == 409 and limit.get_json()["error"] == "attempt_limit_reached"


def test_a_receipt_racing_a_submit_changes_nothing(
    client, db, login, make_round, make_user, monkeypatch
):
    """The receipt's read holds no lock on SQLite: its UPDATE re-checks what it read, and
    an attempt finished in between keeps its clock (the locked path answers)."""
    r = make_round(question_count=3)
    login(make_user())
    attempt_id = start(client, login, r.id).get_json()["id"]
    real_clock = attempt_start.attempt_clock.attempt_clock

    def submit_in_between(*args, **kwargs):
        db.session.execute(
            Attempt.__table__.update()
            .where(Attempt.id == attempt_id)
            .values(status=AttemptStatus.submitted)
        )
        return real_clock(*args, **kwargs)

    monkeypatch.setattr(attempt_start.attempt_clock, "attempt_clock", submit_in_between)
    before = fresh(db, attempt_id)
    started, deadline = before.started_at, before.deadline
    reply = received(client, login, attempt_id)
    assert reply.status_code == 200 and reply.get_json()["status"] == "submitted"
    after = fresh(db, attempt_id)
    assert (after.started_at, after.deadline, after.delivered_at) == (started, deadline, None)
