"""Question banks: create banks, import and export Excel files, search and edit questions.

Plain functions over the models and ``question_bank``: they take an explicit ``actor`` and
``now``, flush but never commit (the view or CLI command commits once), and raise named
errors (``ValidationFailed``, ``ImportFailed``, ``NotFound``) or ``UnreadableFile``
(re-exported from ``question_bank``) for a file that cannot be read safely.

Versioning of questions is described in docs/question-versions.md.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Insert, bindparam, func, insert, literal_column, null, select, true
from sqlalchemy.orm import selectinload

import question_bank
from contest.extensions import db
from contest.models import Difficulty, Option, Question, QuestionBank, User
from contest.services import audit
from contest.services.attempts import invalidate_pool
from contest.services.errors import ImportFailed, NotFound, ValidationFailed
from question_bank import (
    Candidate,
    Duplicate,
    ParsedQuestion,
    RowError,
    UnreadableFile,
    dedup_key,
    fold,
)
from question_bank.bank import MAX_EXPLANATION, MAX_OPTION, MAX_OPTIONS, MAX_TEXT, MAX_TOPIC
from question_bank.text import normalise_text

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_BANK_NAME = 200
MAX_DESCRIPTION = 2000
STAGING_TTL = timedelta(hours=1)
PER_PAGE = 20
DIFFICULTIES = list(Difficulty)
LETTERS = "ABCDEF"
# Rows per INSERT batch: bounded memory, and a progress callback between batches.
CHUNK = 1000


# --- counts ---------------------------------------------------------------------------------


@dataclass
class CountTable:
    """Number of questions per topic × difficulty (``cells[(topic, difficulty value)]``)."""

    cells: dict[tuple[str, str], int] = field(default_factory=dict)
    inactive: int = 0

    def add(self, topic: str, difficulty: str | Difficulty, n: int = 1) -> None:
        value = difficulty.value if isinstance(difficulty, Difficulty) else difficulty
        self.cells[(topic, value)] = self.cells.get((topic, value), 0) + n

    @property
    def topics(self) -> list[str]:
        return sorted({topic for topic, _ in self.cells}, key=lambda t: (fold(t), t))

    def row(self, topic: str) -> list[int]:
        """Counts of ``topic`` for Dễ, Trung bình, Khó, then the topic's total."""
        values = [self.cells.get((topic, d.value), 0) for d in DIFFICULTIES]
        return [*values, sum(values)]

    @property
    def totals(self) -> list[int]:
        """Counts per difficulty over every topic, then the grand total."""
        values = [
            sum(n for (_, d), n in self.cells.items() if d == level.value) for level in DIFFICULTIES
        ]
        return [*values, sum(values)]

    @property
    def total(self) -> int:
        return sum(self.cells.values())


def count_questions(bank_ids: Iterable[int] | None = None) -> dict[int, CountTable]:
    """Active questions per bank, topic and difficulty (current versions only).

    Returns ``{bank_id: CountTable}`` with an entry for every bank asked for (or every bank);
    ``CountTable.inactive`` counts the deactivated questions.
    """
    stmt = (
        select(
            Question.bank_id, Question.topic, Question.difficulty, Question.is_active, func.count()
        )
        .where(Question.is_current)
        .group_by(Question.bank_id, Question.topic, Question.difficulty, Question.is_active)
    )
    if bank_ids is not None:
        bank_ids = list(bank_ids)
        stmt = stmt.where(Question.bank_id.in_(bank_ids))
    else:
        bank_ids = list(db.session.scalars(select(QuestionBank.id)))
    tables = {bank_id: CountTable() for bank_id in bank_ids}
    for bank_id, topic, difficulty, is_active, n in db.session.execute(stmt):
        table = tables.setdefault(bank_id, CountTable())
        if is_active:
            table.add(topic, difficulty, n)
        else:
            table.inactive += n
    return tables


# --- banks ----------------------------------------------------------------------------------


def list_banks() -> list[QuestionBank]:
    """Every bank, by name."""
    return list(db.session.scalars(select(QuestionBank).order_by(QuestionBank.name)))


def get_bank(bank_id: int) -> QuestionBank:
    """The bank with ``bank_id``; raises ``NotFound``."""
    bank = db.session.get(QuestionBank, bank_id)
    if bank is None:
        raise NotFound("Không tìm thấy ngân hàng câu hỏi này.")
    return bank


def get_bank_by_name(name: str) -> QuestionBank | None:
    """The bank named ``name``, or ``None``. Names compare ignoring case, diacritics and
    spacing, which is unambiguous because bank names are unique that way too.
    """
    name = normalise_text(name)
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.name == name))
    if bank is None and name:
        key = fold(name)
        bank = next((b for b in list_banks() if fold(b.name) == key), None)
    return bank


def _check_bank_fields(name: str, description: str, *, exclude_id: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Vui lòng nhập tên ngân hàng câu hỏi."
    elif len(name) > MAX_BANK_NAME:
        errors["name"] = f"Tên ngân hàng dài tối đa {MAX_BANK_NAME} ký tự."
    else:
        key = fold(name)
        for other_id, other_name in db.session.execute(select(QuestionBank.id, QuestionBank.name)):
            if other_id != exclude_id and fold(other_name) == key:
                errors["name"] = f"Đã có ngân hàng tên «{other_name}». Vui lòng chọn tên khác."
                break
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = f"Mô tả dài tối đa {MAX_DESCRIPTION} ký tự."
    return errors


def create_bank(
    name: str, description: str = "", *, actor: User | None, now: datetime
) -> QuestionBank:
    """Create an empty bank. Names are unique ignoring case and diacritics.

    Raises ``ValidationFailed`` (fields ``name``, ``description``).
    """
    name, description = normalise_text(name), (description or "").strip()
    errors = _check_bank_fields(name, description, exclude_id=None)
    if errors:
        raise ValidationFailed(errors)
    bank = QuestionBank(
        name=name,
        description=description,
        created_at=now,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(bank)
    db.session.flush()
    audit.record(actor, "bank.create", "question_bank", bank.id, now=now, name=name)
    return bank


def update_bank(
    bank: QuestionBank, *, name: str, description: str, actor: User | None, now: datetime
) -> QuestionBank:
    """Rename a bank and change its description. Raises ``ValidationFailed``."""
    name, description = normalise_text(name), (description or "").strip()
    errors = _check_bank_fields(name, description, exclude_id=bank.id)
    if errors:
        raise ValidationFailed(errors)
    old = bank.name
    bank.name, bank.description = name, description
    db.session.flush()
    audit.record(actor, "bank.update", "question_bank", bank.id, now=now, old_name=old, name=name)
    return bank


# --- import ---------------------------------------------------------------------------------


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

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportResult:
    imported: int
    duplicates: int


class FileTooLarge(UnreadableFile):
    """The file is larger than ``MAX_FILE_BYTES``."""


def check_upload(data: bytes) -> None:
    """Cheap checks on an uploaded bank before it is kept: size, type by content (a plain
    ``.xlsx``, not ``.xlsm``, ``.xls``, CSV or a renamed file) and the zip-bomb gate.

    Raises ``FileTooLarge`` or ``question_bank.UnreadableFile`` (Vietnamese ``message``).
    """
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge(
            f"Tệp quá lớn. Vui lòng tải lên tệp không quá {MAX_FILE_BYTES // (1024 * 1024)} MB."
        )
    if not data:
        raise UnreadableFile("Vui lòng chọn tệp Excel (.xlsx) để tải lên.")
    question_bank.check_xlsx(data, max_bytes=MAX_FILE_BYTES)


def template_bytes() -> bytes:
    """The blank bank template (``.xlsx`` bytes) with its instructions sheet."""
    return question_bank.template_bytes()


def current_keys(bank: QuestionBank | None) -> set[str]:
    """De-duplication keys of the bank's current questions (active or not)."""
    if bank is None or bank.id is None:
        return set()
    return set(
        db.session.scalars(
            select(Question.key).where(Question.bank_id == bank.id, Question.is_current)
        )
    )


def preview_import(bank: QuestionBank | None, data: bytes) -> ImportPreview:
    """Parse and validate an ``.xlsx`` bank against ``bank`` (``None``: a bank yet to be
    created) without saving anything.

    Raises ``question_bank.UnreadableFile`` for a refused or unreadable file.
    """
    parsed = question_bank.parse_bank(data, existing_keys=current_keys(bank))
    counts = CountTable()
    for q in parsed.questions:
        counts.add(q.topic, q.difficulty)
    return ImportPreview(
        questions=parsed.questions,
        errors=parsed.errors,
        duplicates=parsed.duplicates,
        rows_read=parsed.rows_read,
        counts=counts,
    )


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


def save_import(
    bank: QuestionBank,
    preview: ImportPreview,
    *,
    actor: User | None,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Insert the questions of a ``preview`` into ``bank`` in bulk, all or nothing.

    ``progress(done, total)`` is called after each batch. Raises ``ImportFailed`` (with the
    row errors) when the preview has any error; nothing is then added.
    """
    if not preview.ok:
        raise ImportFailed(preview.errors)
    total = len(preview.questions)
    questions, options = Question.__table__, Option.__table__
    # One executemany per batch, without RETURNING (which SQLite runs one row at a time
    # when the order must be kept): the new ids are read back by key, unique among current
    # versions. What every row shares is written into the statement once (integers and
    # booleans as SQL literals, the timestamp as one parameter).
    stamp = bindparam("imported_at", type_=questions.c.created_at.type)
    insert_questions = insert(questions).values(
        bank_id=literal_column(str(int(bank.id))),
        is_active=true(),
        is_current=true(),
        version=literal_column("1"),
        author_id=literal_column(str(int(actor.id))) if actor else null(),
        created_at=stamp,
        updated_at=stamp,
    )
    shared = {"imported_at": _driver_value(questions.c.created_at, now)}
    difficulties = {d.value: _driver_value(questions.c.difficulty, d) for d in Difficulty}
    correct = {flag: _driver_value(options.c.is_correct, flag) for flag in (False, True)}
    # A bare "questions.is_current" (SQLAlchemy writes "is_current = 1" on SQLite) lets
    # SQLite use the partial unique index on (bank_id, key) WHERE is_current.
    is_current = literal_column(f"{questions.name}.{questions.c.is_current.name}")
    done = 0
    for start in range(0, total, CHUNK):
        chunk = preview.questions[start : start + CHUNK]
        _executemany(
            insert_questions,
            ("topic", "difficulty", "text", "explanation", "search_key", "key"),
            [
                (
                    q.topic,
                    difficulties[q.difficulty],
                    q.text,
                    q.explanation,
                    fold(q.text),
                    q.key,
                )
                for q in chunk
            ],
            shared,
        )
        ids = dict(
            db.session.execute(
                select(questions.c.key, questions.c.id).where(
                    questions.c.bank_id == bank.id,
                    is_current,
                    questions.c.key.in_([q.key for q in chunk]),
                )
            ).all()
        )
        _executemany(
            insert(options),
            ("question_id", "position", "text", "is_correct"),
            [
                (ids[q.key], position, text, correct[position in q.correct])
                for q in chunk
                for position, text in enumerate(q.options)
            ],
        )
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
    """Import an ``.xlsx`` file into ``bank``: every valid row or nothing.

    Duplicates (within the file or of a current question of the bank) are skipped and
    counted. Raises ``ImportFailed`` with every row error (nothing saved) and
    ``question_bank.UnreadableFile`` for a refused or unreadable file.
    """
    return save_import(bank, preview_import(bank, data), actor=actor, now=now, progress=progress)


def list_export_questions(bank: QuestionBank) -> list[Question]:
    """The questions an export contains: current, active versions, oldest first."""
    return list(
        db.session.scalars(
            select(Question)
            .options(selectinload(Question.options))
            .where(Question.bank_id == bank.id, Question.is_current, Question.is_active)
            .order_by(Question.id)
        )
    )


def export_filename(bank: QuestionBank) -> str:
    """A safe ASCII download name for a bank's export, e.g. ``ngan-hang-cau-hoi-mau.xlsx``."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(bank.name)).strip("-")[:60] or "ngan-hang"
    return f"{slug}.xlsx"


def export_bank(bank: QuestionBank, *, actor: User | None, now: datetime) -> bytes:
    """The bank's active questions in the import template (``.xlsx`` bytes); audited.

    Re-importing the file gives back the same questions (topic, difficulty, text, options,
    correct set, explanation).
    """
    questions = list_export_questions(bank)
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
        )
        for q in questions
    ]
    audit.record(actor, "bank.export", "question_bank", bank.id, now=now, questions=len(rows))
    return question_bank.export_bank(rows)


# --- staging uploads between preview and confirm ----------------------------------------------

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _staged_paths(directory: Path, token: str) -> tuple[Path, Path]:
    if not _TOKEN.fullmatch(token or ""):
        raise NotFound("Không tìm thấy tệp đã tải lên. Vui lòng tải tệp lên lại.")
    return directory / f"{token}.xlsx", directory / f"{token}.json"


def stage_upload(
    directory: Path,
    data: bytes,
    *,
    bank_id: int,
    actor_id: int | None,
    now: datetime,
    filename: str = "",
) -> str:
    """Keep uploaded bytes on disk under a random token until the import is confirmed.

    Also removes uploads older than ``STAGING_TTL``. Returns the token.
    """
    directory.mkdir(parents=True, exist_ok=True)
    purge_staged(directory, now=now)
    token = secrets.token_urlsafe(24)
    data_path, meta_path = _staged_paths(directory, token)
    fd = os.open(data_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    meta = {
        "bank_id": bank_id,
        "actor_id": actor_id,
        "created_at": now.isoformat(),
        "filename": filename[:200],
    }
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    return token


def read_staged(
    directory: Path, token: str, *, bank_id: int, actor_id: int | None, now: datetime
) -> tuple[bytes, str]:
    """The bytes and original file name of an upload staged by the same user for the same
    bank less than ``STAGING_TTL`` ago. Raises ``NotFound`` otherwise.
    """
    data_path, meta_path = _staged_paths(directory, token)
    missing = NotFound("Tệp đã tải lên không còn hoặc đã quá 1 giờ. Vui lòng tải tệp lên lại.")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = data_path.read_bytes()
    except (OSError, ValueError) as exc:
        raise missing from exc
    created = datetime.fromisoformat(meta.get("created_at", ""))
    if (
        meta.get("bank_id") != bank_id
        or meta.get("actor_id") != actor_id
        or now - created > STAGING_TTL
    ):
        raise missing
    return data, meta.get("filename", "")


def discard_staged(directory: Path, token: str) -> None:
    """Delete a staged upload (no error if it is already gone)."""
    try:
        paths = _staged_paths(directory, token)
    except NotFound:
        return
    for path in paths:
        path.unlink(missing_ok=True)


def purge_staged(directory: Path, *, now: datetime) -> int:
    """Delete staged uploads older than ``STAGING_TTL``; returns how many were deleted."""
    if not directory.is_dir():
        return 0
    removed = 0
    limit = now.timestamp() - STAGING_TTL.total_seconds()
    for path in directory.glob("*.xlsx"):
        meta_path = path.with_suffix(".json")
        try:
            created = datetime.fromisoformat(
                json.loads(meta_path.read_text(encoding="utf-8"))["created_at"]
            ).timestamp()
        except (OSError, ValueError, KeyError):
            created = path.stat().st_mtime
        if created < limit:
            path.unlink(missing_ok=True)
            meta_path.unlink(missing_ok=True)
            removed += 1
    return removed


# --- browsing -------------------------------------------------------------------------------


def list_topics(bank: QuestionBank) -> list[str]:
    """Topics of the bank's current questions, sorted ignoring diacritics."""
    topics = db.session.scalars(
        select(Question.topic).distinct().where(Question.bank_id == bank.id, Question.is_current)
    )
    return sorted(topics, key=lambda t: (fold(t), t))


def search_questions(
    bank: QuestionBank,
    *,
    query: str = "",
    topic: str = "",
    difficulty: str = "",
    status: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
):
    """A page (Flask-SQLAlchemy ``Pagination``) of the bank's current questions, newest first.

    ``query`` matches the question text ignoring case, diacritics and spacing ("dai hoi"
    finds "Đại hội"); ``topic`` is an exact topic; ``difficulty`` a value (easy/medium/hard);
    ``status`` is ``"active"``, ``"inactive"`` or empty for both.
    """
    stmt = (
        select(Question)
        .options(selectinload(Question.options))
        .where(Question.bank_id == bank.id, Question.is_current)
        .order_by(Question.id.desc())
    )
    needle = fold(query)
    if needle:
        stmt = stmt.where(Question.search_key.contains(needle, autoescape=True))
    if topic:
        stmt = stmt.where(Question.topic == topic)
    if difficulty in {d.value for d in Difficulty}:
        stmt = stmt.where(Question.difficulty == Difficulty(difficulty))
    if status == "active":
        stmt = stmt.where(Question.is_active)
    elif status == "inactive":
        stmt = stmt.where(Question.is_active.is_(False))
    return db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False)


def get_question(bank: QuestionBank, question_id: int, *, current_only: bool = True) -> Question:
    """A question of ``bank``; raises ``NotFound`` if it belongs elsewhere or (with
    ``current_only``) has been replaced by a newer version.
    """
    question = db.session.get(Question, question_id)
    if (
        question is None
        or question.bank_id != bank.id
        or (current_only and not question.is_current)
    ):
        raise NotFound("Không tìm thấy câu hỏi này trong ngân hàng.")
    return question


def active_candidates(bank_ids: Sequence[int]) -> list[Candidate]:
    """Questions that may be drawn from these banks (current and active), for
    ``question_bank.select_questions``; ``Candidate.id`` is the question id.
    """
    rows = db.session.execute(
        select(Question.id, Question.topic, Question.difficulty)
        .where(Question.bank_id.in_(list(bank_ids)), Question.is_current, Question.is_active)
        .order_by(Question.id)
    )
    return [
        Candidate(id=qid, topic=topic, difficulty=difficulty.value)
        for qid, topic, difficulty in rows
    ]


# --- editing --------------------------------------------------------------------------------


@dataclass
class QuestionInput:
    """A question as typed in the form. ``options`` are in order A…F (blank ones allowed at
    the end); ``correct`` are 0-based indexes into them; ``difficulty`` is a value.
    """

    topic: str
    text: str
    options: list[str]
    correct: list[int]
    difficulty: str = Difficulty.medium.value
    explanation: str = ""


@dataclass(frozen=True)
class _Clean:
    topic: str
    difficulty: Difficulty
    text: str
    options: list[str]
    correct: list[int]
    explanation: str
    key: str


def _too_long(what: str, value: str, limit: int) -> str | None:
    if len(value) <= limit:
        return None
    return f"{what} dài {len(value)} ký tự, vượt quá giới hạn {limit} ký tự. Vui lòng rút gọn."


def _clean(data: QuestionInput) -> _Clean:
    """Normalise and check a question with the importer's rules; raises ``ValidationFailed``.

    Field names: topic, difficulty, text, options, option_0…option_5, correct, explanation.
    """
    errors: dict[str, str] = {}
    topic = normalise_text(data.topic)
    if not topic:
        errors["topic"] = "Vui lòng nhập chủ đề của câu hỏi."
    elif message := _too_long("Chủ đề", topic, MAX_TOPIC):
        errors["topic"] = message
    difficulty_value = question_bank.parse_difficulty(data.difficulty)
    if difficulty_value is None:
        errors["difficulty"] = "Vui lòng chọn mức độ Dễ, Trung bình hoặc Khó."
    text = normalise_text(data.text)
    if not text:
        errors["text"] = "Vui lòng nhập nội dung câu hỏi."
    elif message := _too_long("Câu hỏi", text, MAX_TEXT):
        errors["text"] = message
    raw = [normalise_text(o) for o in data.options]
    while raw and not raw[-1]:
        raw.pop()
    if len(raw) > MAX_OPTIONS:
        errors["options"] = f"Một câu hỏi có tối đa {MAX_OPTIONS} phương án."
    elif sum(1 for o in raw if o) < 2:
        errors["options"] = (
            "Câu hỏi cần ít nhất hai phương án. Vui lòng điền Phương án A và Phương án B."
        )
    seen: dict[str, int] = {}
    for i, option in enumerate(raw[:MAX_OPTIONS]):
        name = f"Phương án {LETTERS[i]}"
        if not option:
            errors[f"option_{i}"] = (
                f"{name} đang để trống. Vui lòng điền các phương án "
                "liên tiếp từ A, không bỏ trống ở giữa."
            )
        elif message := _too_long(name, option, MAX_OPTION):
            errors[f"option_{i}"] = message
        elif (same := seen.setdefault(option.casefold(), i)) != i:
            errors[f"option_{i}"] = (
                f"{name} trùng với Phương án {LETTERS[same]}. "
                "Các phương án của một câu hỏi phải khác nhau."
            )
    correct = sorted(set(data.correct))
    if not correct:
        errors["correct"] = "Vui lòng đánh dấu ít nhất một phương án đúng."
    elif any(i < 0 or i >= len(raw) or not raw[i] for i in correct):
        letters = ", ".join(
            LETTERS[i] for i in correct if 0 <= i < MAX_OPTIONS and (i >= len(raw) or not raw[i])
        )
        errors["correct"] = (
            f"Phương án đúng được đánh dấu ({letters}) đang để trống. "
            "Vui lòng chỉ đánh dấu phương án có nội dung."
        )
    explanation = normalise_text(data.explanation)
    if message := _too_long("Giải thích", explanation, MAX_EXPLANATION):
        errors["explanation"] = message
    if errors:
        raise ValidationFailed(errors)
    return _Clean(
        topic=topic,
        difficulty=Difficulty(difficulty_value),
        text=text,
        options=raw,
        correct=correct,
        explanation=explanation,
        key=dedup_key(text, raw),
    )


def _check_unique(bank: QuestionBank, key: str, *, exclude_id: int | None) -> None:
    stmt = select(Question.id).where(
        Question.bank_id == bank.id, Question.is_current, Question.key == key
    )
    if exclude_id is not None:
        stmt = stmt.where(Question.id != exclude_id)
    other = db.session.scalar(stmt.limit(1))
    if other is not None:
        raise ValidationFailed(
            {
                "text": (
                    f"Câu hỏi này (cùng nội dung và các phương án) đã có "
                    f"trong ngân hàng: câu số {other}."
                )
            }
        )


def _new_question(
    bank: QuestionBank,
    clean: _Clean,
    *,
    actor: User | None,
    now: datetime,
    version: int = 1,
    replaces: Question | None = None,
    is_active: bool = True,
) -> Question:
    question = Question(
        bank_id=bank.id,
        topic=clean.topic,
        difficulty=clean.difficulty,
        text=clean.text,
        explanation=clean.explanation,
        search_key=fold(clean.text),
        key=clean.key,
        is_active=is_active,
        is_current=True,
        version=version,
        replaces_id=replaces.id if replaces else None,
        author_id=actor.id if actor else None,
        created_at=now,
        updated_at=now,
        options=[
            Option(position=i, text=text, is_correct=i in clean.correct)
            for i, text in enumerate(clean.options)
        ],
    )
    db.session.add(question)
    db.session.flush()
    return question


def create_question(
    bank: QuestionBank, data: QuestionInput, *, actor: User | None, now: datetime
) -> Question:
    """Add a question to ``bank``. Raises ``ValidationFailed`` (also for a duplicate)."""
    clean = _clean(data)
    _check_unique(bank, clean.key, exclude_id=None)
    question = _new_question(bank, clean, actor=actor, now=now)
    audit.record(actor, "question.create", "question", question.id, now=now, bank_id=bank.id)
    invalidate_pool()  # rounds drawing from this bank see the change
    return question


def update_question(
    question: Question, data: QuestionInput, *, actor: User | None, now: datetime
) -> Question:
    """Edit a question; returns its current version (the same row or a new one).

    A change of the options or of the correct set never touches the existing option rows:
    the question row is retired (``is_current`` and ``is_active`` false) and a new row with
    ``version + 1`` and ``replaces_id`` is added, so that attempts referring to the old
    option ids keep grading as they did. Other changes are made in place.
    Raises ``ValidationFailed``; ``NotFound`` for a version already replaced.
    """
    if not question.is_current:
        raise NotFound("Câu hỏi này đã được thay bằng phiên bản mới hơn.")
    clean = _clean(data)
    bank = question.bank
    _check_unique(bank, clean.key, exclude_id=question.id)
    options_changed = clean.options != question.option_texts or clean.correct != question.correct
    if options_changed:
        was_active = question.is_active
        question.is_current = False
        question.is_active = False
        question.updated_at = now
        db.session.flush()  # free the (bank, key) slot before the new version takes it
        new = _new_question(
            bank,
            clean,
            actor=actor,
            now=now,
            version=question.version + 1,
            replaces=question,
            is_active=was_active,
        )
        audit.record(
            actor,
            "question.update",
            "question",
            new.id,
            now=now,
            bank_id=bank.id,
            replaces=question.id,
            version=new.version,
        )
        return new
    question.topic = clean.topic
    question.difficulty = clean.difficulty
    question.text = clean.text
    question.search_key = fold(clean.text)
    question.key = clean.key
    question.explanation = clean.explanation
    question.updated_at = now
    db.session.flush()
    audit.record(
        actor,
        "question.update",
        "question",
        question.id,
        now=now,
        bank_id=bank.id,
        version=question.version,
    )
    invalidate_pool()  # rounds drawing from this bank see the change
    return question


def set_question_active(
    question: Question, active: bool, *, actor: User | None, now: datetime
) -> Question:
    """Deactivate a question (never drawn again, kept for past attempts) or reactivate it.

    Raises ``NotFound`` for a version already replaced.
    """
    if not question.is_current:
        raise NotFound("Câu hỏi này đã được thay bằng phiên bản mới hơn.")
    if question.is_active != active:
        question.is_active = active
        question.updated_at = now
        db.session.flush()
        audit.record(
            actor,
            "question.activate" if active else "question.deactivate",
            "question",
            question.id,
            now=now,
            bank_id=question.bank_id,
        )
    invalidate_pool()  # rounds drawing from this bank see the change
    return question
