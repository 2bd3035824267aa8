"""What a participant writes during an attempt: answers, the prediction, the submit.

The server is the only clock: each function takes ``arrived_at``, when the request reached
the server (T4), and a write counts when it arrived by deadline + grace. They flush; the
caller commits. The caller has locked the attempt's row (``attempts.get_own_attempt(…,
lock=True)``), except for ``save_own_answer``, which locks it itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, not_, or_, select

from contest.extensions import db
from contest.models import User
from contest.models.quiz import Answer, Attempt, AttemptQuestion, AttemptStatus, Round
from contest.services import grading
from contest.services.attempts import (
    MAX_PREDICTION,
    answers_of,
    finalise,
    finalise_if_overdue,
    get_own_attempt,
)
from contest.services.errors import (
    AlreadySubmitted,
    Conflict,
    DeadlinePassed,
    NotFound,
    ValidationFailed,
)
from contest.services.i18n import _


def _writable(attempt: Attempt, arrived_at: datetime) -> None:
    """Late first (410, even for a submitted attempt: nothing changes after deadline +
    grace, and an attempt the clock ended is over), then already submitted (409)."""
    if attempt.status is AttemptStatus.expired or not grading.accepts_writes(
        attempt.deadline, attempt.round.grace_seconds, arrived_at
    ):
        finalise_if_overdue(attempt, arrived_at)
        raise DeadlinePassed()
    if attempt.is_finished:
        raise AlreadySubmitted()


# Why a save was not applied: the same device had already saved a later change (its
# older request arrived late), or another save of this question arrived after it.
OLDER_RETRY = "older_retry"
NEWER_SAVE = "newer_save"


@dataclass(frozen=True)
class SavedAnswer:
    """What is stored after a save, and whether this save is what is stored."""

    question_id: int
    option_ids: list[int]
    seq: int
    saved_at: datetime
    client: str | None = None
    applied: bool = True
    reason: str | None = None  # OLDER_RETRY or NEWER_SAVE when not applied


def _upsert(dialect_name: str):
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert


def save_answer(
    attempt: Attempt,
    question_id: int,
    option_ids,
    *,
    arrived_at: datetime,
    seq: int | None = None,
    client: str | None = None,
) -> SavedAnswer:
    """Save the participant's choice for one question (an empty list clears it).

    The server orders saves by arrival (T4), whichever device sent them; ``client`` names
    the device (a quiz page) and ``seq`` orders only that device's own saves: a save from
    the device that made the stored answer, with a lower ``seq``, is an old retry and is
    ignored (D3). Without ``seq``, arrival alone decides; without ``client``, saves with
    ``seq`` count as one device's (the API before devices were named). One INSERT … ON
    CONFLICT DO UPDATE … WHERE does it, so the rule holds in the database itself.
    Returns what is stored afterwards and whether this save is it (``applied``).
    Raises AlreadySubmitted, DeadlinePassed, NotFound (question not on the paper),
    ValidationFailed (unknown option, several options on a single-answer question, a
    bad ``seq`` or ``client``).
    """
    _writable(attempt, arrived_at)
    return _store_answer(
        attempt.id, question_id, option_ids, seq=seq, client=client, arrived_at=arrived_at
    )


def save_own_answer(
    attempt_id: int,
    user: User,
    question_id: int,
    option_ids,
    *,
    arrived_at: datetime,
    seq: int | None = None,
    client: str | None = None,
) -> SavedAnswer:
    """``save_answer`` for the API's hottest path: it locks the attempt's row and reads only
    the four values it needs; anything unusual (not the participant's, finished, late) goes
    through the full path, which raises and finalises as ``save_answer`` does."""
    # A Core read on the session's connection (no ORM execution layer; nothing pending).
    head = (
        db.session.connection()
        .execute(_HEAD_QUERY, {"attempt_id": attempt_id, "question_id": question_id})
        .first()
    )
    if (
        head is None
        or head.participant_id != user.id
        or head.status is not AttemptStatus.in_progress
        or not grading.accepts_writes(head.deadline, head.grace_seconds, arrived_at)
    ):
        attempt = get_own_attempt(attempt_id, user, lock=True)
        return save_answer(
            attempt, question_id, option_ids, arrived_at=arrived_at, seq=seq, client=client
        )
    return _store_answer(
        attempt_id,
        question_id,
        option_ids,
        seq=seq,
        client=client,
        arrived_at=arrived_at,
        item=head if head.options is not None else None,
    )


# The hot path's one read: the attempt's row (locked), its round's grace and the paper's
# item for the question (NULL when the question is not on the paper). Built once.
_HEAD_QUERY = (
    select(
        Attempt.participant_id,
        Attempt.status,
        Attempt.deadline,
        Round.grace_seconds,
        AttemptQuestion.options,
        AttemptQuestion.correct_option_ids,
    )
    .join(Round, Round.id == Attempt.round_id)
    .outerjoin(
        AttemptQuestion,
        and_(
            AttemptQuestion.attempt_id == Attempt.id,
            AttemptQuestion.question_id == bindparam("question_id"),
        ),
    )
    .where(Attempt.id == bindparam("attempt_id"))
    .with_for_update(of=Attempt)
)


CLIENT_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def _check_choice(item, option_ids) -> list[int]:
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
    return chosen


def _check_device(seq, client) -> None:
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool) or seq < 0):
        raise ValidationFailed({"seq": _("Số thứ tự lưu không hợp lệ.")})
    if client is not None and not (isinstance(client, str) and CLIENT_RE.fullmatch(client)):
        raise ValidationFailed(
            {"client": _("Mã thiết bị không hợp lệ (tối đa 64 chữ cái, chữ số, - _ . :).")}
        )


def _paper_item(attempt_id: int, question_id: int):
    item = db.session.execute(
        select(AttemptQuestion.options, AttemptQuestion.correct_option_ids).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.question_id == question_id
        )
    ).first()
    if item is None:
        raise NotFound(_("Câu hỏi không thuộc lượt thi này."))
    return item


_UPSERTS: dict[tuple[str, bool], object] = {}


def _upsert_statement(dialect_name: str, *, with_seq: bool):
    """INSERT … ON CONFLICT DO UPDATE … WHERE (the rule: ``save_answer``), built once per
    dialect and kind, with the values as parameters."""
    key = (dialect_name, with_seq)
    if key in _UPSERTS:
        return _UPSERTS[key]
    table = Answer.__table__
    stmt = _upsert(dialect_name)(table).values({name: bindparam(name) for name in _ANSWER_VALUES})
    new, old = stmt.excluded, table.c
    later = new.saved_at >= old.saved_at
    if not with_seq:
        newer = later
    else:
        same_device = func.coalesce(new.client, "") == func.coalesce(old.client, "")
        newer = or_(and_(same_device, new.seq >= old.seq), and_(not_(same_device), later))
    stmt = stmt.on_conflict_do_update(
        index_elements=[old.attempt_id, old.question_id],
        set_={
            "option_ids": new.option_ids,
            "saved_at": new.saved_at,
            "seq": new.seq,
            "client": new.client,
        },
        where=newer,
    ).returning(old.option_ids, old.seq, old.saved_at, old.client)
    _UPSERTS[key] = stmt
    return stmt


_ANSWER_VALUES = ("attempt_id", "question_id", "option_ids", "saved_at", "seq", "client")


def _store_answer(
    attempt_id: int,
    question_id: int,
    option_ids,
    *,
    seq: int | None,
    client: str | None,
    arrived_at: datetime,
    item=None,
) -> SavedAnswer:
    """Store the save (the rule: ``save_answer``). ``item``: the paper's item for the
    question (``options``, ``correct_option_ids``), when the caller has read it."""
    _check_device(seq, client)
    chosen = _check_choice(item or _paper_item(attempt_id, question_id), option_ids)
    table = Answer.__table__
    stmt = _upsert_statement(db.session.get_bind().dialect.name, with_seq=seq is not None)
    values = {
        "attempt_id": attempt_id,
        "question_id": question_id,
        "option_ids": chosen,
        "saved_at": arrived_at,
        "seq": seq or 0,
        "client": client,
    }
    row = db.session.execute(stmt, values).first()
    if row is not None:
        return SavedAnswer(question_id, list(row.option_ids), row.seq, row.saved_at, row.client)
    # Not applied: the stored answer stays, and the caller is told why.
    old = table.c
    row = db.session.execute(
        select(old.option_ids, old.seq, old.saved_at, old.client).where(
            old.attempt_id == attempt_id, old.question_id == question_id
        )
    ).one()
    same = seq is not None and (row.client or "") == (client or "")
    return SavedAnswer(
        question_id,
        list(row.option_ids),
        row.seq,
        row.saved_at,
        row.client,
        applied=False,
        reason=OLDER_RETRY if same else NEWER_SAVE,
    )


def _check_prediction(value) -> int | None:
    """A whole number ≥ 0 (``"1.250"`` and ``"1 250"`` read as 1250), or None: only an
    explicit null clears; an empty text is refused, never read as a clear."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationFailed({"prediction": _("Câu hỏi dự đoán cần một số nguyên.")})
    if isinstance(value, str):
        value = value.strip().replace(".", "").replace(",", "").replace(" ", "")
        # A text longer than MAX_PREDICTION's digits is refused before int() reads it
        # (5,000 digits would be Python's ValueError, not the participant's 422).
        if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_PREDICTION)):
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
    """Submit exactly once (C2): repeating the submit of a submitted attempt returns the
    stored result unchanged, whenever the repeat arrives.

    A submit that arrives within the grace period counts as made at the deadline; a later
    one, or one for an attempt the clock has already ended (``expired``), raises
    DeadlinePassed (410) after finalising the attempt from what was saved. With
    ``has_prediction``, ``prediction`` is saved first (ValidationFailed if it is not a
    whole number).
    """
    if attempt.status is AttemptStatus.submitted:
        return attempt
    if attempt.status is AttemptStatus.expired or not grading.accepts_writes(
        attempt.deadline, attempt.round.grace_seconds, arrived_at
    ):
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


def _check_unsent_answers(attempt: Attempt, answers) -> dict[str, list[int]]:
    if not isinstance(answers, dict):
        raise ValidationFailed({"answers": _("Danh sách câu trả lời chưa gửi không hợp lệ.")})
    paper = {q.question_id: q for q in attempt.questions}
    checked = {}
    for key, option_ids in answers.items():
        key_text = str(key)
        is_id = key_text.isascii() and key_text.isdigit() and len(key_text) <= 10
        item = paper.get(int(key_text)) if is_id else None
        if item is None:
            raise ValidationFailed({"answers": _("Câu hỏi không thuộc lượt thi này.")})
        checked[int(key)] = _check_choice(item, option_ids)
    return checked


def record_unsent(
    attempt: Attempt,
    answers,
    *,
    arrived_at: datetime,
    prediction=None,
    has_prediction: bool = False,
) -> dict:
    """Keep the quiz page's report of what it chose but could not send before the attempt
    ended: ``answers`` ``{question id: option ids}`` and, with ``has_prediction``, the
    prediction. A record for disputes and for the result page, never graded: it changes
    no answer, score or prediction, so it is taken even after deadline + grace. Entries
    the server does hold (the save did arrive; only its reply was lost) are left out.
    Reports merge (two devices, a retry). Returns the stored report.
    Raises Conflict while the attempt is in progress (save the answers instead),
    ValidationFailed for a question not on the paper or a bad choice.
    """
    if not attempt.is_finished:
        raise Conflict(_("Lượt thi đang diễn ra: câu trả lời cần được lưu, không cần báo cáo."))
    claimed = _check_unsent_answers(attempt, answers)
    stored = answers_of(attempt)
    report = dict(attempt.unsent or {})
    lost = dict(report.get("answers", {}))
    for qid, chosen in claimed.items():
        if stored.get(qid, []) != chosen:
            lost[str(qid)] = chosen
    report["answers"] = lost
    if has_prediction:
        value = _check_prediction(prediction)
        if value != attempt.prediction:
            report["prediction"] = value
    attempt.unsent = report
    attempt.unsent_reported_at = arrived_at
    db.session.flush()
    return report
