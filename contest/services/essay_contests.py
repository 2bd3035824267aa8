"""Essay contests: reading them, setting them up (settings, criteria, stages, panel; the
exclusion list lives in ``exclusions``). Plain functions with an explicit ``actor`` and
``now``; they flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from contest.extensions import db
from contest.models import Contest, ContestKind, Role, Unit, User
from contest.models.essay import (
    AdvanceRule,
    Criterion,
    DiscrepancyRule,
    EssaySettings,
    Score,
    Stage,
)
from contest.services import judging, rounds
from contest.services.errors import (
    NotFound,
    ValidationFailed,
)
from contest.services.i18n import _
from question_bank.text import normalise_text

DEFAULT_CRITERIA = [("Nội dung", 60), ("Hình thức", 20), ("Sáng tạo", 20)]
DEFAULT_STAGES = [
    {"name": "Sơ khảo", "rule": "top_k", "value": 10},
    {"name": "Chung khảo", "rule": None, "value": None},
]
DEFAULT_PRIZE_TIERS = [
    {"name": "Giải Nhất", "count": 1},
    {"name": "Giải Nhì", "count": 2},
    {"name": "Giải Ba", "count": 3},
    {"name": "Giải Khuyến khích", "count": 5},
]


# --- reading -------------------------------------------------------------------------------


def get_essay_contest(contest_id: int) -> Contest:
    contest = db.session.get(Contest, contest_id)
    if contest is None or contest.kind is not ContestKind.essay or contest.essay_settings is None:
        raise NotFound(_("Không tìm thấy cuộc thi viết."))
    return contest


def get_essay_contest_by_slug(slug: str, *, published_only: bool = True) -> Contest:
    contest = rounds.get_contest_by_slug(slug, published_only=published_only)
    if contest.kind is not ContestKind.essay or contest.essay_settings is None:
        raise NotFound(_("Không tìm thấy cuộc thi viết."))
    return contest


def list_essay_contests(*, published_only: bool = True) -> list[Contest]:
    return [
        c
        for c in rounds.list_contests(published_only=published_only, kind=ContestKind.essay)
        if c.essay_settings is not None
    ]


def get_stage(contest: Contest, stage_id: int) -> Stage:
    stage = db.session.get(Stage, stage_id)
    if stage is None or stage.contest_id != contest.id:
        raise NotFound(_("Không tìm thấy vòng chấm."))
    return stage


def stages_of(contest: Contest) -> list[Stage]:
    return list(
        db.session.scalars(
            select(Stage).where(Stage.contest_id == contest.id).order_by(Stage.position)
        )
    )


def previous_stage(stage: Stage) -> Stage | None:
    return db.session.scalar(
        select(Stage)
        .where(Stage.contest_id == stage.contest_id, Stage.position < stage.position)
        .order_by(Stage.position.desc())
    )


def next_stage(stage: Stage) -> Stage | None:
    return db.session.scalar(
        select(Stage)
        .where(Stage.contest_id == stage.contest_id, Stage.position > stage.position)
        .order_by(Stage.position)
    )


def criteria_of(contest: Contest) -> list[Criterion]:
    return list(
        db.session.scalars(
            select(Criterion).where(Criterion.contest_id == contest.id).order_by(Criterion.position)
        )
    )


def submission_state(settings: EssaySettings, now: datetime) -> str:
    """'upcoming', 'open' or 'closed' (the same words as a quiz round's state)."""
    if now < settings.opens_at:
        return "upcoming"
    return "open" if now < settings.closes_at else "closed"


# --- contest set-up ------------------------------------------------------------------------


@dataclass
class EssayContestInput:
    title: str = ""
    summary: str = ""
    rules_text: str = ""
    complaint_days: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    min_words: int | None = None
    max_words: int | None = None
    allow_online: bool = True
    allow_docx: bool = True
    allow_pdf: bool = True
    max_entries: int | None = 1
    judges_per_entry: int | None = 2
    discrepancy: str | Decimal | int = "20"
    discrepancy_rule: str = "third_judge"
    criteria: list[tuple[str, int]] = field(default_factory=lambda: list(DEFAULT_CRITERIA))
    # {"name", "rule": "top_k" | "cutoff" | None, "value": K or cut-off points}
    stages: list[dict] = field(default_factory=lambda: [dict(s) for s in DEFAULT_STAGES])
    prize_tiers: list[dict] = field(default_factory=lambda: [dict(t) for t in DEFAULT_PRIZE_TIERS])
    judge_ids: list[int] = field(default_factory=list)


def points_x100(value, *, step: int = 1) -> int | None:
    """'20', '20,5', '20.5' → hundredths; None when not a number as people type it (ASCII
    digits, one decimal comma or point: never "1e3", "NaN" or "٧") or not a multiple of
    ``step`` hundredths."""
    points = judging.parse_points_x100(value)
    return None if points is None or points % step else points


def _has_scores(contest: Contest) -> bool:
    return (
        db.session.scalar(
            select(func.count(Score.id))
            .join(Criterion, Score.criterion_id == Criterion.id)
            .where(Criterion.contest_id == contest.id)
        )
        > 0
    )


def _check_basics(data: EssayContestInput, errors: dict[str, str]) -> None:
    """Title, submission window and word limits."""
    if not normalise_text(data.title):
        errors["title"] = _("Vui lòng nhập tên cuộc thi.")
    if data.opens_at is None:
        errors["opens_at"] = _("Vui lòng chọn thời điểm bắt đầu nhận bài.")
    if data.closes_at is None:
        errors["closes_at"] = _("Vui lòng chọn hạn nộp bài.")
    elif data.opens_at and data.closes_at <= data.opens_at:
        errors["closes_at"] = _("Hạn nộp bài phải sau thời điểm bắt đầu nhận bài.")
    if data.min_words is not None and data.min_words < 0:
        errors["min_words"] = _("Số chữ tối thiểu không được âm.")
    if data.max_words is not None and data.max_words <= 0:
        errors["max_words"] = _("Số chữ tối đa phải lớn hơn 0.")
    elif (
        data.max_words is not None
        and data.min_words is not None
        and data.max_words < data.min_words
    ):
        errors["max_words"] = _("Số chữ tối đa phải không nhỏ hơn số chữ tối thiểu.")


def _check_submission(data: EssayContestInput, errors: dict[str, str]) -> None:
    """Allowed formats, entries per person and judges per entry."""
    if not (data.allow_online or data.allow_docx or data.allow_pdf):
        errors["allow_online"] = _("Vui lòng cho phép ít nhất một hình thức nộp bài.")
    if data.max_entries is None or not 1 <= data.max_entries <= 10:
        errors["max_entries"] = _("Số bài mỗi người được gửi phải từ 1 đến 10.")
    if data.judges_per_entry is None or not 1 <= data.judges_per_entry <= 5:
        errors["judges_per_entry"] = _("Số giám khảo chấm mỗi bài phải từ 1 đến 5.")


def _check_discrepancy(
    data: EssayContestInput, errors: dict[str, str]
) -> tuple[int | None, DiscrepancyRule]:
    """The allowed gap between judges (hundredths of a point) and what happens beyond it."""
    threshold = points_x100(data.discrepancy)
    if threshold is None or threshold < 0:
        errors["discrepancy"] = _("Độ lệch cho phép phải là một số không âm, ví dụ 20 hoặc 12,5.")
    try:
        rule = DiscrepancyRule(data.discrepancy_rule)
    except ValueError:
        errors["discrepancy_rule"] = _("Cách xử lý khi điểm lệch không hợp lệ.")
        rule = DiscrepancyRule.third_judge
    return threshold, rule


def _check_criteria(rows: list[tuple[str, int]], errors: dict[str, str]) -> list[tuple[str, int]]:
    """The rubric as (name, max points); stops at the first bad row."""
    criteria = []
    for name, max_points in rows:
        name = normalise_text(name)
        if not name or not isinstance(max_points, int) or not 1 <= max_points <= 1000:
            errors["criteria"] = _(
                "Mỗi tiêu chí cần tên và điểm tối đa là số nguyên từ 1 đến 1000."
            )
            break
        criteria.append((name[:200], max_points))
    if not criteria and "criteria" not in errors:
        errors["criteria"] = _("Vui lòng nhập ít nhất một tiêu chí chấm.")
    return criteria


def _stage_rule_error(name: str, raw_rule, raw_value) -> tuple[object, str | None]:
    """A non-final stage's advance value and, when it is not usable, the message."""
    if raw_rule == "top_k":
        if not isinstance(raw_value, int) or raw_value < 1:
            return raw_value, _(
                "Vòng «%(name)s»: số bài vào vòng sau phải là số nguyên dương.", name=name
            )
        return raw_value, None
    if raw_rule == "cutoff":
        value = points_x100(raw_value)
        if value is None or value < 0:
            return value, _("Vòng «%(name)s»: điểm sàn vào vòng sau không hợp lệ.", name=name)
        return value, None
    return None, _(
        "Vòng «%(name)s» chưa nói bao nhiêu bài vào vòng sau "
        "(ví dụ: Sơ khảo | 10 bài, hoặc Sơ khảo | từ 70 điểm).",
        name=name,
    )


def _check_stages(rows: list[dict], errors: dict[str, str]) -> list[tuple]:
    """Stages as (name, AdvanceRule or None, value); the last stage advances nobody.
    Stops at the first bad stage."""
    stages = []
    for index, stage in enumerate(rows):
        name = normalise_text(stage.get("name") or "")[:120]
        last = index == len(rows) - 1
        raw_rule = None if last else stage.get("rule")
        if not name:
            errors["stages"] = _("Mỗi vòng chấm cần có tên.")
            break
        value = None
        if not last:
            value, message = _stage_rule_error(name, raw_rule, stage.get("value"))
            if message:
                errors["stages"] = message
                break
        stages.append((name, AdvanceRule(raw_rule) if raw_rule else None, value))
    if not stages and "stages" not in errors:
        errors["stages"] = _("Vui lòng nhập ít nhất một vòng chấm.")
    return stages


def _check_prize_tiers(rows: list[dict], errors: dict[str, str]) -> list[dict]:
    """Prize tiers as {"name", "count"}; stops at the first bad tier."""
    tiers = []
    for tier in rows:
        name = normalise_text(tier.get("name") or "")[:120]
        count = tier.get("count")
        if not name or not isinstance(count, int) or count < 1:
            errors["prize_tiers"] = _("Mỗi giải cần tên và số lượng là số nguyên dương.")
            break
        tiers.append({"name": name, "count": count})
    return tiers


def _check_judges(judge_ids: list[int], errors: dict[str, str]) -> set[int]:
    """The chosen panel: every id must be a judge's account."""
    judges = set(judge_ids)
    if judges:
        found = set(
            db.session.scalars(select(User.id).where(User.id.in_(judges), User.role == Role.judge))
        )
        if found != judges:
            errors["judge_ids"] = _("Danh sách giám khảo có tài khoản không phải giám khảo.")
    return judges


@dataclass
class _Checked:
    """What validation produced, ready to apply."""

    threshold: int
    rule: DiscrepancyRule
    criteria: list[tuple[str, int]]
    stages: list[tuple]
    tiers: list[dict]
    judges: set[int]


def _validate(data: EssayContestInput, contest: Contest | None) -> _Checked:
    """Check every group of fields; raise ValidationFailed with one message per field."""
    errors: dict[str, str] = {}
    _check_basics(data, errors)
    _check_submission(data, errors)
    threshold, rule = _check_discrepancy(data, errors)
    criteria = _check_criteria(data.criteria, errors)
    stages = _check_stages(data.stages, errors)
    tiers = _check_prize_tiers(data.prize_tiers, errors)
    judges = _check_judges(data.judge_ids, errors)
    if contest is not None and contest.essay_settings is not None and not errors:
        errors.update(_frozen_changes(contest, criteria, stages))
    if errors:
        raise ValidationFailed(errors)
    return _Checked(threshold, rule, criteria, stages, tiers, judges)


def _apply_settings(
    contest: Contest, data: EssayContestInput, checked: _Checked, *, now: datetime
) -> EssaySettings:
    """Write the checked values on the contest's essay settings (created when missing)."""
    settings = contest.essay_settings
    if settings is None:
        settings = EssaySettings(contest_id=contest.id, created_at=now)
        db.session.add(settings)
    settings.opens_at, settings.closes_at = data.opens_at, data.closes_at
    settings.min_words, settings.max_words = data.min_words, data.max_words
    settings.allow_online, settings.allow_docx = data.allow_online, data.allow_docx
    settings.allow_pdf = data.allow_pdf
    settings.max_entries, settings.judges_per_entry = data.max_entries, data.judges_per_entry
    settings.discrepancy_x100, settings.discrepancy_rule = checked.threshold, checked.rule
    settings.prize_tiers = checked.tiers
    settings.judge_ids = sorted(checked.judges)
    return settings


def save_essay_contest(
    data: EssayContestInput, *, actor: User | None, now: datetime, contest: Contest | None = None
) -> Contest:
    """Create or edit an essay contest with its settings, rubric, stages and prizes.

    Raises ValidationFailed with one Vietnamese message per field. Once judges have scored,
    the rubric's criteria count and maxima are frozen, and stages already used stay.
    """
    checked = _validate(data, contest)
    contest = rounds.save_contest(
        rounds.ContestInput(
            title=data.title,
            summary=data.summary,
            rules_text=data.rules_text,
            kind="essay",
            starts_at=data.opens_at,
            ends_at=data.closes_at,
            complaint_days=data.complaint_days,
        ),
        actor=actor,
        now=now,
        contest=contest,
    )
    settings = _apply_settings(contest, data, checked, now=now)
    db.session.flush()
    _sync_criteria(contest, checked.criteria)
    _sync_stages(contest, checked.stages)
    db.session.flush()
    db.session.expire(settings, ["criteria", "stages"])
    return contest


def _frozen_changes(contest: Contest, criteria, stages) -> dict[str, str]:
    errors = {}
    existing = criteria_of(contest)
    if _has_scores(contest) and [c.max_points for c in existing] != [m for _, m in criteria]:
        errors["criteria"] = _(
            "Giám khảo đã chấm bài: không thể thay đổi số tiêu chí hoặc "
            "điểm tối đa, chỉ được sửa tên tiêu chí."
        )
    used = [s for s in stages_of(contest) if s.assigned_at is not None]
    if len(stages) < len(used):
        errors["stages"] = _("Không thể bỏ vòng chấm đã phân công giám khảo.")
    for stage, (_name, rule, value) in zip(used, stages, strict=False):
        if stage.closed_at is not None and (stage.advance_rule, stage.advance_value) != (
            rule,
            value,
        ):
            errors["stages"] = _(
                "Vòng «%(name)s» đã kết thúc: không thể đổi cách chọn bài.", name=stage.name
            )
    return errors


def _sync_criteria(contest: Contest, criteria: list[tuple[str, int]]) -> None:
    existing = criteria_of(contest)
    for position, (name, max_points) in enumerate(criteria):
        if position < len(existing):
            row = existing[position]
            row.name, row.max_points = name, max_points
        else:
            db.session.add(
                Criterion(
                    contest_id=contest.id, position=position, name=name, max_points=max_points
                )
            )
    for row in existing[len(criteria) :]:
        db.session.delete(row)


def _sync_stages(contest: Contest, stages) -> None:
    existing = stages_of(contest)
    for position, (name, rule, value) in enumerate(stages):
        if position < len(existing):
            row = existing[position]
        else:
            row = Stage(contest_id=contest.id, position=position)
            db.session.add(row)
        row.name, row.advance_rule, row.advance_value = name, rule, value
    for row in existing[len(stages) :]:
        db.session.delete(row)


def panel(settings: EssaySettings) -> list[User]:
    """The contest's judges: the chosen panel, or every active judge when none is chosen."""
    stmt = select(User).where(User.role == Role.judge, User.is_active_account.is_(True))
    if settings.judge_ids:
        stmt = stmt.where(User.id.in_(settings.judge_ids))
    return list(db.session.scalars(stmt.order_by(User.id)))


def list_judges() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.judge).order_by(User.full_name, User.id)
        )
    )


def unit_choices() -> list[Unit]:
    from contest.services.units import list_units

    return list_units()
