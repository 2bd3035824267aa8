"""Essay contests: setting them up, entries and their files, judging, stages and results.

Plain functions with an explicit ``actor`` and ``now``; they flush and never commit. The
pure rules (assignment, aggregation, ranking, prizes) live in ``judging``; file checks in
``documents``.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload, undefer

from contest.extensions import db
from contest.models import Contest, ContestKind, Role, Unit, User
from contest.models.essay import (
    AdvanceRule,
    Assignment,
    AssignmentStatus,
    Criterion,
    DiscrepancyRule,
    Entry,
    EntryStatus,
    EntryVersion,
    EssayFile,
    EssaySettings,
    FileKind,
    Score,
    Stage,
    StageEntry,
)
from contest.services import audit, documents, judging, rounds
from contest.services.errors import (  # noqa: F401 (raised here; callers catch them as essays.X)
    Conflict,
    DomainError,
    EntryLimitReached,
    FileRefused,
    Forbidden,
    NotFound,
    SheetSubmitted,
    StageClosed,
    SubmissionClosed,
    SubmissionNotOpen,
    ValidationFailed,
)
from question_bank.text import normalise_text

# Mã phách: 8 characters without look-alikes (no 0/O, 1/I/L), about 8.5 × 10¹¹ codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
MAX_TITLE = 300
MAX_COMMENT = 5000

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
RULE_TEXT = {
    DiscrepancyRule.third_judge: "điểm của giám khảo thứ ba là điểm chính thức",
    DiscrepancyRule.closest_two_mean: "điểm chính thức là trung bình cộng của hai kết quả "
    "gần nhau nhất",
}


# --- errors --------------------------------------------------------------------------------


# --- reading -------------------------------------------------------------------------------


def get_essay_contest(contest_id: int) -> Contest:
    contest = db.session.get(Contest, contest_id)
    if contest is None or contest.kind is not ContestKind.essay or contest.essay_settings is None:
        raise NotFound("Không tìm thấy cuộc thi viết.")
    return contest


def get_essay_contest_by_slug(slug: str, *, published_only: bool = True) -> Contest:
    contest = rounds.get_contest_by_slug(slug, published_only=published_only)
    if contest.kind is not ContestKind.essay or contest.essay_settings is None:
        raise NotFound("Không tìm thấy cuộc thi viết.")
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
        raise NotFound("Không tìm thấy vòng chấm.")
    return stage


def stages_of(contest: Contest) -> list[Stage]:
    return list(
        db.session.scalars(
            select(Stage).where(Stage.contest_id == contest.id).order_by(Stage.position)
        )
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
    excluded_user_ids: list[int] = field(default_factory=list)


def _points_x100(value, *, step: int = 1) -> int | None:
    """'20', '20,5', Decimal('20.5') → hundredths; None when not a number or not a
    multiple of ``step`` hundredths."""
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    scaled = number * 100
    if scaled != scaled.to_integral_value() or int(scaled) % step:
        return None
    return int(scaled)


def _has_scores(contest: Contest) -> bool:
    return (
        db.session.scalar(
            select(func.count(Score.id))
            .join(Criterion, Score.criterion_id == Criterion.id)
            .where(Criterion.contest_id == contest.id)
        )
        > 0
    )


def save_essay_contest(
    data: EssayContestInput, *, actor: User | None, now: datetime, contest: Contest | None = None
) -> Contest:
    """Create or edit an essay contest with its settings, rubric, stages and prizes.

    Raises ValidationFailed with one Vietnamese message per field. Once judges have scored,
    the rubric's criteria count and maxima are frozen, and stages already used stay.
    """
    errors: dict[str, str] = {}
    if not normalise_text(data.title):
        errors["title"] = "Vui lòng nhập tên cuộc thi."
    if data.opens_at is None:
        errors["opens_at"] = "Vui lòng chọn thời điểm bắt đầu nhận bài."
    if data.closes_at is None:
        errors["closes_at"] = "Vui lòng chọn hạn nộp bài."
    elif data.opens_at and data.closes_at <= data.opens_at:
        errors["closes_at"] = "Hạn nộp bài phải sau thời điểm bắt đầu nhận bài."
    if data.min_words is not None and data.min_words < 0:
        errors["min_words"] = "Số chữ tối thiểu không được âm."
    if data.max_words is not None and data.max_words <= 0:
        errors["max_words"] = "Số chữ tối đa phải lớn hơn 0."
    elif (
        data.max_words is not None
        and data.min_words is not None
        and data.max_words < data.min_words
    ):
        errors["max_words"] = "Số chữ tối đa phải không nhỏ hơn số chữ tối thiểu."
    if not (data.allow_online or data.allow_docx or data.allow_pdf):
        errors["allow_online"] = "Vui lòng cho phép ít nhất một hình thức nộp bài."
    if data.max_entries is None or not 1 <= data.max_entries <= 10:
        errors["max_entries"] = "Số bài mỗi người được gửi phải từ 1 đến 10."
    if data.judges_per_entry is None or not 1 <= data.judges_per_entry <= 5:
        errors["judges_per_entry"] = "Số giám khảo chấm mỗi bài phải từ 1 đến 5."
    threshold = _points_x100(data.discrepancy)
    if threshold is None or threshold < 0:
        errors["discrepancy"] = "Độ lệch cho phép phải là một số không âm, ví dụ 20 hoặc 12,5."
    try:
        rule = DiscrepancyRule(data.discrepancy_rule)
    except ValueError:
        errors["discrepancy_rule"] = "Cách xử lý khi điểm lệch không hợp lệ."
        rule = DiscrepancyRule.third_judge
    criteria = []
    for name, max_points in data.criteria:
        name = normalise_text(name)
        if not name or not isinstance(max_points, int) or not 1 <= max_points <= 1000:
            errors["criteria"] = "Mỗi tiêu chí cần tên và điểm tối đa là số nguyên từ 1 đến 1000."
            break
        criteria.append((name[:200], max_points))
    if not criteria and "criteria" not in errors:
        errors["criteria"] = "Vui lòng nhập ít nhất một tiêu chí chấm."
    stages = []
    for index, stage in enumerate(data.stages):
        name = normalise_text(stage.get("name") or "")[:120]
        last = index == len(data.stages) - 1
        raw_rule = None if last else stage.get("rule")
        if not name:
            errors["stages"] = "Mỗi vòng chấm cần có tên."
            break
        if not last:
            if raw_rule == "top_k":
                value = stage.get("value")
                if not isinstance(value, int) or value < 1:
                    errors["stages"] = (
                        f"Vòng «{name}»: số bài vào vòng sau phải là số nguyên dương."
                    )
                    break
            elif raw_rule == "cutoff":
                value = _points_x100(stage.get("value"))
                if value is None or value < 0:
                    errors["stages"] = f"Vòng «{name}»: điểm sàn vào vòng sau không hợp lệ."
                    break
            else:
                errors["stages"] = (
                    f"Vòng «{name}» chưa nói bao nhiêu bài vào vòng sau "
                    "(ví dụ: Sơ khảo | 10 bài, hoặc Sơ khảo | từ 70 điểm)."
                )
                break
        else:
            value = None
        stages.append((name, AdvanceRule(raw_rule) if raw_rule else None, value))
    if not stages and "stages" not in errors:
        errors["stages"] = "Vui lòng nhập ít nhất một vòng chấm."
    tiers = []
    for tier in data.prize_tiers:
        name = normalise_text(tier.get("name") or "")[:120]
        count = tier.get("count")
        if not name or not isinstance(count, int) or count < 1:
            errors["prize_tiers"] = "Mỗi giải cần tên và số lượng là số nguyên dương."
            break
        tiers.append({"name": name, "count": count})
    judges = set(data.judge_ids)
    if judges:
        found = set(
            db.session.scalars(select(User.id).where(User.id.in_(judges), User.role == Role.judge))
        )
        if found != judges:
            errors["judge_ids"] = "Danh sách giám khảo có tài khoản không phải giám khảo."
    if contest is not None and contest.essay_settings is not None and not errors:
        errors.update(_frozen_changes(contest, criteria, stages))
    if errors:
        raise ValidationFailed(errors)

    contest = rounds.save_contest(
        rounds.ContestInput(
            title=data.title,
            summary=data.summary,
            rules_text=data.rules_text,
            kind="essay",
            starts_at=data.opens_at,
            ends_at=data.closes_at,
        ),
        actor=actor,
        now=now,
        contest=contest,
    )
    settings = contest.essay_settings
    if settings is None:
        settings = EssaySettings(contest_id=contest.id, created_at=now)
        db.session.add(settings)
    settings.opens_at, settings.closes_at = data.opens_at, data.closes_at
    settings.min_words, settings.max_words = data.min_words, data.max_words
    settings.allow_online, settings.allow_docx = data.allow_online, data.allow_docx
    settings.allow_pdf = data.allow_pdf
    settings.max_entries, settings.judges_per_entry = data.max_entries, data.judges_per_entry
    settings.discrepancy_x100, settings.discrepancy_rule = threshold, rule
    settings.prize_tiers = tiers
    settings.judge_ids = sorted(judges)
    settings.excluded_user_ids = sorted(set(data.excluded_user_ids))
    db.session.flush()
    _sync_criteria(contest, criteria)
    _sync_stages(contest, stages)
    db.session.flush()
    db.session.expire(settings, ["criteria", "stages"])
    return contest


def _frozen_changes(contest: Contest, criteria, stages) -> dict[str, str]:
    errors = {}
    existing = criteria_of(contest)
    if _has_scores(contest) and [c.max_points for c in existing] != [m for _, m in criteria]:
        errors["criteria"] = (
            "Giám khảo đã chấm bài: không thể thay đổi số tiêu chí hoặc "
            "điểm tối đa, chỉ được sửa tên tiêu chí."
        )
    used = [s for s in stages_of(contest) if s.assigned_at is not None]
    if len(stages) < len(used):
        errors["stages"] = "Không thể bỏ vòng chấm đã phân công giám khảo."
    for stage, (_name, rule, value) in zip(used, stages, strict=False):
        if stage.closed_at is not None and (stage.advance_rule, stage.advance_value) != (
            rule,
            value,
        ):
            errors["stages"] = f"Vòng «{stage.name}» đã kết thúc: không thể đổi cách chọn bài."
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


def set_excluded(contest: Contest, user_ids: list[int], *, actor: User, now: datetime) -> None:
    contest.essay_settings.excluded_user_ids = sorted(set(user_ids))
    audit.record(actor, "essay.exclusions", "contest", contest.id, now=now, rows=len(set(user_ids)))


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


# --- entries -------------------------------------------------------------------------------


def new_code() -> str:
    """A random, unused mã phách (never derived from ids or times)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Entry.id).where(Entry.code == code)) is None:
            return code


def list_own_entries(user: User, contest: Contest | None = None) -> list[Entry]:
    stmt = select(Entry).where(Entry.participant_id == user.id)
    if contest is not None:
        stmt = stmt.where(Entry.contest_id == contest.id)
    return list(db.session.scalars(stmt.order_by(Entry.created_at.desc(), Entry.id.desc())))


def get_own_entry(entry_id: int, user: User, *, lock: bool = False) -> Entry:
    """The entry, if ``user`` wrote it (P1); its row locked when ``lock`` (writes).
    Raises NotFound or Forbidden."""
    entry = db.session.get(Entry, entry_id, with_for_update=lock or None)
    if entry is None:
        raise NotFound("Không tìm thấy bài dự thi.")
    if entry.participant_id != user.id:
        raise Forbidden("Bài dự thi này không phải của bạn.")
    return entry


def get_entry(contest: Contest, entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.contest_id != contest.id:
        raise NotFound("Không tìm thấy bài dự thi.")
    return entry


def _require_open(settings: EssaySettings, now: datetime) -> None:
    state = submission_state(settings, now)
    if state == "upcoming":
        raise SubmissionNotOpen()
    if state == "closed":
        raise SubmissionClosed()


def create_entry(contest: Contest, participant: User, *, now: datetime) -> Entry:
    """Start a new draft entry. Raises Forbidden (not a participant), SubmissionNotOpen,
    SubmissionClosed, EntryLimitReached."""
    settings = contest.essay_settings
    if participant.role is not Role.participant:
        raise Forbidden("Chỉ thí sinh mới gửi được bài dự thi.")
    _require_open(settings, now)
    count = db.session.scalar(
        select(func.count(Entry.id)).where(
            Entry.contest_id == contest.id, Entry.participant_id == participant.id
        )
    )
    if count >= settings.max_entries:
        raise EntryLimitReached(
            f"Bạn đã có {count} bài dự thi trong cuộc thi này (tối đa {settings.max_entries})."
        )
    entry = Entry(
        contest_id=contest.id,
        participant_id=participant.id,
        number=count + 1,
        code=new_code(),
        created_at=now,
        updated_at=now,
    )
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a concurrent request took the same number (C4)
        raise EntryLimitReached(
            "Bài dự thi vừa được tạo ở một cửa sổ khác. Vui lòng tải lại trang."
        ) from exc
    return entry


def _clean_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def has_docx(entry: Entry) -> bool:
    current = entry.current_file
    return current is not None and current.kind is FileKind.docx


def save_draft(
    entry: Entry, *, title: str, text: str, now: datetime, seq: int | None = None
) -> bool:
    """Save the working copy (autosave or the form). A save with a sequence number not newer
    than the last one is ignored (returns False). While a .docx is attached its text is the
    entry's text, so typed text is ignored.

    Raises SubmissionNotOpen, SubmissionClosed (410), ValidationFailed (too long).
    """
    _require_open(entry.contest.essay_settings, now)
    if seq is not None:
        if seq <= entry.autosave_seq:
            return False
        entry.autosave_seq = seq
    title = normalise_text(title)
    errors = {}
    if len(title) > MAX_TITLE:
        errors["title"] = f"Tên bài dài tối đa {MAX_TITLE} ký tự."
    text = _clean_text(text)
    if len(text) > documents.MAX_TEXT_CHARS:
        errors["text"] = f"Bài viết quá dài (tối đa {documents.MAX_TEXT_CHARS:,} ký tự).".replace(
            ",", "."
        )
    if errors:
        raise ValidationFailed(errors)
    entry.title = title
    if not has_docx(entry):
        entry.text = text
        entry.word_count = documents.count_words(text)
    entry.updated_at = now
    db.session.flush()
    return True


def attach_file(entry: Entry, data: bytes, *, filename: str, now: datetime) -> EssayFile:
    """Check and store an uploaded .docx or .pdf as the entry's file (the earlier one is kept
    for earlier versions). A .docx's text becomes the entry's text.

    Raises SubmissionNotOpen, SubmissionClosed, FileRefused (413 too large, 422 otherwise).
    """
    settings = entry.contest.essay_settings
    _require_open(settings, now)
    try:
        doc = documents.inspect_upload(data)
    except documents.UploadRefused as exc:
        raise FileRefused(exc.message, too_large=exc.too_large) from exc
    if doc.kind == "docx" and not settings.allow_docx:
        raise FileRefused("Cuộc thi này không nhận bài bằng tệp Word (.docx).")
    if doc.kind == "pdf" and not settings.allow_pdf:
        raise FileRefused("Cuộc thi này không nhận bài bằng tệp PDF.")
    for old in entry.files:
        old.is_current = False
    db.session.flush()
    stored = EssayFile(
        entry_id=entry.id,
        kind=FileKind(doc.kind),
        data=doc.data,
        size=len(doc.data),
        sha256=doc.sha256,
        original_name=normalise_text(filename)[:255],
        extracted_text=doc.text,
        is_current=True,
        created_at=now,
    )
    db.session.add(stored)
    entry.files.append(stored)
    if doc.text is not None:
        entry.text = doc.text
        entry.word_count = documents.count_words(doc.text)
    entry.updated_at = now
    db.session.flush()
    return stored


def remove_file(entry: Entry, *, now: datetime) -> None:
    """Detach the current file (kept for earlier versions). Raises SubmissionClosed…"""
    _require_open(entry.contest.essay_settings, now)
    for old in entry.files:
        old.is_current = False
    entry.updated_at = now
    db.session.flush()


def submission_problems(entry: Entry) -> dict[str, str]:
    """What still stops the working copy from being submitted (field → message)."""
    settings = entry.contest.essay_settings
    problems = {}
    current = entry.current_file
    if not entry.title:
        problems["title"] = "Vui lòng nhập tên bài dự thi."
    if current is None and not settings.allow_online:
        problems["file"] = "Cuộc thi này yêu cầu tải lên tệp bài viết."
    if not entry.text.strip():
        if current is not None and current.kind is FileKind.pdf:
            problems["text"] = (
                "Vui lòng dán hoặc gõ lại nội dung bài viết vào ô bên dưới: "
                "Ban Giám khảo chấm bài theo nội dung này."
            )
        else:
            problems["text"] = "Bài viết chưa có nội dung."
    elif settings.min_words and entry.word_count < settings.min_words:
        problems["text"] = (
            f"Bài viết có {entry.word_count} chữ, ít hơn mức tối thiểu {settings.min_words} chữ."
        )
    elif settings.max_words and entry.word_count > settings.max_words:
        problems["text"] = (
            f"Bài viết có {entry.word_count} chữ, vượt mức tối đa {settings.max_words} chữ."
        )
    return problems


def submit_entry(entry: Entry, *, declared: bool, now: datetime) -> EntryVersion:
    """Submit (or re-submit) the working copy: freezes a new version, which judges will read.

    Raises SubmissionNotOpen, SubmissionClosed (410) and ValidationFailed (no declaration
    of originality, no title, empty text, word limits, form not allowed).
    """
    _require_open(entry.contest.essay_settings, now)
    problems = submission_problems(entry)
    if not declared:
        problems["declaration"] = "Bạn cần cam kết bài viết là của chính mình trước khi nộp bài."
    if problems:
        raise ValidationFailed(problems)
    number = len(entry.versions) + 1
    current = entry.current_file
    version = EntryVersion(
        entry_id=entry.id,
        number=number,
        title=entry.title,
        text=entry.text,
        word_count=entry.word_count,
        file_id=current.id if current else None,
        submitted_at=now,
        declared_at=now,
    )
    db.session.add(version)
    entry.versions.append(version)
    entry.status = EntryStatus.submitted
    entry.submitted_at = entry.declared_at = now
    entry.updated_at = now
    db.session.flush()
    return version


def has_unsubmitted_changes(entry: Entry) -> bool:
    latest = entry.latest_version
    if latest is None:
        return False
    current = entry.current_file
    return (latest.title, latest.text, latest.file_id) != (
        entry.title,
        entry.text,
        current.id if current else None,
    )


def file_bytes(stored: EssayFile) -> bytes:
    return db.session.scalar(select(EssayFile.data).where(EssayFile.id == stored.id))


def download_name(entry: Entry, stored: EssayFile) -> str:
    """Files are always named by the entry's code, never by the uploaded name."""
    return f"{entry.code}.{stored.kind.value}"


def identity_warnings(entry: Entry, text: str | None = None, title: str | None = None) -> list[str]:
    """What in the entry (title and text) may reveal its author to judges (P2)."""
    author = entry.participant
    unit = author.unit
    title = entry.title if title is None else title
    body = f"{title}\n{entry.text if text is None else text}"
    return documents.identity_hits(
        body,
        full_name=author.full_name,
        phone=author.phone,
        email=author.email,
        id_number=author.id_number,
        unit_names=[unit.name] if unit else [],
    )


def disqualify(entry: Entry, reason: str, *, actor: User, now: datetime) -> None:
    """Take an entry out of judging and ranking (its unsubmitted sheets are deleted)."""
    reason = normalise_text(reason)
    if not reason:
        raise ValidationFailed({"reason": "Vui lòng ghi lý do loại bài."})
    entry.disqualified_at, entry.disqualified_reason = now, reason[:2000]
    for assignment in db.session.scalars(
        select(Assignment).where(
            Assignment.entry_id == entry.id, Assignment.status != AssignmentStatus.submitted
        )
    ):
        db.session.delete(assignment)
    audit.record(actor, "essay.disqualify", "essay_entry", entry.id, now=now, code=entry.code)
    db.session.flush()


def restore(entry: Entry, *, actor: User, now: datetime) -> None:
    entry.disqualified_at, entry.disqualified_reason = None, None
    audit.record(actor, "essay.restore", "essay_entry", entry.id, now=now, code=entry.code)
    db.session.flush()


def list_entries(contest: Contest) -> list[Entry]:
    return list(
        db.session.scalars(
            select(Entry)
            .where(Entry.contest_id == contest.id)
            .options(
                selectinload(Entry.participant).selectinload(User.unit),
                selectinload(Entry.versions),
                selectinload(Entry.files),
            )
            .order_by(Entry.submitted_at.is_(None), Entry.submitted_at, Entry.id)
        )
    )


# --- assignment ----------------------------------------------------------------------------


@dataclass
class AssignResult:
    created: int = 0
    short: list[str] = field(default_factory=list)  # codes that lack judges


def _excluded(entry: Entry, settings: EssaySettings) -> bool:
    return entry.disqualified_at is not None or entry.participant_id in set(
        settings.excluded_user_ids or []
    )


def _previous(stage: Stage) -> Stage | None:
    return db.session.scalar(
        select(Stage)
        .where(Stage.contest_id == stage.contest_id, Stage.position < stage.position)
        .order_by(Stage.position.desc())
    )


def _next(stage: Stage) -> Stage | None:
    return db.session.scalar(
        select(Stage)
        .where(Stage.contest_id == stage.contest_id, Stage.position > stage.position)
        .order_by(Stage.position)
    )


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


def assign_stage(
    stage: Stage, *, actor: User | None, now: datetime, seed: int | None = None
) -> AssignResult:
    """Give every entry of the stage its judges (automatic, balanced, no judge from the
    author's unit). For the first stage, the submitted entries join it first. Safe to run
    again: only missing judges are added.

    Raises Conflict before the submission deadline or after the stage is closed.
    """
    contest = stage.contest
    settings = contest.essay_settings
    if now < settings.closes_at:
        raise Conflict("Chỉ phân công chấm sau khi hết hạn nộp bài.")
    if stage.closed_at is not None:
        raise StageClosed("Vòng chấm này đã kết thúc.")
    if _previous(stage) is None:
        present = set(
            db.session.scalars(select(StageEntry.entry_id).where(StageEntry.stage_id == stage.id))
        )
        for entry in db.session.scalars(
            select(Entry).where(
                Entry.contest_id == contest.id, Entry.status == EntryStatus.submitted
            )
        ):
            if entry.id not in present and not _excluded(entry, settings):
                db.session.add(StageEntry(stage_id=stage.id, entry_id=entry.id, created_at=now))
        db.session.flush()
    elif stage.assigned_at is None and not db.session.scalar(
        select(func.count(StageEntry.id)).where(StageEntry.stage_id == stage.id)
    ):
        raise Conflict("Vòng trước chưa kết thúc nên chưa có bài vào vòng này.")
    members = [se for se in stage_entries(stage) if not _excluded(se.entry, settings)]
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
    slots = _slots(settings, stage)
    plan = judging.plan_assignments(
        needs, slots, seed=seed if seed is not None else secrets.randbits(32)
    )
    result = AssignResult()
    codes = {se.entry_id: se.entry.code for se in members}
    for entry_id, judge_ids in plan.pairs.items():
        for judge_id in judge_ids:
            db.session.add(
                Assignment(stage_id=stage.id, entry_id=entry_id, judge_id=judge_id, created_at=now)
            )
            result.created += 1
    result.short = sorted(codes[e] for e in plan.short)
    stage.assigned_at = stage.assigned_at or now
    db.session.flush()
    # A third judge that could not be found earlier (or was removed) is looked for again.
    for row in stage_progress(stage):
        if row.outcome.needs_extra and check_discrepancy(stage, row.entry, now=now):
            result.created += 1
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
        raise NotFound("Không tìm thấy phiếu chấm.")
    return assignment


def reassign(assignment: Assignment, judge_id: int, *, actor: User, now: datetime) -> None:
    """Move an unsubmitted sheet to another judge of the panel (draft scores are dropped).

    Raises Conflict (sheet already submitted, stage closed) and ValidationFailed (the judge
    is not on the panel, is from the author's unit, or already judges this entry).
    """
    if assignment.status is AssignmentStatus.submitted:
        raise Conflict("Phiếu chấm đã nộp, không thể chuyển cho giám khảo khác.")
    if assignment.stage.closed_at is not None:
        raise StageClosed()
    settings = assignment.stage.contest.essay_settings
    judge = next((j for j in panel(settings) if j.id == judge_id), None)
    if judge is None:
        raise ValidationFailed({"judge_id": "Người này không thuộc Ban Giám khảo cuộc thi."})
    author = assignment.entry.participant
    if judge.unit_id is not None and judge.unit_id == author.unit_id:
        raise ValidationFailed(
            {"judge_id": "Giám khảo cùng đơn vị với tác giả, không được chấm bài này."}
        )
    taken = db.session.scalar(
        select(func.count(Assignment.id)).where(
            Assignment.stage_id == assignment.stage_id,
            Assignment.entry_id == assignment.entry_id,
            Assignment.judge_id == judge_id,
        )
    )
    if taken:
        raise ValidationFailed({"judge_id": "Giám khảo này đã được phân công chấm bài này."})
    old = assignment.judge_id
    assignment.judge_id = judge_id
    assignment.scores.clear()
    assignment.status, assignment.total_x100, assignment.comment = (
        AssignmentStatus.assigned,
        None,
        "",
    )
    assignment.saved_at = None
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
        raise NotFound("Không tìm thấy phiếu chấm.")
    return assignment


def judged_version(entry: Entry) -> EntryVersion:
    version = entry.latest_version
    if version is None:
        raise NotFound("Bài dự thi chưa được nộp.")
    return version


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
        # Serialise the submissions of one entry's judges, so the discrepancy check always
        # sees every other submitted sheet (two judges submitting at once).
        db.session.execute(
            select(StageEntry.id)
            .where(StageEntry.stage_id == stage.id, StageEntry.entry_id == assignment.entry_id)
            .with_for_update()
        )
    criteria = criteria_of(stage.contest)
    errors: dict[str, str] = {}
    values: dict[int, int] = {}
    for criterion in criteria:
        text = (raw.get(criterion.id) or "").strip()
        key = f"score_{criterion.id}"
        if not text:
            if submit:
                errors[key] = f"Vui lòng cho điểm tiêu chí «{criterion.name}»."
            continue
        points = _points_x100(text, step=25)
        if points is None or not 0 <= points <= criterion.max_points * 100:
            errors[key] = (
                f"Điểm «{criterion.name}» phải từ 0 đến {criterion.max_points}, "
                "bước 0,25 (ví dụ 7,25)."
            )
            continue
        values[criterion.id] = points
    comment = (comment or "").replace("\r\n", "\n").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = f"Nhận xét dài tối đa {MAX_COMMENT} ký tự."
    if errors:
        raise ValidationFailed(errors)
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
    for se in stage_entries(stage):
        if _excluded(se.entry, settings):
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


def close_stage(
    stage: Stage, *, actor: User, now: datetime, seed: int | None = None
) -> list[StageEntry]:
    """Close a stage once every entry has a final score: rank its entries; for a stage
    before the last, advance the top K (or those at or above the cut-off) to the next stage
    and assign them fresh judges; for the last stage, award the prizes.

    Raises StageClosed, Conflict (earlier stage still open, or scores missing).
    """
    if stage.closed_at is not None:
        raise StageClosed("Vòng chấm này đã kết thúc.")
    previous = _previous(stage)
    if previous is not None and previous.closed_at is None:
        raise Conflict(f"Vòng «{previous.name}» chưa kết thúc.")
    rows = stage_progress(stage)
    if not rows:
        raise Conflict("Vòng chấm chưa có bài nào. Hãy phân công chấm trước.")
    missing = [r.entry.code for r in rows if r.outcome.final_x100 is None]
    if missing:
        raise Conflict(
            f"Còn {len(missing)} bài chưa có điểm cuối cùng (ví dụ mã phách "
            f"{', '.join(missing[:5])}). Hãy chờ giám khảo chấm xong."
        )
    records = []
    by_entry = {}
    for row in rows:
        version = judged_version(row.entry)
        records.append(
            judging.RankRecord(
                row.entry.id,
                row.entry.participant_id,
                row.outcome.final_x100,
                row.outcome.first_x100,
                version.submitted_at,
            )
        )
        by_entry[row.entry.id] = row.stage_entry
    ranked = judging.rank(records)
    nxt = _next(stage)
    moving = (
        judging.advancing(
            ranked, stage.advance_rule.value if stage.advance_rule else None, stage.advance_value
        )
        if nxt
        else set()
    )
    prizes = {} if nxt else judging.award(ranked, stage.contest.essay_settings.prize_tiers)
    for position, record in enumerate(ranked, start=1):
        se = by_entry[record.entry_id]
        se.final_x100, se.first_x100, se.rank = record.final_x100, record.first_x100, position
        se.advanced = record.entry_id in moving
        se.prize = prizes.get(record.entry_id)
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
        for entry_id in sorted(moving):
            db.session.add(StageEntry(stage_id=nxt.id, entry_id=entry_id, created_at=now))
        db.session.flush()
        if moving:
            assign_stage(nxt, actor=actor, now=now, seed=seed)
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
        raise Conflict("Vòng chấm cuối chưa kết thúc nên chưa thể công bố kết quả.")
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


def export_entries(contest: Contest, *, actor: User, now: datetime) -> bytes:
    """The organisers' list with names and contact details (full PII: audited, E3)."""
    from question_bank.xlsx import Sheet, write_workbook

    stages = stages_of(contest)
    results = _results_by_entry(contest)
    rows = []
    for entry in list_entries(contest):
        if entry.status is not EntryStatus.submitted:
            continue
        author = entry.participant
        per_stage = results.get(entry.id, {})
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
        rows.append(row)
    header = [
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
    data = write_workbook(
        [
            Sheet(
                title="Danh sách bài dự thi",
                header=header,
                rows=rows,
                title_rows=[
                    contest.title,
                    "Danh sách bài dự thi (tài liệu nội bộ — có thông tin cá nhân)",
                ],
                widths=[12, 26, 12, 14, 26, 34, 40, 9, 18, 9],
            )
        ]
    )
    audit.record(actor, "essay.export_entries", "contest", contest.id, now=now, rows=len(rows))
    return data


def export_scores(contest: Contest, *, actor: User, now: datetime) -> bytes:
    """Each entry's sheets by criterion, per stage, with judges' names (audited, E3)."""
    from question_bank.xlsx import Sheet, write_workbook

    criteria = criteria_of(contest)
    sheets = []
    for stage in stages_of(contest):
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
        sheets.append(
            Sheet(
                title=stage.name,
                header=header,
                rows=rows,
                wrap=True,
                title_rows=[contest.title, f"Phiếu chấm — {stage.name}"],
            )
        )
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


STATUS_TEXT = {
    AssignmentStatus.assigned: "Chưa chấm",
    AssignmentStatus.draft: "Đang chấm",
    AssignmentStatus.submitted: "Đã nộp",
}


def _local(value: datetime | None) -> str:
    from contest.services.formatting import format_datetime_vn

    return format_datetime_vn(value, "%d/%m/%Y %H:%M") if value else ""


def unit_choices() -> list[Unit]:
    from contest.services.units import list_units

    return list_units()


def find_users(lines: list[str]) -> tuple[list[int], list[str]]:
    """Resolve lines of email or phone to user ids; returns (ids, lines not found)."""
    from contest.services.vn import normalise_phone

    ids, missing = [], []
    for line in lines:
        value = line.strip()
        if not value:
            continue
        phone = normalise_phone(value)
        user = db.session.scalar(
            select(User).where(
                (User.phone == phone) if phone else (func.lower(User.email) == value.lower())
            )
        )
        if user is None:
            missing.append(value)
        else:
            ids.append(user.id)
    return ids, missing


def excluded_users(settings: EssaySettings) -> list[User]:
    if not settings.excluded_user_ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(settings.excluded_user_ids))))


def load_file(stored_id: int) -> EssayFile:
    return db.session.scalar(
        select(EssayFile).options(undefer(EssayFile.data)).where(EssayFile.id == stored_id)
    )
