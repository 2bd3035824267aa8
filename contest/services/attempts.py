"""Attempts: start, save, submit, finalise — the server is the only clock.

Every function takes an explicit ``now`` (or ``arrived_at``: when the request reached the
server, T4) and the acting participant. They flush; the caller commits.

Concurrency: writes to one attempt lock its row first (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite serialises writers with ``BEGIN IMMEDIATE``), so saves, submits and
finalisation of one attempt never interleave. Starting relies on the database: a partial
unique index allows one attempt in progress per participant and round, and attempt
numbers are unique, so concurrent starts cannot exceed the limit (C1, C3).
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from contest.extensions import db
from contest.models import Role, Unit, User
from contest.models.question import Option, Question
from contest.models.quiz import (
    Answer,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    ReviewPolicy,
    Round,
)
from contest.services import grading
from contest.services.errors import (
    AlreadySubmitted,
    AttemptLimitReached,
    Conflict,
    DeadlinePassed,
    Forbidden,
    NotEligible,
    NotFound,
    PoolTooSmall,
    RoundNotOpen,
    ValidationFailed,
)
from question_bank import select as draw

MAX_PREDICTION = 10**12


# --- the question pool of a round, cached briefly per process -------------------------


@dataclass(frozen=True)
class PoolQuestion:
    id: int
    version: int
    topic: str
    difficulty: str
    text: str
    options: tuple[tuple[int, str, bool], ...]  # (option id, text, is_correct)


# Keyed by (database, round id): one process may serve several databases (tests, tools).
_pool_cache: dict[tuple[str, int], tuple[float, tuple, list[PoolQuestion]]] = {}
_pool_lock = threading.Lock()
POOL_TTL_SECONDS = 30.0


def invalidate_pool(round_id: int | None = None) -> None:
    """Forget cached pools (one round's, or all). Called after editing a round's draw and
    after any change to a bank's questions; other worker processes catch up within
    POOL_TTL_SECONDS."""
    with _pool_lock:
        if round_id is None:
            _pool_cache.clear()
        else:
            for key in [k for k in _pool_cache if k[1] == round_id]:
                del _pool_cache[key]


def load_pool(bank_ids: list[int]) -> list[PoolQuestion]:
    """Active, current questions of the given banks with their options."""
    if not bank_ids:
        return []
    questions = db.session.scalars(
        select(Question)
        .where(
            Question.bank_id.in_(bank_ids),
            Question.is_active.is_(True),
            Question.is_current.is_(True),
        )
        .order_by(Question.id)
    ).all()
    options: dict[int, list[Option]] = {}
    if questions:
        for opt in db.session.scalars(
            select(Option)
            .where(Option.question_id.in_([q.id for q in questions]))
            .order_by(Option.question_id, Option.position)
        ):
            options.setdefault(opt.question_id, []).append(opt)
    return [
        PoolQuestion(
            q.id,
            q.version,
            q.topic,
            q.difficulty.value,
            q.text,
            tuple((o.id, o.text, o.is_correct) for o in options.get(q.id, [])),
        )
        for q in questions
    ]


def round_pool(round_: Round) -> list[PoolQuestion]:
    """The round's question pool, cached for POOL_TTL_SECONDS (the start rush reads it
    thousands of times; banks do not change during a round)."""
    key = (str(db.session.get_bind().engine.url), round_.id)
    banks = tuple(sorted(round_.bank_ids or []))
    now = time.monotonic()
    with _pool_lock:
        cached = _pool_cache.get(key)
        if cached and cached[1] == banks and now - cached[0] < POOL_TTL_SECONDS:
            return cached[2]
    pool = load_pool(list(banks))
    with _pool_lock:
        _pool_cache[key] = (now, banks, pool)
    return pool


def quotas_of(round_: Round) -> list[draw.Quota]:
    return [
        draw.Quota(q.get("topic") or None, q.get("difficulty") or None, int(q["count"]))
        for q in (round_.quotas or [])
        if int(q.get("count") or 0) > 0
    ]


def check_draw(round_: Round) -> list[str]:
    """Problems (Vietnamese) that would stop a paper being drawn for this round."""
    pool = round_pool(round_)
    if not pool:
        return ["Chưa chọn ngân hàng câu hỏi, hoặc ngân hàng không có câu hỏi đang dùng."]
    return draw.check_quotas(
        [draw.Candidate(q.id, q.topic, q.difficulty) for q in pool],
        round_.question_count,
        quotas_of(round_),
    )


def build_paper(round_: Round, seed: int) -> list[dict]:
    """The questions of one paper, drawn and shuffled deterministically from ``seed``."""
    pool = round_pool(round_)
    by_id = {q.id: q for q in pool}
    try:
        ids = draw.select_questions(
            [draw.Candidate(q.id, q.topic, q.difficulty) for q in pool],
            round_.question_count,
            quotas_of(round_),
            seed=seed,
        )
    except draw.PoolTooSmall as exc:
        raise PoolTooSmall(exc.message) from exc
    if not round_.shuffle_questions:
        ids = sorted(ids)
    rng = random.Random(seed)
    paper = []
    for position, qid in enumerate(ids):
        q = by_id[qid]
        options = list(q.options)
        if round_.shuffle_options:
            rng.shuffle(options)
        paper.append(
            {
                "position": position,
                "question_id": q.id,
                "question_version": q.version,
                "text": q.text,
                "options": [{"id": oid, "text": text} for oid, text, _ in options],
                "correct_option_ids": sorted(oid for oid, _, ok in options if ok),
            }
        )
    return paper


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
    """Why ``user`` may not take this round, in Vietnamese; None when they may."""
    if user.role is not Role.participant:
        return "Tài khoản Ban Tổ chức, giám khảo và quản trị không tham gia dự thi."
    if round_.eligible_category_ids and user.category_id not in round_.eligible_category_ids:
        return (
            "Đợt thi này chỉ dành cho một số đối tượng; đối tượng trong hồ sơ của bạn "
            "không thuộc danh sách. Nếu khai nhầm, hãy sửa ở trang Hồ sơ."
        )
    if round_.eligible_unit_ids and not (
        _unit_and_ancestors(user.unit_id) & set(round_.eligible_unit_ids)
    ):
        return (
            "Đợt thi này chỉ dành cho người thuộc một số đơn vị; đơn vị của bạn không "
            "thuộc danh sách."
        )
    if round_.min_age and (
        user.birth_date is None or _age_on(user.birth_date, now.date()) < round_.min_age
    ):
        return f"Đợt thi này dành cho người từ đủ {round_.min_age} tuổi trở lên."
    if user.birth_date is None or user.id_number is None or user.unit_id is None:
        return "Hồ sơ của bạn chưa đủ thông tin. Vui lòng bổ sung ở trang Hồ sơ trước khi dự thi."
    return None


# --- reading ---------------------------------------------------------------------------


def get_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id, options=[joinedload(Round.contest)])
    if round_ is None or not round_.contest.is_published:
        raise NotFound("Không tìm thấy đợt thi.")
    return round_


def get_own_attempt(attempt_id: int, user: User, *, lock: bool = False) -> Attempt:
    """The attempt, if it belongs to ``user`` (P1). Locks its row when ``lock``."""
    stmt = (
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .options(joinedload(Attempt.round, innerjoin=True))
    )
    if lock:
        stmt = stmt.with_for_update(of=Attempt).execution_options(populate_existing=True)
    attempt = db.session.scalar(stmt)
    if attempt is None:
        raise NotFound("Không tìm thấy lượt thi.")
    if attempt.participant_id != user.id:
        raise Forbidden("Lượt thi này không phải của bạn.")
    return attempt


def answers_of(attempt: Attempt) -> dict[int, list[int]]:
    return {
        a.question_id: list(a.option_ids)
        for a in db.session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))
    }


def count_ranked_attempts(round_id: int, user_id: int) -> int:
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
    return max(0, round_.max_attempts - count_ranked_attempts(round_.id, user.id))


def in_progress_attempt(round_id: int, user_id: int) -> Attempt | None:
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


# --- writing ---------------------------------------------------------------------------


def _finalise(attempt: Attempt, submitted_at: datetime, status: AttemptStatus) -> None:
    paper = [
        grading.PaperItem(q.question_id, frozenset(q.correct_option_ids), q.points)
        for q in attempt.questions
    ]
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
        _finalise(attempt, attempt.deadline, AttemptStatus.expired)
        db.session.flush()
        return True
    return False


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
        attempt = db.session.scalar(
            select(Attempt)
            .where(Attempt.id == attempt_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if attempt is None or attempt.status is not AttemptStatus.in_progress:
            continue
        if finalise_if_overdue(attempt, now):
            count += 1
        elif include_open:
            _finalise(attempt, min(now, attempt.deadline), AttemptStatus.expired)
            count += 1
    db.session.flush()
    return count


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


def begin_attempt(round_: Round, user: User, *, now: datetime, practice: bool = False) -> Started:
    """Start (or resume) the participant's attempt in a round.

    Idempotent (C1): an attempt already in progress is returned as it is. The paper's
    rows are written in one batch (the start rush is the busiest moment of a round).
    Raises RoundNotOpen, NotEligible, AttemptLimitReached, PoolTooSmall.
    """
    state = grading.round_state(round_.opens_at, round_.closes_at, round_.closed_at, now)
    if state != "open" or not round_.contest.is_published:
        raise RoundNotOpen(
            "Đợt thi chưa mở."
            if state == "upcoming"
            else "Đợt thi đã kết thúc, không thể bắt đầu lượt thi mới."
        )
    problem = eligibility_problem(round_, user, now)
    if problem:
        raise NotEligible(problem)
    if practice and not round_.allow_practice:
        raise RoundNotOpen("Đợt thi này không có lượt thi thử.")

    # One small read: this participant's attempts in the round (a handful at most).
    mine = db.session.execute(
        select(Attempt.id, Attempt.number, Attempt.is_practice, Attempt.status).where(
            Attempt.round_id == round_.id, Attempt.participant_id == user.id
        )
    ).all()
    current_id = next((row.id for row in mine if row.status is AttemptStatus.in_progress), None)
    if current_id is not None:
        current = db.session.scalar(
            select(Attempt)
            .where(Attempt.id == current_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if not finalise_if_overdue(current, now):
            return Started(current, False)

    used = max((row.number for row in mine if row.is_practice is practice), default=0)
    if not practice and used >= round_.max_attempts:
        raise AttemptLimitReached(f"Bạn đã dùng hết {round_.max_attempts} lượt thi của đợt này.")

    seed = secrets.randbits(52)
    paper = build_paper(round_, seed)
    started_at = now
    attempt = Attempt(
        round_id=round_.id,
        participant_id=user.id,
        number=used + 1,
        is_practice=practice,
        seed=seed,
        status=AttemptStatus.in_progress,
        started_at=started_at,
        deadline=grading.attempt_deadline(started_at, round_.time_limit_minutes, round_.closes_at),
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
            db.session.execute(
                insert(AttemptQuestion), [{"attempt_id": attempt.id, **item} for item in paper]
            )
    except IntegrityError:
        # Someone else (another tab, a retried request) started at the same moment.
        current = in_progress_attempt(round_.id, user.id)
        if current is not None:
            return Started(current, False)
        if not practice and count_ranked_attempts(round_.id, user.id) >= round_.max_attempts:
            raise AttemptLimitReached() from None
        raise Conflict(
            "Lượt thi vừa được tạo ở một thiết bị khác. Vui lòng tải lại trang."
        ) from None
    return Started(attempt, True, paper)


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


def _store_answer(
    attempt_id: int, question_id: int, option_ids, *, seq: int | None, arrived_at: datetime
) -> SavedAnswer:
    item = db.session.execute(
        select(AttemptQuestion.options, AttemptQuestion.correct_option_ids).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.question_id == question_id
        )
    ).first()
    if item is None:
        raise NotFound("Câu hỏi không thuộc lượt thi này.")
    if not isinstance(option_ids, list) or not all(
        isinstance(o, int) and not isinstance(o, bool) for o in option_ids
    ):
        raise ValidationFailed({"option_ids": "Danh sách phương án không hợp lệ."})
    allowed = {o["id"] for o in item.options}
    chosen = sorted(set(option_ids))
    if any(o not in allowed for o in chosen):
        raise ValidationFailed({"option_ids": "Phương án không thuộc câu hỏi này."})
    if len(chosen) > 1 and len(item.correct_option_ids) <= 1:
        raise ValidationFailed({"option_ids": "Câu hỏi này chỉ chọn một phương án."})
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool) or seq < 0):
        raise ValidationFailed({"seq": "Số thứ tự lưu không hợp lệ."})
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
        raise ValidationFailed({"prediction": "Câu hỏi dự đoán cần một số nguyên."})
    if isinstance(value, str):
        value = value.strip().replace(".", "").replace(",", "").replace(" ", "")
        if not value.isdigit():
            raise ValidationFailed({"prediction": "Câu hỏi dự đoán cần một số nguyên không âm."})
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < 0 or value > MAX_PREDICTION:
        raise ValidationFailed({"prediction": "Câu hỏi dự đoán cần một số nguyên không âm."})
    return value


def save_prediction(attempt: Attempt, value, *, arrived_at: datetime) -> None:
    """Save the prediction (a whole number ≥ 0, or None to clear)."""
    _writable(attempt, arrived_at)
    attempt.prediction = _check_prediction(value)
    attempt.prediction_saved_at = arrived_at
    db.session.flush()


def submit_attempt(
    attempt: Attempt, *, arrived_at: datetime, prediction=None, has_prediction: bool = False
) -> Attempt:
    """Submit exactly once (C2): a repeated submit returns the stored result unchanged.

    A submit that arrives within the grace period counts as made at the deadline; later,
    the attempt is finalised from what was saved and DeadlinePassed is raised.
    """
    if attempt.is_finished:
        return attempt
    if not grading.accepts_writes(attempt.deadline, attempt.round.grace_seconds, arrived_at):
        finalise_if_overdue(attempt, arrived_at)
        raise DeadlinePassed()
    if has_prediction:
        attempt.prediction = _check_prediction(prediction)
        attempt.prediction_saved_at = arrived_at
    _finalise(
        attempt, grading.submission_time(arrived_at, attempt.deadline), AttemptStatus.submitted
    )
    db.session.flush()
    return attempt


# --- what the participant sees ---------------------------------------------------------


def attempt_view(attempt: Attempt, now: datetime, *, paper: list[dict] | None = None) -> dict:
    """The attempt as the API returns it. Correct answers only when review is allowed
    (never during the attempt: G7). ``paper``: a paper just drawn (nothing saved yet)."""
    reveal = review_allowed(attempt, now)
    rows = (
        paper
        if paper is not None
        else [
            {
                "question_id": q.question_id,
                "position": q.position,
                "text": q.text,
                "options": q.options,
                "correct_option_ids": q.correct_option_ids,
            }
            for q in attempt.questions
        ]
    )
    questions = []
    for q in rows:
        item = {
            "id": q["question_id"],
            "position": q["position"],
            "text": q["text"],
            "multiple": len(q["correct_option_ids"]) > 1,
            "options": [{"id": o["id"], "text": o["text"]} for o in q["options"]],
        }
        if reveal:
            item["correct_option_ids"] = list(q["correct_option_ids"])
        questions.append(item)
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
        "questions": questions,
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
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z") if value else None
