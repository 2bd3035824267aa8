"""Quiz-taking endpoints (product.md §5). Views parse, call one service, commit once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from contest.api.views import bp, json_object
from contest.db import utcnow
from contest.extensions import db
from contest.services import attempt_clock, attempt_saves, attempt_start, attempts
from contest.services.errors import DeadlinePassed, ValidationFailed
from contest.web.json_input import MAX_BIGINT


@bp.before_request
def note_arrival():
    # T4: an answer counts at the time its request arrived, not when it was processed.
    g.arrived_at = utcnow()


def _int_or_none(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_BIGINT:
        raise ValidationFailed({name: _("Giá trị phải là số nguyên.")})
    return value


@contextmanager
def _keeping_finalisation() -> Iterator[None]:
    """A write that arrives too late finalises the attempt on the way, then raises
    DeadlinePassed: commit that finalisation before the error handler (which rolls back)
    answers 410."""
    try:
        yield
    except DeadlinePassed:
        db.session.commit()
        raise


@bp.post("/rounds/<int:round_id>/attempts")
@login_required
def start_attempt(round_id: int):
    body = json_object(required=False)
    practice = bool(body.get("practice"))
    # The start rush's path: one short transaction, no ORM objects (services/attempt_start).
    paper = attempt_start.start_new(
        round_id, current_user, requested_at=g.arrived_at, now=utcnow(), practice=practice
    )
    if paper is not None:
        db.session.commit()
        return jsonify(paper), 201
    round_ = attempts.get_round(round_id)
    started = attempts.begin_attempt(round_, current_user, now=utcnow(), practice=practice)
    db.session.commit()
    return jsonify(
        attempts.attempt_view(started.attempt, utcnow(), paper=started.paper)
    ), 201 if started.created else 200


@bp.post("/attempts/<int:attempt_id>/received")
@login_required
def confirm_received(attempt_id: int):
    """The quiz page has the paper: its clock counts from now (docs/quiz.md, The clock)."""
    json_object(required=False)
    max_delay = current_app.config.get(
        "QUIZ_DELIVERY_MAX_SECONDS", attempt_clock.DEFAULT_MAX_DELAY_SECONDS
    )
    clock = attempt_start.confirm_own_receipt(
        attempt_id, current_user, arrived_at=g.arrived_at, max_delay_seconds=max_delay
    )
    if clock is not None:
        db.session.commit()
        return jsonify({**clock, "server_time": attempts.iso(utcnow())})
    attempt = attempts.get_own_attempt(attempt_id, current_user, lock=True)
    if not attempts.finalise_if_overdue(attempt, g.arrived_at):
        attempt_start.confirm_receipt(attempt, arrived_at=g.arrived_at, max_delay_seconds=max_delay)
    db.session.commit()
    return jsonify(
        {
            "id": attempt.id,
            "status": attempt.status.value,
            "started_at": attempts.iso(attempt.started_at),
            "deadline": attempts.iso(attempt.deadline),
            "delivered_at": attempts.iso(attempt.delivered_at),
            "server_time": attempts.iso(utcnow()),
            "grace_seconds": attempt.round.grace_seconds,
        }
    )


@bp.get("/attempts/<int:attempt_id>")
@login_required
def get_attempt(attempt_id: int):
    attempt = attempts.get_own_attempt(attempt_id, current_user)
    if attempts.finalise_if_overdue(attempt, g.arrived_at):
        db.session.commit()
    return jsonify(attempts.attempt_view(attempt, utcnow()))


@bp.put("/attempts/<int:attempt_id>/answers/<int:question_id>")
@login_required
def save_answer(attempt_id: int, question_id: int):
    body = json_object(required=True)
    if "option_ids" not in body:
        raise ValidationFailed({"option_ids": _("Thiếu danh sách phương án đã chọn.")})
    with _keeping_finalisation():
        answer = attempt_saves.save_own_answer(
            attempt_id,
            current_user,
            question_id,
            body.get("option_ids"),
            arrived_at=g.arrived_at,
            seq=_int_or_none(body.get("seq"), "seq"),
            client=body.get("client"),
        )
    db.session.commit()
    reply = {
        "question_id": question_id,
        "option_ids": answer.option_ids,
        "seq": answer.seq,
        "client": answer.client,
        "saved_at": attempts.iso(answer.saved_at),
        "applied": answer.applied,
    }
    if not answer.applied:
        reply["reason"] = answer.reason
    return jsonify(reply)


@bp.put("/attempts/<int:attempt_id>/prediction")
@login_required
def save_prediction(attempt_id: int):
    body = json_object(required=True)
    if "value" not in body:  # only an explicit null clears the prediction
        raise ValidationFailed(
            {"value": _("Thiếu giá trị dự đoán. Gửi một số nguyên, hoặc null để xoá.")}
        )
    attempt = attempts.get_own_attempt(attempt_id, current_user, lock=True)
    with _keeping_finalisation():
        attempt_saves.save_prediction(attempt, body["value"], arrived_at=g.arrived_at)
    db.session.commit()
    return jsonify({"prediction": attempt.prediction})


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    body = json_object(required=False)
    attempt = attempts.get_own_attempt(attempt_id, current_user, lock=True)
    with _keeping_finalisation():
        attempt_saves.submit_attempt(
            attempt,
            arrived_at=g.arrived_at,
            prediction=body.get("prediction"),
            has_prediction="prediction" in body,
        )
    db.session.commit()
    return jsonify(
        {
            "id": attempt.id,
            "status": attempt.status.value,
            "score": attempt.score,
            "total": attempt.total,
            "duration_ms": attempt.duration_ms,
            "submitted_at": attempts.iso(attempt.submitted_at),
            "prediction": attempt.prediction,
        }
    )


@bp.put("/attempts/<int:attempt_id>/unsent")
@login_required
def report_unsent(attempt_id: int):
    body = json_object(required=True)
    attempt = attempts.get_own_attempt(attempt_id, current_user, lock=True)
    attempts.finalise_if_overdue(attempt, g.arrived_at)
    report = attempt_saves.record_unsent(
        attempt,
        body.get("answers", {}),
        arrived_at=g.arrived_at,
        prediction=body.get("prediction"),
        has_prediction="prediction" in body,
    )
    db.session.commit()
    lines = attempts.unsent_report(attempt) or {"positions": [], "prediction": False}
    return jsonify({"unsent": report, **lines})
