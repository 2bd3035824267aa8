"""The page language (``?lang=`` remembered in the session, ``vi`` by default) and the
time zone every page shows."""

from __future__ import annotations

from flask import Flask, current_app, request, session


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return "Asia/Ho_Chi_Minh"


def init_app(app: Flask) -> None:
    @app.before_request
    def remember_language():
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"]:
            session["lang"] = chosen
