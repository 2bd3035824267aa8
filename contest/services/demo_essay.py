"""Demo essay contest (filled in below)."""

from __future__ import annotations

from datetime import datetime


def load_demo_essay(*, now: datetime) -> None:
    """Create the demo essay contest once (idempotent)."""
    return None
