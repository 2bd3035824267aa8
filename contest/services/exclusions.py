"""Exclusion lists (danh sách không xét giải): people who may take part but never rank and
win no prize — the organising board, question setters, the secretariat (product.md §3).

A quiz round's list is its own rows plus its contest's contest-wide rows; an essay
contest has contest-wide rows only. Staff accounts (organisers, judges, admins) never rank
anyway (``result_inputs`` loads participants only), so they are refused here and counted
on the pages instead. Their attempts and entries are kept: only the ranking leaves them
out. Adding or removing someone recomputes every closed round it touches at once (as a
disqualification does), so the ranking always matches the list; a newer version stays a
draft until it is published. Every change is audited: who, whom, which scope, why.

Functions flush; the caller commits. They take an explicit ``actor`` and ``now``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.models import Attempt, AttemptStatus, Contest, ContestKind, Role, Round, User
from contest.models.exclusion import Exclusion
from contest.services import audit
from contest.services.errors import (
    AlreadyExcluded,
    Conflict,
    NotFound,
    StaffNeverRanks,
    ValidationFailed,
)
from contest.services.i18n import _
from contest.services.vn import cccd_problem, normalise_cccd, normalise_phone
from question_bank.text import normalise_text

MAX_REASON = 500  # characters
MIGRATED_REASON = "Chuyển từ danh sách cũ"  # the rows copied from the old JSON lists


# --- reading -------------------------------------------------------------------------------


def _scope_filter(contest: Contest, round_: Round | None):
    """Rows that apply to the scope: a round's own and its contest's contest-wide rows;
    for a contest, its contest-wide rows."""
    wide = and_(Exclusion.contest_id == contest.id, Exclusion.round_id.is_(None))
    return or_(wide, Exclusion.round_id == round_.id) if round_ is not None else wide


def excluded_ids(contest: Contest, round_: Round | None = None) -> frozenset[int]:
    """The ids of everyone on the list of ``round_`` (with its contest-wide rows) or, with
    no round, of the contest as a whole. Staff are not in it (they never rank anyway)."""
    return frozenset(
        db.session.scalars(select(Exclusion.user_id).where(_scope_filter(contest, round_)))
    )


def list_exclusions(contest: Contest, round_: Round | None = None) -> list[Exclusion]:
    """The rows that apply to the scope, newest first, with their people loaded."""
    return list(
        db.session.scalars(
            select(Exclusion)
            .where(_scope_filter(contest, round_))
            .options(
                selectinload(Exclusion.user).selectinload(User.unit),
                selectinload(Exclusion.created_by),
            )
            .order_by(Exclusion.created_at.desc(), Exclusion.id.desc())
        )
    )


def get_exclusion(contest: Contest, round_: Round | None, exclusion_id: int) -> Exclusion:
    """One row of the scope's list. Raises NotFound (also for another scope's row)."""
    row = db.session.get(Exclusion, exclusion_id)
    here = (None, round_.id if round_ is not None else None)
    if row is None or row.contest_id != contest.id or row.round_id not in here:
        raise NotFound(_("Người này không còn trong danh sách không xét giải."))
    return row


@dataclass
class Summary:
    """What the ranking and prize pages say about the list: how many, why, and how many
    staff accounts took part (never ranked, never listed)."""

    total: int = 0
    by_reason: list[tuple[str, int]] = field(default_factory=list)
    took_part: int | None = None  # listed people with a finished ranked attempt (quiz)
    staff_took_part: int | None = None


def _finished_ranked(round_: Round):
    return and_(
        Attempt.round_id == round_.id,
        Attempt.is_practice.is_(False),
        Attempt.status.in_((AttemptStatus.submitted, AttemptStatus.expired)),
    )


def summarise(contest: Contest, round_: Round | None = None) -> Summary:
    """Counts of the scope's list by reason (most first); for a round, also how many of
    them and how many staff accounts have a finished ranked attempt."""
    rows = db.session.execute(
        select(Exclusion.reason, func.count(Exclusion.id))
        .where(_scope_filter(contest, round_))
        .group_by(Exclusion.reason)
    ).all()
    by_reason = sorted(((r, n) for r, n in rows), key=lambda item: (-item[1], item[0]))
    summary = Summary(sum(n for _, n in by_reason), by_reason)
    if round_ is not None:
        takers = select(Attempt.participant_id).where(_finished_ranked(round_)).distinct()
        summary.took_part = db.session.scalar(
            select(func.count(func.distinct(Exclusion.user_id))).where(
                _scope_filter(contest, round_), Exclusion.user_id.in_(takers)
            )
        )
        summary.staff_took_part = db.session.scalar(
            select(func.count(User.id)).where(User.role != Role.participant, User.id.in_(takers))
        )
    return summary


# --- finding the person --------------------------------------------------------------------


def digits_of(text: str, length: int) -> str:
    """The digits typed (spaces, dots and dashes dropped), with the leading zero Excel
    drops from a number cell put back. Fullwidth and other scripts' digits count as their
    ASCII digits (``vn.normalise_cccd``): ``'０９１２…'`` is ``'0912…'``."""
    digits = re.sub(r"[\s.\-]", "", normalise_cccd(text))
    if digits.isdigit() and len(digits) == length - 1:
        return "0" + digits
    return digits


def find_by_phone(raw: str) -> User:
    """The account registered with this phone. Raises ValidationFailed (``phone``)."""
    phone = normalise_phone(digits_of(raw, 10))
    if phone is None:
        message = _("Số điện thoại chưa đúng: cần số di động 10 chữ số, ví dụ 0912345678.")
        raise ValidationFailed({"phone": message}, message)
    user = db.session.scalar(select(User).where(User.phone == phone))
    if user is None:
        message = _(
            "Chưa có ai đăng ký với số điện thoại %(phone)s. Vui lòng kiểm tra lại số, hoặc "
            "nhờ người này đăng ký tài khoản trước.",
            phone=phone,
        )
        raise ValidationFailed({"phone": message}, message)
    return user


def find_by_cccd(raw: str) -> User:
    """The account registered with this CCCD. Raises ValidationFailed (``cccd``)."""
    number = digits_of(raw, 12)
    problem = cccd_problem(number)
    if problem:
        raise ValidationFailed({"cccd": problem}, problem)
    user = db.session.scalar(select(User).where(User.id_number == number))
    if user is None:
        message = _(
            "Chưa có ai đăng ký với số CCCD %(number)s. Vui lòng kiểm tra lại số, hoặc nhờ "
            "người này đăng ký tài khoản trước.",
            number=number,
        )
        raise ValidationFailed({"cccd": message}, message)
    return user


def find_by_number(raw: str) -> User:
    """A phone (10 digits) or a CCCD (12 digits) typed in one box: its account.
    Raises ValidationFailed (``number``)."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if not digits:
        message = _("Vui lòng nhập số điện thoại hoặc số CCCD của người cần thêm.")
        raise ValidationFailed({"number": message}, message)
    try:
        if len(digits) >= 11 and not digits.startswith(("+84", "84")):
            return find_by_cccd(digits)
        return find_by_phone(digits)
    except ValidationFailed as exc:
        message = next(iter(exc.fields.values()))
        raise ValidationFailed({"number": message}, message) from exc


def clean_reason(reason: str | None) -> str:
    """The reason, NFC with whitespace collapsed. Raises ValidationFailed (``reason``)."""
    text = " ".join(normalise_text(reason or "").split())
    if not text:
        message = _("Vui lòng ghi lý do không xét giải, ví dụ: Thành viên Ban Tổ chức.")
        raise ValidationFailed({"reason": message}, message)
    if len(text) > MAX_REASON:
        message = _("Lý do dài tối đa %(n)s ký tự.", n=MAX_REASON)
        raise ValidationFailed({"reason": message}, message)
    return text


# --- changing the list ---------------------------------------------------------------------


def check_open(contest: Contest) -> None:
    """Raises Conflict once an essay contest's final stage is closed: its result is
    final and the list can no longer change it."""
    if contest.kind is not ContestKind.essay:
        return
    from contest.services.essay_contests import stages_of

    stages = stages_of(contest)
    if stages and stages[-1].closed_at is not None:
        raise Conflict(
            _(
                "Vòng chấm cuối đã kết thúc nên danh sách không xét giải không thể thay đổi "
                "kết quả nữa. Nếu cần loại một bài, hãy dùng «Loại bài» ở trang bài dự thi."
            )
        )


def covering(contest: Contest, round_: Round | None, user_id: int) -> Exclusion | None:
    """The row that already excludes ``user_id`` in the scope, if any."""
    return db.session.scalar(
        select(Exclusion)
        .where(_scope_filter(contest, round_), Exclusion.user_id == user_id)
        .order_by(Exclusion.round_id.is_not(None))
        .limit(1)
    )


def check_addable(contest: Contest, round_: Round | None, user: User) -> None:
    """Raises StaffNeverRanks or AlreadyExcluded."""
    if user.role is not Role.participant:
        raise StaffNeverRanks()
    if covering(contest, round_, user.id) is not None:
        raise AlreadyExcluded()


def record(
    action: str,
    contest: Contest,
    round_: Round | None,
    *,
    actor: User | None,
    now: datetime,
    **details,
) -> None:
    """Audit a change of the scope's list, on the round or on the contest."""
    if round_ is not None:
        audit.record(actor, action, "round", round_.id, now=now, **details)
    else:
        audit.record(actor, action, "contest", contest.id, now=now, **details)


def insert(
    contest: Contest,
    round_: Round | None,
    user: User,
    reason: str,
    *,
    actor: User | None,
    now: datetime,
    **details,
) -> Exclusion:
    """Add a checked row (``check_addable``) and audit it. A contest-wide row replaces
    the person's rows in single rounds of that contest."""
    replaced = []
    if round_ is None:
        for old in db.session.scalars(
            select(Exclusion).where(
                Exclusion.contest_id == contest.id,
                Exclusion.user_id == user.id,
                Exclusion.round_id.is_not(None),
            )
        ):
            replaced.append(old.round_id)
            db.session.delete(old)
    row = Exclusion(
        contest_id=contest.id,
        round_id=round_.id if round_ is not None else None,
        user_id=user.id,
        reason=reason,
        created_by_id=actor.id if actor else None,
        created_at=now,
    )
    db.session.add(row)
    extra = {"replaced_rounds": sorted(replaced)} if replaced else {}
    record(
        "exclusion.add",
        contest,
        round_,
        actor=actor,
        now=now,
        user_id=user.id,
        reason=reason,
        **extra,
        **details,
    )
    return row


def flush_or_conflict() -> None:
    """Flush; a concurrent add of the same person becomes a Conflict, never a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(
            _("Danh sách vừa được người khác thay đổi. Vui lòng tải lại trang rồi thử lại.")
        ) from exc


def recompute(contest: Contest, round_: Round | None, *, actor: User | None, now: datetime):
    """Recompute every closed round the scope touches; returns their close outcomes."""
    from contest.services.result_closing import close_round  # it reads this module
    from contest.services.result_pages import current_result

    if contest.kind is not ContestKind.quiz:
        return []
    touched = [round_] if round_ is not None else list(contest.rounds)
    return [
        close_round(r, actor=actor, now=now) for r in touched if current_result(r.id) is not None
    ]


@dataclass
class Change:
    """What one add or remove did: the row, and the recomputed rounds' outcomes."""

    exclusion: Exclusion
    recomputed: list = field(default_factory=list)


def add_exclusion(
    contest: Contest,
    user: User,
    reason: str,
    *,
    round_: Round | None = None,
    actor: User | None,
    now: datetime,
    source: str = "form",
) -> Change:
    """Put ``user`` on the list of ``round_`` (or of the whole contest) with a reason,
    audited, and recompute the closed rounds it touches.

    Raises ValidationFailed (no reason), StaffNeverRanks, AlreadyExcluded, Conflict (an
    essay contest's result is final; a concurrent add).
    """
    reason = clean_reason(reason)
    check_open(contest)
    check_addable(contest, round_, user)
    row = insert(contest, round_, user, reason, actor=actor, now=now, source=source)
    flush_or_conflict()
    return Change(row, recompute(contest, round_, actor=actor, now=now))


def remove_exclusion(
    exclusion: Exclusion, *, actor: User | None, now: datetime, source: str = "form"
) -> Change:
    """Take a row off the list (audited, with the reason it had) and recompute the closed
    rounds it touched. Raises Conflict (an essay contest's result is final)."""
    contest, round_ = exclusion.contest, exclusion.round
    check_open(contest)
    record(
        "exclusion.remove",
        contest,
        round_,
        actor=actor,
        now=now,
        user_id=exclusion.user_id,
        reason=exclusion.reason,
        source=source,
    )
    db.session.delete(exclusion)
    db.session.flush()
    return Change(exclusion, recompute(contest, round_, actor=actor, now=now))
