"""``flask questions import|export``: thin click commands over the bank services
(``contest.services.banks`` and ``bank_files``).

Exit codes of ``import`` (product.md §5): 0 imported (``imported N, duplicates D, errors 0``),
1 row errors (one ``row R, column C: message`` line each for an ``.xlsx``, ``Câu N: message``
for a Word ``.docx``; nothing imported), 2 a file that cannot be read or is refused (message
on stderr). ``export --format docx`` (or a FILE ending in ``.docx``) writes the Word form.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from contest.db import utcnow
from contest.extensions import db
from contest.services import bank_files, banks
from contest.services.errors import ValidationFailed
from question_bank import UnreadableFile

questions_cli = AppGroup("questions", help="Question banks (Ngân hàng câu hỏi).")


def _read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as stream:
            data = stream.read(bank_files.MAX_FILE_BYTES + 1)
    except OSError as exc:
        click.echo(f"Không đọc được tệp {path}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    if len(data) > bank_files.MAX_FILE_BYTES:
        size = bank_files.MAX_FILE_BYTES // (1024 * 1024)
        click.echo(f"Tệp quá lớn. Vui lòng dùng tệp không quá {size} MB.", err=True)
        sys.exit(2)
    return data


@questions_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--bank", "bank_name", required=True, help="Bank name; created if missing.")
@click.option("--dry-run", is_flag=True, help="Check the file and report, saving nothing.")
def import_command(file: str, bank_name: str, dry_run: bool) -> None:
    """Import an .xlsx or .docx question bank, all or nothing."""
    # Everything loaded so far (the app, SQLAlchemy, Flask...) lives until the command ends:
    # keep the garbage collector from walking it again and again while the import allocates.
    gc.freeze()
    try:
        _import(file, bank_name, dry_run)
    finally:
        gc.unfreeze()


def _import(file: str, bank_name: str, dry_run: bool) -> None:
    data = _read_file(file)
    now = utcnow()
    bank = banks.get_bank_by_name(bank_name)
    interactive = sys.stdout.isatty()
    if interactive:
        click.echo("Đang đọc và kiểm tra tệp…", err=True)
    try:
        preview = bank_files.preview_import(bank, data, filename=file)
    except UnreadableFile as exc:
        click.echo(exc.message, err=True)
        sys.exit(2)
    if not preview.ok:
        for error in preview.errors:
            click.echo(str(error))
        sys.exit(1)
    if not dry_run:
        try:
            if bank is None:
                bank = banks.create_bank(bank_name, actor=None, now=now)
            if interactive and preview.questions:
                with click.progressbar(
                    length=len(preview.questions), label="Đang nhập câu hỏi"
                ) as bar:
                    state = {"done": 0}

                    def advance(done: int, _total: int) -> None:
                        bar.update(done - state["done"])
                        state["done"] = done

                    bank_files.save_import(bank, preview, actor=None, now=now, progress=advance)
            else:
                bank_files.save_import(bank, preview, actor=None, now=now)
        except ValidationFailed as exc:
            db.session.rollback()
            for message in exc.fields.values():
                click.echo(message, err=True)
            sys.exit(1)
        db.session.commit()
    click.echo(f"imported {len(preview.questions)}, duplicates {len(preview.duplicates)}, errors 0")


@questions_cli.command("export")
@click.option("--bank", "bank_name", required=True, help="Bank name.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "docx", "zip"]),
    default=None,
    help="xlsx (the template), zip (the template with the pictures) or docx (Word); "
    "default: by FILE's extension, else xlsx.",
)
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def export_command(bank_name: str, fmt: str | None, file: str) -> None:
    """Write a bank's active questions in the import template (.xlsx; .zip with the
    pictures) or Word form (.docx, pictures embedded)."""
    bank = banks.get_bank_by_name(bank_name)
    if bank is None:
        click.echo(f"Không có ngân hàng câu hỏi tên «{bank_name}».", err=True)
        sys.exit(1)
    fmt = fmt or next((f for f in ("docx", "zip") if file.lower().endswith(f".{f}")), "xlsx")
    if fmt == "xlsx" and bank_files.has_pictures(bank):
        click.echo(
            "Ngân hàng có câu hỏi kèm hình: tệp .xlsx không chứa hình. "
            "Dùng tệp .zip (--format zip) để xuất kèm hình.",
            err=True,
        )
    data = bank_files.export_bank(bank, actor=None, now=utcnow(), fmt=fmt)
    try:
        Path(file).write_bytes(data)
    except OSError as exc:
        db.session.rollback()
        click.echo(f"Không ghi được tệp {file}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    db.session.commit()
    count = banks.count_questions([bank.id])[bank.id].total
    click.echo(f"exported {count} questions to {file}")
