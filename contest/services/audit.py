"""Writing the audit log."""

from __future__ import annotations

from datetime import datetime

from contest.extensions import db
from contest.models import AuditEntry, User


def record(
    actor: User | None, action: str, obj_type: str, obj_id, *, now: datetime, **details
) -> AuditEntry:
    """Add one audit entry (who, what, which object, details). Never put PII in details."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=obj_type,
        object_id=None if obj_id is None else str(obj_id),
        details=details,
        created_at=now,
    )
    db.session.add(entry)
    return entry
