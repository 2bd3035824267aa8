"""Deterministic question draws with exact quotas per topic and difficulty.

Everything random goes through ``random.Random(seed)``; with the seed stored on the
attempt, any paper can be drawn again identically.

What a quota means (the rule, also in docs/quiz.md "Quotas")
-------------------------------------------------------------
A quota line names a topic, a level, both or neither, and a count. A question *matches* a
line when it has the line's topic (if the line names one) and the line's level (if it names
one). **Every line holds exactly on every paper: the paper has exactly ``count`` questions
matching it.**

- ``Khó | 3``: exactly 3 hard questions, whatever their topics;
- ``Lịch sử | | 5``: exactly 5 questions of that topic, at any level;
- ``Lịch sử | Khó | 2``: exactly 2 hard questions of that topic (the line limits nothing
  else: other Lịch sử questions and other hard questions are free unless a line says so);
- lines may overlap: with ``Lịch sử | | 5`` and ``Khó | 3`` a hard Lịch sử question counts
  for both, and the paper has 5 Lịch sử questions and 3 hard questions in all;
- lines naming the same topic and level add up (two lines ``Khó | 2`` mean 4);
- a count of 0 keeps the matching questions off the paper;
- a line naming neither topic nor level matches every question, so its count must equal the
  paper's question count;
- the rest of the paper (the questions matching no line) is drawn from the *unquoted pool*:
  the questions that match no line. With ``Khó | 3`` on a 20-question paper the other 17
  are never hard; if the bank has fewer than 17 questions that are not hard, the draw check
  says so.

How the draw works: the pool, sorted by id, is shuffled by the seeded generator and taken
in that order, skipping each question whose group (topic × level) could no longer be taken
without making some quota impossible (decided by a feasible flow with lower bounds over the
groups, ``_flow.py``); the paper is then shuffled with the same generator. A draw without
quotas is a plain seeded sample, as it always was. Topics match ignoring case and spacing,
levels by value (``hard``) or Vietnamese label (``Khó``).
"""

from __future__ import annotations

import functools
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from . import _flow
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
Key = tuple[Any, Any]  # what a quota names: (topic key or None, level key or None)
UNQUOTED = None  # in a plan's counts: the questions matching no quota


def _matches(key: Key, group: Group) -> bool:
    topic, level = key
    return (topic is None or topic == group[0]) and (level is None or level == group[1])


def _merged(quotas: Sequence[Quota]) -> dict[Key, Quota]:
    """The quotas by what they name; lines naming the same topic and level add up."""
    merged: dict[Key, Quota] = {}
    for quota in quotas:
        key = (
            None if quota.topic is None else _topic_key(quota.topic),
            None if quota.difficulty is None else _level_key(quota.difficulty),
        )
        first = merged.get(key) or Quota(quota.topic, quota.difficulty, 0)
        merged[key] = Quota(first.topic, first.difficulty, first.count + quota.count)
    return merged


def _level_word(quota: Quota) -> str | None:
    if quota.difficulty is None:
        return None
    key = _level_key(quota.difficulty)
    return _(DIFFICULTY_LABELS[key]) if key in DIFFICULTY_LABELS else str(quota.difficulty)


def _label(quota: Quota) -> str:
    """What a quota line names, inside a sentence: «chủ đề «X» mức Khó», «mức Khó» …"""
    level = _level_word(quota)
    if quota.topic is not None and level is not None:
        return _("chủ đề «%(topic)s» mức %(level)s", topic=quota.topic, level=level)
    if quota.topic is not None:
        return _("chủ đề «%(topic)s»", topic=quota.topic)
    if level is not None:
        return _("mức %(level)s", level=level)
    return _("mọi câu")


def _joined(labels: list[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    return _("%(first)s hoặc %(last)s", first=", ".join(labels[:-1]), last=labels[-1])


class _Network:
    """The exact quotas of a draw of ``n`` as a flow with bounds: source → topic →
    (topic, level) group → level → sink, and sink → source carrying the number of quoted
    questions. Only the groups matching some quota (*quoted*) are in the graph; the others
    form the unquoted pool, which only has to hold the rest of the paper.
    """

    def __init__(self, groups: dict[Group, list[Candidate]], quotas: dict[Key, Quota], n: int):
        self.n = n
        self.quotas = quotas
        self.quoted = [g for g in groups if any(_matches(k, g) for k in quotas)]
        self.sizes = {g: len(groups[g]) for g in self.quoted}
        self.unquoted = sum(len(m) for g, m in groups.items() if g not in self.sizes)
        self.big = sum(self.sizes.values()) + n
        self._fixed = {k: q.count for k, q in quotas.items() if k != (None, None)}
        rows = [k[0] for k in self._fixed if k[1] is None] + [g[0] for g in self.quoted]
        cols = [k[1] for k in self._fixed if k[0] is None] + [g[1] for g in self.quoted]
        self._rows = {t: 2 + i for i, t in enumerate(dict.fromkeys(rows))}
        self._cols = {lvl: 2 + len(self._rows) + i for i, lvl in enumerate(dict.fromkeys(cols))}

    def _bounds(self, key: Key) -> tuple[int, int]:
        fixed = self._fixed.get(key)
        return (0, self.big) if fixed is None else (fixed, fixed)

    def solve(self, taken: dict, low: int, high: int) -> dict | None:
        """A plan for the whole paper: how many questions each quoted group gives, at least
        ``taken`` of each, ``low`` to ``high`` of them in all (``UNQUOTED``: ``n`` minus that),
        meeting every quota exactly — or ``None`` when there is no such plan."""
        if any(
            k[0] is not None and k[1] is not None and k not in self.sizes and c
            for k, c in self._fixed.items()
        ):
            return None  # a topic-and-level quota whose group has no question at all
        edges = [(1, 0, low, high)]
        edges += [(0, row, *self._bounds((t, None))) for t, row in self._rows.items()]
        edges += [(col, 1, *self._bounds((None, lvl))) for lvl, col in self._cols.items()]
        for group in self.quoted:
            at_least = taken.get(group, 0)
            if group in self._fixed:
                bounds = (max(at_least, self._fixed[group]), self._fixed[group])
            else:
                bounds = (at_least, self.sizes[group])
            edges.append((self._rows[group[0]], self._cols[group[1]], *bounds))
        flows = _flow.circulation(2 + len(self._rows) + len(self._cols), edges)
        if flows is None:
            return None
        plan = dict(zip(self.quoted, flows[len(edges) - len(self.quoted) :], strict=True))
        plan[UNQUOTED] = self.n - flows[0]
        return plan

    def draw_plan(self, taken: dict) -> dict | None:
        """A plan of the paper given what is ``taken``: ``n`` questions, the unquoted ones
        from the unquoted pool."""
        rest = taken.get(UNQUOTED, 0)
        return self.solve(taken, max(0, self.n - self.unquoted), self.n - rest)

    def _extreme(self, feasible, low: int, high: int) -> int:
        """The smallest value in ``low``…``high`` for which ``feasible`` (monotone) holds."""
        while low < high:
            middle = (low + high) // 2
            if feasible(middle):
                high = middle
            else:
                low = middle + 1
        return low

    def problem(self) -> str | None:
        """Why no paper meets the quotas, once each quota alone has enough questions."""
        if self.solve({}, 0, self.big) is None:
            return _(
                "Các dòng của cơ cấu đề chồng lên nhau hoặc mâu thuẫn nhau (ví dụ một dòng "
                "theo chủ đề và mức độ cần nhiều câu hơn dòng của cả chủ đề đó): không có "
                "cách chọn câu hỏi đáp ứng đúng mọi dòng cùng lúc. Vui lòng điều chỉnh cơ cấu "
                "đề hoặc thêm câu hỏi vào ngân hàng."
            )
        fewest = self._extreme(lambda m: self.solve({}, 0, m) is not None, 0, self.big)
        if fewest > self.n:
            return _(
                "Tổng số câu theo cơ cấu đề (%(wanted)s) lớn hơn số câu của đề (%(count)s). "
                "Vui lòng giảm số câu theo chủ đề, mức độ hoặc tăng số câu của đề.",
                wanted=fewest,
                count=self.n,
            )
        most = self.big - self._extreme(
            lambda d: self.solve({}, self.big - d, self.big) is not None, 0, self.big
        )
        rest = self.n - most
        if rest <= self.unquoted:
            return None
        message = (
            _(
                "Theo cơ cấu đề, đề có đúng %(quoted)s câu thuộc %(lines)s; %(rest)s câu còn "
                "lại phải là câu không thuộc %(lines)s, nhưng ngân hàng chỉ có %(available)s "
                "câu như vậy. Vui lòng thêm loại câu này vào ngân hàng, tăng số câu theo cơ "
                "cấu đề hoặc giảm số câu của đề.",
            )
            if fewest == most
            else _(
                "Theo cơ cấu đề, đề có nhiều nhất %(quoted)s câu thuộc %(lines)s; %(rest)s câu "
                "còn lại phải là câu không thuộc %(lines)s, nhưng ngân hàng chỉ có "
                "%(available)s câu như vậy. Vui lòng thêm loại câu này vào ngân hàng, tăng số "
                "câu theo cơ cấu đề hoặc giảm số câu của đề.",
            )
        )
        return message % {
            "quoted": most,
            "lines": _joined([_label(q) for q in self.quotas.values()]),
            "rest": rest,
            "available": self.unquoted,
        }


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
    if n > total_pool:
        problems.append(
            _(
                "Đề cần %(count)s câu nhưng ngân hàng chỉ có %(available)s câu đang dùng. "
                "Vui lòng thêm câu hỏi vào ngân hàng hoặc giảm số câu yêu cầu.",
                count=n,
                available=total_pool,
            )
        )
    merged = _merged(quotas)
    for key, quota in merged.items():
        available = sum(len(m) for g, m in groups.items() if _matches(key, g))
        if quota.count > available:
            problems.append(_quota_short(quota, available))
    everything = merged.get((None, None))
    if everything is not None and everything.count != n:
        problems.append(
            _(
                "Dòng cơ cấu đề không ghi chủ đề lẫn mức độ tính mọi câu của đề, nên số câu "
                "của dòng (%(wanted)s) phải bằng số câu của đề (%(count)s). Vui lòng xoá dòng "
                "này hoặc sửa số câu.",
                wanted=everything.count,
                count=n,
            )
        )
    if not problems and merged:
        problem = _Network(groups, merged, n).problem()
        if problem:
            problems.append(problem)
    return problems


def check_quotas(pool: Sequence[Candidate], n: int, quotas: Sequence[Quota] = ()) -> list[str]:
    """Return the problems (translated sentences) that would stop a draw of ``n`` questions
    with ``quotas`` from ``pool``; an empty list means the draw will succeed. Draws nothing.

    Raises ``ValueError`` for a negative count.
    """
    return _problems(_pool_groups(pool), n, quotas)


def _draw_exact(network: _Network, group_of: dict[Any, Group], order: list, n: int) -> list:
    """Take questions in ``order``, skipping those whose group can no longer be taken."""
    taken: dict = {}
    plan = network.draw_plan(taken)
    closed: set = set()
    chosen = []
    for candidate in order:
        if len(chosen) == n:
            break
        group = group_of[candidate.id]
        key = group if group in network.sizes else UNQUOTED
        if key in closed:
            continue
        if plan[key] <= taken.get(key, 0):  # the current plan has no room: ask again
            trial = dict(taken)
            trial[key] = trial.get(key, 0) + 1
            new_plan = network.draw_plan(trial)
            if new_plan is None:
                closed.add(key)  # fewer choices later, never more: closed for good
                continue
            plan = new_plan
        taken[key] = taken.get(key, 0) + 1
        chosen.append(candidate)
    if len(chosen) != n:
        raise AssertionError("the plan promised a full paper")
    return chosen


def select_questions(
    pool: Sequence[Candidate], n: int, quotas: Sequence[Quota] = (), *, seed: int
) -> list[Any]:
    """Draw ``n`` distinct question ids from ``pool``, meeting every quota exactly (the
    rule is in the module's docstring).

    Deterministic for a given ``seed`` and independent of the pool's order (it is sorted by
    id first). Without quotas: a seeded sample of the pool. With quotas: the pool is
    shuffled by the seeded generator and taken in that order, skipping questions that would
    make a quota impossible to meet exactly. Either way the paper is then shuffled with the
    same generator.

    Raises ``PoolTooSmall`` when the pool cannot give such a paper (``check_quotas`` says
    why), and ``ValueError`` for a negative count.
    """
    groups = _pool_groups(pool)
    problems = _problems(groups, n, quotas)
    if problems:
        raise PoolTooSmall(problems)
    rng = random.Random(seed)
    everything = sorted((c for members in groups.values() for c in members), key=lambda c: c.id)
    if quotas:
        order = list(everything)
        rng.shuffle(order)
        group_of = {c.id: g for g, members in groups.items() for c in members}
        chosen = _draw_exact(_Network(groups, _merged(quotas), n), group_of, order, n)
    else:
        chosen = rng.sample(everything, n)
    rng.shuffle(chosen)
    return [c.id for c in chosen]


def shuffled(items: Iterable[T], seed: int) -> list[T]:
    """Return a new list with ``items`` permuted by ``random.Random(seed)``."""
    result = list(items)
    random.Random(seed).shuffle(result)
    return result
