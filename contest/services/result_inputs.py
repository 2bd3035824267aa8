"""What a round's result depends on, loaded as plain data, and its hash.

``load_inputs`` reads the round's settings and, when the actual value of the prediction
question depends on them, the facts of its ranked attempts (one SQL aggregate: the
ranking's order needs the actual value before it reads a row); the ranking itself is read
by ``result_ranking``. ``inputs_hash`` is the SHA-256 of all of it, so closing again with
the same inputs stores nothing (``result_closing``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from contest.extensions import db
from contest.models import Attempt, Role, Round, Unit, User
from contest.models.results import Disqualification, ResultRow
from contest.services import answer_keys, exclusions, prizes, ranking, result_pages
from contest.services.errors import ValidationFailed
from contest.services.i18n import _
from contest.services.result_ranking import finished_ranked, tune_postgresql


@dataclass
class Inputs:
    """Everything a result depends on but the attempt rows, as plain data."""

    round_id: int
    excluded: frozenset[int]
    disqualified: frozenset[int]
    earlier_winners: frozenset[int]
    headcounts: dict[int, int | None]
    tiers: list[prizes.Tier]
    options: prizes.PrizeOptions
    preset: str
    target: str
    # The facts of the round's ranked participants (None for the manual target: the
    # ranking's own count gives them).
    facts: ranking.RoundFacts | None = None
    # Revised answer keys the round served: {question version: revision} (answer_keys).
    keys: dict[int, int] | None = None

    @property
    def skip(self) -> frozenset[int]:
        """Who never ranks however they did: the excluded and the disqualified."""
        return self.excluded | self.disqualified


def load_inputs(round_: Round) -> Inputs:
    """Load the round's settings (and facts: ``facts``).

    Excluded (the round's and its contest's exclusion list, ``exclusions``) and
    disqualified participants, like staff, never rank nor count. Raises ValidationFailed
    (the round's prize options are not valid).
    """
    excluded = exclusions.excluded_ids(round_.contest, round_)
    disqualified = frozenset(
        db.session.scalars(
            select(Disqualification.participant_id).where(Disqualification.round_id == round_.id)
        )
    )
    options = _prize_options(round_)
    target = round_.prediction_target.value
    return Inputs(
        round_id=round_.id,
        excluded=excluded,
        disqualified=disqualified,
        earlier_winners=frozenset(earlier_winners(round_))
        if options.once_per_contest
        else frozenset(),
        headcounts=dict(db.session.execute(select(Unit.id, Unit.headcount)).all()),
        tiers=prizes.tiers_from(round_.prize_tiers),
        options=options,
        preset=round_.tie_break.value,
        target=target,
        facts=None if target == "manual" else facts(round_.id, excluded | disqualified),
        keys=answer_keys.revisions_served(round_.id),
    )


def facts(round_id: int, skip: frozenset[int]) -> ranking.RoundFacts:
    """Participants, attempts and participants with a perfect attempt (``ranking.facts_of``)
    over the round's finished ranked attempts of participants who may rank: the totals over
    every attempt minus those of staff and of ``skip`` (few, and disjoint), so the million
    attempts are read once, without a join (DISTINCT counts: a sort of integers, half the
    time of a grouping on PostgreSQL)."""
    tune_postgresql()
    staff = db.session.scalars(select(User.id).where(User.role != Role.participant)).all()
    perfect = and_(Attempt.score == Attempt.total, Attempt.total > 0)
    counts = select(
        func.count(Attempt.participant_id.distinct()),
        func.count(),
        func.count(case((perfect, Attempt.participant_id)).distinct()),
    ).where(finished_ranked(round_id))
    total = list(db.session.execute(counts).one())
    left_out = sorted(skip | set(staff))
    for start in range(0, len(left_out), 1000):
        chunk = left_out[start : start + 1000]
        part = db.session.execute(counts.where(Attempt.participant_id.in_(chunk))).one()
        total = [t - p for t, p in zip(total, part, strict=True)]
    return ranking.RoundFacts(*total)


def _prize_options(round_: Round) -> prizes.PrizeOptions:
    """The round's prize options. Raises ValidationFailed."""
    try:
        return prizes.PrizeOptions.from_dict(round_.prize_options)
    except prizes.InvalidPrizeOptions as exc:
        raise ValidationFailed(
            {"prize_options": str(exc)}, _("Cài đặt giải thưởng của đợt thi chưa hợp lệ.")
        ) from exc


def earlier_winners(round_: Round) -> set[int]:
    """Participants with an individual prize in an earlier round of the same contest
    (by each earlier round's published result, or its newest one if none is published).
    Only rounds of the same funnel level count: each level's prizes stand apart."""
    earlier = [
        r
        for r in round_.contest.rounds
        if (r.opens_at, r.id) < (round_.opens_at, round_.id)
        and r.funnel_level == round_.funnel_level
    ]
    winners: set[int] = set()
    for r in earlier:
        result = result_pages.published_result(r.id) or result_pages.current_result(r.id)
        if result is not None:
            winners.update(
                db.session.scalars(
                    select(ResultRow.participant_id).where(
                        ResultRow.result_id == result.id, ResultRow.prize.is_not(None)
                    )
                )
            )
    return winners


def inputs_hash(inputs: Inputs, actual: int | None, rows_digest: str) -> str:
    """SHA-256 over every input of the result: the settings, then the digest of the
    attempt rows the ranking read (``result_ranking.rows_digest``)."""
    head = {
        "preset": inputs.preset,
        "target": inputs.target,
        "actual": actual,
        "tiers": [[t.name, t.count, t.collective] for t in inputs.tiers],
        "options": inputs.options.to_dict(),
        "excluded": sorted(inputs.excluded),
        "disqualified": sorted(inputs.disqualified),
        "earlier_winners": sorted(inputs.earlier_winners),
        "headcounts": sorted((k, v) for k, v in inputs.headcounts.items() if v is not None),
        "rows": rows_digest,
    }
    if inputs.keys:  # absent when no key was revised: earlier hashes stay the same
        head["keys"] = sorted(inputs.keys.items())
    return hashlib.sha256(json.dumps(head, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
