"""Command groups of the question bank and quiz capabilities."""

import importlib


def init_app(app) -> None:
    for name in ("contest.cli_questions", "contest.cli_quiz"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.init_app(app)
