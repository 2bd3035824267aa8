"""``flask --app wsgi quiz exclude | exclusions | unexclude``: a round's exclusion list
(danh sách không xét giải) from the command line, over ``services/exclusions.py``.

Exit codes follow ``users import``: 0 done (also when nothing needed doing: the person is
already listed, or a staff account that never ranks), 1 bad input (nobody registered with
the number, no reason, rows with errors: nothing added), 2 an unreadable file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from contest.cli.quiz import quiz_cli
from contest.db import utcnow
from contest.extensions import db
from contest.models import Round
from contest.services import exclusion_import, exclusions
from contest.services.errors import (
    AlreadyExcluded,
    DomainError,
    ImportFailed,
    StaffNeverRanks,
    ValidationFailed,
)
from contest.services.vn import mask_phone
from question_bank.safety import UnreadableFile


def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        click.echo(f"no round with id {round_id}", err=True)
        sys.exit(1)
    return round_


def _fail(message, code: int = 1):
    db.session.rollback()
    click.echo(str(message), err=True)
    sys.exit(code)


def _person(phone: str | None, cccd: str | None):
    try:
        return exclusions.find_by_phone(phone) if phone else exclusions.find_by_cccd(cccd)
    except ValidationFailed as exc:
        _fail(exc.message)


def _echo_recomputed(outcomes) -> None:
    for outcome in outcomes:
        result = outcome.result
        if outcome.created:
            click.echo(
                f"round {result.round_id}: recomputed, version {result.version} (not published), "
                f"ranked {result.participants}, winners {result.winners}"
            )
        else:
            click.echo(f"round {result.round_id}: unchanged (version {result.version})")


def _one_of(phone, cccd, file) -> None:
    if sum(bool(x) for x in (phone, cccd, file)) != 1:
        raise click.UsageError("give exactly one of --phone, --cccd or --file")


def _add_file(round_, target, file: Path, reason: str) -> None:
    try:
        data = file.read_bytes()
    except OSError:
        _fail(f"Không đọc được tệp {file}. Vui lòng kiểm tra đường dẫn.", 2)
    try:
        outcome = exclusion_import.import_exclusions(
            data,
            round_.contest,
            round_=target,
            reason=reason,
            actor=None,
            now=utcnow(),
            max_rows=exclusion_import.CLI_MAX_ROWS,
            source="cli",
        )
    except UnreadableFile as exc:
        _fail(exc.message, 2)
    except ImportFailed as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(str(error))
        _fail("Tệp có lỗi, chưa thêm ai vào danh sách.")
    except DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(
        f"excluded {len(outcome.added)}, already listed {len(outcome.already)}, "
        f"staff {len(outcome.staff)}, repeated rows {len(outcome.repeated)}"
    )
    _echo_recomputed(outcome.recomputed)


@quiz_cli.command("exclude")
@click.argument("round_id", type=int)
@click.option("--phone", default=None, help="The phone the person registered with.")
@click.option("--cccd", default=None, help="The CCCD (12 digits) the person registered with.")
@click.option(
    "--file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=".xlsx in the participant template's columns (Số CCCD / Số điện thoại, Lý do).",
)
@click.option("--reason", default="", help="Why (required; a file's «Lý do» cells win).")
@click.option(
    "--contest-wide", is_flag=True, help="Exclude from every round of the round's contest."
)
def exclude(round_id, phone, cccd, file, reason, contest_wide):
    """Add people to the round's exclusion list: they never rank and win no prize (their
    attempts are kept). A closed round is recomputed at once (a new, unpublished version)."""
    _one_of(phone, cccd, file)
    round_ = _round(round_id)
    target = None if contest_wide else round_
    if file:
        _add_file(round_, target, file, reason)
        return
    user = _person(phone, cccd)
    try:
        change = exclusions.add_exclusion(
            round_.contest, user, reason, round_=target, actor=None, now=utcnow(), source="cli"
        )
    except (AlreadyExcluded, StaffNeverRanks) as exc:
        db.session.rollback()
        click.echo(f"user {user.id}: {exc.message}")
        return
    except DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    scope = f"contest {round_.contest_id}" if contest_wide else f"round {round_id}"
    click.echo(f"excluded user {user.id} from {scope}")
    _echo_recomputed(change.recomputed)


@quiz_cli.command("exclusions")
@click.argument("round_id", type=int)
def list_exclusions(round_id):
    """List the round's exclusion list (with its contest-wide rows), tab-separated:
    user id, name, masked phone, scope, reason."""
    round_ = _round(round_id)
    rows = exclusions.list_exclusions(round_.contest, round_)
    for row in rows:
        scope = "round" if row.round_id else "contest"
        click.echo(
            f"{row.user_id}\t{row.user.full_name}\t{mask_phone(row.user.phone)}\t"
            f"{scope}\t{row.reason}"
        )
    summary = exclusions.summarise(round_.contest, round_)
    click.echo(f"{summary.total} excluded; staff accounts with attempts {summary.staff_took_part}")


@quiz_cli.command("unexclude")
@click.argument("round_id", type=int)
@click.option("--phone", default=None)
@click.option("--cccd", default=None)
@click.option("--contest-wide", is_flag=True, help="Remove the contest-wide row.")
def unexclude(round_id, phone, cccd, contest_wide):
    """Take someone off the round's (or, with --contest-wide, the contest's) list."""
    _one_of(phone, cccd, None)
    round_ = _round(round_id)
    user = _person(phone, cccd)
    rows = [r for r in exclusions.list_exclusions(round_.contest, round_) if r.user_id == user.id]
    wanted = [r for r in rows if (r.round_id is None) == contest_wide]
    if not wanted:
        if rows and contest_wide:
            _fail(f"user {user.id} is excluded from this round only: leave out --contest-wide")
        if rows:
            _fail(f"user {user.id} is excluded from the whole contest: add --contest-wide")
        _fail(f"user {user.id} is not on this list")
    row = wanted[0]
    try:
        change = exclusions.remove_exclusion(row, actor=None, now=utcnow(), source="cli")
    except DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"removed user {user.id}")
    _echo_recomputed(change.recomputed)
