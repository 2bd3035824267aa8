"""Times and durations as people in Vietnam read them. No Flask: services, exports, the CLI
and the template filters (``contest.web.filters``) all use these.

Times are stored in UTC and shown in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def to_local(value: datetime | None) -> datetime | None:
    """An aware (or naive UTC) datetime in Vietnam time; None stays None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)


def local_to_utc(value: datetime | None) -> datetime | None:
    """A naive date-time typed in a form, read as Vietnam time, as aware UTC."""
    return value.replace(tzinfo=LOCAL_TZ).astimezone(UTC) if value else None


def format_datetime_vn(value: datetime | None, fmt: str = "%H:%M, %d/%m/%Y") -> str:
    """'14:05, 02/12/2026' in Vietnam time; '' for None."""
    local = to_local(value)
    return local.strftime(fmt) if local else ""


def format_date_vn(value: date | None) -> str:
    """'02/12/2026'; '' for None."""
    return value.strftime("%d/%m/%Y") if value else ""


def format_duration(ms: int | None) -> str:
    """7 min 42 s → '07:42'; over an hour → '1:02:03'; '' for None."""
    if ms is None:
        return ""
    seconds = int(ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
