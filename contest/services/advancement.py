"""Who goes on to the next level (the funnel, docs/funnel.md): a pure function over a
result version's rows, no database.

Each row belongs to a group (the participant's unit, or the unit of the chosen kind above
it). Within a group, rows keep the round's ranking order (its whole tie-break chain, the
attempt id last), so "the top K" is always exactly K people: equal scores at the boundary
are decided by the next key of the chain, and the outcome says which one
(``Group.boundary_key``). A cut-off keeps only rows with that score or more; with both, a
row must pass the cut-off and be within K. A quota for a unit replaces K for it (0: nobody
from that unit). Rows without a group (no unit of that kind above theirs) never qualify.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from contest.services.i18n import lazy_gettext

# The funnel's levels, lowest first (a round at a level feeds a round at a higher one).
LEVELS = {
    "unit": lazy_gettext("Cấp cơ sở"),
    "district": lazy_gettext("Cấp huyện"),
    "province": lazy_gettext("Cấp tỉnh"),
}
LEVEL_ORDER = {name: i for i, name in enumerate(LEVELS)}
# Grouping by the participant's own unit; any other value is a unit kind.
OWN_UNIT = "unit"


@dataclass(frozen=True)
class Row:
    """One ranked participant of the source round's result version."""

    participant_id: int
    rank: int
    score: int
    group_id: int | None
    decided_by: str | None = None  # the chain key that puts this row above the next one


@dataclass(frozen=True)
class Rule:
    top_k: int | None = None
    min_score: int | None = None
    quotas: Mapping[int, int] | None = None

    def limit_for(self, group_id: int) -> int | None:
        """How many of this group may go on (None: no limit but the cut-off)."""
        if self.quotas and group_id in self.quotas:
            return self.quotas[group_id]
        return self.top_k


@dataclass(frozen=True)
class Group:
    group_id: int
    took_part: int
    passed_cutoff: int
    limit: int | None
    qualified: tuple[Row, ...]
    # The chain key that separated the last one in from the first one out when both
    # have the same score (None: no tie at the boundary).
    boundary_key: str | None = None


@dataclass(frozen=True)
class Outcome:
    groups: tuple[Group, ...]
    qualified: tuple[Row, ...]  # every group's, in rank order
    ungrouped: int  # rows without a group


def _separating_key(ordered: Sequence[Row], at: Mapping[int, int], upper, lower, chain) -> str:
    """The first chain key on which ``upper`` and ``lower`` differ: in a lexicographically
    sorted list it is the earliest of the keys that separate each neighbour pair between
    them (``decided_by`` of the rows from ``upper`` down to just above ``lower``; ``at``:
    rank → position in ``ordered``)."""
    order = {key: i for i, key in enumerate(chain)}
    between = [r.decided_by for r in ordered[at[upper.rank] : at[lower.rank]] if r.decided_by]
    return min(between, key=lambda key: order.get(key, len(order)), default=chain[-1])


def _group(gid: int, members: list[Row], rule: Rule, ordered, at, chain) -> Group:
    passing = [r for r in members if rule.min_score is None or r.score >= rule.min_score]
    limit = rule.limit_for(gid)
    chosen = passing if limit is None else passing[:limit]
    boundary = None
    if chosen and len(passing) > len(chosen):
        last, first_out = chosen[-1], passing[len(chosen)]
        if last.score == first_out.score:
            boundary = _separating_key(ordered, at, last, first_out, chain)
    return Group(gid, len(members), len(passing), limit, tuple(chosen), boundary)


def advance(rows: Iterable[Row], rule: Rule, chain: Sequence[str] = ("score",)) -> Outcome:
    """Apply ``rule`` to the ranked ``rows`` (any order; ranked by ``rank``). ``chain`` is
    the round's ranking chain (``ranking.chain_of``), used only to name a tie's key.
    Raises ValueError for a rule with neither K nor a cut-off nor quotas."""
    if rule.top_k is None and rule.min_score is None and not rule.quotas:
        raise ValueError("an advancement rule needs top K, a cut-off or quotas")
    ordered = sorted(rows, key=lambda r: r.rank)
    by_group: dict[int, list[Row]] = {}
    ungrouped = 0
    for row in ordered:
        if row.group_id is None:
            ungrouped += 1
        else:
            by_group.setdefault(row.group_id, []).append(row)
    at = {row.rank: i for i, row in enumerate(ordered)}
    groups = tuple(
        _group(gid, members, rule, ordered, at, chain) for gid, members in by_group.items()
    )
    qualified = tuple(sorted((r for g in groups for r in g.qualified), key=lambda r: r.rank))
    return Outcome(groups, qualified, ungrouped)


def diff(in_force: Iterable[int], new: Iterable[int]) -> dict[str, list[int]]:
    """Who a new list adds and removes against the list in force (sorted ids)."""
    old, fresh = set(in_force), set(new)
    return {"added": sorted(fresh - old), "removed": sorted(old - fresh)}


def group_of(unit_id: int | None, kind: str, parents: Mapping[int, tuple[int | None, str]]):
    """The group of a participant's unit: the unit itself (``OWN_UNIT``) or the nearest
    unit of ``kind`` at or above it (``parents``: unit id → (parent id, kind)); None when
    there is none."""
    if kind == OWN_UNIT:
        return unit_id
    seen = 0
    while unit_id is not None and seen < 50:
        parent, unit_kind = parents.get(unit_id, (None, ""))
        if unit_kind == kind:
            return unit_id
        unit_id, seen = parent, seen + 1
    return None
