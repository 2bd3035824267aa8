"""Editing one question of a bank: add, edit (in place or as a new version), deactivate.

The editor checks a question with the importer's rules (``question_bank``: the same limits
and the same messages). A change of the options or of the correct set makes a new version
(docs/question-versions.md), so attempts that refer to the old option ids keep grading as
they did; so does a change of the picture (added, replaced or removed), so a served paper
keeps the picture it showed. The picture's alt text is edited in place, like the text.
Functions take an explicit ``actor`` and ``now``, flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

import question_bank
from contest.extensions import db
from contest.models import Difficulty, Option, Question, QuestionBank, User
from contest.models.question import QuestionImage
from contest.services import audit
from contest.services.errors import NotFound, ValidationFailed
from contest.services.i18n import _
from contest.services.papers import invalidate_pool
from question_bank import dedup_key, fold
from question_bank.bank import (
    MAX_EXPLANATION,
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_TEXT,
    MAX_TOPIC,
    too_long_message,
)
from question_bank.pictures import MAX_ALT
from question_bank.text import normalise_text

LETTERS = "ABCDEF"
KEEP = "keep"  # QuestionInput.image: the question keeps the picture it has


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
    # The picture after the edit: a stored ``QuestionImage`` (``question_images.store``),
    # None for none, or KEEP (the question's current one; nothing for a new question).
    image: Any = KEEP
    image_alt: str = ""


@dataclass(frozen=True)
class _Clean:
    topic: str
    difficulty: Difficulty
    text: str
    options: list[str]
    correct: list[int]
    explanation: str
    key: str
    image: QuestionImage | None = None
    image_alt: str = ""


def _too_long(field: str, value: str, limit: int, letter: str = "") -> str | None:
    if len(value) <= limit:
        return None
    return too_long_message(field, len(value), limit, letter=letter)


def _clean_required(errors: dict[str, str], name: str, value: str, limit: int, missing: str) -> str:
    """``value`` normalised; records ``missing`` when blank or a too-long message."""
    value = normalise_text(value)
    if not value:
        errors[name] = missing
    elif message := _too_long(name, value, limit):
        errors[name] = message
    return value


def _option_problem(option: str, i: int, seen: dict[str, int]) -> str | None:
    """What is wrong with option ``i`` (blank, too long, same as an earlier one), if any."""
    letter = LETTERS[i]
    if not option:
        return _(
            "Phương án %(letter)s đang để trống. Vui lòng điền các phương án "
            "liên tiếp từ A, không bỏ trống ở giữa.",
            letter=letter,
        )
    if message := _too_long("option", option, MAX_OPTION, letter=letter):
        return message
    if (same := seen.setdefault(option.casefold(), i)) != i:
        return _(
            "Phương án %(letter)s trùng với Phương án %(other)s. "
            "Các phương án của một câu hỏi phải khác nhau.",
            letter=letter,
            other=LETTERS[same],
        )
    return None


def _clean_options(errors: dict[str, str], options: list[str]) -> list[str]:
    """The options normalised, trailing blanks dropped; errors under options, option_<i>."""
    raw = [normalise_text(o) for o in options]
    while raw and not raw[-1]:
        raw.pop()
    if len(raw) > MAX_OPTIONS:
        errors["options"] = _("Một câu hỏi có tối đa %(count)s phương án.", count=MAX_OPTIONS)
    elif sum(1 for o in raw if o) < 2:
        errors["options"] = _(
            "Câu hỏi cần ít nhất hai phương án. Vui lòng điền Phương án A và Phương án B."
        )
    seen: dict[str, int] = {}
    for i, option in enumerate(raw[:MAX_OPTIONS]):
        if message := _option_problem(option, i, seen):
            errors[f"option_{i}"] = message
    return raw


def _clean_correct(errors: dict[str, str], correct: list[int], raw: list[str]) -> list[int]:
    """The correct indexes, sorted; each must point at an option with text."""
    correct = sorted(set(correct))
    if not correct:
        errors["correct"] = _("Vui lòng đánh dấu ít nhất một phương án đúng.")
    elif any(i < 0 or i >= len(raw) or not raw[i] for i in correct):
        letters = ", ".join(
            LETTERS[i] for i in correct if 0 <= i < MAX_OPTIONS and (i >= len(raw) or not raw[i])
        )
        errors["correct"] = _(
            "Phương án đúng được đánh dấu (%(letters)s) đang để trống. "
            "Vui lòng chỉ đánh dấu phương án có nội dung.",
            letters=letters,
        )
    return correct


def _clean(data: QuestionInput, current: Question | None = None) -> _Clean:
    """Normalise and check a question with the importer's rules; raises ``ValidationFailed``.

    Field names: topic, difficulty, text, options, option_0…option_5, correct, explanation,
    image_alt. ``current``: the question edited (for ``KEEP``).
    """
    errors: dict[str, str] = {}
    topic = _clean_required(
        errors, "topic", data.topic, MAX_TOPIC, _("Vui lòng nhập chủ đề của câu hỏi.")
    )
    difficulty_value = question_bank.parse_difficulty(data.difficulty)
    if difficulty_value is None:
        errors["difficulty"] = _("Vui lòng chọn mức độ Dễ, Trung bình hoặc Khó.")
    text = _clean_required(
        errors, "text", data.text, MAX_TEXT, _("Vui lòng nhập nội dung câu hỏi.")
    )
    raw = _clean_options(errors, data.options)
    correct = _clean_correct(errors, data.correct, raw)
    explanation = normalise_text(data.explanation)
    if message := _too_long("explanation", explanation, MAX_EXPLANATION):
        errors["explanation"] = message
    image = data.image if data.image != KEEP else (current.image if current else None)
    image_alt = normalise_text(data.image_alt)
    if len(image_alt) > MAX_ALT:
        errors["image_alt"] = _(
            "Mô tả hình ảnh dài quá %(limit)s ký tự. Vui lòng rút gọn.", limit=MAX_ALT
        )
    if errors:
        raise ValidationFailed(errors)
    return _Clean(
        topic=topic,
        difficulty=Difficulty(difficulty_value),
        text=text,
        options=raw,
        correct=correct,
        explanation=explanation,
        key=dedup_key(text, raw, image.sha256 if image else ""),
        image=image,
        image_alt=image_alt if image else "",
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
                "text": _(
                    "Câu hỏi này (cùng nội dung và các phương án) đã có "
                    "trong ngân hàng: câu số %(number)s.",
                    number=other,
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
        image_id=clean.image.id if clean.image else None,
        image_alt=clean.image_alt,
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


def _replaced_version() -> NotFound:
    return NotFound(_("Câu hỏi này đã được thay bằng phiên bản mới hơn."))


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


def _new_version(question: Question, clean: _Clean, *, actor: User | None, now: datetime):
    """Retire ``question`` and add its next version (same activity) in its place."""
    was_active = question.is_active
    question.is_current = False
    question.is_active = False
    question.updated_at = now
    db.session.flush()  # free the (bank, key) slot before the new version takes it
    new = _new_question(
        question.bank,
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
        bank_id=question.bank_id,
        replaces=question.id,
        version=new.version,
    )
    invalidate_pool()  # the old version leaves the pool, the new one enters it
    return new


def _edit_in_place(question: Question, clean: _Clean, *, actor: User | None, now: datetime):
    """Change what the options do not depend on: topic, difficulty, text, explanation, the
    picture's alt text."""
    question.topic = clean.topic
    question.difficulty = clean.difficulty
    question.text = clean.text
    question.search_key = fold(clean.text)
    question.key = clean.key
    question.explanation = clean.explanation
    question.image_alt = clean.image_alt
    question.updated_at = now
    db.session.flush()
    audit.record(
        actor,
        "question.update",
        "question",
        question.id,
        now=now,
        bank_id=question.bank_id,
        version=question.version,
    )
    invalidate_pool()  # rounds drawing from this bank see the change
    return question


def update_question(
    question: Question, data: QuestionInput, *, actor: User | None, now: datetime
) -> Question:
    """Edit a question; returns its current version (the same row or a new one).

    A change of the options, of the correct set or of the picture never touches the
    existing rows:
    the question row is retired (``is_current`` and ``is_active`` false) and a new row with
    ``version + 1`` and ``replaces_id`` is added, so that attempts referring to the old
    option ids keep grading as they did. Other changes are made in place.
    Raises ``ValidationFailed``; ``NotFound`` for a version already replaced.
    """
    if not question.is_current:
        raise _replaced_version()
    clean = _clean(data, question)
    _check_unique(question.bank, clean.key, exclude_id=question.id)
    new_picture = (clean.image.id if clean.image else None) != question.image_id
    if new_picture or clean.options != question.option_texts or clean.correct != question.correct:
        return _new_version(question, clean, actor=actor, now=now)
    return _edit_in_place(question, clean, actor=actor, now=now)


def set_question_active(
    question: Question, active: bool, *, actor: User | None, now: datetime
) -> Question:
    """Deactivate a question (never drawn again, kept for past attempts) or reactivate it.

    Raises ``NotFound`` for a version already replaced.
    """
    if not question.is_current:
        raise _replaced_version()
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
