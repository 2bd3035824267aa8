"""Hội thi trực tuyến: the Flask application factory. It only wires things together."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from contest import config as config_module

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(config_module.INSTANCE),
        instance_relative_config=False,
    )
    app.config.update(config_module.load(overrides))

    from contest import cli, errors, security, web
    from contest.database import init_database
    from contest.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate

    init_database(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(
        app,
        locale_selector=web.select_locale,
        timezone_selector=web.select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)
    security.init_app(app)
    web.init_app(app)
    errors.init_app(app)
    _register_blueprints(app)
    cli.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from contest.admin.views import bp as admin_bp
    from contest.api.views import bp as api_bp
    from contest.auth.views import bp as auth_bp
    from contest.main.views import bp as main_bp
    from contest.organiser.views import bp as organiser_bp
    from contest.participant.views import bp as participant_bp

    for bp in (main_bp, auth_bp, participant_bp, organiser_bp, admin_bp, api_bp):
        app.register_blueprint(bp)
    # Areas added by later capabilities, each a package with views.bp.
    import importlib

    for name in (
        "contest.banks.views",
        "contest.quiz.views",
        "contest.quiz.organiser",
        "contest.results.views",
        "contest.results.organiser",
        "contest.essay.participant",
        "contest.essay.judge",
        "contest.essay.organiser",
    ):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name and not name.startswith(exc.name + "."):
                raise
            continue
        app.register_blueprint(module.bp)
