"""``flask --app wsgi quiz …``: rounds and attempts from the command line."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from contest.db import utcnow
from contest.extensions import db
from contest.models import Contest, QuestionBank
from contest.services import attempts, rounds
from contest.services.errors import ValidationFailed
from contest.web import LOCAL_TZ

quiz_cli = AppGroup("quiz", help="Quiz contests, rounds and attempts.")


def parse_when(value: str) -> datetime:
    """ISO 8601; a time without an offset is Vietnam time (Asia/Ho_Chi_Minh)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO date-time: {value}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed.astimezone(UTC)


@quiz_cli.command("create-round")
@click.option("--contest", "contest_title", required=True, help="Contest title (created if new).")
@click.option("--round", "round_name", required=True)
@click.option("--bank", "bank_name", required=True)
@click.option("--questions", type=int, required=True)
@click.option("--minutes", type=int, required=True)
@click.option("--max-attempts", type=int, required=True)
@click.option("--opens", required=True, help="ISO date-time; no offset means Vietnam time.")
@click.option("--closes", required=True)
@click.option("--prediction-target", default="perfect_participants",
              type=click.Choice(["perfect_participants", "participants", "attempts", "manual"]))
@click.option("--publish/--no-publish", default=False, help="Publish the contest too.")
def create_round(contest_title, round_name, bank_name, questions, minutes, max_attempts, opens,
                 closes, prediction_target, publish):
    """Create a round and print its id."""
    now = utcnow()
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.name == bank_name))
    if bank is None:
        click.echo(f"no question bank named {bank_name!r}", err=True)
        sys.exit(1)
    try:
        contest = db.session.scalar(select(Contest).where(Contest.title == contest_title))
        if contest is None:
            contest = rounds.save_contest(rounds.ContestInput(title=contest_title), actor=None,
                                          now=now)
        round_ = rounds.save_round(contest, rounds.RoundInput(
            name=round_name, opens_at=parse_when(opens), closes_at=parse_when(closes),
            question_count=questions, time_limit_minutes=minutes, max_attempts=max_attempts,
            bank_ids=[bank.id], prediction_target=prediction_target), actor=None, now=now)
        if publish:
            rounds.set_published(contest, True, actor=None, now=now)
    except ValidationFailed as exc:
        db.session.rollback()
        for field, message in exc.fields.items():
            click.echo(f"{field}: {message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(round_.id)


@quiz_cli.command("finalise-overdue")
def finalise_overdue():
    """Finalise every attempt past its deadline from its saved answers (run every minute)."""
    count = attempts.finalise_overdue(utcnow())
    db.session.commit()
    click.echo(f"finalised {count}")


def init_app(app: Flask) -> None:
    app.cli.add_command(quiz_cli)
