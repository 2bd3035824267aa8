"""The rows of a result version: written in bulk, compared with the previous version, and
dropped once nobody can see them (``result_closing`` calls these)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from contest.extensions import db
from contest.models.results import ResultRow, RoundResult
from contest.services import result_pages

if TYPE_CHECKING:
    from contest.services.result_closing import Computed

MAX_LISTED_CHANGES = 200

ROW_COLUMNS = (
    "result_id",
    "rank",
    "participant_id",
    "attempt_id",
    "score",
    "total",
    "prediction",
    "distance",
    "duration_ms",
    "submitted_at",
    "attempts",
    "unit_id",
    "category_id",
    "prize_tier",
    "prize",
    "decided_by",
    "note",
)
ROW_PG_TYPES = (
    "int4",
    "int4",
    "int4",
    "int8",
    "int4",
    "int4",
    "int8",
    "int8",
    "int8",
    "timestamp",
    "int4",
    "int4",
    "int4",
    "int4",
    "varchar",
    "varchar",
    "varchar",
)


def _row_tuples(result_id: int, computed: Computed, timestamp) -> Iterator[tuple]:
    """One tuple per ranked participant, in ROW_COLUMNS order; ``timestamp`` turns the
    submission time into what the driver stores."""
    awards, skipped = computed.allocation.awards, computed.allocation.skipped
    profile = computed.profile
    entry: tuple
    for rank_, entry, attempts_, distance_, decided in computed.ranked:
        aid, pid, score, total, prediction, duration, submitted = entry
        award = awards.get(pid)
        unit_id, category_id = profile[pid]
        yield (
            result_id,
            rank_,
            pid,
            aid,
            score,
            total,
            prediction,
            distance_,
            duration,
            timestamp(submitted),
            attempts_,
            unit_id,
            category_id,
            award.tier_index if award else None,
            award.tier_name if award else None,
            decided,
            skipped.get(pid) if skipped else None,
        )


def store_rows(result_id: int, computed: Computed) -> None:
    """Write the result rows in bulk on the session's connection (so in its transaction):
    COPY on PostgreSQL, executemany on SQLite; both several times faster than ORM inserts
    for 10^5 rows. Submission times are stored as naive UTC, like UTCDateTime does."""
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with (
            raw.cursor() as cursor,
            cursor.copy(
                f"COPY result_rows ({', '.join(ROW_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.set_types(ROW_PG_TYPES)
            for row in _row_tuples(result_id, computed, _naive_utc):
                copy.write_row(row)
        return
    placeholders = ", ".join("?" * len(ROW_COLUMNS))
    sql = f"INSERT INTO result_rows ({', '.join(ROW_COLUMNS)}) VALUES ({placeholders})"
    rows = _row_tuples(result_id, computed, lambda v: _naive_utc(v).isoformat(" ", "microseconds"))
    cursor = raw.cursor()
    try:
        while batch := list(islice(rows, 50_000)):
            cursor.executemany(sql, batch)
    finally:
        cursor.close()


def _naive_utc(value: datetime) -> datetime:
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


# --- what changed ------------------------------------------------------------------------------


def diff(previous: RoundResult, result: RoundResult, computed: Computed) -> dict:
    """What changed from ``previous`` to the new result (participant ids, no PII): prize
    changes (at most MAX_LISTED_CHANGES listed, all counted), rank changes, who was added
    and removed, and whether the prize settings changed."""
    before = {
        pid: (rank, prize)
        for pid, rank, prize in db.session.execute(
            select(ResultRow.participant_id, ResultRow.rank, ResultRow.prize).where(
                ResultRow.result_id == previous.id
            )
        )
    }
    prize_changes, rank_changes, added, after_ids = _compare(before, computed)
    removed = [pid for pid in before if pid not in after_ids]
    prize_changes += [
        _prize_change(pid, before[pid][1], None, before[pid][0], None)
        for pid in removed
        if before[pid][1] is not None
    ]
    prize_changes.sort(key=lambda c: c["rank_before"] or c["rank_after"] or 0)
    return {
        "previous_version": previous.version,
        "previous_published": previous.is_published,
        "actual": [previous.actual_value, result.actual_value],
        "participants": [previous.participants, result.participants],
        "prize_changes": prize_changes[:MAX_LISTED_CHANGES],
        "prize_changes_total": len(prize_changes),
        "rank_changes": rank_changes,
        "added": added,
        "removed": sorted(removed)[:MAX_LISTED_CHANGES],
        "removed_total": len(removed),
        "settings_changed": previous.settings.get("tiers") != result.settings.get("tiers")
        or previous.settings.get("options") != result.settings.get("options"),
    }


def _prize_change(pid: int, before, after, rank_before, rank_after) -> dict:
    return {
        "participant_id": pid,
        "before": before,
        "after": after,
        "rank_before": rank_before,
        "rank_after": rank_after,
    }


def _compare(
    before: dict[int, tuple[int, str | None]], computed: Computed
) -> tuple[list[dict], int, int, set[int]]:
    """Walk the new ranking against the previous rows: (prize changes, rank changes,
    participants added, participant ids now ranked)."""
    awards = computed.allocation.awards
    prize_changes, rank_changes, added = [], 0, 0
    after_ids = set()
    for r in computed.ranked:
        pid = r.entry.participant_id
        after_ids.add(pid)
        award = awards.get(pid)
        prize = award.tier_name if award else None
        old = before.get(pid)
        if old is None:
            added += 1
            if prize is not None:
                prize_changes.append(_prize_change(pid, None, prize, None, r.rank))
            continue
        if old[0] != r.rank:
            rank_changes += 1
        if old[1] != prize:
            prize_changes.append(_prize_change(pid, old[1], prize, old[0], r.rank))
    return prize_changes, rank_changes, added, after_ids


def prune(round_id: int, *, keep: int) -> None:
    """Drop the rows of versions nobody can see any more: keep the newest version, the one
    before it (the rank diff an organiser reads before publishing, ``rank_diff``) and the
    newest published one (version headers stay, with their hashes and changes)."""
    published = result_pages.published_result(round_id)
    before = db.session.scalar(
        select(RoundResult.id)
        .where(RoundResult.round_id == round_id, RoundResult.id != keep)
        .order_by(RoundResult.version.desc())
        .limit(1)
    )
    keep_ids = {keep} | ({published.id} if published else set()) | ({before} if before else set())
    stale = select(RoundResult.id).where(
        RoundResult.round_id == round_id, RoundResult.id.not_in(keep_ids)
    )
    db.session.execute(delete(ResultRow).where(ResultRow.result_id.in_(stale)))
