"""``flask demo load``: the demo data of ``make run``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from contest.db import utcnow
from contest.demo import load_demo
from contest.extensions import db

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
def load_demo_command():
    """Load the demo data (idempotent) and print the demo accounts."""
    accounts = load_demo(now=utcnow())
    db.session.commit()
    click.echo("Demo accounts (login / password):")
    for role, login, password in accounts:
        click.echo(f"  {role:<12} {login:<32} {password}")
