"""``flask users …``: create accounts and import participant lists (product.md §5)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from contest.db import utcnow
from contest.extensions import db
from contest.models import Role
from contest.services.errors import ValidationFailed

users_cli = AppGroup("users", help="Accounts.")


@users_cli.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", default=None)
@click.option("--password", required=True)
@click.option("--name", default="")
@click.option("--phone", default=None)
@click.option("--id-number", default=None, help="Số CCCD (participants).")
@click.option("--birth-date", default=None, help="YYYY-MM-DD (participants).")
@click.option("--gender", type=click.Choice(["male", "female"]), default=None)
@click.option("--unit", default=None, help="Unit name or path 'Parent / Child'.")
@click.option("--category", default=None, help="Category name (participants).")
@click.option(
    "--scope-unit",
    default=None,
    help="Organisers: the unit (name or path) whose subtree a unit organiser manages.",
)
def create_user(
    role, email, password, name, phone, id_number, birth_date, gender, unit, category, scope_unit
):
    """Create an account and print its id."""
    from contest.services import accounts, participants, unit_scope, units

    now = utcnow()
    if scope_unit and role != "organiser":
        click.echo("scope_unit: --scope-unit is only for --role organiser", err=True)
        sys.exit(1)
    try:
        if role == "participant" and id_number:
            user = participants.create_participant_from_cli(
                full_name=name,
                email=email,
                phone=phone,
                id_number=id_number,
                birth_date=birth_date,
                gender=gender,
                unit=unit,
                category=category,
                password=password,
                now=now,
                min_age=current_app.config["MIN_AGE"],
            )
        else:
            user = accounts.create_account(
                role=Role(role),
                email=email,
                password=password,
                full_name=name,
                phone=phone,
                now=now,
            )
        if scope_unit:
            try:
                found = units.UnitLookup(units.list_units()).find(scope_unit)
            except LookupError as exc:
                raise ValidationFailed({"scope_unit": str(exc)}) from exc
            unit_scope.set_scope(user, found.id, actor=None, now=now)
    except ValidationFailed as exc:
        db.session.rollback()
        for field, message in exc.fields.items():
            click.echo(f"{field}: {message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"created user {user.id} ({role})")


def _passwords_path(source: Path) -> Path:
    """``ds.xlsx`` → ``ds-mat-khau.xlsx`` beside it, never overwriting an earlier list."""
    path = source.with_name(f"{source.stem}-mat-khau.xlsx")
    number = 2
    while path.exists():
        path = source.with_name(f"{source.stem}-mat-khau-{number}.xlsx")
        number += 1
    return path


@users_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_users(file: Path):
    """Create participant accounts from an .xlsx list (all-or-nothing).

    Prints `created N`; generated passwords go to FILE's name + `-mat-khau.xlsx`.
    Exit 1 with one `row R, column C: message` line per problem; exit 2 when the file
    cannot be read.
    """
    from contest.services import user_import
    from contest.services.errors import Conflict, ImportFailed
    from question_bank.safety import UnreadableFile

    try:
        data = file.read_bytes()
    except OSError:
        click.echo(f"Không đọc được tệp {file}. Vui lòng kiểm tra đường dẫn.", err=True)
        sys.exit(2)
    now = utcnow()
    try:
        result = user_import.import_participants(
            data,
            actor=None,
            now=now,
            min_age=current_app.config["MIN_AGE"],
            max_rows=user_import.CLI_MAX_ROWS,
        )
    except UnreadableFile as exc:
        db.session.rollback()
        click.echo(exc.message, err=True)
        sys.exit(2)
    except ImportFailed as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(str(error))
        click.echo("Tệp có lỗi, chưa tạo tài khoản nào.", err=True)
        sys.exit(1)
    except Conflict as exc:
        db.session.rollback()
        click.echo(exc.message, err=True)
        sys.exit(1)
    written = None
    if result.generated:
        written = _passwords_path(file)
        written.touch(mode=0o600)
        written.write_bytes(user_import.password_sheet_bytes(result.generated, now=now))
        user_import.record_password_export(None, rows=len(result.generated), now=now)
    try:
        db.session.commit()
    except Exception:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    click.echo(f"created {result.created}")
    if written is not None:
        click.echo(f"passwords: {written}")
