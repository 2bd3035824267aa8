"""A round's life-cycle: draft → published → running → closed → results published;
what may still change once people have taken part."""

from __future__ import annotations

import enum
from datetime import datetime


def _plain(value):
    """A setting's value as JSON for the audit log."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def jsonable_changes(changes: dict[str, tuple]) -> dict[str, dict]:
    """``{setting: {"old": …, "new": …}}`` for the audit log."""
    return {k: {"old": _plain(old), "new": _plain(new)} for k, (old, new) in changes.items()}


def check_changes(round_, changes: dict[str, tuple], *, now: datetime) -> None:
    """Raise unless ``changes`` ({setting: (old, new)}) may be made to the round now."""
    return None
