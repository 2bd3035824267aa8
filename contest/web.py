"""Locale, time zone and template helpers shared by every page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, session
from flask_babel import get_locale

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return "Asia/Ho_Chi_Minh"


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)


def local_to_utc(value: datetime | None) -> datetime | None:
    """A naive date-time typed in a form, read as Vietnam time, as aware UTC."""
    return value.replace(tzinfo=LOCAL_TZ).astimezone(UTC) if value else None


def apply_errors(form, exc) -> None:
    """Put a ValidationFailed's messages beside the form's fields; a message for a field the
    form does not show becomes a flash, so none is lost."""
    from flask import flash

    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [message]
        else:
            flash(message, "danger")


def format_datetime_vn(value: datetime | None, fmt: str = "%H:%M, %d/%m/%Y") -> str:
    local = to_local(value)
    return local.strftime(fmt) if local else ""


def format_date_vn(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def format_duration(ms: int | None) -> str:
    """7 min 42 s → '07:42'; over an hour → '1:02:03'."""
    if ms is None:
        return ""
    seconds = int(ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["vn_datetime"] = format_datetime_vn
    app.jinja_env.filters["vn_date"] = format_date_vn
    app.jinja_env.filters["duration"] = format_duration

    @app.before_request
    def remember_language():
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"]:
            session["lang"] = chosen

    @app.context_processor
    def site_context():
        return {
            "site_name": app.config["SITE_NAME"],
            "organiser_name": app.config["ORGANISER_NAME"],
            "contact_email": app.config["CONTACT_EMAIL"],
            "contact_phone": app.config["CONTACT_PHONE"],
            "languages": app.config["LANGUAGES"],
            "current_locale": str(get_locale() or "vi"),
        }
