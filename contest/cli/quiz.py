"""``flask --app wsgi quiz …``: rounds and attempts from the command line."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select

from contest.db import utcnow
from contest.extensions import db
from contest.models import Contest, QuestionBank
from contest.services import attempts, ranking, round_lifecycle, rounds
from contest.services.errors import DomainError, ValidationFailed
from contest.services.formatting import LOCAL_TZ

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
@click.option(
    "--prediction-target",
    default=ranking.DEFAULT_TARGET,
    type=click.Choice(list(ranking.TARGETS)),
)
@click.option(
    "--publish/--no-publish",
    default=False,
    help="Publish the round and its contest (otherwise the round is a draft).",
)
def create_round(
    contest_title,
    round_name,
    bank_name,
    questions,
    minutes,
    max_attempts,
    opens,
    closes,
    prediction_target,
    publish,
):
    """Create a round and print its id."""
    now = utcnow()
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.name == bank_name))
    if bank is None:
        click.echo(f"no question bank named {bank_name!r}", err=True)
        sys.exit(1)
    try:
        contest = db.session.scalar(select(Contest).where(Contest.title == contest_title))
        if contest is None:
            contest = rounds.save_contest(
                rounds.ContestInput(title=contest_title), actor=None, now=now
            )
        round_ = rounds.save_round(
            contest,
            rounds.RoundInput(
                name=round_name,
                opens_at=parse_when(opens),
                closes_at=parse_when(closes),
                question_count=questions,
                time_limit_minutes=minutes,
                max_attempts=max_attempts,
                bank_ids=[bank.id],
                prediction_target=prediction_target,
            ),
            actor=None,
            now=now,
        )
        if publish:
            round_lifecycle.publish_round(round_, actor=None, now=now)
            rounds.set_published(contest, True, actor=None, now=now)
    except ValidationFailed as exc:
        db.session.rollback()
        for field, message in exc.fields.items():
            click.echo(f"{field}: {message}", err=True)
        sys.exit(1)
    except DomainError as exc:
        db.session.rollback()
        click.echo(exc.message, err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(round_.id)


@quiz_cli.command("finalise-overdue")
def finalise_overdue():
    """Finalise every attempt past its deadline from its saved answers (run every minute)."""
    count = attempts.finalise_overdue(utcnow())
    db.session.commit()
    click.echo(f"finalised {count}")


def _round_or_exit(round_id: int):
    from contest.models import Round

    round_ = db.session.get(Round, round_id)
    if round_ is None:
        click.echo(f"no round with id {round_id}", err=True)
        sys.exit(1)
    return round_


@quiz_cli.command("close-round")
@click.argument("round_id", type=int)
@click.option(
    "--actual",
    type=int,
    default=None,
    help="The actual value of the prediction question (manual target only).",
)
@click.option(
    "--end-now",
    is_flag=True,
    help="End an open round now (before its close time), then close it.",
)
def close_round(round_id, actual, end_now):
    """Finalise open attempts, freeze the actual value, rank and award prizes.

    Refuses before the round's close time, unless --end-now ends the round now first
    (the attempts in progress are finalised from their saved answers). Running it again
    recomputes (after a disqualification, say): a new result version is stored only when
    an input changed, and what changed is printed and audited.
    """
    from contest.services import result_closing

    round_ = _round_or_exit(round_id)
    now = utcnow()
    try:
        if end_now:
            ended = round_lifecycle.end_early(round_, actor=None, now=now)
            click.echo(f"round {round_id}: ended now, finalised {ended} attempts in progress")
        outcome = result_closing.close_round(round_, actor=None, now=now, actual=actual)
    except DomainError as exc:
        db.session.rollback()
        click.echo(exc.message, err=True)
        sys.exit(1)
    db.session.commit()
    result = outcome.result
    if not outcome.created:
        click.echo(
            f"round {round_id}: unchanged (version {result.version}, "
            f"hash {result.inputs_hash[:16]})"
        )
        return
    click.echo(
        f"round {round_id}: closed, version {result.version}, actual value "
        f"{result.actual_value}, ranked {result.participants}, winners {result.winners}, "
        f"finalised {outcome.finalised}, hash {result.inputs_hash[:16]}"
    )
    changes = outcome.changes
    if changes:
        click.echo(
            f"changes since version {changes['previous_version']}: "
            f"actual {changes['actual'][0]} -> {changes['actual'][1]}, "
            f"prize changes {changes['prize_changes_total']}, "
            f"rank changes {changes['rank_changes']}, "
            f"removed {changes['removed_total']}, added {changes['added']}"
        )
        for change in changes["prize_changes"][:50]:
            click.echo(
                f"  participant {change['participant_id']}: "
                f"{change['before'] or '-'} (rank {change['rank_before'] or '-'}) -> "
                f"{change['after'] or '-'} (rank {change['rank_after'] or '-'})"
            )
        if changes.get("previous_published"):
            click.echo("the published result is unchanged until this version is published")


@quiz_cli.command("schedule-rounds")
@click.argument("round_id", type=int)
@click.option("--weeks", type=int, required=True, help="How many copies to make (1-52).")
@click.option(
    "--start",
    default=None,
    help="When the first copy opens (ISO; no offset means Vietnam time). "
    "Default: one gap after the round opens.",
)
@click.option(
    "--gap-days", type=int, default=7, show_default=True, help="Days from one start to the next."
)
def schedule_rounds(round_id, weeks, start, gap_days):
    """Copy a round WEEKS times, one gap apart, as drafts (every setting; each as long as
    the round). Prints the new rounds' ids, one a line."""
    from datetime import timedelta

    from contest.services import round_copies

    round_ = _round_or_exit(round_id)
    try:
        made = round_copies.schedule_rounds(
            round_,
            weeks=weeks,
            first_opens_at=parse_when(start) if start else None,
            gap=timedelta(days=gap_days),
            actor=None,
            now=utcnow(),
        )
    except ValidationFailed as exc:
        db.session.rollback()
        for field, message in exc.fields.items():
            click.echo(f"{field}: {message}", err=True)
        sys.exit(1)
    db.session.commit()
    for r in made:
        click.echo(r.id)


def _interactive() -> bool:
    """Whether a person watches the terminal (then exports show a progress bar)."""
    return sys.stderr.isatty()


def _export(kind: str, round_id: int, file: str) -> None:
    import os
    import tempfile
    from pathlib import Path

    from contest.services import exports, result_pages

    round_ = _round_or_exit(round_id)
    result = result_pages.current_result(round_.id)
    if result is None:
        click.echo(
            f"round {round_id} has no result yet: run `quiz close-round {round_id}`", err=True
        )
        sys.exit(1)
    target = Path(file)
    now = utcnow()
    total = exports.count_rows(result, kind)
    try:
        # Written beside the target, then renamed: a failed export never leaves half a file.
        handle, tmp_name = tempfile.mkstemp(
            dir=target.parent if str(target.parent) else ".", prefix=".export-", suffix=".xlsx"
        )
    except OSError as exc:
        click.echo(f"cannot write {file}: {exc.strerror}", err=True)
        sys.exit(2)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as out:
            if _interactive():
                with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
                    rows = exports.write_export(kind, result, out, now=now, progress=bar.update)
            else:
                rows = exports.write_export(kind, result, out, now=now)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    exports.record_export(None, kind, result, rows=rows, now=now, via="cli")
    db.session.commit()
    click.echo(f"wrote {rows} rows to {target}")


@quiz_cli.command("export-winners")
@click.argument("round_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False))
def export_winners(round_id, file):
    """Write the round's winners with full personal data to an .xlsx (audited)."""
    _export("winners", round_id, file)


@quiz_cli.command("export-results")
@click.argument("round_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False))
def export_results(round_id, file):
    """Write every ranked participant with every ranking key to an .xlsx (audited)."""
    _export("results", round_id, file)
