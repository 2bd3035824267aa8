"""``flask privacy …``: the retention purge of personal data (checklist L4,
services/privacy.py). Run it daily from cron or the job queue's schedule."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from contest.db import utcnow
from contest.extensions import db

privacy_cli = AppGroup("privacy", help="Personal data retention.")


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count only; change nothing.")
def purge(dry_run):
    """Erase the CCCD, phone and birth date of participants who won nothing once the
    complaint period of everything they took part in is over; print the counts."""
    from contest.services import privacy

    result = privacy.purge_personal_data(now=utcnow(), actor=None, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would erase" if dry_run else "erased"
    click.echo(
        f"{result.users} participants: {verb} {result.id_numbers} ID numbers, "
        f"{result.phones} phones, {result.birth_dates} birth dates"
    )
