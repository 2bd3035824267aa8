"""Template filters and the site-wide template context."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from contest.services.formatting import format_date_vn, format_datetime_vn, format_duration


def init_app(app: Flask) -> None:
    app.jinja_env.filters["vn_datetime"] = format_datetime_vn
    app.jinja_env.filters["vn_date"] = format_date_vn
    app.jinja_env.filters["duration"] = format_duration

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
