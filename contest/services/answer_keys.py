"""The key used for grading, versioned per question version (``models/disputes.py``).

An attempt's paper keeps the key it was served with (``AttemptQuestion.correct_option_ids``,
never changed: the review shows what was shown). When organisers find a wrong key they add
a ``KeyRevision`` to that question version: a new correct set (``change``), a further set
that also scores (``accept``), or ``void`` (everyone served the question gets its points).
Grading (the pure ``grading.grade``) then uses the newest revision of each question
instead of the served key: when an attempt is finalised (``attempts.finalise``) and when a
round is regraded (``regrade.py``). Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from contest.extensions import db
from contest.models import AttemptQuestion, Option, Question, Round, User
from contest.models.disputes import KeyRevision
from contest.services import audit, grading
from contest.services.errors import NotFound, ValidationFailed
from contest.services.i18n import _, lazy_gettext

LETTERS = "ABCDEF"
MAX_REASON = 1000

# The key actions, their words (the decision form, the audit, the participant's reply).
ACTIONS = {
    "change": lazy_gettext("Sửa đáp án đúng"),
    "accept": lazy_gettext("Chấp nhận thêm một đáp án"),
    "void": lazy_gettext("Huỷ câu hỏi: mọi người được câu này cho điểm"),
}


@dataclass(frozen=True)
class Key:
    """A question version's key: the option sets that score (the first is "the" correct
    set), or ``void``; ``revision`` 0 is the key as served."""

    accepted: tuple[frozenset[int], ...]
    void: bool = False
    revision: int = 0

    def item(self, question_id: int, points: int = 1) -> grading.PaperItem:
        return grading.PaperItem(
            question_id, self.accepted[0], points, tuple(self.accepted[1:]), self.void
        )

    def to_dict(self) -> dict:
        return {"accepted": [sorted(s) for s in self.accepted], "void": self.void}

    def letters(self, positions: dict[int, int]) -> str:
        """'B', 'B hoặc C' or 'huỷ câu' in the bank's letters (option id → position)."""
        if self.void:
            return str(_("huỷ câu"))
        sets = [
            ", ".join(LETTERS[positions[o]] for o in sorted(s, key=positions.get))
            for s in self.accepted
        ]
        return str(_(" hoặc ")).join(sets)


def _key_of(revision: KeyRevision) -> Key:
    return Key(
        tuple(frozenset(s) for s in revision.accepted), bool(revision.void), revision.revision
    )


def keys_in_force(question_ids: Iterable[int]) -> dict[int, Key]:
    """The newest revision of each question that has one (questions absent: as served)."""
    ids = sorted(set(question_ids))
    if not ids:
        return {}
    keys: dict[int, Key] = {}
    for revision in db.session.scalars(
        select(KeyRevision)
        .where(KeyRevision.question_id.in_(ids))
        .order_by(KeyRevision.question_id, KeyRevision.revision)
    ):
        keys[revision.question_id] = _key_of(revision)
    return keys


def all_revised() -> dict[int, Key]:
    """Every revised question version's key in force (the table is small)."""
    keys: dict[int, Key] = {}
    for revision in db.session.scalars(
        select(KeyRevision).order_by(KeyRevision.question_id, KeyRevision.revision)
    ):
        keys[revision.question_id] = _key_of(revision)
    return keys


def paper_of(questions: Iterable[AttemptQuestion]) -> list[grading.PaperItem]:
    """The paper to grade: each served question with its key in force."""
    questions = list(questions)
    keys = keys_in_force(q.question_id for q in questions)
    return [
        keys[q.question_id].item(q.question_id, q.points)
        if q.question_id in keys
        else grading.PaperItem(q.question_id, frozenset(q.correct_option_ids), q.points)
        for q in questions
    ]


def served_key(question: Question) -> Key:
    """The key as the bank had it for this version (option rows never change)."""
    return Key((frozenset(o.id for o in question.options if o.is_correct),))


def key_in_force(question: Question) -> Key:
    return keys_in_force([question.id]).get(question.id) or served_key(question)


def positions_of(question: Question) -> dict[int, int]:
    return {o.id: o.position for o in question.options}


def history(question_id: int) -> list[KeyRevision]:
    return list(
        db.session.scalars(
            select(KeyRevision)
            .where(KeyRevision.question_id == question_id)
            .order_by(KeyRevision.revision)
        )
    )


def _new_key(current: Key, action: str, option_ids: frozenset[int]) -> Key:
    """The key after ``action``. Raises ValidationFailed when it changes nothing."""
    if action == "void":
        if current.void:
            raise ValidationFailed({"action": _("Câu hỏi này đã được huỷ.")})
        return Key(current.accepted, True)
    if not option_ids:
        raise ValidationFailed({"option_ids": _("Vui lòng chọn ít nhất một phương án làm đáp án.")})
    if action == "change":
        if current.accepted == (option_ids,) and not current.void:
            raise ValidationFailed(
                {"option_ids": _("Đáp án này trùng với đáp án đang dùng. Hãy chọn phương án khác.")}
            )
        return Key((option_ids,))
    if option_ids in current.accepted:
        raise ValidationFailed(
            {"option_ids": _("Phương án này đã được tính đúng. Hãy chọn phương án khác.")}
        )
    return Key((*current.accepted, option_ids), current.void)


def revise_key(
    question: Question,
    action: str,
    option_ids: Iterable[int],
    reason: str,
    *,
    round_: Round | None,
    actor: User | None,
    now: datetime,
) -> KeyRevision:
    """Add a key revision to ``question`` (audited with the old and the new key). The
    caller then regrades the rounds that served it (``regrade``). Raises ValidationFailed
    (unknown action, options not of this question, no change, no reason)."""
    if action not in ACTIONS:
        raise ValidationFailed({"action": _("Vui lòng chọn cách sửa đáp án.")})
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed({"reason": _("Vui lòng ghi lý do sửa đáp án.")})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": _("Lý do dài tối đa 1.000 ký tự.")})
    positions = positions_of(question)
    chosen = frozenset(option_ids)
    if not chosen <= positions.keys():
        raise ValidationFailed({"option_ids": _("Phương án không thuộc câu hỏi này.")})
    current = key_in_force(question)
    new = _new_key(current, action, chosen)
    row = KeyRevision(
        question_id=question.id,
        revision=current.revision + 1,
        action=action,
        accepted=new.to_dict()["accepted"],
        void=new.void,
        previous=current.to_dict(),
        reason=reason,
        round_id=round_.id if round_ else None,
        created_at=now,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "key.revise",
        "round" if round_ else "question",
        round_.id if round_ else question.id,
        now=now,
        question_id=question.id,
        revision=row.revision,
        kind=action,
        old=current.letters(positions),
        new=new.letters(positions),
        reason=reason,
    )
    return row


def get_question(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound(_("Không tìm thấy câu hỏi."))
    return question


def option_rows(question_id: int) -> list[Option]:
    return list(
        db.session.scalars(
            select(Option).where(Option.question_id == question_id).order_by(Option.position)
        )
    )


def revisions_served(round_id: int) -> dict[int, int]:
    """{question version: revision in force} for the revised questions the round served:
    part of a result's inputs (its hash and settings). One small query when no key was
    ever revised."""
    from sqlalchemy import func

    from contest.models import Attempt

    newest = dict(
        db.session.execute(
            select(KeyRevision.question_id, func.max(KeyRevision.revision)).group_by(
                KeyRevision.question_id
            )
        ).all()
    )
    if not newest:
        return {}
    served = db.session.scalars(
        select(AttemptQuestion.question_id)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.round_id == round_id, AttemptQuestion.question_id.in_(list(newest)))
        .distinct()
    )
    return {qid: newest[qid] for qid in served}
