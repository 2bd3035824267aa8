"""The command line (product.md §5): thin click groups over the services, one module a
group. ``create_app`` registers every group listed here."""

from __future__ import annotations

from flask import Flask

from contest.cli import exclusions as _exclusions  # noqa: F401  (adds `quiz exclude` …)
from contest.cli.demo import demo_cli
from contest.cli.privacy import privacy_cli
from contest.cli.questions import questions_cli
from contest.cli.quiz import quiz_cli
from contest.cli.users import users_cli

GROUPS = (users_cli, questions_cli, quiz_cli, demo_cli, privacy_cli)


def init_app(app: Flask) -> None:
    for group in GROUPS:
        app.cli.add_command(group)
