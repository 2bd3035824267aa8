"""The collective ranking of units: pure functions over plain records (no Flask, no
database), and the one registry of its methods with their words.

A unit's figures in a round (``UnitTally``) are its ranked participants, the sum of their
best scores, their finished ranked attempts and the unit's headcount when known. The round's
prize option ``collective_method`` picks one of ``UNIT_METHODS``; the collective prize tiers
then go to the units in that order (``prizes.allocate_collective``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from contest.services.i18n import LazyText, lazy_gettext


@dataclass(frozen=True, slots=True)
class UnitMethod:
    """How people read a method: ``choice`` in the organiser's prize options form,
    ``text`` after "Xếp hạng tập thể …" on the units page and in the units export."""

    choice: LazyText
    text: LazyText


# The one registry of the collective methods (the prize options, the form's choices, the
# units page and the units export read it).
UNIT_METHODS: dict[str, UnitMethod] = {
    "participants": UnitMethod(
        lazy_gettext("Theo số người dự thi"),
        lazy_gettext("theo số người dự thi"),
    ),
    "participation_rate": UnitMethod(
        lazy_gettext("Theo tỉ lệ tham gia (cần số người của đơn vị)"),
        lazy_gettext("theo tỉ lệ tham gia (số người dự thi ÷ số người của đơn vị)"),
    ),
    "points": UnitMethod(
        lazy_gettext(
            "Theo tổng điểm xếp hạng (10 → 1 điểm cho 10 đơn vị đứng đầu mỗi "
            "tiêu chí: số người, tổng điểm, số lượt thi)"
        ),
        lazy_gettext(
            "theo tổng điểm xếp hạng: 10 đơn vị đứng đầu mỗi tiêu chí (số người dự thi, "
            "tổng điểm, số lượt thi) được 10 → 1 điểm; bằng điểm thì đơn vị nhiều người "
            "dự thi hơn xếp trên"
        ),
    ),
}
DEFAULT_UNIT_METHOD = "participants"
DEFAULT_POINTS_TOP = 10

# The criteria of the ``points`` method, in the order of ``UnitRanked.breakdown``, with the
# word for each (the units page's "số người / tổng điểm / lượt thi", the export's columns).
POINT_CRITERIA: dict[str, LazyText] = {
    "participants": lazy_gettext("số người"),
    "total_score": lazy_gettext("tổng điểm"),
    "attempts": lazy_gettext("lượt thi"),
}


@dataclass(frozen=True, slots=True)
class UnitTally:
    """A unit's figures in a round: ranked participants, the sum of their best scores,
    their finished ranked attempts, and the unit's headcount when known."""

    unit_id: int
    participants: int
    total_score: int
    attempts: int
    headcount: int | None = None

    @property
    def rate(self) -> float | None:
        if not self.headcount:
            return None
        return self.participants / self.headcount


@dataclass(frozen=True, slots=True)
class UnitRanked:
    rank: int | None  # None: cannot be ranked by this method (no headcount)
    tally: UnitTally
    points: int
    breakdown: tuple[int, ...]  # points per criterion of POINT_CRITERIA


def criterion_points(
    tallies: Sequence[UnitTally], criterion: str, top: int = DEFAULT_POINTS_TOP
) -> dict[int, int]:
    """Đồng Nai: the ``top`` units by ``criterion`` get top → 1 points (ties go to more
    participants, then the lower unit id); units with nothing get none."""
    ordered = sorted(
        (t for t in tallies if getattr(t, criterion) > 0),
        key=lambda t: (-getattr(t, criterion), -t.participants, t.unit_id),
    )
    return {t.unit_id: top - i for i, t in enumerate(ordered[:top])}


def rank_units(
    tallies: Iterable[UnitTally],
    method: str = DEFAULT_UNIT_METHOD,
    top: int = DEFAULT_POINTS_TOP,
) -> list[UnitRanked]:
    """Rank units, best first.

    ``participants``: more participants, then higher total score, then lower unit id.
    ``participation_rate``: participants ÷ headcount, for units whose headcount is known
    (others come last, unranked), ties by more participants then lower unit id.
    ``points``: the sum of ``criterion_points`` over participants, total score and
    attempts; ties go to more participants, then the lower unit id.
    Raises KeyError for an unknown method.
    """
    tallies = list(tallies)
    if method not in UNIT_METHODS:
        raise KeyError(method)
    per = [criterion_points(tallies, c, top) for c in POINT_CRITERIA]
    breakdown = {t.unit_id: tuple(p.get(t.unit_id, 0) for p in per) for t in tallies}
    points = {uid: sum(b) for uid, b in breakdown.items()}
    unranked: list[UnitTally] = []
    if method == "participants":
        ordered = sorted(tallies, key=lambda t: (-t.participants, -t.total_score, t.unit_id))
    elif method == "participation_rate":
        ordered = sorted(
            (t for t in tallies if t.rate is not None),
            key=lambda t: (-t.rate, -t.participants, t.unit_id),
        )
        unranked = sorted(
            (t for t in tallies if t.rate is None), key=lambda t: (-t.participants, t.unit_id)
        )
    else:
        ordered = sorted(tallies, key=lambda t: (-points[t.unit_id], -t.participants, t.unit_id))
    result = [
        UnitRanked(i + 1, t, points[t.unit_id], breakdown[t.unit_id]) for i, t in enumerate(ordered)
    ]
    result += [UnitRanked(None, t, points[t.unit_id], breakdown[t.unit_id]) for t in unranked]
    return result
