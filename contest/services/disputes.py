"""The answer-key challenge window: participants dispute a question, organisers decide.

After a round closes, for the contest's ``challenge_days`` (default 3; 0: no window), a
participant who took the round (a finished ranked attempt) may dispute any question of
their paper once, with a reason. Organisers see the disputes grouped by question beside
the item statistics (``item_stats``) and decide: keep the key, change it, accept a further
answer, or void the question, with a public reply every disputant of that question reads
on their result page. A decision other than "keep" adds a key revision
(``answer_keys.revise_key``); the caller then runs the ``regrade`` job for every round
that served the question. Results wait for the window: publishing earlier needs the
organiser's explicit confirmation (``result_publishing.publish_result``).

Functions flush; the caller commits. They take an explicit ``actor`` and ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contest.extensions import db
from contest.models import Attempt, AttemptQuestion, AttemptStatus, Question, Round, User
from contest.models.disputes import Dispute, DisputeDecision, KeyRevision
from contest.services import answer_keys, audit, formatting
from contest.services.errors import Conflict, NotFound, ValidationFailed
from contest.services.i18n import _, lazy_gettext

MIN_REASON = 10
MAX_REASON = 1000
MAX_REPLY = 2000
FINISHED = (AttemptStatus.submitted, AttemptStatus.expired)

DECISIONS = {
    "keep": lazy_gettext("Giữ nguyên đáp án"),
    **answer_keys.ACTIONS,
}


# --- the window ------------------------------------------------------------------------


def round_ended_at(round_: Round) -> datetime:
    """When the round stopped taking answers: its closing time, or earlier if ended early."""
    if round_.closed_at is not None and round_.closed_at < round_.closes_at:
        return round_.closed_at
    return round_.closes_at


def window_ends_at(round_: Round) -> datetime | None:
    """When the challenge window ends (None: the contest takes no disputes)."""
    days = round_.contest.challenge_days
    if not days:
        return None
    return round_ended_at(round_) + timedelta(days=days)


def window_state(round_: Round, now: datetime) -> str:
    """'none' (no window), 'before' (the round still runs), 'open' or 'over'."""
    ends = window_ends_at(round_)
    if ends is None:
        return "none"
    if now < round_ended_at(round_):
        return "before"
    return "open" if now < ends else "over"


# --- participants ----------------------------------------------------------------------


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < MIN_REASON:
        raise ValidationFailed({"reason": _("Vui lòng ghi rõ lý do khiếu nại (ít nhất 10 ký tự).")})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": _("Lý do khiếu nại dài tối đa 1.000 ký tự.")})
    return reason


def file_dispute(
    attempt: Attempt, question_id: int, reason: str, *, actor: User, now: datetime
) -> Dispute:
    """Dispute a question of one's own finished ranked attempt while the window is open.
    Raises NotFound (not their attempt or question), Conflict (window not open, or already
    disputed), ValidationFailed (reason)."""
    if attempt.participant_id != actor.id or attempt.is_practice:
        raise NotFound()
    if attempt.status not in FINISHED:
        raise Conflict(_("Hãy nộp bài trước khi khiếu nại đáp án."))
    served = db.session.scalar(
        select(AttemptQuestion.id).where(
            AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.question_id == question_id
        )
    )
    if served is None:
        raise NotFound(_("Câu hỏi này không có trong bài thi của bạn."))
    round_ = attempt.round
    state = window_state(round_, now)
    if state == "none":
        raise Conflict(_("Cuộc thi này không nhận khiếu nại đáp án."))
    if state == "before":
        raise Conflict(_("Bạn có thể khiếu nại đáp án sau khi đợt thi kết thúc."))
    if state == "over":
        raise Conflict(
            _(
                "Thời hạn khiếu nại đáp án đã kết thúc lúc %(at)s. Nếu cần, vui lòng liên hệ "
                "Ban Tổ chức.",
                at=formatting.format_datetime_vn(window_ends_at(round_)),
            )
        )
    reason = _clean_reason(reason)
    dispute = Dispute(
        round_id=round_.id,
        participant_id=actor.id,
        attempt_id=attempt.id,
        question_id=question_id,
        reason=reason,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(dispute)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            _("Bạn đã khiếu nại câu hỏi này rồi. Mỗi câu chỉ khiếu nại một lần.")
        ) from None
    audit.record(actor, "dispute.create", "round", round_.id, now=now, question_id=question_id)
    return dispute


@dataclass
class OwnDispute:
    dispute: Dispute
    decision: DisputeDecision | None


def own_disputes(round_id: int, participant_id: int) -> dict[int, OwnDispute]:
    """The participant's disputes in the round by question, with the decision if any."""
    decisions = {
        d.question_id: d
        for d in db.session.scalars(
            select(DisputeDecision).where(DisputeDecision.round_id == round_id)
        )
    }
    return {
        d.question_id: OwnDispute(d, decisions.get(d.question_id))
        for d in db.session.scalars(
            select(Dispute).where(
                Dispute.round_id == round_id, Dispute.participant_id == participant_id
            )
        )
    }


# --- organisers --------------------------------------------------------------------------


@dataclass
class QuestionDisputes:
    """The disputes of one question in a round, with the decision if any."""

    question: Question
    disputes: list[Dispute] = field(default_factory=list)
    decision: DisputeDecision | None = None
    revision: KeyRevision | None = None


def grouped(round_id: int) -> list[QuestionDisputes]:
    """The round's disputes by question, undecided first, then most disputed first."""
    groups: dict[int, QuestionDisputes] = {}
    rows = db.session.execute(
        select(Dispute, Question)
        .join(Question, Question.id == Dispute.question_id)
        .where(Dispute.round_id == round_id)
        .order_by(Dispute.created_at, Dispute.id)
    )
    for dispute, question in rows:
        groups.setdefault(question.id, QuestionDisputes(question)).disputes.append(dispute)
    for decision in db.session.scalars(
        select(DisputeDecision).where(DisputeDecision.round_id == round_id)
    ):
        if decision.question_id in groups:
            group = groups[decision.question_id]
            group.decision = decision
            if decision.key_revision_id:
                group.revision = db.session.get(KeyRevision, decision.key_revision_id)
    return sorted(groups.values(), key=lambda g: (g.decision is not None, -len(g.disputes)))


def counts(round_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Per round: (disputed questions, of which undecided)."""
    ids = list(round_ids)
    if not ids:
        return {}
    disputed = dict(
        db.session.execute(
            select(Dispute.round_id, func.count(func.distinct(Dispute.question_id)))
            .where(Dispute.round_id.in_(ids))
            .group_by(Dispute.round_id)
        ).all()
    )
    decided = dict(
        db.session.execute(
            select(DisputeDecision.round_id, func.count(DisputeDecision.id))
            .where(DisputeDecision.round_id.in_(ids))
            .group_by(DisputeDecision.round_id)
        ).all()
    )
    return {rid: (n, max(0, n - decided.get(rid, 0))) for rid, n in disputed.items()}


def decide(
    round_: Round,
    question: Question,
    decision: str,
    reply: str,
    option_ids: Iterable[int] = (),
    *,
    actor: User | None,
    now: datetime,
) -> DisputeDecision:
    """Decide the disputes of ``question`` in ``round_`` with a public reply. A decision
    other than "keep" adds a key revision (audited with the old and new key); deciding
    again replaces the decision and its reply (the earlier revision stays in the key's
    history). Raises ValidationFailed."""
    if decision not in DECISIONS:
        raise ValidationFailed({"decision": _("Vui lòng chọn một quyết định.")})
    reply = (reply or "").replace("\r\n", "\n").strip()
    if not reply:
        raise ValidationFailed(
            {"reply": _("Vui lòng viết câu trả lời cho người khiếu nại (sẽ được công khai).")}
        )
    if len(reply) > MAX_REPLY:
        raise ValidationFailed({"reply": _("Câu trả lời dài tối đa 2.000 ký tự.")})
    revision = None
    if decision != "keep":
        revision = answer_keys.revise_key(
            question, decision, option_ids, reply, round_=round_, actor=actor, now=now
        )
    row = db.session.scalar(
        select(DisputeDecision).where(
            DisputeDecision.round_id == round_.id, DisputeDecision.question_id == question.id
        )
    )
    if row is None:
        row = DisputeDecision(round_id=round_.id, question_id=question.id)
        db.session.add(row)
    row.decision, row.reply = decision, reply
    row.key_revision_id = revision.id if revision else None
    row.decided_at, row.decided_by_id = now, actor.id if actor else None
    db.session.flush()
    audit.record(
        actor,
        "dispute.decide",
        "round",
        round_.id,
        now=now,
        question_id=question.id,
        decision=decision,
        revision=revision.revision if revision else None,
    )
    return row


def decision_text(decision: str) -> str:
    return str(DECISIONS.get(decision, decision))


@dataclass
class ReviewContext:
    """What the participant's review shows about disputes: the window, their disputes
    with the replies, and the questions whose key was revised (key in letters)."""

    state: str
    ends_at: datetime | None
    own: dict[int, OwnDispute]
    revised: dict[int, str]
    may_dispute: bool


def review_context(attempt: Attempt, now: datetime) -> ReviewContext:
    round_ = attempt.round
    state = window_state(round_, now)
    revised = {}
    question_ids = [q.question_id for q in attempt.questions]
    keys = answer_keys.keys_in_force(question_ids)
    for q in attempt.questions:
        if q.question_id in keys:
            positions = {o["id"]: i for i, o in enumerate(q.options)}
            revised[q.question_id] = keys[q.question_id].letters(positions)
    return ReviewContext(
        state,
        window_ends_at(round_),
        own_disputes(round_.id, attempt.participant_id),
        revised,
        state == "open" and not attempt.is_practice and attempt.status in FINISHED,
    )
