"""What a participant writes during an attempt: answers, the prediction, the submit.

The server is the only clock: each function takes ``arrived_at``, when the request reached
the server (T4), and a write counts when it arrived by deadline + grace. They flush; the
caller commits. The caller has locked the attempt's row (``attempts.get_own_attempt(…,
lock=True)``), except for ``save_own_answer``, which locks it itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select

from contest.extensions import db
from contest.models import User
from contest.models.quiz import Answer, Attempt, AttemptQuestion, AttemptStatus, Round
from contest.services import grading
from contest.services.attempts import (
    MAX_PREDICTION,
    finalise,
    finalise_if_overdue,
    get_own_attempt,
)
from contest.services.errors import AlreadySubmitted, DeadlinePassed, NotFound, ValidationFailed
from contest.services.i18n import _


def _writable(attempt: Attempt, arrived_at: datetime) -> None:
    if attempt.is_finished:
        raise AlreadySubmitted()
    if not grading.accepts_writes(attempt.deadline, attempt.round.grace_seconds, arrived_at):
        finalise_if_overdue(attempt, arrived_at)
        raise DeadlinePassed()


@dataclass(frozen=True)
class SavedAnswer:
    question_id: int
    option_ids: list[int]
    seq: int
    saved_at: datetime


def _upsert(dialect_name: str):
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert


def save_answer(
    attempt: Attempt, question_id: int, option_ids, *, arrived_at: datetime, seq: int | None = None
) -> SavedAnswer:
    """Save the participant's choice for one question (an empty list clears it).

    A save carrying a sequence number lower than the stored one is stale and ignored (D3);
    without one, the arrival time orders saves. One INSERT … ON CONFLICT DO UPDATE … WHERE
    does it, so the rule holds in the database itself. Returns what is stored afterwards.
    Raises AlreadySubmitted, DeadlinePassed, NotFound (question not on the paper),
    ValidationFailed (unknown option, several options on a single-answer question).
    """
    _writable(attempt, arrived_at)
    return _store_answer(attempt.id, question_id, option_ids, seq=seq, arrived_at=arrived_at)


def save_own_answer(
    attempt_id: int,
    user: User,
    question_id: int,
    option_ids,
    *,
    arrived_at: datetime,
    seq: int | None = None,
) -> SavedAnswer:
    """``save_answer`` for the API's hottest path: it locks the attempt's row and reads only
    the four values it needs; anything unusual (not the participant's, finished, late) goes
    through the full path, which raises and finalises as ``save_answer`` does."""
    head = db.session.execute(
        select(Attempt.participant_id, Attempt.status, Attempt.deadline, Round.grace_seconds)
        .join(Round, Round.id == Attempt.round_id)
        .where(Attempt.id == attempt_id)
        .with_for_update(of=Attempt)
    ).first()
    if (
        head is None
        or head.participant_id != user.id
        or head.status is not AttemptStatus.in_progress
        or not grading.accepts_writes(head.deadline, head.grace_seconds, arrived_at)
    ):
        attempt = get_own_attempt(attempt_id, user, lock=True)
        return save_answer(attempt, question_id, option_ids, arrived_at=arrived_at, seq=seq)
    return _store_answer(attempt_id, question_id, option_ids, seq=seq, arrived_at=arrived_at)


def _check_choice(item, option_ids, seq) -> list[int]:
    """The chosen option ids, sorted and unique; raises ValidationFailed for a bad save."""
    if not isinstance(option_ids, list) or not all(
        isinstance(o, int) and not isinstance(o, bool) for o in option_ids
    ):
        raise ValidationFailed({"option_ids": _("Danh sách phương án không hợp lệ.")})
    allowed = {o["id"] for o in item.options}
    chosen = sorted(set(option_ids))
    if any(o not in allowed for o in chosen):
        raise ValidationFailed({"option_ids": _("Phương án không thuộc câu hỏi này.")})
    if len(chosen) > 1 and len(item.correct_option_ids) <= 1:
        raise ValidationFailed({"option_ids": _("Câu hỏi này chỉ chọn một phương án.")})
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool) or seq < 0):
        raise ValidationFailed({"seq": _("Số thứ tự lưu không hợp lệ.")})
    return chosen


def _store_answer(
    attempt_id: int, question_id: int, option_ids, *, seq: int | None, arrived_at: datetime
) -> SavedAnswer:
    item = db.session.execute(
        select(AttemptQuestion.options, AttemptQuestion.correct_option_ids).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.question_id == question_id
        )
    ).first()
    if item is None:
        raise NotFound(_("Câu hỏi không thuộc lượt thi này."))
    chosen = _check_choice(item, option_ids, seq)
    table = Answer.__table__
    stmt = _upsert(db.session.get_bind().dialect.name)(table).values(
        attempt_id=attempt_id,
        question_id=question_id,
        option_ids=chosen,
        saved_at=arrived_at,
        seq=seq or 0,
    )
    newer = (
        (stmt.excluded.seq >= table.c.seq)
        if seq is not None
        else (stmt.excluded.saved_at >= table.c.saved_at)
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.attempt_id, table.c.question_id],
        set_={
            "option_ids": stmt.excluded.option_ids,
            "saved_at": stmt.excluded.saved_at,
            "seq": case((stmt.excluded.seq > table.c.seq, stmt.excluded.seq), else_=table.c.seq),
        },
        where=newer,
    ).returning(table.c.option_ids, table.c.seq, table.c.saved_at)
    row = db.session.execute(stmt).first()
    if row is None:  # stale: the stored answer stays
        row = db.session.execute(
            select(table.c.option_ids, table.c.seq, table.c.saved_at).where(
                table.c.attempt_id == attempt_id, table.c.question_id == question_id
            )
        ).one()
    return SavedAnswer(question_id, list(row.option_ids), row.seq, row.saved_at)


def _check_prediction(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationFailed({"prediction": _("Câu hỏi dự đoán cần một số nguyên.")})
    if isinstance(value, str):
        value = value.strip().replace(".", "").replace(",", "").replace(" ", "")
        if not value.isdigit():
            raise _not_whole()
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < 0 or value > MAX_PREDICTION:
        raise _not_whole()
    return value


def _not_whole() -> ValidationFailed:
    return ValidationFailed({"prediction": _("Câu hỏi dự đoán cần một số nguyên không âm.")})


def save_prediction(attempt: Attempt, value, *, arrived_at: datetime) -> None:
    """Save the prediction (a whole number ≥ 0, or None to clear).

    Raises AlreadySubmitted, DeadlinePassed, ValidationFailed (field ``prediction``).
    """
    _writable(attempt, arrived_at)
    attempt.prediction = _check_prediction(value)
    attempt.prediction_saved_at = arrived_at
    db.session.flush()


def submit_attempt(
    attempt: Attempt, *, arrived_at: datetime, prediction=None, has_prediction: bool = False
) -> Attempt:
    """Submit exactly once (C2): a repeated submit returns the stored result unchanged.

    A submit that arrives within the grace period counts as made at the deadline; later,
    the attempt is finalised from what was saved and DeadlinePassed is raised. With
    ``has_prediction``, ``prediction`` is saved first (ValidationFailed if it is not a
    whole number).
    """
    if attempt.is_finished:
        return attempt
    if not grading.accepts_writes(attempt.deadline, attempt.round.grace_seconds, arrived_at):
        finalise_if_overdue(attempt, arrived_at)
        raise DeadlinePassed()
    if has_prediction:
        attempt.prediction = _check_prediction(prediction)
        attempt.prediction_saved_at = arrived_at
    finalise(
        attempt, grading.submission_time(arrived_at, attempt.deadline), AttemptStatus.submitted
    )
    db.session.flush()
    return attempt
