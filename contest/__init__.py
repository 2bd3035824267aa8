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

    from contest import cli, jobs
    from contest.db import init_database
    from contest.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
    from contest.web import errors, filters, locale, security

    init_database(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(
        app,
        locale_selector=locale.select_locale,
        timezone_selector=locale.select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)
    security.init_app(app)
    locale.init_app(app)
    filters.init_app(app)
    errors.init_app(app)
    jobs.init_app(app)
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    cli.init_app(app)
    return app


def _blueprints() -> list:
    """Every blueprint, one package per feature area (docs/architecture.md)."""
    from contest.accounts import auth as accounts_auth
    from contest.accounts import participant as accounts_participant
    from contest.accounts import reset as accounts_reset
    from contest.admin import admin as admin_admin
    from contest.admin import organiser as admin_organiser
    from contest.api import views as api
    from contest.banks import images as banks_images
    from contest.banks import organiser as banks_organiser
    from contest.certificates import organiser as certificates_organiser
    from contest.certificates import public as certificates_public
    from contest.essay import judge as essay_judge
    from contest.essay import organiser as essay_organiser
    from contest.essay import participant as essay_participant
    from contest.exclusions import organiser as exclusions_organiser
    from contest.jobs import views as jobs_views
    from contest.public import views as public
    from contest.quiz import organiser as quiz_organiser
    from contest.quiz import participant as quiz_participant
    from contest.results import answer_keys as results_answer_keys
    from contest.results import disputes as results_disputes
    from contest.results import organiser as results_organiser
    from contest.results import participant as results_participant

    return [
        public.bp,
        accounts_auth.bp,
        accounts_participant.bp,
        accounts_reset.bp,
        admin_organiser.bp,
        admin_admin.bp,
        api.bp,
        banks_organiser.bp,
        banks_images.bp,
        quiz_participant.bp,
        quiz_organiser.bp,
        results_participant.bp,
        results_organiser.bp,
        results_answer_keys.bp,
        results_disputes.bp,
        essay_participant.bp,
        essay_judge.bp,
        essay_organiser.bp,
        exclusions_organiser.bp,
        jobs_views.bp,
        certificates_public.bp,
        certificates_organiser.bp,
    ]
