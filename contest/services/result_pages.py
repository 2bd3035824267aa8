"""Reading round results: the versions of a round's result, one page of its ranking, its
winners, a participant's row, and the unit and category names the pages and exports show.

The public sees only the newest published version (``published_result``); organisers work
on the newest one (``current_result``). Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from contest.extensions import db
from contest.models import Category, Unit, User
from contest.models.results import Disqualification, ResultRow, RoundResult


def current_result(round_id: int) -> RoundResult | None:
    """The newest result version of the round (the organisers' working result)."""
    return db.session.scalar(
        select(RoundResult)
        .where(RoundResult.round_id == round_id)
        .order_by(RoundResult.version.desc())
        .limit(1)
    )


def published_result(round_id: int) -> RoundResult | None:
    """The newest published version: what the public sees."""
    return db.session.scalar(
        select(RoundResult)
        .where(RoundResult.round_id == round_id, RoundResult.published_at.is_not(None))
        .order_by(RoundResult.version.desc())
        .limit(1)
    )


def list_disqualifications(round_id: int) -> list[Disqualification]:
    """The round's disqualifications, oldest first."""
    return list(
        db.session.scalars(
            select(Disqualification)
            .where(Disqualification.round_id == round_id)
            .order_by(Disqualification.created_at)
        )
    )


def round_results_overview(round_ids: list[int]) -> dict[int, dict]:
    """Per round: newest version (``current``) and newest published one (``published``),
    so a page can tell whether a newer draft waits for publication."""
    out: dict[int, dict] = {rid: {"current": None, "published": None} for rid in round_ids}
    if not round_ids:
        return out
    for result in db.session.scalars(
        select(RoundResult).where(RoundResult.round_id.in_(round_ids)).order_by(RoundResult.version)
    ):
        out[result.round_id]["current"] = result
        if result.published_at is not None:
            out[result.round_id]["published"] = result
    return out


def _filtered(stmt, unit_ids: Iterable[int] | None, category_id: int | None):
    if unit_ids is not None:
        stmt = stmt.where(ResultRow.unit_id.in_(list(unit_ids)))
    if category_id is not None:
        stmt = stmt.where(ResultRow.category_id == category_id)
    return stmt


def list_rows(
    result: RoundResult,
    *,
    unit_ids: Iterable[int] | None = None,
    category_id: int | None = None,
    winners_only: bool = False,
    page: int = 1,
    per_page: int = 100,
) -> tuple[list[tuple[ResultRow, User]], int]:
    """One page of the ranking (rows with their participant) and the total count."""
    unit_ids = None if unit_ids is None else list(unit_ids)
    base = select(ResultRow).where(ResultRow.result_id == result.id)
    if winners_only:
        base = base.where(ResultRow.prize.is_not(None))
    base = _filtered(base, unit_ids, category_id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.execute(
        base.add_columns(User)
        .join(User, User.id == ResultRow.participant_id)
        .order_by(ResultRow.rank)
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    ).all()
    return [(r, u) for r, u in rows], total


def winners(result: RoundResult) -> list[tuple[ResultRow, User]]:
    """The prize winners of a result in ranking order, with their participant."""
    return [
        (r, u)
        for r, u in db.session.execute(
            select(ResultRow, User)
            .join(User, User.id == ResultRow.participant_id)
            .where(ResultRow.result_id == result.id, ResultRow.prize.is_not(None))
            .order_by(ResultRow.rank)
        )
    ]


def row_of(result: RoundResult, participant_id: int) -> ResultRow | None:
    """The participant's row in ``result`` (None: not ranked)."""
    return db.session.scalar(
        select(ResultRow).where(
            ResultRow.result_id == result.id, ResultRow.participant_id == participant_id
        )
    )


def published_row_of(round_id: int, participant_id: int) -> ResultRow | None:
    """The participant's row in the published result (None: not published or not ranked)."""
    result = published_result(round_id)
    return row_of(result, participant_id) if result is not None else None


def unit_paths() -> dict[int, str]:
    """Unit id → 'Parent / Child' path, from one query."""
    rows = {
        uid: (name, parent)
        for uid, name, parent in db.session.execute(select(Unit.id, Unit.name, Unit.parent_id))
    }
    paths: dict[int, str] = {}

    def path(uid: int, depth: int = 0) -> str:
        if uid in paths:
            return paths[uid]
        name, parent = rows[uid]
        text = (
            name
            if parent is None or parent not in rows or depth > 20
            else (f"{path(parent, depth + 1)} / {name}")
        )
        paths[uid] = text
        return text

    for uid in rows:
        path(uid)
    return paths


def category_names() -> dict[int, str]:
    """Category id → name."""
    return dict(db.session.execute(select(Category.id, Category.name)).all())


def participant_names(participant_ids: Iterable[int]) -> dict[int, str]:
    """Participant id → full name, for the ids given (the changes of a new version)."""
    ids = set(participant_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())
