"""The page language (``?lang=`` remembered in the session, ``vi`` by default) and the
time zone every page shows."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext

from contest.services import i18n


def select_locale() -> str:
    if not has_request_context():  # the CLI and jobs: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return "Asia/Ho_Chi_Minh"


class JSONProvider(DefaultJSONProvider):
    """JSON that turns lazily translated messages into text in the request's language."""

    @staticmethod
    def default(o):
        if isinstance(o, i18n.LazyText):
            return str(o)
        return DefaultJSONProvider.default(o)


def _translate(message: str) -> str:
    return gettext(message)


def init_app(app: Flask) -> None:
    # Services and the question bank mark their messages; Flask-Babel translates them.
    i18n.set_translator(_translate)
    app.json = JSONProvider(app)

    @app.before_request
    def remember_language():
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"]:
            session["lang"] = chosen
