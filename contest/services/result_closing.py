"""Closing a round: finalise its open attempts, rank, allocate the prizes and store a new
result version when an input changed.

The rules live in the pure modules ``ranking``, ``prizes`` and ``unit_ranking``; this
module computes from the loaded inputs (``result_inputs``) and keeps the history honest:

* ``close_round`` finalises every open attempt, freezes the actual value, ranks, allocates
  the prizes and stores a new ``RoundResult`` version with one ``ResultRow`` per ranked
  participant (``result_rows``) and a SHA-256 of every input. Closing again with the same
  inputs stores nothing; with different inputs (a disqualification, a changed setting) it
  stores a new version, records what changed and writes the audit log.
* The public sees only a version an organiser published (``result_publishing``), so a
  published result never changes silently.

Functions flush; the caller commits. They take an explicit ``actor`` and ``now``.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contest.extensions import db
from contest.models import PredictionTarget, Round, User
from contest.models.results import RoundResult
from contest.services import attempts as attempts_service
from contest.services import audit, prizes, ranking, result_pages, result_ranking, result_rows
from contest.services.errors import ActualValueNeeded, Conflict, RoundStillOpen, ValidationFailed
from contest.services.i18n import _
from contest.services.result_inputs import Inputs, inputs_hash, load_inputs
from contest.services.unit_ranking import UnitTally, rank_units

# The manual target's value needs no facts (``Inputs.facts`` is None for it).
NO_FACTS = ranking.RoundFacts(0, 0, 0)


@dataclass
class Computed:
    """A result as computed, before it is stored: the ranking, the prizes, the units."""

    actual: int | None
    facts: ranking.RoundFacts
    ranked: list[ranking.Ranked]
    allocation: prizes.Allocation
    collective: list[dict]
    inputs_hash: str
    settings: dict
    profile: dict[int, tuple[int | None, int | None]]


def compute(inputs: Inputs, *, manual: int | None = None) -> Computed:
    """Rank (``result_ranking``), allocate and hash, from loaded inputs. Raises
    ActualValueNeeded, Conflict (the attempts changed between the facts and the ranking)."""
    try:
        actual = ranking.actual_value(inputs.target, inputs.facts or NO_FACTS, manual)
    except ranking.ActualValueRequired as exc:
        raise ActualValueNeeded() from exc
    loaded = result_ranking.load_ranking(inputs.round_id, inputs.preset, actual, inputs.skip)
    if inputs.facts is not None and loaded.facts != inputs.facts:
        raise Conflict(_("Các lượt thi của đợt vừa thay đổi trong lúc xếp hạng. Vui lòng thử lại."))
    ranked, facts, profile = loaded.ranked, loaded.facts, loaded.profile
    contenders = (
        prizes.Contender(r.entry.participant_id, r.entry.score, profile[r.entry.participant_id][1])
        for r in ranked
    )
    allocation = prizes.allocate(
        contenders,
        inputs.tiers,
        inputs.options,
        earlier_winners=inputs.earlier_winners,
        ineligible=inputs.skip,
        participants=len(ranked),
    )
    return Computed(
        actual,
        facts,
        ranked,
        allocation,
        _collective(ranked, profile, inputs),
        inputs_hash(inputs, actual, loaded.digest),
        _settings(inputs, facts, allocation),
        profile,
    )


def _settings(inputs: Inputs, facts: ranking.RoundFacts, allocation: prizes.Allocation) -> dict:
    """What the stored version records of its settings and facts."""
    return {
        "tiers": [
            {"name": t.name, "count": t.count, **({"collective": True} if t.collective else {})}
            for t in inputs.tiers
        ],
        "options": inputs.options.to_dict(),
        "excluded": sorted(inputs.excluded),
        "disqualified": sorted(inputs.disqualified),
        "earlier_winners": len(inputs.earlier_winners),
        "facts": {
            "participants": facts.participants,
            "attempts": facts.attempts,
            "perfect_participants": facts.perfect_participants,
        },
        "cap": allocation.cap,
        **({"keys": {str(q): r for q, r in sorted(inputs.keys.items())}} if inputs.keys else {}),
    }


def _collective(
    ranked: list[ranking.Ranked],
    profile: dict[int, tuple[int | None, int | None]],
    inputs: Inputs,
) -> list[dict]:
    """The units' tallies, ranked by the round's collective method, with their prizes."""
    tallies: dict[int, list[int]] = {}
    # Ranked and Entry are named tuples: unpacking them is the fast way through 300,000.
    for _rank, (_aid, pid, score, *_rest), attempts, _distance, _decided in ranked:
        unit_id = profile[pid][0]
        if unit_id is None:
            continue
        t = tallies.get(unit_id)
        if t is None:
            t = tallies[unit_id] = [0, 0, 0]
        t[0] += 1
        t[1] += score
        t[2] += attempts
    records = [
        UnitTally(uid, p, s, a, inputs.headcounts.get(uid)) for uid, (p, s, a) in tallies.items()
    ]
    method = inputs.options.collective_method
    ordered = rank_units(records, method, inputs.options.points_top)
    awards = prizes.allocate_collective(
        [u.tally.unit_id for u in ordered if u.rank is not None], inputs.tiers
    )
    out = []
    for u in ordered:
        award = awards.get(u.tally.unit_id)
        out.append(
            {
                "unit_id": u.tally.unit_id,
                "rank": u.rank,
                "participants": u.tally.participants,
                "total_score": u.tally.total_score,
                "attempts": u.tally.attempts,
                "headcount": u.tally.headcount,
                "rate": None if u.tally.rate is None else round(u.tally.rate, 6),
                "points": u.points,
                "breakdown": list(u.breakdown),
                "prize": award.tier_name if award else None,
            }
        )
    return out


# --- closing --------------------------------------------------------------------------------


@dataclass
class CloseOutcome:
    """What ``close_round`` did: the result (new or unchanged), what changed, how many
    open attempts it finalised."""

    result: RoundResult
    created: bool  # False: the inputs were unchanged, nothing stored
    changes: dict = field(default_factory=dict)
    finalised: int = 0


def close_round(
    round_: Round, *, actor: User | None, now: datetime, actual: int | None = None
) -> CloseOutcome:
    """Close the round (or recompute a closed one) and store its result.

    Finalises every attempt still open (from its saved answers), freezes the actual value
    (``actual`` is needed — and only accepted — for the ``manual`` target; a manual value
    frozen earlier is kept when none is given), ranks and allocates the prizes. Raises
    RoundStillOpen (before closing time and grace), ActualValueNeeded, ValidationFailed
    (``actual`` given for a computed target, or bad prize options), Conflict (a
    concurrent close).
    """
    round_ = db.session.scalar(
        select(Round)
        .where(Round.id == round_.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    actual = check_closable(round_, now=now, actual=actual)
    # The whole close without the cyclic collector: with a million entries alive, each of
    # its full scans (during the flushes, the diff, the audit) cost about 0.4 s.
    with _cyclic_gc_paused():
        return _close(round_, actor=actor, now=now, actual=actual)


def _close(round_: Round, *, actor: User | None, now: datetime, actual: int | None) -> CloseOutcome:
    finalised = attempts_service.finalise_overdue(now, round_.id, include_open=True)
    if round_.closed_at is None:
        round_.closed_at = now
    computed = compute(load_inputs(round_), manual=actual)
    previous = result_pages.current_result(round_.id)
    round_.actual_value = computed.actual
    if previous is not None and previous.inputs_hash == computed.inputs_hash:
        audit.record(
            actor,
            "round.reclose",
            "round",
            round_.id,
            now=now,
            version=previous.version,
            changed=False,
        )
        db.session.flush()
        return CloseOutcome(previous, False, {}, finalised)
    result = _add_version(round_, previous, computed, actor=actor, now=now)
    result_rows.store_rows(result.id, computed)
    changes = result_rows.diff(previous, result, computed) if previous is not None else {}
    result.changes = changes
    result_rows.prune(round_.id, keep=result.id)
    outcome = CloseOutcome(result, True, changes, finalised)
    _audit_close(round_, outcome, first=previous is None, actor=actor, now=now)
    db.session.flush()
    return outcome


def check_closable(round_: Round, *, now: datetime, actual: int | None) -> int | None:
    """What closing refuses before any work (the organiser page asks before it queues
    the job): RoundStillOpen before closing time and grace, ValidationFailed for an
    ``actual`` it cannot take. Returns the manual value to rank with."""
    if round_.closed_at is None and now < round_.closes_at + timedelta(
        seconds=round_.grace_seconds
    ):
        raise RoundStillOpen()
    return _manual_value(round_, actual)


def _manual_value(round_: Round, actual: int | None) -> int | None:
    """The manual actual value to rank with: ``actual`` (only for the manual target, a
    whole number in range), else the one frozen earlier. Raises ValidationFailed."""
    manual_target = round_.prediction_target is PredictionTarget.manual
    if actual is not None and not manual_target:
        raise ValidationFailed(
            {"actual": _("Đáp án câu dự đoán của đợt này được tính tự động.")},
            _("Đáp án câu dự đoán của đợt này được tính tự động, không nhập tay."),
        )
    if actual is not None and not (0 <= actual <= attempts_service.MAX_PREDICTION):
        raise ValidationFailed(
            {"actual": _("Đáp án phải là số nguyên không âm.")},
            _("Đáp án câu dự đoán phải là số nguyên không âm."),
        )
    if manual_target and actual is None:
        return round_.actual_value
    return actual


def _add_version(
    round_: Round,
    previous: RoundResult | None,
    computed: Computed,
    *,
    actor: User | None,
    now: datetime,
) -> RoundResult:
    """Insert the new version's header (rows come next). Raises Conflict when a
    concurrent close took the version number."""
    result = RoundResult(
        round_id=round_.id,
        version=(previous.version + 1) if previous else 1,
        actual_value=computed.actual,
        tie_break=round_.tie_break.value,
        prediction_target=round_.prediction_target.value,
        inputs_hash=computed.inputs_hash,
        participants=len(computed.ranked),
        winners=len(computed.allocation.awards),
        settings=computed.settings,
        collective=computed.collective,
        changes={},
        created_at=now,
        created_by_id=actor.id if actor else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(result)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            _("Đợt thi đang được đóng ở một phiên khác. Vui lòng tải lại trang.")
        ) from None
    return result


def _audit_close(
    round_: Round, outcome: CloseOutcome, *, first: bool, actor: User | None, now: datetime
) -> None:
    result, changes = outcome.result, outcome.changes
    audit.record(
        actor,
        "round.close" if first else "round.reclose",
        "round",
        round_.id,
        now=now,
        version=result.version,
        inputs_hash=result.inputs_hash,
        participants=result.participants,
        winners=result.winners,
        actual_value=result.actual_value,
        finalised=outcome.finalised,
        changed=True,
        prize_changes=changes.get("prize_changes_total", 0),
        removed=changes.get("removed_total", 0),
    )


@contextmanager
def _cyclic_gc_paused():
    """Pause the cyclic garbage collector while a ranking's millions of short-lived,
    acyclic tuples are built (its repeated scans cost ~15 % of a large close); reference
    counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
