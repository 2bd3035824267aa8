"""Judging an essay stage: assigning entries to judges (the pure plan is
``judging.plan_assignments``), reassigning, score sheets, discrepancies, progress."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.models import Contest, User
from contest.models.essay import (
    Assignment,
    AssignmentStatus,
    Entry,
    EntryStatus,
    EntryVersion,
    EssaySettings,
    Score,
    Stage,
    StageEntry,
)
from contest.services import audit, essay_scores, exclusions, judging
from contest.services.errors import (
    Conflict,
    NotFound,
    SheetSubmitted,
    StageClosed,
    ValidationFailed,
)
from contest.services.essay_contests import criteria_of, panel, previous_stage
from contest.services.i18n import _

MAX_COMMENT = 5000

# --- assignment ----------------------------------------------------------------------------


@dataclass
class AssignResult:
    created: int = 0
    short: list[str] = field(default_factory=list)  # codes that lack judges


def _excluded(entry: Entry, excluded: frozenset[int]) -> bool:  # exclusions.excluded_ids
    return entry.disqualified_at is not None or entry.participant_id in excluded


def stage_entries(stage: Stage) -> list[StageEntry]:
    return list(
        db.session.scalars(
            select(StageEntry)
            .where(StageEntry.stage_id == stage.id)
            .options(selectinload(StageEntry.entry).selectinload(Entry.participant))
            .order_by(StageEntry.rank.is_(None), StageEntry.rank, StageEntry.id)
        )
    )


def stage_assignments(stage: Stage) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.stage_id == stage.id)
            .options(selectinload(Assignment.scores), selectinload(Assignment.judge))
            .order_by(Assignment.entry_id, Assignment.is_extra, Assignment.id)
        )
    )


def _slots(settings: EssaySettings, stage: Stage) -> list[judging.JudgeSlot]:
    loads = dict(
        db.session.execute(
            select(Assignment.judge_id, func.count(Assignment.id))
            .where(Assignment.stage_id == stage.id)
            .group_by(Assignment.judge_id)
        ).all()
    )
    return [judging.JudgeSlot(j.id, j.unit_id, loads.get(j.id, 0)) for j in panel(settings)]


def _enter_first_stage(stage: Stage, settings: EssaySettings, *, now: datetime) -> None:
    """The contest's submitted entries (not excluded) join its first stage, once each."""
    present = set(
        db.session.scalars(select(StageEntry.entry_id).where(StageEntry.stage_id == stage.id))
    )
    excluded = exclusions.excluded_ids(settings.contest)
    for entry in db.session.scalars(
        select(Entry).where(
            Entry.contest_id == stage.contest_id, Entry.status == EntryStatus.submitted
        )
    ):
        if entry.id not in present and not _excluded(entry, excluded):
            db.session.add(StageEntry(stage_id=stage.id, entry_id=entry.id, created_at=now))
    db.session.flush()


def _prepare_stage(stage: Stage, settings: EssaySettings, *, now: datetime) -> None:
    """Check the stage can be assigned now and fill the first stage with its entries.

    Raises Conflict before the deadline or while the previous stage has sent no entries,
    StageClosed once the stage is closed."""
    if now < settings.closes_at:
        raise Conflict(_("Chỉ phân công chấm sau khi hết hạn nộp bài."))
    if stage.closed_at is not None:
        raise StageClosed(_("Vòng chấm này đã kết thúc."))
    if previous_stage(stage) is None:
        _enter_first_stage(stage, settings, now=now)
    elif stage.assigned_at is None and not db.session.scalar(
        select(func.count(StageEntry.id)).where(StageEntry.stage_id == stage.id)
    ):
        raise Conflict(_("Vòng trước chưa kết thúc nên chưa có bài vào vòng này."))


def _judge_needs(
    stage: Stage, members: list[StageEntry], settings: EssaySettings
) -> list[judging.EntryNeed]:
    """For each member entry, how many regular judges it still lacks and who already has it."""
    existing: dict[int, list[Assignment]] = defaultdict(list)
    for a in db.session.scalars(select(Assignment).where(Assignment.stage_id == stage.id)):
        existing[a.entry_id].append(a)
    needs = []
    for se in members:
        regular = [a for a in existing[se.entry_id] if not a.is_extra]
        missing = settings.judges_per_entry - len(regular)
        if missing > 0:
            needs.append(
                judging.EntryNeed(
                    se.entry_id,
                    se.entry.participant.unit_id,
                    missing,
                    frozenset(a.judge_id for a in existing[se.entry_id]),
                )
            )
    return needs


def _add_assignments(stage: Stage, pairs: dict[int, list[int]], *, now: datetime) -> int:
    """Create the planned sheets; returns how many."""
    rows = [
        Assignment(stage_id=stage.id, entry_id=entry_id, judge_id=judge_id, created_at=now)
        for entry_id, judge_ids in pairs.items()
        for judge_id in judge_ids
    ]
    db.session.add_all(rows)
    return len(rows)


def _retry_third_judges(stage: Stage, *, now: datetime) -> int:
    """A third judge that could not be found earlier (or was removed) is looked for again;
    returns how many were added."""
    return sum(
        1
        for row in stage_progress(stage)
        if row.outcome.needs_extra and check_discrepancy(stage, row.entry, now=now)
    )


def assign_stage(
    stage: Stage, *, actor: User | None, now: datetime, seed: int | None = None
) -> AssignResult:
    """Give every entry of the stage its judges (automatic, balanced, no judge from the
    author's unit). For the first stage, the submitted entries join it first. Safe to run
    again: only missing judges are added.

    Raises Conflict before the submission deadline or after the stage is closed.
    """
    settings = stage.contest.essay_settings
    _prepare_stage(stage, settings, now=now)
    excluded = exclusions.excluded_ids(settings.contest)
    members = [se for se in stage_entries(stage) if not _excluded(se.entry, excluded)]
    plan = judging.plan_assignments(
        _judge_needs(stage, members, settings),
        _slots(settings, stage),
        seed=seed if seed is not None else secrets.randbits(32),
    )
    result = AssignResult()
    result.created = _add_assignments(stage, plan.pairs, now=now)
    codes = {se.entry_id: se.entry.code for se in members}
    result.short = sorted(codes[e] for e in plan.short)
    stage.assigned_at = stage.assigned_at or now
    db.session.flush()
    result.created += _retry_third_judges(stage, now=now)
    audit.record(
        actor,
        "essay.assign",
        "essay_stage",
        stage.id,
        now=now,
        created=result.created,
        short=len(result.short),
    )
    return result


def get_assignment(contest: Contest, assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.stage.contest_id != contest.id:
        raise NotFound(_("Không tìm thấy phiếu chấm."))
    return assignment


def reassign(assignment: Assignment, judge_id: int, *, actor: User, now: datetime) -> None:
    """Move an unsubmitted sheet to another judge of the panel (draft scores are dropped).

    Raises Conflict (sheet already submitted, stage closed) and ValidationFailed (the judge
    is not on the panel, is from the author's unit, or already judges this entry).
    """
    if assignment.status is AssignmentStatus.submitted:
        raise Conflict(_("Phiếu chấm đã nộp, không thể chuyển cho giám khảo khác."))
    if assignment.stage.closed_at is not None:
        raise StageClosed()
    settings = assignment.stage.contest.essay_settings
    judge = next((j for j in panel(settings) if j.id == judge_id), None)
    if judge is None:
        raise ValidationFailed({"judge_id": _("Người này không thuộc Ban Giám khảo cuộc thi.")})
    author = assignment.entry.participant
    if judge.unit_id is not None and judge.unit_id == author.unit_id:
        raise ValidationFailed(
            {"judge_id": _("Giám khảo cùng đơn vị với tác giả, không được chấm bài này.")}
        )
    taken = db.session.scalar(
        select(func.count(Assignment.id)).where(
            Assignment.stage_id == assignment.stage_id,
            Assignment.entry_id == assignment.entry_id,
            Assignment.judge_id == judge_id,
        )
    )
    if taken:
        raise ValidationFailed({"judge_id": _("Giám khảo này đã được phân công chấm bài này.")})
    old = assignment.judge_id
    assignment.judge_id = judge_id
    assignment.scores.clear()
    assignment.status, assignment.comment = AssignmentStatus.assigned, ""
    assignment.total_x100 = assignment.saved_at = None
    db.session.flush()
    audit.record(
        actor, "essay.reassign", "essay_assignment", assignment.id, now=now, old=old, new=judge_id
    )


@dataclass
class Workload:
    judge: User
    total: int = 0
    submitted: int = 0
    extra: int = 0

    @property
    def todo(self) -> int:
        return self.total - self.submitted


def workload(stage: Stage) -> list[Workload]:
    """Per judge of the panel (and anyone else holding sheets): sheets, submitted, extra."""
    rows = {j.id: Workload(j) for j in panel(stage.contest.essay_settings)}
    for a in stage_assignments(stage):
        row = rows.setdefault(a.judge_id, Workload(a.judge))
        row.total += 1
        row.submitted += a.status is AssignmentStatus.submitted
        row.extra += a.is_extra
    return sorted(rows.values(), key=lambda w: (w.judge.full_name, w.judge.id))


# --- judging -------------------------------------------------------------------------------


def judge_queue(judge: User) -> tuple[list[Assignment], list[Assignment]]:
    """The judge's sheets: (to do, done). Closed stages count as done."""
    items = list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.judge_id == judge.id)
            .options(
                selectinload(Assignment.entry),
                selectinload(Assignment.stage).selectinload(Stage.contest),
            )
            .order_by(Assignment.created_at, Assignment.id)
        )
    )
    items = [a for a in items if a.entry.disqualified_at is None]
    todo = [
        a for a in items if a.status is not AssignmentStatus.submitted and a.stage.closed_at is None
    ]
    done = [a for a in items if a not in todo]
    return todo, done


def get_judge_assignment(assignment_id: int, judge: User, *, lock: bool = False) -> Assignment:
    """The sheet, if it is ``judge``'s (P1); its row locked when ``lock`` (writes). Raises
    NotFound for anyone else's."""
    assignment = db.session.get(Assignment, assignment_id, with_for_update=lock or None)
    if (
        assignment is None
        or assignment.judge_id != judge.id
        or assignment.entry.disqualified_at is not None
    ):
        raise NotFound(_("Không tìm thấy phiếu chấm."))
    return assignment


def judged_version(entry: Entry) -> EntryVersion:
    version = entry.latest_version
    if version is None:
        raise NotFound(_("Bài dự thi chưa được nộp."))
    return version


def _lock_entry_sheets(assignment: Assignment) -> None:
    """Serialise the submissions of one entry's judges, so the discrepancy check always
    sees every other submitted sheet (two judges submitting at once)."""
    same_entry = (StageEntry.stage_id == assignment.stage_id) & (
        StageEntry.entry_id == assignment.entry_id
    )
    db.session.execute(select(StageEntry.id).where(same_entry).with_for_update())


def _store_points(assignment: Assignment, criteria: list, values: dict[int, int]) -> None:
    """Make the sheet's scores exactly ``values`` (blank criteria lose their score)."""
    by_criterion = {s.criterion_id: s for s in assignment.scores}
    for criterion in criteria:
        if criterion.id in values:
            if criterion.id in by_criterion:
                by_criterion[criterion.id].points_x100 = values[criterion.id]
            else:
                assignment.scores.append(
                    Score(criterion_id=criterion.id, points_x100=values[criterion.id])
                )
        elif criterion.id in by_criterion:
            assignment.scores.remove(by_criterion[criterion.id])


def save_scores(
    assignment: Assignment, raw: dict[int, str], comment: str, *, submit: bool, now: datetime
) -> Assignment:
    """Save a judge's sheet: points per criterion id (text as typed, "7,5" or "7.5"), and a
    comment. A draft may leave criteria blank; submitting needs them all and locks the
    sheet, then checks the entry for a discrepancy (adding a third judge if needed).

    Raises StageClosed, SheetSubmitted (409) and ValidationFailed (422) with one message
    per criterion (``score_<id>``).
    """
    stage = assignment.stage
    if stage.closed_at is not None:
        raise StageClosed()
    if assignment.status is AssignmentStatus.submitted:
        raise SheetSubmitted()
    if submit:
        _lock_entry_sheets(assignment)
    criteria = criteria_of(stage.contest)
    errors: dict[str, str] = {}
    values = essay_scores.read_sheet(criteria, raw, submit=submit, errors=errors)
    comment = (comment or "").replace("\r\n", "\n").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("Nhận xét dài tối đa %(max)s ký tự.", max=MAX_COMMENT)
    if errors:
        raise ValidationFailed(errors)
    _store_points(assignment, criteria, values)
    assignment.comment = comment
    assignment.saved_at = now
    assignment.status = AssignmentStatus.draft
    if submit:
        assignment.status = AssignmentStatus.submitted
        assignment.submitted_at = now
        assignment.total_x100 = sum(values.values())
    db.session.flush()
    if submit:
        check_discrepancy(stage, assignment.entry, now=now)
    return assignment


def _sheets(assignments: list[Assignment], first_criterion_id: int | None):
    sheets = []
    for a in assignments:
        if a.status is AssignmentStatus.submitted and a.total_x100 is not None:
            first = next(
                (s.points_x100 for s in a.scores if s.criterion_id == first_criterion_id), 0
            )
            sheets.append(judging.SheetTotal(a.total_x100, first, a.is_extra))
    return sheets


def outcome_of(
    stage: Stage,
    assignments: list[Assignment],
    settings: EssaySettings,
    first_criterion_id: int | None,
) -> judging.Outcome:
    """The entry's standing from its sheets in ``stage`` (one source of truth)."""
    return judging.aggregate(
        _sheets(assignments, first_criterion_id),
        expected_regular=sum(not a.is_extra for a in assignments),
        extra_assigned=any(a.is_extra for a in assignments),
        threshold_x100=settings.discrepancy_x100,
        rule=settings.discrepancy_rule.value,
    )


def check_discrepancy(stage: Stage, entry: Entry, *, now: datetime) -> Assignment | None:
    """After a sheet is submitted: if the regular judges' totals differ by more than the
    threshold and no third judge is on the entry yet, assign one automatically (eligible,
    least loaded). Returns the new assignment, or None."""
    settings = stage.contest.essay_settings
    assignments = list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.stage_id == stage.id, Assignment.entry_id == entry.id)
            .execution_options(populate_existing=True)
        )
    )
    criteria = criteria_of(stage.contest)
    outcome = outcome_of(stage, assignments, settings, criteria[0].id if criteria else None)
    if not outcome.needs_extra:
        return None
    judge_id = judging.pick_extra_judge(
        entry.participant.unit_id, {a.judge_id for a in assignments}, _slots(settings, stage)
    )
    if judge_id is None:
        return None
    extra = Assignment(
        stage_id=stage.id, entry_id=entry.id, judge_id=judge_id, is_extra=True, created_at=now
    )
    db.session.add(extra)
    db.session.flush()
    audit.record(None, "essay.third_judge", "essay_assignment", extra.id, now=now, code=entry.code)
    return extra


@dataclass
class ProgressRow:
    stage_entry: StageEntry
    assignments: list[Assignment]
    outcome: judging.Outcome

    @property
    def entry(self) -> Entry:
        return self.stage_entry.entry

    @property
    def no_extra_judge(self) -> bool:
        return self.outcome.needs_extra


def stage_progress(stage: Stage) -> list[ProgressRow]:
    """Every entry of the stage with its sheets and where it stands (organiser only)."""
    settings = stage.contest.essay_settings
    criteria = criteria_of(stage.contest)
    first_id = criteria[0].id if criteria else None
    by_entry: dict[int, list[Assignment]] = defaultdict(list)
    for a in stage_assignments(stage):
        by_entry[a.entry_id].append(a)
    rows = []
    excluded = exclusions.excluded_ids(settings.contest)
    for se in stage_entries(stage):
        if _excluded(se.entry, excluded):
            continue
        sheets = by_entry.get(se.entry_id, [])
        rows.append(ProgressRow(se, sheets, outcome_of(stage, sheets, settings, first_id)))
    return rows


def progress_counts(rows: list[ProgressRow]) -> dict[str, int]:
    sheets = [a for r in rows for a in r.assignments]
    return {
        "entries": len(rows),
        "final": sum(r.outcome.final_x100 is not None for r in rows),
        "sheets": len(sheets),
        "submitted": sum(a.status is AssignmentStatus.submitted for a in sheets),
        "discrepancies": sum(r.outcome.discrepancy for r in rows),
        "unassigned": sum(not r.assignments for r in rows),
    }
