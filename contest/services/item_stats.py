"""Item statistics of a round's questions: pure functions over plain records (no Flask, no
database), like ``ranking`` and ``grading``.

For each question (one question version) over the attempts it was served in:

* **facility** (độ dễ): the share of those attempts that earned its points;
* **discrimination** (độ phân biệt): the facility in the upper 27 % of those attempts by
  score minus the facility in the lower 27 % (−1 … 1; good questions ≥ 0.3);
* **point-biserial** (hệ số tương quan): the correlation between earning the question and
  the score on the *other* questions (item-rest, so a question does not correlate with
  itself);
* the share of each option (and of no answer), overall and in the two groups;
* a **likely wrong key** flag: an option outside the key chosen by the upper group more
  often than the key (and by at least ``SUSPECT_MIN_SHARE`` of it), or a negative
  discrimination — the strong participants disagree with the key.

Scores are recomputed from the keys given (the key in force), so the figures follow a
revised key. Groups and correlations need ``MIN_ATTEMPTS`` attempts; below that they are
``None``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from contest.services.grading import PaperItem

GROUP_SHARE = 0.27
MIN_ATTEMPTS = 10
SUSPECT_MIN_SHARE = 0.3
NEGATIVE = "negative_discrimination"
STRONG_CHOOSE_OTHER = "strong_choose_other"


@dataclass(frozen=True)
class Item:
    """A question version as served: its options (in the bank's order) and key in force."""

    question_id: int
    option_ids: tuple[int, ...]
    key: PaperItem


@dataclass(frozen=True)
class OptionShare:
    option_id: int
    in_key: bool
    share: float
    upper: float | None
    lower: float | None


@dataclass
class ItemStats:
    question_id: int
    served: int
    answered: int
    correct: int
    facility: float | None
    discrimination: float | None
    point_biserial: float | None
    blank: float | None
    options: list[OptionShare] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    suspect_option: int | None = None

    @property
    def suspect(self) -> bool:
        return bool(self.flags)


Response = tuple[int, Mapping[int, frozenset[int]]]  # attempt id, {question: chosen}


def item_statistics(items: Mapping[int, Item], responses: Iterable[Response]) -> list[ItemStats]:
    """The statistics of every item that was served at least once, in ``items`` order.
    ``responses``: each attempt's id and its choice for every question it was served
    (an empty set: not answered)."""
    per_item: dict[int, list[tuple[int, int, bool, frozenset[int]]]] = {q: [] for q in items}
    for aid, chosen in responses:
        marks = []
        score = 0
        for qid, picked in chosen.items():
            item = items.get(qid)
            if item is None:
                continue
            right = item.key.scores(picked)
            if right:
                score += item.key.points
            marks.append((qid, right, picked, item.key.points))
        for qid, right, picked, points in marks:
            # The rest score: the attempt's score without this question (item-rest).
            per_item[qid].append((score - (points if right else 0), aid, right, picked))
    return [_stats(items[q], rows) for q, rows in per_item.items() if rows]


def _share(count: int, n: int) -> float | None:
    return count / n if n else None


def _stats(item: Item, rows: list[tuple[int, int, bool, frozenset[int]]]) -> ItemStats:
    n = len(rows)
    correct = sum(1 for r in rows if r[2])
    answered = sum(1 for r in rows if r[3])
    stats = ItemStats(
        item.question_id,
        n,
        answered,
        correct,
        _share(correct, n),
        None,
        None,
        _share(n - answered, n),
    )
    upper = lower = None
    if n >= MIN_ATTEMPTS:
        rows.sort(key=lambda r: (r[0], -r[1]))  # by rest score, earlier attempt first on ties
        g = max(1, round(GROUP_SHARE * n))
        lower, upper = rows[:g], rows[-g:]
        stats.discrimination = _facility(upper) - _facility(lower)
        stats.point_biserial = _point_biserial(rows)
    key_sets = (item.key.correct, *item.key.accepted)
    in_key = set().union(*key_sets)
    for oid in item.option_ids:
        stats.options.append(
            OptionShare(
                oid,
                oid in in_key,
                sum(1 for r in rows if oid in r[3]) / n,
                _chose(upper, oid),
                _chose(lower, oid),
            )
        )
    _flag(stats, item, upper)
    return stats


def _facility(group) -> float:
    return sum(1 for r in group if r[2]) / len(group)


def _chose(group, oid: int) -> float | None:
    if group is None:
        return None
    return sum(1 for r in group if oid in r[3]) / len(group)


def _point_biserial(rows) -> float | None:
    """Pearson's r between earning the item (0/1) and the rest score."""
    n = len(rows)
    p = sum(1 for r in rows if r[2]) / n
    if p in (0.0, 1.0):
        return None
    mean = sum(r[0] for r in rows) / n
    sd = math.sqrt(sum((r[0] - mean) ** 2 for r in rows) / n)
    if sd == 0:
        return None
    right = [r[0] for r in rows if r[2]]
    wrong = [r[0] for r in rows if not r[2]]
    m1, m0 = sum(right) / len(right), sum(wrong) / len(wrong)
    return (m1 - m0) / sd * math.sqrt(p * (1 - p))


def _flag(stats: ItemStats, item: Item, upper) -> None:
    """The likely-wrong-key flags (never for a voided question or without groups)."""
    if item.key.void or upper is None:
        return
    upper_facility = _facility(upper)
    distractors = [o for o in stats.options if not o.in_key and o.upper is not None]
    best = max(distractors, key=lambda o: o.upper, default=None)
    if best is not None and best.upper > upper_facility and best.upper >= SUSPECT_MIN_SHARE:
        stats.flags.append(STRONG_CHOOSE_OTHER)
        stats.suspect_option = best.option_id
    if stats.discrimination is not None and stats.discrimination < 0:
        stats.flags.append(NEGATIVE)
        if stats.suspect_option is None and best is not None and best.upper:
            stats.suspect_option = best.option_id
