"""Which kind of bank file an upload is (Excel ``.xlsx``, Word ``.docx``, or a ``.zip`` of an
``.xlsx`` with its pictures), told by its content, and the one entry point that checks or
parses any of them."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from typing import Literal

from .bank import BankParse, parse_bank
from .docx_reader import parse_docx_bank
from .pictures import Pictures, raw_identity, read_bundle
from .safety import OLE2_SIGNATURE, check_docx, check_xlsx

__all__ = ["Kind", "check_bank_file", "file_kind", "parse_bank_file"]

Kind = Literal["xlsx", "docx", "zip"]
# Unpacked, a bundle may hold this much (the pictures are re-encoded smaller afterwards).
MAX_BUNDLE_UNPACKED = 200 * 1024 * 1024
# The name of the main stream of an old Word .doc, as it appears in its OLE2 directory.
_WORD_STREAM = "WordDocument".encode("utf-16-le")


def file_kind(data: bytes, filename: str = "") -> Kind:
    """``"docx"`` for a Word document (``.docx``, ``.docm`` or an old ``.doc``), ``"zip"``
    for a plain ZIP (a bank with its pictures), else ``"xlsx"``. Told by content: a ZIP
    holding ``word/document.xml``, one holding no ``[Content_Types].xml``, an OLE2 file with
    a ``WordDocument`` stream; a file that is none of them goes by its name's extension.
    Never raises: the checks of the kind found say what is wrong with the file."""
    head = bytes(data[:8])
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "[Content_Types].xml" not in names and not _office_name(filename):
                return "zip"
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            pass
    elif head == OLE2_SIGNATURE:
        return "docx" if _WORD_STREAM in data[:2_000_000] else "xlsx"
    return "docx" if filename.lower().endswith((".docx", ".docm", ".doc")) else "xlsx"


def _office_name(filename: str) -> bool:
    return filename.lower().endswith((".docx", ".docm", ".doc", ".xlsx", ".xlsm", ".xls"))


def check_bank_file(data: bytes, *, max_bytes: int, filename: str = "") -> Kind:
    """The zip-bomb and macro gate of the file's kind (``check_docx`` or ``check_xlsx``);
    returns the kind. Raises ``UnreadableFile``."""
    kind = file_kind(data, filename)
    if kind == "zip":
        sheet, _pictures = read_bundle(data, max_bytes=MAX_BUNDLE_UNPACKED)
        check_xlsx(sheet, max_bytes=max_bytes)
    else:
        (check_docx if kind == "docx" else check_xlsx)(data, max_bytes=max_bytes)
    return kind


def parse_bank_file(
    data: bytes,
    *,
    existing_keys: Iterable[str] = frozenset(),
    filename: str = "",
    identify: Callable[[bytes], str] = raw_identity,
) -> tuple[Kind, BankParse]:
    """Parse and validate a bank of any kind: ``(kind, BankParse)``. ``identify(data)``
    gives each picture's identity or raises ``PictureRefused`` (``pictures``)."""
    kind = file_kind(data, filename)
    if kind == "docx":
        return kind, parse_docx_bank(data, existing_keys=existing_keys, identify=identify)
    if kind == "zip":
        sheet, files = read_bundle(data, max_bytes=MAX_BUNDLE_UNPACKED)
        pictures = Pictures(files, identify)
        return kind, parse_bank(sheet, existing_keys=existing_keys, pictures=pictures)
    return kind, parse_bank(data, existing_keys=existing_keys)
