"""What organisers decide about a round's result: publish a version, disqualify a
participant or undo it, and the round's prize options.

A newer version stays a draft until it is published in turn, so a published result never
changes silently. A disqualification (or its undoing) recomputes a closed round at once
(``result_closing.close_round``). Functions flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from contest.extensions import db
from contest.models import Round, User
from contest.models.results import Disqualification, RoundResult
from contest.services import audit, disputes, formatting, prizes
from contest.services.errors import (
    ChallengeWindowOpen,
    Conflict,
    NotFound,
    ResultNotReady,
    ResultOutdated,
    ValidationFailed,
)
from contest.services.i18n import _
from contest.services.result_closing import CloseOutcome, close_round
from contest.services.result_pages import current_result

MAX_REASON = 1000  # characters of a disqualification's reason


def publish_result(
    round_: Round,
    result_id: int,
    *,
    actor: User | None,
    now: datetime,
    early: bool = False,
) -> RoundResult:
    """Publish the round's newest result. ``result_id`` is the version the organiser saw;
    if a newer one exists, raises ResultOutdated. Raises ResultNotReady. While the
    answer-key challenge window is open (``disputes``), raises ChallengeWindowOpen unless
    the organiser confirmed publishing ``early`` (audited as such)."""
    result = current_result(round_.id)
    if result is None:
        raise ResultNotReady()
    if result.id != result_id:
        raise ResultOutdated()
    window_open = disputes.window_state(round_, now) == "open"
    if window_open and not early and result.published_at is None:
        raise ChallengeWindowOpen(
            _(
                "Thời hạn khiếu nại đáp án còn mở đến %(at)s. Đánh dấu «Công bố trước khi "
                "hết hạn khiếu nại đáp án» nếu bạn muốn công bố ngay.",
                at=formatting.format_datetime_vn(disputes.window_ends_at(round_)),
            )
        )
    if result.published_at is None:
        result.published_at, result.published_by_id = now, actor.id if actor else None
        audit.record(
            actor,
            "result.publish",
            "round",
            round_.id,
            now=now,
            version=result.version,
            inputs_hash=result.inputs_hash,
            winners=result.winners,
            **({"early": True} if window_open else {}),
        )
        db.session.flush()
    return result


def disqualify(
    round_: Round, participant_id: int, reason: str, *, actor: User | None, now: datetime
) -> CloseOutcome | None:
    """Disqualify a participant in a round with a reason (kept in the audit log). A closed
    round is recomputed at once; returns that outcome (None for a round not closed yet).
    Raises ValidationFailed (no reason, unknown participant), Conflict (already)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed({"reason": _("Vui lòng nhập lý do truất quyền.")})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": _("Lý do dài tối đa 1.000 ký tự.")})
    user = db.session.get(User, participant_id)
    if user is None:
        raise ValidationFailed({"participant_id": _("Không tìm thấy người dự thi.")})
    exists = db.session.scalar(
        select(Disqualification.id).where(
            Disqualification.round_id == round_.id,
            Disqualification.participant_id == participant_id,
        )
    )
    if exists is not None:
        raise Conflict(_("Người dự thi này đã bị truất quyền trong đợt thi."))
    db.session.add(
        Disqualification(
            round_id=round_.id,
            participant_id=participant_id,
            reason=reason,
            created_at=now,
            created_by_id=actor.id if actor else None,
        )
    )
    audit.record(
        actor,
        "result.disqualify",
        "round",
        round_.id,
        now=now,
        participant_id=participant_id,
        reason=reason,
    )
    db.session.flush()
    if current_result(round_.id) is None:
        return None
    return close_round(round_, actor=actor, now=now)


def reinstate(
    round_: Round, participant_id: int, *, actor: User | None, now: datetime
) -> CloseOutcome | None:
    """Undo a disqualification (audited) and recompute a closed round. Raises NotFound."""
    row = db.session.scalar(
        select(Disqualification).where(
            Disqualification.round_id == round_.id,
            Disqualification.participant_id == participant_id,
        )
    )
    if row is None:
        raise NotFound(_("Người dự thi này không bị truất quyền trong đợt thi."))
    db.session.delete(row)
    audit.record(
        actor, "result.reinstate", "round", round_.id, now=now, participant_id=participant_id
    )
    db.session.flush()
    if current_result(round_.id) is None:
        return None
    return close_round(round_, actor=actor, now=now)


def save_prize_options(
    round_: Round, options: prizes.PrizeOptions, *, actor: User | None, now: datetime
) -> None:
    """Store the round's prize options (audited). A closed round must be recomputed for
    them to take effect (``close_round``)."""
    round_.prize_options = options.to_dict()
    audit.record(
        actor, "round.prize_options", "round", round_.id, now=now, options=round_.prize_options
    )
    db.session.flush()
