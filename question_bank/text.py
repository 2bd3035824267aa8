"""Text helpers shared by the readers and writers: normalisation, search keys, cell rendering.

Vietnamese text is stored NFC-normalised; search and de-duplication keys ignore case,
diacritics and repeated whitespace (see ``fold``).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

__all__ = ["cell_text", "fold", "fold_one_for_one", "neutralise", "normalise_text"]

# Characters that make a spreadsheet program read a cell as a formula (or that hide one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


def normalise_text(value: Any) -> str:
    """Return ``value`` as NFC text, stripped, with every whitespace run made one space.

    ``None`` gives ``""``; other non-strings go through ``str()``. Newlines, tabs and
    no-break spaces count as whitespace. Never raises.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isascii():  # NFC leaves ASCII unchanged
        return " ".join(text.split())
    return " ".join(unicodedata.normalize("NFC", text).split())


class _FoldTable(dict):
    """``str.translate`` table of ``fold``: drops every combining mark, i.e. every character
    whose ``unicodedata.combining`` is not 0 (the U+0300–U+036F marks of Vietnamese and all
    others, but not U+034F, the grapheme joiner). Characters are classified on first sight;
    those below U+3000 (Latin, the marks, Greek, Cyrillic, punctuation...) are cached, the
    rest are not, so the table stays small whatever text it is given.
    """

    def __missing__(self, codepoint: int) -> int | None:
        value = None if unicodedata.combining(chr(codepoint)) else codepoint
        if codepoint < 0x3000:
            self[codepoint] = value
        return value


_FOLD_TABLE = _FoldTable()


def fold(value: Any) -> str:
    """Return a search / de-duplication key: no case, no diacritics, single spaces.

    ``"Đại  HỘI"`` gives ``"dai hoi"``. ``đ``/``Đ`` map to ``d``. Never raises.
    """
    text = normalise_text(value)
    if text.isascii():
        return text.casefold()
    # Casefold after NFC (as Unicode's caseless matching), decompose, drop the marks.
    decomposed = unicodedata.normalize("NFD", text.casefold()).replace("đ", "d")
    # Fast path, for Vietnamese text: when every non-ASCII character is a mark of
    # U+0300–U+033F (all combining; UTF-8 lead byte 0xCC), the key is the ASCII characters.
    encoded = decomposed.encode("utf-8", "surrogatepass")
    ascii_only = decomposed.encode("ascii", "ignore")
    if len(ascii_only) + encoded.count(b"\xcc") == len(decomposed):
        return " ".join(ascii_only.decode("ascii").split())
    # Otherwise drop every combining mark, then recompose (Hangul jamo and a few others
    # compose without marks).
    stripped = decomposed.translate(_FOLD_TABLE)
    return " ".join(unicodedata.normalize("NFC", stripped).split())


def _clock(value: dt.time | dt.datetime) -> str:
    if value.second or value.microsecond:
        return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    return f"{value.hour:02d}:{value.minute:02d}"


def cell_text(value: Any) -> str:
    """Render a cell value (as openpyxl returns it) the way Excel shows it, as ``str``.

    Whole floats lose their ``.0`` (``1930.0`` gives ``"1930"``), other floats use the
    shortest form (``0.5`` gives ``"0.5"``); dates give ``dd/mm/yyyy`` plus `` HH:MM`` when
    the time part is not midnight; times give ``HH:MM``; booleans ``TRUE``/``FALSE``;
    ``None`` gives ``""``; strings are returned unchanged. Never raises.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        day = value.strftime("%d/%m/%Y")
        if value.time() != dt.time(0, 0):
            return f"{day} {_clock(value)}"
        return day
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return _clock(value)
    if isinstance(value, dt.timedelta):
        total = int(value.total_seconds())
        sign = "-" if total < 0 else ""
        hours, rest = divmod(abs(total), 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return str(value)


def neutralise(value: Any) -> Any:
    """Make a value safe to write into an exported spreadsheet cell (formula injection).

    A string starting with ``=``, ``+``, ``-``, ``@``, tab, CR or NUL gets a leading ``'``
    so no spreadsheet program evaluates it. Anything else (numbers, dates, ``None``) is
    returned unchanged. Never raises.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _FoldOne(dict):
    """``str.translate`` table: each character to one character, without case or diacritics
    (``Đ`` and ``đ`` to ``d``, whitespace to a space), so match ends map back."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        if char in "đĐ":
            value = "d"
        elif char.isspace():
            value = " "
        else:
            value = unicodedata.normalize("NFD", char.lower())[:1] or char
        if codepoint < 0x3000:
            self[codepoint] = value
        return value


_FOLD_ONE = _FoldOne()


def fold_one_for_one(text: str) -> str:
    """``text`` without case or diacritics, one character for one (so match ends map back)."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_ONE)
