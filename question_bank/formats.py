"""Which kind of bank file an upload is (Excel ``.xlsx`` or Word ``.docx``), told by its
content, and the one entry point that checks or parses either."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from typing import Literal

from .bank import BankParse, parse_bank
from .docx_reader import parse_docx_bank
from .safety import OLE2_SIGNATURE, check_docx, check_xlsx

__all__ = ["Kind", "check_bank_file", "file_kind", "parse_bank_file"]

Kind = Literal["xlsx", "docx"]
# The name of the main stream of an old Word .doc, as it appears in its OLE2 directory.
_WORD_STREAM = "WordDocument".encode("utf-16-le")


def file_kind(data: bytes, filename: str = "") -> Kind:
    """``"docx"`` for a Word document (``.docx``, ``.docm`` or an old ``.doc``), else
    ``"xlsx"``. Told by content: a ZIP holding ``word/document.xml``, an OLE2 file with a
    ``WordDocument`` stream; a file that is neither goes by its name's extension. Never
    raises: the checks of the kind found say what is wrong with the file."""
    head = bytes(data[:8])
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            pass
    elif head == OLE2_SIGNATURE:
        return "docx" if _WORD_STREAM in data[:2_000_000] else "xlsx"
    return "docx" if filename.lower().endswith((".docx", ".docm", ".doc")) else "xlsx"


def check_bank_file(data: bytes, *, max_bytes: int, filename: str = "") -> Kind:
    """The zip-bomb and macro gate of the file's kind (``check_docx`` or ``check_xlsx``);
    returns the kind. Raises ``UnreadableFile``."""
    kind = file_kind(data, filename)
    (check_docx if kind == "docx" else check_xlsx)(data, max_bytes=max_bytes)
    return kind


def parse_bank_file(
    data: bytes, *, existing_keys: Iterable[str] = frozenset(), filename: str = ""
) -> tuple[Kind, BankParse]:
    """Parse and validate a bank of either kind: ``(kind, parse_bank or parse_docx_bank)``."""
    kind = file_kind(data, filename)
    parse = parse_docx_bank if kind == "docx" else parse_bank
    return kind, parse(data, existing_keys=existing_keys)
