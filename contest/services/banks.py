"""Question banks: create and rename banks, count, browse and search their questions.

Plain functions over the models and ``question_bank``: they take an explicit ``actor`` and
``now``, flush but never commit (the view or CLI command commits once), and raise named
errors (``ValidationFailed``, ``NotFound``). Editing one question is in ``questions``;
importing and exporting Excel files in ``bank_files``.

Versioning of questions is described in docs/question-versions.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.models import Difficulty, Question, QuestionBank, User
from contest.services import audit
from contest.services.errors import NotFound, ValidationFailed
from contest.services.i18n import _
from question_bank import Candidate, fold
from question_bank.text import normalise_text

MAX_BANK_NAME = 200
MAX_DESCRIPTION = 2000
PER_PAGE = 20
DIFFICULTIES = list(Difficulty)


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
        return sorted({topic for topic, _level in self.cells}, key=lambda t: (fold(t), t))

    def row(self, topic: str) -> list[int]:
        """Counts of ``topic`` for Dễ, Trung bình, Khó, then the topic's total."""
        values = [self.cells.get((topic, d.value), 0) for d in DIFFICULTIES]
        return [*values, sum(values)]

    @property
    def totals(self) -> list[int]:
        """Counts per difficulty over every topic, then the grand total."""
        values = [
            sum(n for (_topic, d), n in self.cells.items() if d == level.value)
            for level in DIFFICULTIES
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
        raise NotFound(_("Không tìm thấy ngân hàng câu hỏi này."))
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
    """Field errors of a bank's name (required, short, unique ignoring case and diacritics)
    and description."""
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Vui lòng nhập tên ngân hàng câu hỏi.")
    elif len(name) > MAX_BANK_NAME:
        errors["name"] = _("Tên ngân hàng dài tối đa %(limit)s ký tự.", limit=MAX_BANK_NAME)
    else:
        key = fold(name)
        for other_id, other_name in db.session.execute(select(QuestionBank.id, QuestionBank.name)):
            if other_id != exclude_id and fold(other_name) == key:
                errors["name"] = _(
                    "Đã có ngân hàng tên «%(name)s». Vui lòng chọn tên khác.", name=other_name
                )
                break
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = _("Mô tả dài tối đa %(limit)s ký tự.", limit=MAX_DESCRIPTION)
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
        raise NotFound(_("Không tìm thấy câu hỏi này trong ngân hàng."))
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
