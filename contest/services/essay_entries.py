"""Essay entries: the participant's drafts, files and submitted versions, and the
organiser's view of them (disqualify, restore). The file checks live in ``documents``."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload, undefer

from contest.extensions import db
from contest.models import Contest, Role, User
from contest.models.essay import (
    Assignment,
    AssignmentStatus,
    Entry,
    EntryStatus,
    EntryVersion,
    EssayFile,
    EssaySettings,
    FileKind,
)
from contest.services import audit, documents
from contest.services.errors import (
    EntryLimitReached,
    FileRefused,
    Forbidden,
    NotFound,
    SubmissionClosed,
    SubmissionNotOpen,
    ValidationFailed,
)
from contest.services.essay_contests import submission_state
from contest.services.i18n import _
from question_bank.text import normalise_text

# --- entries -------------------------------------------------------------------------------


# Mã phách: 8 characters without look-alikes (no 0/O, 1/I/L), about 8.5 × 10¹¹ codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
MAX_TITLE = 300


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
        raise NotFound(_("Không tìm thấy bài dự thi."))
    if entry.participant_id != user.id:
        raise Forbidden(_("Bài dự thi này không phải của bạn."))
    return entry


def get_entry(contest: Contest, entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.contest_id != contest.id:
        raise NotFound(_("Không tìm thấy bài dự thi."))
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
        raise Forbidden(_("Chỉ thí sinh mới gửi được bài dự thi."))
    _require_open(settings, now)
    count = db.session.scalar(
        select(func.count(Entry.id)).where(
            Entry.contest_id == contest.id, Entry.participant_id == participant.id
        )
    )
    if count >= settings.max_entries:
        raise EntryLimitReached(
            _(
                "Bạn đã có %(count)s bài dự thi trong cuộc thi này (tối đa %(max)s).",
                count=count,
                max=settings.max_entries,
            )
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
            _("Bài dự thi vừa được tạo ở một cửa sổ khác. Vui lòng tải lại trang.")
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
        errors["title"] = _("Tên bài dài tối đa %(max)s ký tự.", max=MAX_TITLE)
    text = _clean_text(text)
    if len(text) > documents.MAX_TEXT_CHARS:
        errors["text"] = _(
            "Bài viết quá dài (tối đa %(max)s ký tự).",
            max=documents.thousands(documents.MAX_TEXT_CHARS),
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
        raise FileRefused(_("Cuộc thi này không nhận bài bằng tệp Word (.docx)."))
    if doc.kind == "pdf" and not settings.allow_pdf:
        raise FileRefused(_("Cuộc thi này không nhận bài bằng tệp PDF."))
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
        problems["title"] = _("Vui lòng nhập tên bài dự thi.")
    if current is None and not settings.allow_online:
        problems["file"] = _("Cuộc thi này yêu cầu tải lên tệp bài viết.")
    if not entry.text.strip():
        if current is not None and current.kind is FileKind.pdf:
            problems["text"] = _(
                "Vui lòng dán hoặc gõ lại nội dung bài viết vào ô bên dưới: "
                "Ban Giám khảo chấm bài theo nội dung này."
            )
        else:
            problems["text"] = _("Bài viết chưa có nội dung.")
    elif settings.min_words and entry.word_count < settings.min_words:
        problems["text"] = _(
            "Bài viết có %(count)s chữ, ít hơn mức tối thiểu %(min)s chữ.",
            count=entry.word_count,
            min=settings.min_words,
        )
    elif settings.max_words and entry.word_count > settings.max_words:
        problems["text"] = _(
            "Bài viết có %(count)s chữ, vượt mức tối đa %(max)s chữ.",
            count=entry.word_count,
            max=settings.max_words,
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
        problems["declaration"] = _("Bạn cần cam kết bài viết là của chính mình trước khi nộp bài.")
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
        raise ValidationFailed({"reason": _("Vui lòng ghi lý do loại bài.")})
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


def load_file(stored_id: int) -> EssayFile:
    return db.session.scalar(
        select(EssayFile).options(undefer(EssayFile.data)).where(EssayFile.id == stored_id)
    )
