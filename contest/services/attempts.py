"""Attempts: start, read, finalise — the server is the only clock.

Every function takes an explicit ``now`` (or ``arrived_at``: when the request reached the
server, T4) and the acting participant. They flush; the caller commits. What a participant
writes during an attempt (answers, the prediction, the submit) is in ``attempt_saves``;
the paper itself is drawn by ``papers``.

Concurrency: writes to one attempt lock its row first (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite serialises writers with ``BEGIN IMMEDIATE``), so saves, submits and
finalisation of one attempt never interleave. Starting relies on the database: a partial
unique index allows one attempt in progress per participant and round, and attempt
numbers are unique, so concurrent starts cannot exceed the limit (C1, C3).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Row, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from contest.extensions import db
from contest.models import Question, Role, Unit, User
from contest.models.quiz import (
    Answer,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    ReviewPolicy,
    Round,
)
from contest.services import answer_keys, funnel, grading, question_images
from contest.services.errors import (
    AttemptLimitReached,
    Conflict,
    Forbidden,
    NotEligible,
    NotFound,
    RoundNotOpen,
)
from contest.services.i18n import _
from contest.services.papers import build_paper

# The largest prediction accepted (the organisers' "how many people …" question).
MAX_PREDICTION = 10**12


# --- eligibility ----------------------------------------------------------------------


def _age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _unit_and_ancestors(unit_id: int | None) -> set[int]:
    ids, seen = set(), 0
    while unit_id is not None and seen < 50:
        ids.add(unit_id)
        unit_id = db.session.scalar(select(Unit.parent_id).where(Unit.id == unit_id))
        seen += 1
    return ids


def eligibility_problem(round_: Round, user: User, now: datetime) -> str | None:
    """Why ``user`` may not take this round (translated); None when they may."""
    if user.role is not Role.participant:
        return _("Tài khoản Ban Tổ chức, giám khảo và quản trị không tham gia dự thi.")
    if round_.qualified_only and not funnel.is_qualified(round_.id, user.id):
        return funnel.refusal(round_.id)  # a funnel's higher round (docs/funnel.md)
    if round_.eligible_category_ids and user.category_id not in round_.eligible_category_ids:
        return _(
            "Đợt thi này chỉ dành cho một số đối tượng; đối tượng trong hồ sơ của bạn "
            "không thuộc danh sách. Nếu khai nhầm, hãy sửa ở trang Hồ sơ."
        )
    if round_.eligible_unit_ids and not (
        _unit_and_ancestors(user.unit_id) & set(round_.eligible_unit_ids)
    ):
        return _(
            "Đợt thi này chỉ dành cho người thuộc một số đơn vị; đơn vị của bạn không "
            "thuộc danh sách."
        )
    if round_.min_age and (
        user.birth_date is None or _age_on(user.birth_date, now.date()) < round_.min_age
    ):
        return _("Đợt thi này dành cho người từ đủ %(age)s tuổi trở lên.", age=round_.min_age)
    if user.birth_date is None or user.id_number is None or user.unit_id is None:
        return _(
            "Hồ sơ của bạn chưa đủ thông tin. Vui lòng bổ sung ở trang Hồ sơ trước khi dự thi."
        )
    return None


# --- reading ---------------------------------------------------------------------------


def get_round(round_id: int) -> Round:
    """A published round of a published contest, with its contest loaded; raises
    ``NotFound`` (a draft is the organisers' only)."""
    round_ = db.session.get(Round, round_id, options=[joinedload(Round.contest)])
    if round_ is None or round_.published_at is None or not round_.contest.is_published:
        raise NotFound(_("Không tìm thấy đợt thi."))
    return round_


def get_own_attempt(attempt_id: int, user: User, *, lock: bool = False) -> Attempt:
    """The attempt, if it belongs to ``user`` (P1). Locks its row when ``lock``.

    Raises ``NotFound`` or ``Forbidden``.
    """
    stmt = (
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .options(joinedload(Attempt.round, innerjoin=True))
    )
    if lock:
        stmt = stmt.with_for_update(of=Attempt).execution_options(populate_existing=True)
    attempt = db.session.scalar(stmt)
    if attempt is None:
        raise NotFound(_("Không tìm thấy lượt thi."))
    if attempt.participant_id != user.id:
        raise Forbidden(_("Lượt thi này không phải của bạn."))
    return attempt


def answers_of(attempt: Attempt) -> dict[int, list[int]]:
    """The attempt's saved answers: ``{question id: chosen option ids}``."""
    return {
        a.question_id: list(a.option_ids)
        for a in db.session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))
    }


def count_ranked_attempts(round_id: int, user_id: int) -> int:
    """How many ranked (not practice) attempts the participant has started in the round."""
    return (
        db.session.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.round_id == round_id,
                Attempt.participant_id == user_id,
                Attempt.is_practice.is_(False),
            )
        )
        or 0
    )


def attempts_left(round_: Round, user: User) -> int:
    """Ranked attempts the participant may still start in the round (never negative)."""
    return max(0, round_.max_attempts - count_ranked_attempts(round_.id, user.id))


def in_progress_attempt(round_id: int, user_id: int) -> Attempt | None:
    """The participant's attempt in progress in the round, if any."""
    return db.session.scalar(
        select(Attempt).where(
            Attempt.round_id == round_id,
            Attempt.participant_id == user_id,
            Attempt.status == AttemptStatus.in_progress,
        )
    )


def review_allowed(attempt: Attempt, now: datetime) -> bool:
    """Whether correct answers may be shown: only for a finished attempt, by the policy."""
    if not attempt.is_finished:
        return False
    policy = attempt.round.review_policy
    if policy is ReviewPolicy.after_submit:
        return True
    if policy is ReviewPolicy.after_close:
        r = attempt.round
        return grading.round_state(r.opens_at, r.closes_at, r.closed_at, now) == "closed"
    return False


# --- finalising ------------------------------------------------------------------------


def finalise(attempt: Attempt, submitted_at: datetime, status: AttemptStatus) -> None:
    """Grade the attempt from its saved answers and close it with ``status`` at
    ``submitted_at`` (the caller has locked it and flushes)."""
    # The key in force: the served one, or its revision after a dispute (answer_keys).
    paper = answer_keys.paper_of(attempt.questions)
    result = grading.grade(paper, answers_of(attempt))
    attempt.status = status
    attempt.submitted_at = submitted_at
    attempt.score, attempt.total = result.score, result.total
    attempt.duration_ms = grading.duration_ms(
        attempt.started_at, submitted_at, attempt.round.time_limit_minutes
    )


def finalise_if_overdue(attempt: Attempt, now: datetime) -> bool:
    """T2/T3: an attempt past deadline + grace is finalised from every saved answer and
    the saved prediction, with submitted_at = deadline. Returns whether it did."""
    if attempt.status is AttemptStatus.in_progress and grading.is_overdue(
        attempt.deadline, attempt.round.grace_seconds, now
    ):
        finalise(attempt, attempt.deadline, AttemptStatus.expired)
        db.session.flush()
        return True
    return False


def _lock_attempt(attempt_id: int) -> Attempt | None:
    return db.session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def finalise_overdue(
    now: datetime, round_id: int | None = None, *, include_open: bool = False
) -> int:
    """Finalise every in-progress attempt past its deadline (or, with ``include_open``,
    every in-progress attempt of the round, at round close). Returns how many."""
    stmt = select(Attempt.id).where(Attempt.status == AttemptStatus.in_progress)
    if round_id is not None:
        stmt = stmt.where(Attempt.round_id == round_id)
    count = 0
    for attempt_id in db.session.scalars(stmt).all():
        attempt = _lock_attempt(attempt_id)
        if attempt is None or attempt.status is not AttemptStatus.in_progress:
            continue
        if finalise_if_overdue(attempt, now):
            count += 1
        elif include_open:
            finalise(attempt, min(now, attempt.deadline), AttemptStatus.expired)
            count += 1
    db.session.flush()
    return count


# --- starting --------------------------------------------------------------------------


@dataclass
class Started:
    attempt: Attempt
    created: bool
    paper: list[dict] | None = None  # the new paper as drawn, when ``created``


def start_attempt(
    round_: Round, user: User, *, now: datetime, practice: bool = False
) -> tuple[Attempt, bool]:
    """Start (or resume) the participant's attempt in a round: (attempt, created).
    See ``begin_attempt``."""
    started = begin_attempt(round_, user, now=now, practice=practice)
    return started.attempt, started.created


def check_may_start(round_: Round, user: User, now: datetime, *, practice: bool) -> None:
    """Raise RoundNotOpen or NotEligible unless the round takes a new attempt now."""
    state = grading.round_state(round_.opens_at, round_.closes_at, round_.closed_at, now)
    if state != "open" or not round_.contest.is_published or round_.published_at is None:
        raise RoundNotOpen(
            _("Đợt thi chưa mở.")
            if state == "upcoming"
            else _("Đợt thi đã kết thúc, không thể bắt đầu lượt thi mới.")
        )
    problem = eligibility_problem(round_, user, now)
    if problem:
        raise NotEligible(problem)
    if practice and not round_.allow_practice:
        raise RoundNotOpen(_("Đợt thi này không có lượt thi thử."))


def _resume(mine: Sequence[Row], now: datetime) -> Attempt | None:
    """The attempt in progress among ``mine``, locked, unless it has just run out."""
    current_id = next((row.id for row in mine if row.status is AttemptStatus.in_progress), None)
    if current_id is None:
        return None
    current = _lock_attempt(current_id)
    return None if finalise_if_overdue(current, now) else current


def _insert_attempt(attempt: Attempt, paper: list[dict]) -> bool:
    """Write the attempt and its paper's rows in one batch; False if another start won."""
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
            db.session.execute(
                insert(AttemptQuestion), [{"attempt_id": attempt.id, **item} for item in paper]
            )
    except IntegrityError:
        return False
    return True


def _lost_race(round_: Round, user: User, *, practice: bool) -> Started:
    """Someone else (another tab, a retried request) started at the same moment."""
    current = in_progress_attempt(round_.id, user.id)
    if current is not None:
        return Started(current, False)
    if not practice and count_ranked_attempts(round_.id, user.id) >= round_.max_attempts:
        raise AttemptLimitReached()
    raise Conflict(_("Lượt thi vừa được tạo ở một thiết bị khác. Vui lòng tải lại trang."))


def begin_attempt(round_: Round, user: User, *, now: datetime, practice: bool = False) -> Started:
    """Start (or resume) the participant's attempt in a round.

    Idempotent (C1): an attempt already in progress is returned as it is. The paper's
    rows are written in one batch (the start rush is the busiest moment of a round).
    Raises RoundNotOpen, NotEligible, AttemptLimitReached, PoolTooSmall, Conflict.
    """
    check_may_start(round_, user, now, practice=practice)
    # One small read: this participant's attempts in the round (a handful at most).
    mine = db.session.execute(
        select(Attempt.id, Attempt.number, Attempt.is_practice, Attempt.status).where(
            Attempt.round_id == round_.id, Attempt.participant_id == user.id
        )
    ).all()
    current = _resume(mine, now)
    if current is not None:
        return Started(current, False)

    used = max((row.number for row in mine if row.is_practice is practice), default=0)
    if not practice and used >= round_.max_attempts:
        raise AttemptLimitReached(
            _("Bạn đã dùng hết %(count)s lượt thi của đợt này.", count=round_.max_attempts)
        )
    seed = secrets.randbits(52)
    paper = build_paper(round_, seed)
    attempt = Attempt(
        round_id=round_.id,
        participant_id=user.id,
        number=used + 1,
        is_practice=practice,
        seed=seed,
        status=AttemptStatus.in_progress,
        started_at=now,
        deadline=grading.attempt_deadline(now, round_.time_limit_minutes, round_.closes_at),
        requested_at=now,
        handed_out_at=now,
    )
    if not _insert_attempt(attempt, paper):
        return _lost_race(round_, user, practice=practice)
    return Started(attempt, True, paper)


# --- what the participant sees ---------------------------------------------------------


def _paper_rows(attempt: Attempt, paper: list[dict] | None) -> list[dict]:
    if paper is not None:
        return paper
    # The served rows' pictures, in one query (a question row's picture never changes).
    images = question_images.images_of_questions(q.question_id for q in attempt.questions)
    return [
        {
            "question_id": q.question_id,
            "position": q.position,
            "text": q.text,
            "options": q.options,
            "correct_option_ids": q.correct_option_ids,
            "image": images.get(q.question_id),
        }
        for q in attempt.questions
    ]


def _question_view(q: dict, explanations: dict[int, str] | None) -> dict:
    item = {
        "id": q["question_id"],
        "position": q["position"],
        "text": q["text"],
        "multiple": len(q["correct_option_ids"]) > 1,
        "options": [{"id": o["id"], "text": o["text"]} for o in q["options"]],
        "image": q.get("image"),
    }
    if explanations is not None:  # review allowed
        item["correct_option_ids"] = list(q["correct_option_ids"])
        item["explanation"] = explanations.get(q["question_id"], "")
    return item


def explanations_of(attempt: Attempt) -> dict[int, str]:
    """The explanation of each question on the paper, ``{question id: text}``.

    Read from the question row that was served: an edit of the options or the key makes a
    new row, while a corrected explanation changes that row in place and so reaches the
    review too. Only for the review (``review_allowed``), like the correct answers.
    """
    ids = select(AttemptQuestion.question_id).where(AttemptQuestion.attempt_id == attempt.id)
    return {
        qid: text or ""
        for qid, text in db.session.execute(
            select(Question.id, Question.explanation).where(Question.id.in_(ids))
        )
    }


def review_items(attempt: Attempt, now: datetime) -> list[dict] | None:
    """The result page's review, when the round's policy allows it (else None): per
    question as served, the choice, the correct options and the explanation."""
    if not review_allowed(attempt, now):
        return None
    answers = answers_of(attempt)
    explanations = explanations_of(attempt)
    return [
        {
            "q": q,
            "chosen": set(answers.get(q.question_id, [])),
            "correct": set(q.correct_option_ids),
            "explanation": explanations.get(q.question_id, ""),
        }
        for q in attempt.questions
    ]


def unsent_report(attempt: Attempt) -> dict | None:
    """What the quiz page reported it could not send before the attempt ended, for the
    result page: ``positions`` (question numbers as shown, from 1, in order) and ``prediction``
    (whether the prediction was among them); None when nothing was reported."""
    report = attempt.unsent or {}
    lost = {int(k) for k in report.get("answers", {})}
    positions = [q.position + 1 for q in attempt.questions if q.question_id in lost]
    if not positions and "prediction" not in report:
        return None
    return {"positions": positions, "prediction": "prediction" in report}


def attempt_view(attempt: Attempt, now: datetime, *, paper: list[dict] | None = None) -> dict:
    """The attempt as the API returns it. Correct answers only when review is allowed
    (never during the attempt: G7). ``paper``: a paper just drawn (nothing saved yet)."""
    explanations = explanations_of(attempt) if review_allowed(attempt, now) else None
    body = {
        "id": attempt.id,
        "round_id": attempt.round_id,
        "number": attempt.number,
        "is_practice": attempt.is_practice,
        "status": attempt.status.value,
        "started_at": iso(attempt.started_at),
        "deadline": iso(attempt.deadline),
        "server_time": iso(now),
        "grace_seconds": attempt.round.grace_seconds,
        "questions": [_question_view(q, explanations) for q in _paper_rows(attempt, paper)],
        "answers": {} if paper is not None else {str(k): v for k, v in answers_of(attempt).items()},
        "prediction": attempt.prediction,
        "prediction_text": attempt.round.prediction_text,
    }
    if attempt.is_finished:
        body.update(
            score=attempt.score,
            total=attempt.total,
            duration_ms=attempt.duration_ms,
            submitted_at=iso(attempt.submitted_at),
        )
    return body


def iso(value: datetime | None) -> str | None:
    """A UTC time as the API writes it (``2025-01-31T08:00:00.000Z``); None stays None."""
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z") if value else None
