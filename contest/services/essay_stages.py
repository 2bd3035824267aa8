"""Closing an essay stage (advancing, awarding), publishing the results, the winners and
the organisers' exports (E1, E3)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from contest.extensions import db
from contest.models import Contest, User
from contest.models.essay import (
    AssignmentStatus,
    Criterion,
    Entry,
    EntryStatus,
    Stage,
    StageEntry,
)
from contest.services import audit, judging
from contest.services.errors import (
    Conflict,
    StageClosed,
)
from contest.services.essay_contests import criteria_of, next_stage, previous_stage, stages_of
from contest.services.essay_entries import list_entries
from contest.services.essay_judging import (
    ProgressRow,
    assign_stage,
    judged_version,
    stage_entries,
    stage_progress,
)
from contest.services.i18n import _


def _closable_rows(stage: Stage) -> list[ProgressRow]:
    """The stage's rows, once the stage may close: open, the previous stage closed, and
    every entry with a final score. Raises StageClosed or Conflict."""
    if stage.closed_at is not None:
        raise StageClosed(_("Vòng chấm này đã kết thúc."))
    previous = previous_stage(stage)
    if previous is not None and previous.closed_at is None:
        raise Conflict(_("Vòng «%(name)s» chưa kết thúc.", name=previous.name))
    rows = stage_progress(stage)
    if not rows:
        raise Conflict(_("Vòng chấm chưa có bài nào. Hãy phân công chấm trước."))
    missing = [r.entry.code for r in rows if r.outcome.final_x100 is None]
    if missing:
        raise Conflict(
            _(
                "Còn %(count)s bài chưa có điểm cuối cùng (ví dụ mã phách %(codes)s). "
                "Hãy chờ giám khảo chấm xong.",
                count=len(missing),
                codes=", ".join(missing[:5]),
            )
        )
    return rows


def _rank_rows(rows: list[ProgressRow]) -> list[judging.RankRecord]:
    """The rows as ranking records (final score, first criterion, submission time), best
    first."""
    return judging.rank(
        judging.RankRecord(
            row.entry.id,
            row.entry.participant_id,
            row.outcome.final_x100,
            row.outcome.first_x100,
            judged_version(row.entry).submitted_at,
        )
        for row in rows
    )


def _record_standing(
    by_entry: dict[int, StageEntry],
    ranked: list[judging.RankRecord],
    moving: set[int],
    prizes: dict[int, str],
) -> None:
    """Write each entry's final score, rank, advancement and prize on its stage row."""
    for position, record in enumerate(ranked, start=1):
        se = by_entry[record.entry_id]
        se.final_x100, se.first_x100, se.rank = record.final_x100, record.first_x100, position
        se.advanced = record.entry_id in moving
        se.prize = prizes.get(record.entry_id)


def _advance(nxt: Stage, moving: set[int], *, actor: User, now: datetime, seed: int | None) -> None:
    """The advancing entries join the next stage, which gets its judges at once."""
    for entry_id in sorted(moving):
        db.session.add(StageEntry(stage_id=nxt.id, entry_id=entry_id, created_at=now))
    db.session.flush()
    if moving:
        assign_stage(nxt, actor=actor, now=now, seed=seed)


def close_stage(
    stage: Stage, *, actor: User, now: datetime, seed: int | None = None
) -> list[StageEntry]:
    """Close a stage once every entry has a final score: rank its entries; for a stage
    before the last, advance the top K (or those at or above the cut-off) to the next stage
    and assign them fresh judges; for the last stage, award the prizes.

    Returns the stage's rows, best first. Raises StageClosed, Conflict (earlier stage still
    open, or scores missing).
    """
    rows = _closable_rows(stage)
    by_entry = {row.entry.id: row.stage_entry for row in rows}
    ranked = _rank_rows(rows)
    nxt = next_stage(stage)
    rule = stage.advance_rule.value if stage.advance_rule else None
    moving = judging.advancing(ranked, rule, stage.advance_value) if nxt else set()
    prizes = {} if nxt else judging.award(ranked, stage.contest.essay_settings.prize_tiers)
    _record_standing(by_entry, ranked, moving, prizes)
    stage.closed_at = now
    db.session.flush()
    audit.record(
        actor,
        "essay.close_stage",
        "essay_stage",
        stage.id,
        now=now,
        rows=len(ranked),
        advanced=len(moving),
        prizes=len(prizes),
    )
    if nxt is not None:
        _advance(nxt, moving, actor=actor, now=now, seed=seed)
    return [by_entry[r.entry_id] for r in ranked]


def final_stage(contest: Contest) -> Stage | None:
    stages = stages_of(contest)
    return stages[-1] if stages else None


def results_ready(contest: Contest) -> bool:
    last = final_stage(contest)
    return last is not None and last.closed_at is not None


def publish_results(contest: Contest, *, actor: User, now: datetime) -> None:
    """Make the results public. Raises Conflict until the last stage is closed."""
    if not results_ready(contest):
        raise Conflict(_("Vòng chấm cuối chưa kết thúc nên chưa thể công bố kết quả."))
    contest.essay_settings.results_published_at = now
    audit.record(actor, "essay.publish_results", "contest", contest.id, now=now)
    db.session.flush()


def unpublish_results(contest: Contest, *, actor: User, now: datetime) -> None:
    contest.essay_settings.results_published_at = None
    audit.record(actor, "essay.unpublish_results", "contest", contest.id, now=now)
    db.session.flush()


def winners(contest: Contest) -> list[StageEntry]:
    """The last stage's prize-winning entries, best first."""
    last = final_stage(contest)
    if last is None or last.closed_at is None:
        return []
    return [se for se in stage_entries(last) if se.prize]


@dataclass
class EntryResult:
    stage: Stage
    stage_entry: StageEntry


def entry_results(entry: Entry) -> list[EntryResult]:
    """The entry's results in each closed stage it took part in, first stage first."""
    rows = db.session.execute(
        select(Stage, StageEntry)
        .join(StageEntry, StageEntry.stage_id == Stage.id)
        .where(StageEntry.entry_id == entry.id, Stage.closed_at.is_not(None))
        .order_by(Stage.position)
    ).all()
    return [EntryResult(stage, se) for stage, se in rows]


# --- exports (E1, E3) ----------------------------------------------------------------------


def _results_by_entry(contest: Contest) -> dict[int, dict[int, StageEntry]]:
    out: dict[int, dict[int, StageEntry]] = defaultdict(dict)
    for se in db.session.scalars(
        select(StageEntry).join(Stage).where(Stage.contest_id == contest.id)
    ):
        out[se.entry_id][se.stage_id] = se
    return out


def _entry_row(entry: Entry, stages: list[Stage], per_stage: dict[int, StageEntry]) -> list:
    """One line of the entries list: the author, the judged version, each stage's score,
    then the last stage's rank and prize and the reason for a disqualification."""
    author = entry.participant
    row = [
        entry.code,
        author.full_name,
        author.birth_date.strftime("%d/%m/%Y") if author.birth_date else "",
        author.phone or "",
        author.email or "",
        author.unit.path if author.unit else "",
        entry.latest_version.title,
        entry.latest_version.word_count,
        _local(entry.submitted_at),
        len(entry.versions),
    ]
    for stage in stages:
        se = per_stage.get(stage.id)
        row.append(se.final_x100 / 100 if se and se.final_x100 is not None else None)
    last = per_stage.get(stages[-1].id) if stages else None
    row += [
        last.rank if last and last.rank else None,
        last.prize if last else None,
        entry.disqualified_reason or "",
    ]
    return row


def _entries_header(stages: list[Stage]) -> list[str]:
    return [
        "Mã phách",
        "Họ và tên",
        "Ngày sinh",
        "Số điện thoại",
        "Email",
        "Đơn vị",
        "Tên bài",
        "Số chữ",
        "Nộp lúc",
        "Số lần nộp",
        *[f"Điểm {s.name}" for s in stages],
        "Xếp hạng",
        "Giải",
        "Loại bài (lý do)",
    ]


def export_entries(contest: Contest, *, actor: User, now: datetime) -> bytes:
    """The organisers' list of submitted entries with names and contact details, as .xlsx
    bytes (full PII: audited, E3). The workbook is an official document: Vietnamese."""
    from question_bank.xlsx import Sheet, write_workbook

    stages = stages_of(contest)
    results = _results_by_entry(contest)
    rows = [
        _entry_row(entry, stages, results.get(entry.id, {}))
        for entry in list_entries(contest)
        if entry.status is EntryStatus.submitted
    ]
    sheet = Sheet(
        title="Danh sách bài dự thi",
        header=_entries_header(stages),
        rows=rows,
        title_rows=[
            contest.title,
            "Danh sách bài dự thi (tài liệu nội bộ — có thông tin cá nhân)",
        ],
        widths=[12, 26, 12, 14, 26, 34, 40, 9, 18, 9],
    )
    data = write_workbook([sheet])
    audit.record(actor, "essay.export_entries", "contest", contest.id, now=now, rows=len(rows))
    return data


# The status words of the score-sheet export (an official Vietnamese document, E3).
STATUS_TEXT = {
    AssignmentStatus.assigned: "Chưa chấm",
    AssignmentStatus.draft: "Đang chấm",
    AssignmentStatus.submitted: "Đã nộp",
}


def _score_rows(stage: Stage, criteria: list[Criterion]) -> list[list]:
    """One line per sheet of the stage: the entry's code, the judge, the points by
    criterion, the sheet's total and status, the comment and the entry's final score."""
    rows = []
    for row in stage_progress(stage):
        final = row.outcome.final_x100
        for a in row.assignments:
            points = {s.criterion_id: s.points_x100 / 100 for s in a.scores}
            rows.append(
                [
                    row.entry.code,
                    a.judge.full_name,
                    "Giám khảo thứ ba" if a.is_extra else "Chấm chính",
                    *[points.get(c.id) for c in criteria],
                    a.total_x100 / 100 if a.total_x100 is not None else None,
                    STATUS_TEXT[a.status],
                    a.comment,
                    final / 100 if final is not None else None,
                ]
            )
    return rows


def export_scores(contest: Contest, *, actor: User, now: datetime) -> bytes:
    """Each entry's sheets by criterion, one worksheet per stage, with judges' names, as
    .xlsx bytes (audited, E3). The workbook is an official document: Vietnamese."""
    from question_bank.xlsx import Sheet, write_workbook

    criteria = criteria_of(contest)
    header = [
        "Mã phách",
        "Giám khảo",
        "Vai trò",
        *[f"{c.name} (/{c.max_points})" for c in criteria],
        "Tổng",
        "Trạng thái",
        "Nhận xét",
        "Điểm cuối cùng của bài",
    ]
    sheets = [
        Sheet(
            title=stage.name,
            header=header,
            rows=_score_rows(stage, criteria),
            wrap=True,
            title_rows=[contest.title, f"Phiếu chấm — {stage.name}"],
        )
        for stage in stages_of(contest)
    ]
    data = write_workbook(sheets)
    audit.record(
        actor,
        "essay.export_scores",
        "contest",
        contest.id,
        now=now,
        rows=sum(len(list(s.rows)) for s in sheets),
    )
    return data


def _local(value: datetime | None) -> str:
    from contest.services.formatting import format_datetime_vn

    return format_datetime_vn(value, "%d/%m/%Y %H:%M") if value else ""
