"""Essay judging, the pure parts: who judges what, how scores combine, how entries rank and
who wins. Plain records in, plain records out; no database, no Flask.

Points are whole hundredths (``*_x100``) everywhere, so every rule is exact.
"""

from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

# --- assignment ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryNeed:
    """An entry that needs ``count`` more judges. ``unit_id`` is its author's unit;
    ``taken`` the judges already on it in this stage (never chosen again)."""

    entry_id: int
    unit_id: int | None
    count: int
    taken: frozenset[int] = frozenset()


@dataclass(frozen=True)
class JudgeSlot:
    """A judge of the panel: unit and the number of entries already assigned in the stage."""

    judge_id: int
    unit_id: int | None
    load: int = 0


def eligible(need: EntryNeed, judge: JudgeSlot) -> bool:
    """A judge may score an entry unless they belong to the author's unit or already do."""
    if judge.judge_id in need.taken:
        return False
    return judge.unit_id is None or need.unit_id is None or judge.unit_id != need.unit_id


@dataclass
class AssignmentPlan:
    """``pairs`` maps entry id → the judges chosen for it; ``short`` maps entry id → how many
    judges it still lacks because too few eligible judges exist."""

    pairs: dict[int, list[int]] = field(default_factory=dict)
    short: dict[int, int] = field(default_factory=dict)

    def loads(self, judges: Iterable[JudgeSlot]) -> dict[int, int]:
        result = {j.judge_id: j.load for j in judges}
        for chosen in self.pairs.values():
            for judge_id in chosen:
                result[judge_id] += 1
        return result


def plan_assignments(
    needs: Sequence[EntryNeed], judges: Sequence[JudgeSlot], *, seed: int = 0
) -> AssignmentPlan:
    """Choose judges for every entry: each gets its ``count`` distinct eligible judges, and
    judges' workloads (existing ``load`` included) are as even as the conflicts allow.

    Greedy first (most constrained entries first, least loaded judges first, ties broken
    by ``random.Random(seed)``), then repair: while some chain of moves can shift one new
    entry from a judge with load L to a judge with load ≤ L − 2, do it. When no such chain
    exists the workloads are the most even possible (minimum sum of squares, a convex
    min-cost flow argument), so they are within one of each other whenever any assignment
    within one exists. Existing assignments are never moved.
    """
    rng = random.Random(seed)
    by_id = {j.judge_id: j for j in judges}
    tiebreak = {j.judge_id: rng.random() for j in judges}
    loads = {j.judge_id: j.load for j in judges}
    order = list(needs)
    rng.shuffle(order)
    options = {n.entry_id: [j for j in judges if eligible(n, j)] for n in order}
    order.sort(key=lambda n: len(options[n.entry_id]) - n.count)
    plan = AssignmentPlan()
    on_entry: dict[int, set[int]] = {}
    need_of = {n.entry_id: n for n in order}
    for need in order:
        if need.count <= 0:
            continue
        ranked = sorted(
            options[need.entry_id], key=lambda j: (loads[j.judge_id], tiebreak[j.judge_id])
        )
        chosen = [j.judge_id for j in ranked[: need.count]]
        if len(chosen) < need.count:
            plan.short[need.entry_id] = need.count - len(chosen)
        for judge_id in chosen:
            loads[judge_id] += 1
        plan.pairs[need.entry_id] = chosen
        on_entry[need.entry_id] = set(chosen) | set(need.taken)
    _repair(plan, need_of, by_id, loads, on_entry)
    return plan


def _repair(
    plan: AssignmentPlan,
    need_of: dict[int, EntryNeed],
    by_id: dict[int, JudgeSlot],
    loads: dict[int, int],
    on_entry: dict[int, set[int]],
) -> None:
    movable: dict[int, set[int]] = {judge_id: set() for judge_id in by_id}
    for entry_id, chosen in plan.pairs.items():
        for judge_id in chosen:
            movable[judge_id].add(entry_id)
    while True:
        improved = False
        for source in sorted(by_id, key=lambda j: -loads[j]):
            path = _find_path(source, need_of, by_id, loads, on_entry, movable)
            if path is None:
                continue
            for from_judge, entry_id, to_judge in path:
                movable[from_judge].discard(entry_id)
                movable[to_judge].add(entry_id)
                on_entry[entry_id].discard(from_judge)
                on_entry[entry_id].add(to_judge)
                chosen = plan.pairs[entry_id]
                chosen[chosen.index(from_judge)] = to_judge
            loads[path[0][0]] -= 1
            loads[path[-1][2]] += 1
            improved = True
            break
        if not improved:
            return


def _find_path(source, need_of, by_id, loads, on_entry, movable):
    """A chain of moves source → … → target with loads[target] ≤ loads[source] − 2 (BFS)."""
    if not movable[source]:
        return None
    limit = loads[source] - 2
    parent: dict[int, tuple[int, int] | None] = {source: None}
    queue = deque([source])
    while queue:
        judge_id = queue.popleft()
        for entry_id in sorted(movable[judge_id]):
            need = need_of[entry_id]
            for other in by_id.values():
                nxt = other.judge_id
                if nxt in parent or nxt in on_entry[entry_id]:
                    continue
                if not (
                    other.unit_id is None or need.unit_id is None or other.unit_id != need.unit_id
                ):
                    continue
                parent[nxt] = (judge_id, entry_id)
                if loads[nxt] <= limit:
                    path = []
                    node = nxt
                    while parent[node] is not None:
                        prev, via = parent[node]
                        path.append((prev, via, node))
                        node = prev
                    return list(reversed(path))
                queue.append(nxt)
    return None


def pick_extra_judge(
    unit_id: int | None, taken: set[int], judges: Sequence[JudgeSlot]
) -> int | None:
    """The judge to add on a discrepancy: eligible, least loaded, then lowest id; or None."""
    need = EntryNeed(0, unit_id, 1, frozenset(taken))
    candidates = [j for j in judges if eligible(need, j)]
    if not candidates:
        return None
    return min(candidates, key=lambda j: (j.load, j.judge_id)).judge_id


# --- aggregation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetTotal:
    """A submitted scoring sheet: its total and its first criterion's points."""

    total_x100: int
    first_x100: int
    is_extra: bool = False


@dataclass(frozen=True)
class Outcome:
    """Where an entry stands in a stage.

    ``final_x100``/``first_x100`` are set once the score is final. ``discrepancy``: the
    regular judges' totals differ by more than the threshold; ``needs_extra``: a third judge
    must be added (none assigned yet); ``pending``: sheets are still missing.
    """

    final_x100: int | None = None
    first_x100: int | None = None
    discrepancy: bool = False
    needs_extra: bool = False
    pending: bool = True


def mean_x100(values: Sequence[int]) -> int:
    """The mean of hundredths, rounded half up to a hundredth (75.375 → 75.38)."""
    mean = Decimal(sum(values)) / Decimal(len(values))
    return int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _closest_pair(sheets: Sequence[SheetTotal]) -> tuple[SheetTotal, SheetTotal]:
    pairs = [(a, b) for i, a in enumerate(sheets) for b in sheets[i + 1 :]]
    # Closest totals; on a tie, a pair with the third judge's sheet, then the higher mean.
    return min(
        pairs,
        key=lambda p: (
            abs(p[0].total_x100 - p[1].total_x100),
            not (p[0].is_extra or p[1].is_extra),
            -(p[0].total_x100 + p[1].total_x100),
        ),
    )


def aggregate(
    sheets: Sequence[SheetTotal],
    *,
    expected_regular: int,
    extra_assigned: bool,
    threshold_x100: int,
    rule: str,
) -> Outcome:
    """Combine the submitted sheets of one entry in one stage (product.md §4).

    ``expected_regular`` is how many regular judges are assigned. When their totals differ
    by more than ``threshold_x100`` a third judge decides: with ``rule="third_judge"`` the
    third judge's total is official; with ``"closest_two_mean"`` the final is the mean of
    the two closest totals (ties: a pair with the third judge, then the higher mean).
    Otherwise the final is the mean of the regular totals, to 2 decimals. The first
    criterion's score follows the same sheets (it breaks ties in the ranking).
    """
    regular = [s for s in sheets if not s.is_extra]
    extra = [s for s in sheets if s.is_extra]
    if expected_regular <= 0 or len(regular) < expected_regular:
        return Outcome(pending=True)
    totals = [s.total_x100 for s in regular]
    discrepancy = len(regular) >= 2 and max(totals) - min(totals) > threshold_x100
    if not discrepancy:
        return Outcome(mean_x100(totals), mean_x100([s.first_x100 for s in regular]), pending=False)
    if not extra:
        return Outcome(discrepancy=True, needs_extra=not extra_assigned, pending=True)
    if rule == "closest_two_mean":
        a, b = _closest_pair(regular + extra)
        return Outcome(
            mean_x100([a.total_x100, b.total_x100]),
            mean_x100([a.first_x100, b.first_x100]),
            discrepancy=True,
            pending=False,
        )
    return Outcome(
        mean_x100([s.total_x100 for s in extra]),
        mean_x100([s.first_x100 for s in extra]),
        discrepancy=True,
        pending=False,
    )


# --- ranking, advancing, prizes ------------------------------------------------------------


@dataclass(frozen=True)
class RankRecord:
    entry_id: int
    participant_id: int
    final_x100: int
    first_x100: int
    submitted_at: datetime


def rank_key(r: RankRecord):
    return (-r.final_x100, -r.first_x100, r.submitted_at, r.entry_id)


def rank(records: Iterable[RankRecord]) -> list[RankRecord]:
    """Best first: higher final score; then higher first-criterion score; then earlier
    submission; then lower entry id (so the order is total and repeatable)."""
    return sorted(records, key=rank_key)


def advancing(ranked: Sequence[RankRecord], rule: str | None, value: int | None) -> set[int]:
    """Entry ids going to the next stage: the top ``value`` (``rule="top_k"``) or those whose
    final score is at least ``value`` hundredths (``"cutoff"``)."""
    if rule == "top_k":
        return {r.entry_id for r in ranked[: max(value or 0, 0)]}
    if rule == "cutoff":
        return {r.entry_id for r in ranked if r.final_x100 >= (value or 0)}
    return set()


def award(ranked: Sequence[RankRecord], tiers: Sequence[dict]) -> dict[int, str]:
    """Prizes by tier in rank order: entry id → tier name. One prize per participant (a
    participant's later entries are skipped); tiers are ``{"name", "count"}``, best first."""
    slots = [t["name"] for t in tiers for _ in range(int(t.get("count") or 0))]
    prizes: dict[int, str] = {}
    winners: set[int] = set()
    for record in ranked:
        if not slots:
            break
        if record.participant_id in winners:
            continue
        prizes[record.entry_id] = slots.pop(0)
        winners.add(record.participant_id)
    return prizes


# --- typed points --------------------------------------------------------------------------

# ASCII digits only ("٧" or "７" are not points), one decimal comma or point, an optional
# minus (so "-1" is "out of range", not "not a number"); no exponent, no "NaN", no "_".
_POINTS = re.compile(r"-?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
MAX_POINTS_TEXT = 20


@dataclass(frozen=True)
class PointsReading:
    """What a judge typed in one score box: the hundredths, or the ``problem``:
    ``"malformed"`` (not a number as people write it), ``"range"`` (below 0 or above the
    maximum) or ``"step"`` (not a multiple of the step)."""

    value_x100: int | None
    problem: str | None = None


def _typed_number(text) -> Decimal | None:
    text = str(text).strip()
    if len(text) > MAX_POINTS_TEXT or not _POINTS.fullmatch(text):
        return None
    return Decimal(text.replace(",", "."))


def parse_points_x100(text) -> int | None:
    """'7,25' and '7.25' → 725, '20' → 2000, '-1' → -100; ``None`` when it is not a number
    written with ASCII digits and at most one decimal comma or point, or is finer than
    hundredths. Surrounding spaces are ignored."""
    number = _typed_number(text)
    if number is None or (number * 100) % 1:
        return None
    return int(number * 100)


def read_points(text, *, max_x100: int, step_x100: int = 25) -> PointsReading:
    """One score box: its hundredths, checked against 0 … ``max_x100`` and the step."""
    number = _typed_number(text)
    if number is None:
        return PointsReading(None, "malformed")
    if not 0 <= number * 100 <= max_x100:
        return PointsReading(None, "range")
    if (number * 100) % step_x100:
        return PointsReading(None, "step")
    return PointsReading(int(number * 100))


def points_text(value_x100: int | None) -> str:
    """Hundredths as Vietnamese text: 7538 → "75,38", 8000 → "80", None → ""."""
    if value_x100 is None:
        return ""
    whole, frac = divmod(abs(value_x100), 100)
    sign = "-" if value_x100 < 0 else ""
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole},{frac:02d}".rstrip("0")
