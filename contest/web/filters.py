"""Template filters and the site-wide template context."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_decimal, get_locale

from contest.services.formatting import format_date_vn, format_datetime_vn, format_duration


def init_app(app: Flask) -> None:
    app.jinja_env.filters["vn_datetime"] = format_datetime_vn
    app.jinja_env.filters["vn_date"] = format_date_vn
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["file_size"] = file_size

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


def file_size(size: int | None) -> str:
    """A file's size as the page's language writes it: "6,0 KB", "1,2 MB" in Vietnamese."""
    size = size or 0
    if size >= 1024 * 1024:
        return format_decimal(size / (1024 * 1024), format="0.0") + " MB"
    return format_decimal(size / 1024, format="0.0") + " KB"
