"""Difficulty levels: the stored values, the words people read, the words a file may use."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from .text import fold

__all__ = ["DIFFICULTY_LABELS", "Difficulty", "parse_difficulty"]


class Difficulty(StrEnum):
    """Question difficulty, stored by value (``"easy"``, ``"medium"``, ``"hard"``)."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"

    @property
    def label(self) -> str:
        """Vietnamese label: Dễ / Trung bình / Khó."""
        return DIFFICULTY_LABELS[self.value]


DIFFICULTY_LABELS: dict[str, str] = {"easy": "Dễ", "medium": "Trung bình", "hard": "Khó"}

_DIFFICULTY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "easy": ("Dễ", "1", "easy", "Nhận biết"),
    "medium": ("Trung bình", "2", "medium", "TB", "vừa", "Thông hiểu"),
    "hard": ("Khó", "3", "hard", "Vận dụng", "Vận dụng cao"),
}
_DIFFICULTY_INPUT: dict[str, str] = {
    fold(word).replace(" ", ""): value
    for value, words in _DIFFICULTY_SYNONYMS.items()
    for word in words
}
# The same words exactly as written (the template's drop-down gives these): no fold needed.
_DIFFICULTY_WORDS: dict[str, str] = {
    word: _DIFFICULTY_INPUT[fold(word).replace(" ", "")]
    for words in _DIFFICULTY_SYNONYMS.values()
    for word in words
}


def parse_difficulty(value: Any) -> str | None:
    """Return ``"easy"``/``"medium"``/``"hard"`` for an input cell, or ``None`` if unknown.

    Accepts ``Dễ``/``Trung bình``/``Khó`` (any case, with or without diacritics), ``1``/``2``/
    ``3``, ``easy``/``medium``/``hard`` and the exam levels ``Nhận biết`` (easy), ``Thông
    hiểu`` (medium), ``Vận dụng``/``Vận dụng cao`` (hard); blank means ``"medium"``.
    """
    if isinstance(value, str) and (known := _DIFFICULTY_WORDS.get(value)):
        return known
    key = fold(value).replace(" ", "")
    if not key:
        return Difficulty.MEDIUM.value
    return _DIFFICULTY_INPUT.get(key)
