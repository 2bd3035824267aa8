"""What the organiser's funnel page reads (docs/funnel.md): the contest's levels with their
rounds, each round's rule, published result, the list in force and a draft waiting for
confirmation, and per unit: took part, passed the cut-off, limit, qualified. Nothing here
writes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from contest.extensions import db
from contest.models import Attempt, Contest, Round, Unit, User
from contest.models.funnel import Advancement, AdvancementRule, Qualifier
from contest.models.results import ResultRow, RoundResult
from contest.services import advancement, funnel, result_pages

# A stage's advancement status (the page's badge).
NO_RULE, NO_RESULT, NOT_COMPUTED, DRAFT, IN_FORCE, STALE, RULE_CHANGED = (
    "no_rule",
    "no_result",
    "not_computed",
    "draft",
    "in_force",
    "stale",
    "rule_changed",  # the rule was changed after its list was confirmed
)


@dataclass
class Stage:
    round: Round
    rule: AdvancementRule | None
    result: RoundResult | None  # the newest published version
    in_force: Advancement | None
    draft: Advancement | None  # the newest computation when it is not yet confirmed
    status: str
    groups: list[dict] = field(default_factory=list)  # of the draft, else of the list in force
    listed: int = 0  # on this round's list (a qualified-only round)
    took_part: int = 0  # of them, with a finished ranked attempt
    draft_version: int | None = None
    in_force_version: int | None = None
    # Before any computation: the grouping's units with how many took part (for quotas).
    units: list[dict] = field(default_factory=list)


@dataclass
class Level:
    key: str | None  # None: rounds outside the funnel
    label: str
    stages: list[Stage]


def _status(rule, result, current, draft) -> str:
    if rule is None:
        return NO_RULE
    if result is None:
        return NO_RESULT
    if draft is not None:
        return DRAFT
    if current is None:
        return NOT_COMPUTED
    if current.result_id != result.id:
        return STALE
    return IN_FORCE if current.rule == funnel.frozen_rule(rule) else RULE_CHANGED


def _versions(result_ids: set[int]) -> dict[int, int]:
    if not result_ids:
        return {}
    return dict(
        db.session.execute(
            select(RoundResult.id, RoundResult.version).where(RoundResult.id.in_(result_ids))
        ).all()
    )


def qualifier_counts(round_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per qualified-only round: (on the list, of them with a finished ranked attempt)."""
    if not round_ids:
        return {}
    listed = dict(
        db.session.execute(
            select(Qualifier.round_id, func.count())
            .where(Qualifier.round_id.in_(round_ids))
            .group_by(Qualifier.round_id)
        ).all()
    )
    took = dict(
        db.session.execute(
            select(Qualifier.round_id, func.count(func.distinct(Attempt.participant_id)))
            .join(
                Attempt,
                (Attempt.round_id == Qualifier.round_id)
                & (Attempt.participant_id == Qualifier.participant_id),
            )
            .where(
                Qualifier.round_id.in_(round_ids),
                Attempt.is_practice.is_(False),
                Attempt.submitted_at.is_not(None),
            )
            .group_by(Qualifier.round_id)
        ).all()
    )
    return {rid: (listed.get(rid, 0), took.get(rid, 0)) for rid in round_ids}


def _named(group: dict, paths: dict[int, str]) -> dict:
    parent, _sep, name = paths.get(group["u"], f"#{group['u']}").rpartition(" / ")
    return {**group, "name": name, "parent": parent}


def grouping_units(round_id: int, group_kind: str, result: RoundResult | None) -> list[dict]:
    """The units a rule grouping by ``group_kind`` would rank the round in, each with how
    many took part (``{"u": id, "n": count}``): the published result's ranked people (their
    frozen unit), else the finished attempts so far (the participant's unit now). Shown
    before the first computation so that quotas can be set by the units' codes."""
    if result is not None:
        stmt = select(ResultRow.participant_id, ResultRow.unit_id).where(
            ResultRow.result_id == result.id
        )
    else:
        stmt = (
            select(User.id, User.unit_id)
            .join(Attempt, Attempt.participant_id == User.id)
            .where(
                Attempt.round_id == round_id,
                Attempt.is_practice.is_(False),
                Attempt.submitted_at.is_not(None),
            )
            .distinct()
        )
    parents = {
        uid: (parent, kind.value)
        for uid, parent, kind in db.session.execute(select(Unit.id, Unit.parent_id, Unit.kind))
    }
    counts = Counter(
        advancement.group_of(unit_id, group_kind, parents)
        for _pid, unit_id in db.session.execute(stmt)
    )
    counts.pop(None, None)
    return [{"u": uid, "n": n} for uid, n in counts.items()]


def _stage(round_: Round, counts: dict[int, tuple[int, int]], paths: dict[int, str]) -> Stage:
    rule = funnel.rule_of(round_.id)
    result = result_pages.published_result(round_.id)
    current = funnel.in_force(round_.id)
    latest = funnel.newest(round_.id)
    draft = latest if latest is not None and not latest.is_confirmed else None
    shown = draft or current
    groups = [
        _named(g, paths)
        for g in (sorted(shown.groups, key=lambda g: paths.get(g["u"], "")) if shown else ())
    ]
    units = []
    if shown is None and round_.funnel_level and (rule or not round_.qualified_only):
        kind = rule.group_kind if rule else advancement.OWN_UNIT
        units = [_named(g, paths) for g in grouping_units(round_.id, kind, result)]
    versions = _versions({a.result_id for a in (draft, current) if a is not None})
    listed, took = counts.get(round_.id, (0, 0))
    return Stage(
        round=round_,
        rule=rule,
        result=result,
        in_force=current,
        draft=draft,
        status=_status(rule, result, current, draft),
        groups=groups,
        listed=listed,
        took_part=took,
        draft_version=versions.get(draft.result_id) if draft else None,
        in_force_version=versions.get(current.result_id) if current else None,
        units=sorted(units, key=lambda g: paths.get(g["u"], "")),
    )


def overview(contest: Contest) -> list[Level]:
    """The contest's funnel, lowest level first; rounds without a level come last."""
    rounds = list(contest.rounds)
    counts = qualifier_counts([r.id for r in rounds if r.qualified_only])
    paths = result_pages.unit_paths()
    levels = []
    for key in (*advancement.LEVELS, None):
        stages = [_stage(r, counts, paths) for r in rounds if r.funnel_level == key]
        if stages or key is not None:
            label = str(advancement.LEVELS[key]) if key else ""
            levels.append(Level(key, label, stages))
    return levels


def quota_lines(rule: AdvancementRule | None) -> str:
    """A rule's quotas as the form's text: one 'unit id: n' a line."""
    if rule is None or not rule.quotas:
        return ""
    return "\n".join(
        f"{uid}: {n}" for uid, n in sorted(rule.quotas.items(), key=lambda kv: int(kv[0]))
    )
