"""Keeping an uploaded bank file on disk under a random token between its preview and its
confirmation (never in the cookie session), for the same user and bank, for an hour; the
preview notes how many rows it read, so the confirmation can tell a big import (a job,
``runs_as_job``) from a small one without reading the file again.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from contest.services.errors import NotFound
from contest.services.i18n import _

__all__ = [
    "INLINE_MAX_BYTES",
    "INLINE_MAX_ROWS",
    "STAGING_TTL",
    "discard_staged",
    "note_rows",
    "noted_rows",
    "purge_staged",
    "read_staged",
    "runs_as_job",
    "stage_upload",
]

STAGING_TTL = timedelta(hours=1)
# An import above either limit runs as a job (docs/question-banks.md); the app's config
# may lower them (BANK_IMPORT_INLINE_MAX_ROWS, BANK_IMPORT_INLINE_MAX_BYTES).
INLINE_MAX_ROWS = 2000
INLINE_MAX_BYTES = 1_000_000


_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _staged_paths(directory: Path, token: str) -> tuple[Path, Path]:
    if not _TOKEN.fullmatch(token or ""):
        raise NotFound(_("Không tìm thấy tệp đã tải lên. Vui lòng tải tệp lên lại."))
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
    missing = NotFound(_("Tệp đã tải lên không còn hoặc đã quá 1 giờ. Vui lòng tải tệp lên lại."))
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


def note_rows(directory: Path, token: str, rows: int) -> None:
    """Remember how many rows (Word: questions) the preview of a staged upload read."""
    _data_path, meta_path = _staged_paths(directory, token)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["rows"] = int(rows)
        meta_path.write_text(json.dumps(meta), encoding="utf-8")
    except (OSError, ValueError):  # gone meanwhile: the confirmation will say so
        return


def noted_rows(directory: Path, token: str) -> int | None:
    """The rows noted by ``note_rows``, or None (not previewed, or gone)."""
    try:
        _data_path, meta_path = _staged_paths(directory, token)
        rows = json.loads(meta_path.read_text(encoding="utf-8")).get("rows")
    except (NotFound, OSError, ValueError):
        return None
    return rows if isinstance(rows, int) else None


def runs_as_job(
    size: int,
    rows: int | None,
    *,
    max_rows: int = INLINE_MAX_ROWS,
    max_bytes: int = INLINE_MAX_BYTES,
) -> bool:
    """Whether importing a file of ``size`` bytes and ``rows`` rows (None: not known yet)
    is too big for the request: more than ``max_bytes`` (a ``.zip`` with its pictures
    counts whole) or more than ``max_rows`` rows."""
    return size > max_bytes or (rows is not None and rows > max_rows)


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
