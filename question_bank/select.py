"""Deterministic question draws with quotas per topic and difficulty.

Everything random goes through ``random.Random(seed)``; with the seed stored on the
attempt, any paper can be drawn again identically.
"""

from __future__ import annotations

import functools
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .bank import DIFFICULTY_LABELS, parse_difficulty
from .i18n import _, lazy_gettext
from .text import normalise_text

__all__ = [
    "Candidate",
    "PoolTooSmall",
    "Quota",
    "check_quotas",
    "select_questions",
    "shuffled",
]

T = TypeVar("T")

# A quota the pool cannot meet, by what the quota names: (topic given, level given).
_QUOTA_SHORT = {
    (True, True): lazy_gettext(
        "Chủ đề «%(topic)s», mức %(level)s: cần %(count)s câu nhưng ngân hàng chỉ có "
        "%(available)s câu đang dùng. Vui lòng thêm câu hỏi vào ngân hàng hoặc giảm số câu "
        "yêu cầu."
    ),
    (True, False): lazy_gettext(
        "Chủ đề «%(topic)s» (mọi mức độ): cần %(count)s câu nhưng ngân hàng chỉ có "
        "%(available)s câu đang dùng. Vui lòng thêm câu hỏi vào ngân hàng hoặc giảm số câu "
        "yêu cầu."
    ),
    (False, True): lazy_gettext(
        "Mức %(level)s (mọi chủ đề): cần %(count)s câu nhưng ngân hàng chỉ có "
        "%(available)s câu đang dùng. Vui lòng thêm câu hỏi vào ngân hàng hoặc giảm số câu "
        "yêu cầu."
    ),
    (False, False): lazy_gettext(
        "Câu bất kỳ: cần %(count)s câu nhưng ngân hàng chỉ có %(available)s câu đang dùng. "
        "Vui lòng thêm câu hỏi vào ngân hàng hoặc giảm số câu yêu cầu."
    ),
}


@dataclass(frozen=True)
class Candidate:
    """A question that may be drawn: its ``id`` (sortable), ``topic`` and ``difficulty``."""

    id: Any
    topic: str
    difficulty: str


@dataclass(frozen=True)
class Quota:
    """Draw exactly ``count`` questions of ``topic`` and ``difficulty`` (``None`` = any)."""

    topic: str | None
    difficulty: str | None
    count: int


class PoolTooSmall(Exception):
    """The pool cannot satisfy the requested draw; ``message`` (translated) says which part,
    ``problems`` lists every problem found.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        self.message = " ".join(problems)
        super().__init__(self.message)


# Cached: a pool repeats a handful of topics and levels thousands of times.
@functools.lru_cache(maxsize=4096)
def _topic_key(topic: Any) -> Any:
    # Case- and spacing-insensitive, diacritic-sensitive, like question de-duplication.
    return normalise_text(topic).casefold() if isinstance(topic, str) else topic


@functools.lru_cache(maxsize=256)
def _level_key(level: Any) -> Any:
    if isinstance(level, str):
        return parse_difficulty(level) or normalise_text(level).casefold()
    return level


def _quota_short(quota: Quota, available: int) -> str:
    """The problem of a quota that asks for more than the ``available`` questions."""
    level = None
    if quota.difficulty is not None:
        key = _level_key(quota.difficulty)
        level = _(DIFFICULTY_LABELS[key]) if key in DIFFICULTY_LABELS else str(quota.difficulty)
    message = _QUOTA_SHORT[(quota.topic is not None, level is not None)]
    return message % {
        "topic": quota.topic,
        "level": level,
        "count": quota.count,
        "available": available,
    }


Group = tuple[Any, Any]  # (topic key, level key)


def _matches(quota: Quota, group: Group) -> bool:
    topic, level = group
    return (quota.topic is None or _topic_key(quota.topic) == topic) and (
        quota.difficulty is None or _level_key(quota.difficulty) == level
    )


def _max_flow(demands: Sequence[int], edges: Sequence[Sequence[int]], sizes: Sequence[int]) -> int:
    """Max number of distinct questions the quotas can take: source → quota (demand) →
    group (if it matches) → sink (group size). Tiny graph: quotas × groups.
    """
    n_q, n_g = len(demands), len(sizes)
    source, sink = 0, n_q + n_g + 1
    size = sink + 1
    cap = [[0] * size for _row in range(size)]
    for q, demand in enumerate(demands):
        cap[source][1 + q] = demand
        for g in edges[q]:
            cap[1 + q][1 + n_q + g] = demand
    for g, group_size in enumerate(sizes):
        cap[1 + n_q + g][sink] = group_size
    flow = 0
    while True:
        parent = [-1] * size
        parent[source] = source
        queue = [source]
        for node in queue:
            for nxt in range(size):
                if parent[nxt] == -1 and cap[node][nxt] > 0:
                    parent[nxt] = node
                    queue.append(nxt)
        if parent[sink] == -1:
            return flow
        bottleneck = None
        node = sink
        while node != source:
            prev = parent[node]
            bottleneck = cap[prev][node] if bottleneck is None else min(bottleneck, cap[prev][node])
            node = prev
        node = sink
        while node != source:
            prev = parent[node]
            cap[prev][node] -= bottleneck
            cap[node][prev] += bottleneck
            node = prev
        flow += bottleneck


def _pool_groups(pool: Iterable[Candidate]) -> dict[Group, list[Candidate]]:
    groups: dict[Group, list[Candidate]] = defaultdict(list)
    seen: set[Any] = set()
    for candidate in sorted(pool, key=lambda c: c.id):
        if candidate.id in seen:
            continue
        seen.add(candidate.id)
        groups[(_topic_key(candidate.topic), _level_key(candidate.difficulty))].append(candidate)
    return dict(groups)


def _problems(groups: dict[Group, list[Candidate]], n: int, quotas: Sequence[Quota]) -> list[str]:
    if n < 0 or any(q.count < 0 for q in quotas):
        raise ValueError("counts must not be negative")
    problems: list[str] = []
    total_pool = sum(len(members) for members in groups.values())
    wanted = sum(q.count for q in quotas)
    if wanted > n:
        problems.append(
            _(
                "Tổng số câu theo cơ cấu đề (%(wanted)s) lớn hơn số câu của đề (%(count)s). "
                "Vui lòng giảm số câu theo chủ đề, mức độ hoặc tăng số câu của đề.",
                wanted=wanted,
                count=n,
            )
        )
    if n > total_pool:
        problems.append(
            _(
                "Đề cần %(count)s câu nhưng ngân hàng chỉ có %(available)s câu đang dùng. "
                "Vui lòng thêm câu hỏi vào ngân hàng hoặc giảm số câu yêu cầu.",
                count=n,
                available=total_pool,
            )
        )
    names = list(groups)
    sizes = [len(groups[g]) for g in names]
    edges = [[i for i, g in enumerate(names) if _matches(q, g)] for q in quotas]
    individually_ok = True
    for quota, matching in zip(quotas, edges, strict=True):
        available = sum(sizes[i] for i in matching)
        if quota.count > available:
            individually_ok = False
            problems.append(_quota_short(quota, available))
    if individually_ok and quotas:
        reachable = _max_flow([q.count for q in quotas], edges, sizes)
        if reachable < wanted:
            problems.append(
                _(
                    "Các yêu cầu của cơ cấu đề chồng lên nhau: cần %(wanted)s câu khác nhau "
                    "nhưng ngân hàng chỉ đáp ứng được %(reachable)s câu. Vui lòng điều chỉnh cơ "
                    "cấu đề hoặc thêm câu hỏi vào ngân hàng.",
                    wanted=wanted,
                    reachable=reachable,
                )
            )
    return problems


def _pick(rng: random.Random, weights: list[tuple[int, int]]) -> tuple[int, int]:
    """Choose a question uniformly among groups of the given sizes: (group, index in it)."""
    pick = rng.randrange(sum(size for _group, size in weights))
    for group_index, size in weights:
        if pick < size:
            return group_index, pick
        pick -= size
    raise AssertionError("unreachable")


def check_quotas(pool: Sequence[Candidate], n: int, quotas: Sequence[Quota] = ()) -> list[str]:
    """Return the problems (translated sentences) that would stop a draw of ``n`` questions
    with ``quotas`` from ``pool``; an empty list means the draw will succeed. Draws nothing.

    Raises ``ValueError`` for a negative count.
    """
    return _problems(_pool_groups(pool), n, quotas)


def select_questions(
    pool: Sequence[Candidate], n: int, quotas: Sequence[Quota] = (), *, seed: int
) -> list[Any]:
    """Draw ``n`` distinct question ids from ``pool``, meeting every quota exactly.

    Deterministic for a given ``seed`` and independent of the pool's order (it is sorted by
    id first). Quotas are met first, each with a uniform random choice among the questions
    that still leave the other quotas satisfiable, then the rest is drawn from what remains;
    the result is shuffled with the same generator. Topics match ignoring case and spacing,
    difficulties by value or Vietnamese label.

    Raises ``PoolTooSmall`` when the quotas add up to more than ``n`` or a quota or the total
    cannot be met, and ``ValueError`` for a negative count.
    """
    groups = _pool_groups(pool)
    problems = _problems(groups, n, quotas)
    if problems:
        raise PoolTooSmall(problems)
    rng = random.Random(seed)
    names = list(groups)
    remaining = {g: list(members) for g, members in groups.items()}
    edges = [[i for i, g in enumerate(names) if _matches(q, g)] for q in quotas]
    demands = [q.count for q in quotas]
    chosen: list[Candidate] = []
    for q in range(len(quotas)):
        while demands[q] > 0:
            allowed = set(edges[q])
            while True:
                group_index, pick = _pick(
                    rng, [(i, len(remaining[names[i]])) for i in sorted(allowed)]
                )
                if not any(
                    demands[other] > 0 and group_index in edges[other]
                    for other in range(len(quotas))
                    if other != q
                ):
                    break  # no other quota wants this group: taking from it is always safe
                sizes = [len(remaining[g]) for g in names]
                sizes[group_index] -= 1
                demands[q] -= 1
                feasible = _max_flow(demands, edges, sizes) == sum(demands)
                demands[q] += 1
                if feasible:
                    break
                allowed.discard(group_index)  # taking from here would starve another quota
            demands[q] -= 1
            members = remaining[names[group_index]]
            chosen.append(members.pop(pick))
    rest = sorted((c for members in remaining.values() for c in members), key=lambda c: c.id)
    chosen.extend(rng.sample(rest, n - len(chosen)))
    rng.shuffle(chosen)
    return [c.id for c in chosen]


def shuffled(items: Iterable[T], seed: int) -> list[T]:
    """Return a new list with ``items`` permuted by ``random.Random(seed)``."""
    result = list(items)
    random.Random(seed).shuffle(result)
    return result
