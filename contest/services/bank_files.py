"""Question bank files: check an uploaded ``.xlsx``, ``.docx`` or ``.zip`` (an ``.xlsx`` with
its pictures), keep it between preview and confirm (``bank_staging``), preview and save an
import (all or nothing, in bulk, pictures included), export a bank (with its pictures:
a ``.zip`` for Excel, embedded for Word), give the templates.

Plain functions over the models and ``question_bank``: they take an explicit ``actor`` and
``now``, flush but never commit, and raise ``ImportFailed`` (row errors, nothing saved),
``NotFound`` (a staged upload gone) or ``UnreadableFile`` (re-exported from
``question_bank``) for a file that cannot be read safely.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Insert, bindparam, insert, literal_column, null, select, true
from sqlalchemy.orm import selectinload

import question_bank
from contest.extensions import db
from contest.models import Difficulty, Option, Question, QuestionBank, User
from contest.models.question import QuestionImage
from contest.services import audit, question_images
from contest.services.bank_staging import (
    STAGING_TTL,
    discard_staged,
    purge_staged,
    read_staged,
    stage_upload,
)
from contest.services.banks import CountTable
from contest.services.errors import ImportFailed
from contest.services.i18n import _
from contest.services.papers import invalidate_pool
from question_bank import Duplicate, ParsedQuestion, RowError, UnreadableFile, fold

__all__ = [
    "MAX_FILE_BYTES",
    "STAGING_TTL",
    "FileTooLarge",
    "ImportPreview",
    "ImportResult",
    "UnreadableFile",
    "check_upload",
    "docx_template_bytes",
    "empty_upload_message",
    "discard_staged",
    "export_bank",
    "export_filename",
    "import_questions",
    "list_export_questions",
    "preview_import",
    "purge_staged",
    "read_staged",
    "save_import",
    "stage_upload",
    "template_bytes",
    "too_large_message",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
# Rows per INSERT batch: bounded memory, and a progress callback between batches.
CHUNK = 1000


# --- checking and previewing ------------------------------------------------------------------


@dataclass
class ImportPreview:
    """What importing a file would do: ``questions`` to add, row ``errors``, skipped
    ``duplicates`` (within the file or already in the bank) and ``counts`` of the questions
    to add per topic × difficulty. Nothing can be imported unless ``ok``.
    """

    questions: list[ParsedQuestion]
    errors: list[RowError]
    duplicates: list[Duplicate]
    rows_read: int
    counts: CountTable
    kind: str = "xlsx"  # or "docx" (rows are then question numbers), or "zip"
    pictures: question_images.PictureCache | None = None  # checked once, saved on confirm

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportResult:
    imported: int
    duplicates: int


class FileTooLarge(UnreadableFile):
    """The file is larger than ``MAX_FILE_BYTES``."""


def too_large_message() -> str:
    """The message for a file over ``MAX_FILE_BYTES`` (translated)."""
    return _(
        "Tệp quá lớn. Vui lòng tải lên tệp không quá %(size)s MB.",
        size=MAX_FILE_BYTES // (1024 * 1024),
    )


def empty_upload_message() -> str:
    return _("Vui lòng chọn tệp Excel (.xlsx) hoặc Word (.docx) để tải lên.")


def check_upload(data: bytes, filename: str = "") -> str:
    """Cheap checks on an uploaded bank before it is kept: size, type by content (a plain
    ``.xlsx`` or ``.docx``, not ``.xlsm``/``.docm``, ``.xls``/``.doc``, CSV or a renamed
    file) and the zip-bomb gate. Returns the kind, ``"xlsx"`` or ``"docx"``.

    Raises ``FileTooLarge`` or ``question_bank.UnreadableFile`` (translated ``message``).
    """
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge(too_large_message())
    if not data:
        raise UnreadableFile(empty_upload_message())
    return question_bank.check_bank_file(data, max_bytes=MAX_FILE_BYTES, filename=filename)


def template_bytes() -> bytes:
    """The blank bank template (``.xlsx`` bytes) with its instructions sheet."""
    return question_bank.template_bytes()


def docx_template_bytes() -> bytes:
    """The Word template (``.docx`` bytes): the rules, then two example questions."""
    return question_bank.docx_template_bytes()


def current_keys(bank: QuestionBank | None) -> set[str]:
    """De-duplication keys of the bank's current questions (active or not)."""
    if bank is None or bank.id is None:
        return set()
    return set(
        db.session.scalars(
            select(Question.key).where(Question.bank_id == bank.id, Question.is_current)
        )
    )


def preview_import(bank: QuestionBank | None, data: bytes, filename: str = "") -> ImportPreview:
    """Parse and validate an ``.xlsx`` or ``.docx`` bank (told by content; ``filename`` only
    decides for a file that is neither) against ``bank`` (``None``: a bank yet to be created)
    without saving anything.

    Raises ``question_bank.UnreadableFile`` for a refused or unreadable file.
    """
    pictures = question_images.PictureCache()
    kind, parsed = question_bank.parse_bank_file(
        data, existing_keys=current_keys(bank), filename=filename, identify=pictures.identify
    )
    counts = CountTable()
    for q in parsed.questions:
        counts.add(q.topic, q.difficulty)
    return ImportPreview(
        questions=parsed.questions,
        errors=parsed.errors,
        duplicates=parsed.duplicates,
        rows_read=parsed.rows_read,
        counts=counts,
        kind=kind,
        pictures=pictures,
    )


# --- saving in bulk ---------------------------------------------------------------------------


def _driver_value(column: Column, value: Any) -> Any:
    """``value`` converted for the database driver as SQLAlchemy binds it for ``column``."""
    dialect = db.session.get_bind().dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return value if process is None else process(value)


def _executemany(
    statement: Insert,
    keys: Sequence[str],
    rows: list[tuple[Any, ...]],
    shared: Mapping[str, Any] | None = None,
) -> None:
    """Run an INSERT once per row with the database driver's own ``executemany``.

    SQLAlchemy's executemany builds and converts every parameter of every row in Python,
    which was half of the time of inserting a 10,000-question bank. Here the statement is
    compiled once for the session's connection; each row holds, in the order of ``keys``,
    values the driver takes as they are (``str``, ``int``, ``None``, or converted once with
    ``_driver_value``); ``shared`` holds the other bound parameters, the same for every row.
    """
    if not rows:
        return
    connection = db.session.connection()
    shared = shared or {}
    # inline(): no implicit RETURNING of the new id (PostgreSQL), as in an executemany.
    compiled = statement.inline().compile(dialect=connection.dialect, column_keys=list(keys))
    if compiled.positional:  # SQLite: "?" placeholders, in the statement's order
        names = list(compiled.positiontup or ())
        if names == list(keys):
            parameters: list[Any] = rows
        else:
            index = {key: i for i, key in enumerate(keys)}
            picks = [
                (index[name], None) if name in index else (None, shared[name]) for name in names
            ]
            parameters = [
                tuple(row[i] if i is not None else value for i, value in picks) for row in rows
            ]
    else:  # PostgreSQL (psycopg): named placeholders
        parameters = [{**shared, **dict(zip(keys, row, strict=True))} for row in rows]
    connection.exec_driver_sql(compiled.string, parameters)


class _BulkWriter:
    """Inserts batches of new questions and their options into one bank.

    One executemany per batch, without RETURNING (which SQLite runs one row at a time when
    the order must be kept): the new ids are read back by key, unique among current
    versions. What every row shares is written into the statement once (integers and
    booleans as SQL literals, the timestamp as one parameter).
    """

    QUESTION_KEYS = (
        "topic",
        "difficulty",
        "text",
        "explanation",
        "search_key",
        "key",
        "image_id",
        "image_alt",
    )
    OPTION_KEYS = ("question_id", "position", "text", "is_correct")

    def __init__(
        self,
        bank: QuestionBank,
        *,
        actor: User | None,
        now: datetime,
        pictures: question_images.PictureCache | None = None,
    ):
        questions, options = Question.__table__, Option.__table__
        self.pictures = pictures or question_images.PictureCache()
        self.bank_id = bank.id
        self.questions, self.options = questions, options
        stamp = bindparam("imported_at", type_=questions.c.created_at.type)
        self.insert_questions = insert(questions).values(
            bank_id=literal_column(str(int(bank.id))),
            is_active=true(),
            is_current=true(),
            version=literal_column("1"),
            author_id=literal_column(str(int(actor.id))) if actor else null(),
            created_at=stamp,
            updated_at=stamp,
        )
        self.shared = {"imported_at": _driver_value(questions.c.created_at, now)}
        self.difficulties = {d.value: _driver_value(questions.c.difficulty, d) for d in Difficulty}
        self.correct = {flag: _driver_value(options.c.is_correct, flag) for flag in (False, True)}
        # A bare "questions.is_current" (SQLAlchemy writes "is_current = 1" on SQLite) lets
        # SQLite use the partial unique index on (bank_id, key) WHERE is_current.
        self.is_current = literal_column(f"{questions.name}.{questions.c.is_current.name}")

    def write(self, chunk: Sequence[ParsedQuestion]) -> None:
        """Insert one batch: its new pictures, the questions, their ids read back, then their
        options."""
        image_ids = {
            id(q): self.pictures.save(q.picture.data).id for q in chunk if q.picture is not None
        }
        _executemany(
            self.insert_questions,
            self.QUESTION_KEYS,
            [
                (
                    q.topic,
                    self.difficulties[q.difficulty],
                    q.text,
                    q.explanation,
                    fold(q.text),
                    q.key,
                    image_ids.get(id(q)),
                    q.picture.alt if q.picture is not None else "",
                )
                for q in chunk
            ],
            self.shared,
        )
        ids = self._new_ids(chunk)
        _executemany(
            insert(self.options),
            self.OPTION_KEYS,
            [
                (ids[q.key], position, text, self.correct[position in q.correct])
                for q in chunk
                for position, text in enumerate(q.options)
            ],
        )

    def _new_ids(self, chunk: Sequence[ParsedQuestion]) -> dict[str, int]:
        c = self.questions.c
        return dict(
            db.session.execute(
                select(c.key, c.id).where(
                    c.bank_id == self.bank_id,
                    self.is_current,
                    c.key.in_([q.key for q in chunk]),
                )
            ).all()
        )


def save_import(
    bank: QuestionBank,
    preview: ImportPreview,
    *,
    actor: User | None,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
    upload: str | None = None,
) -> ImportResult:
    """Insert the questions of a ``preview`` into ``bank`` in bulk, all or nothing.

    ``progress(done, total)`` is called after each batch. Raises ``ImportFailed`` (with the
    row errors) when the preview has any error; nothing is then added. ``upload`` (a staged
    upload's token) is kept in the audit entry, committed with the questions: the marker
    by which a retried import job knows it already ran.
    """
    if not preview.ok:
        raise ImportFailed(preview.errors)
    total = len(preview.questions)
    writer = _BulkWriter(bank, actor=actor, now=now, pictures=preview.pictures)
    done = 0
    for start in range(0, total, CHUNK):
        chunk = preview.questions[start : start + CHUNK]
        writer.write(chunk)
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    db.session.expire(bank, ["questions"])
    audit.record(
        actor,
        "bank.import",
        "question_bank",
        bank.id,
        now=now,
        imported=total,
        duplicates=len(preview.duplicates),
        rows=preview.rows_read,
        **({"upload": upload} if upload else {}),
    )
    invalidate_pool()  # rounds drawing from this bank see the change
    return ImportResult(imported=total, duplicates=len(preview.duplicates))


def import_questions(
    bank: QuestionBank,
    data: bytes,
    *,
    actor: User | None,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import an ``.xlsx`` or ``.docx`` file into ``bank``: every valid row or nothing.

    Duplicates (within the file or of a current question of the bank) are skipped and
    counted. Raises ``ImportFailed`` with every row error (nothing saved) and
    ``question_bank.UnreadableFile`` for a refused or unreadable file.
    """
    return save_import(bank, preview_import(bank, data), actor=actor, now=now, progress=progress)


# --- exporting --------------------------------------------------------------------------------


def list_export_questions(bank: QuestionBank, *, pictures: bool = False) -> list[Question]:
    """The questions an export contains: current, active versions, oldest first (with their
    pictures' bytes when ``pictures``)."""
    load = [selectinload(Question.options)]
    if pictures:
        load.append(selectinload(Question.image).undefer(QuestionImage.data))
    return list(
        db.session.scalars(
            select(Question)
            .options(*load)
            .where(Question.bank_id == bank.id, Question.is_current, Question.is_active)
            .order_by(Question.id)
        )
    )


def has_pictures(bank: QuestionBank) -> bool:
    """True when a question an export contains has a picture."""
    return bool(
        db.session.scalar(
            select(Question.id)
            .where(
                Question.bank_id == bank.id,
                Question.is_current,
                Question.is_active,
                Question.image_id.is_not(None),
            )
            .limit(1)
        )
    )


def export_format(bank: QuestionBank, fmt: str) -> str:
    """What the organiser's «Xuất Excel» writes: ``"zip"`` (the workbook with its pictures)
    when the bank has pictures, else ``fmt``."""
    return "zip" if fmt == "xlsx" and has_pictures(bank) else fmt


def export_filename(bank: QuestionBank, fmt: str = "xlsx") -> str:
    """A safe ASCII download name for a bank's export, e.g. ``ngan-hang-cau-hoi-mau.xlsx``
    (``fmt`` ``"docx"`` or ``"zip"``: ``….docx``, ``….zip``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(bank.name)).strip("-")[:60] or "ngan-hang"
    return f"{slug}.{fmt if fmt in ('docx', 'zip') else 'xlsx'}"


def _picture(q: Question, fmt: str) -> question_bank.Picture | None:
    if fmt not in ("zip", "docx") or q.image is None:
        return None
    name = f"hinh/{q.image.file_name}"
    return question_bank.Picture(name, q.image.data, q.image.sha256, q.image_alt)


def export_bank(
    bank: QuestionBank, *, actor: User | None, now: datetime, fmt: str = "xlsx"
) -> bytes:
    """The bank's active questions in the import template (``.xlsx`` bytes), with
    ``fmt="zip"`` the same workbook with the «Hình ảnh» columns in a ``.zip`` with the
    pictures (``hinh/<sha256>.<ext>``), or with ``fmt="docx"`` in the Word form (``Câu 1: …
    Đáp án: B``, pictures embedded with their alt text); audited.

    Re-importing the file gives back the same questions (topic, difficulty, text, options,
    correct set, explanation, and for zip and docx the picture and its alt text: the stored
    bytes are recognised, never re-encoded).
    """
    questions = list_export_questions(bank, pictures=fmt in ("zip", "docx"))
    rows = [
        ParsedQuestion(
            row=0,
            topic=q.topic,
            difficulty=q.difficulty.value,
            text=q.text,
            options=q.option_texts,
            correct=q.correct,
            explanation=q.explanation,
            key=q.key,
            picture=_picture(q, fmt),
        )
        for q in questions
    ]
    audit.record(
        actor, "bank.export", "question_bank", bank.id, now=now, questions=len(rows), format=fmt
    )
    if fmt == "docx":
        return question_bank.export_docx(rows, title=bank.name)
    workbook = question_bank.export_bank(rows)
    if fmt != "zip":
        return workbook
    pictures = [q.picture for q in rows if q.picture is not None]
    sheet_name = export_filename(bank, "xlsx")
    return question_bank.write_bundle(workbook, pictures, sheet_name=sheet_name)
