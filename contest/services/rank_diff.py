"""Who moved between two result versions: the rank diff an organiser reads before
publishing a recomputed result (after a regrade, say). Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from contest.extensions import db
from contest.models.results import ResultRow, RoundResult
from contest.services import result_pages

MAX_LISTED = 200


@dataclass
class Move:
    participant_id: int
    name: str
    rank_before: int | None
    rank_after: int | None
    score_before: int | None
    score_after: int | None
    prize_before: str | None
    prize_after: str | None

    @property
    def prize_changed(self) -> bool:
        return self.prize_before != self.prize_after

    @property
    def delta(self) -> int | None:
        """Places gained (positive) or lost; None when only in one version."""
        if self.rank_before is None or self.rank_after is None:
            return None
        return self.rank_before - self.rank_after


@dataclass
class RankDiff:
    before: RoundResult
    after: RoundResult
    moved: int  # participants whose rank changed (all counted)
    prize_changes: list[Move]  # every gain, loss or change of prize
    moves: list[Move]  # the largest moves, at most MAX_LISTED


def _rows(result: RoundResult) -> dict[int, tuple[int, int, str | None]]:
    return {
        pid: (rank, score, prize)
        for pid, rank, score, prize in db.session.execute(
            select(
                ResultRow.participant_id, ResultRow.rank, ResultRow.score, ResultRow.prize
            ).where(ResultRow.result_id == result.id)
        )
    }


def baseline(round_id: int) -> RoundResult | None:
    """What the newest version is compared with: the published version when it is older,
    else the version before it (its rows are kept, ``result_rows.prune``); None: nothing to
    compare (a first version, or the newest is the published one)."""
    current = result_pages.current_result(round_id)
    published = result_pages.published_result(round_id)
    if current is None or (published is not None and published.id == current.id):
        return None
    if published is not None:
        return published
    return db.session.scalar(
        select(RoundResult)
        .where(RoundResult.round_id == round_id, RoundResult.version < current.version)
        .order_by(RoundResult.version.desc())
        .limit(1)
    )


def compare(before: RoundResult, after: RoundResult) -> RankDiff:
    """Participant by participant, ``before`` → ``after``."""
    old, new = _rows(before), _rows(after)
    moves = []
    for pid in old.keys() | new.keys():
        a, b = old.get(pid), new.get(pid)
        if a is not None and b is not None and a == b:
            continue
        moves.append(
            Move(
                pid,
                "",
                a[0] if a else None,
                b[0] if b else None,
                a[1] if a else None,
                b[1] if b else None,
                a[2] if a else None,
                b[2] if b else None,
            )
        )
    moved = sum(1 for m in moves if m.rank_before != m.rank_after)
    prizes = sorted(
        (m for m in moves if m.prize_changed), key=lambda m: m.rank_after or m.rank_before or 0
    )
    largest = sorted(
        (m for m in moves if m.rank_before != m.rank_after),
        key=lambda m: (-(abs(m.delta) if m.delta is not None else 10**9), m.rank_after or 0),
    )[:MAX_LISTED]
    names = result_pages.participant_names(m.participant_id for m in (*prizes, *largest))
    for m in (*prizes, *largest):
        m.name = names.get(m.participant_id, "")
    return RankDiff(before, after, moved, prizes, largest)
