"""The pieces of a bank import's pages (``organiser.py`` has the routes): the staged upload
(on disk under ``BANK_STAGING_DIR``, read for the same organiser and bank), the upload and
preview pages, and the choice between importing in the request and queueing a job.

A file above the limits (more than ``BANK_IMPORT_INLINE_MAX_ROWS`` rows, by default 2,000,
as the preview noted them, or more than ``BANK_IMPORT_INLINE_MAX_BYTES``, by default 1 MB, a
``.zip`` with its pictures counting whole) is imported by a job (``contest/jobs/imports.py``);
the CLI's ``questions import`` always imports in its own process.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from contest.db import utcnow
from contest.jobs import imports as job_imports
from contest.services import bank_files, bank_staging, question_images
from contest.services.errors import NotFound

MAX_ROWS_SHOWN = 500


def staging_dir() -> Path:
    configured = current_app.config.get("BANK_STAGING_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "bank-uploads"


def wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def upload_page(bank, message: str | None, status: int):
    if wants_json() and request.method == "POST":
        return jsonify({"error": "file", "message": message}), status
    return render_template(
        "banks/upload.html",
        bank=bank,
        error=message,
        max_bytes=bank_files.MAX_FILE_BYTES,
        inline_rows=current_app.config.get(
            "BANK_IMPORT_INLINE_MAX_ROWS", bank_staging.INLINE_MAX_ROWS
        ),
        image_mb=question_images.MAX_BYTES // 1048576,
        image_px=question_images.MAX_SIDE,
    ), status


def staged(bank, token: str):
    """The staged bytes and file name, or a redirect to the upload page."""
    try:
        return bank_files.read_staged(
            staging_dir(), token, bank_id=bank.id, actor_id=current_user.id, now=utcnow()
        ), None
    except NotFound as exc:  # back to the upload form, not an error page
        flash(str(exc), "warning")
        return None, redirect(url_for("banks.upload_file", bank_id=bank.id))


def preview_page(bank, token: str, filename: str, preview):
    status = 200 if preview.ok else 422
    return render_template(
        "banks/preview.html",
        bank=bank,
        token=token,
        filename=filename,
        preview=preview,
        max_rows=MAX_ROWS_SHOWN,
    ), status


def staged_preview(bank, token: str):
    """The staged upload read again: ((data, filename, preview), None), or (None, the page
    to show instead) when it is gone or can no longer be read."""
    found, response = staged(bank, token)
    if response is not None:
        return None, response
    data, filename = found
    try:
        preview = bank_files.preview_import(bank, data, filename)
    except bank_files.UnreadableFile as exc:
        bank_files.discard_staged(staging_dir(), token)
        return None, upload_page(bank, exc.message, 400)
    return (data, filename, preview), None


def runs_as_job(size: int, rows: int | None) -> bool:
    """Whether a file of ``size`` bytes and ``rows`` rows (None: unknown) is a job."""
    config = current_app.config
    return bank_staging.runs_as_job(
        size,
        rows,
        max_rows=config.get("BANK_IMPORT_INLINE_MAX_ROWS", bank_staging.INLINE_MAX_ROWS),
        max_bytes=config.get("BANK_IMPORT_INLINE_MAX_BYTES", bank_staging.INLINE_MAX_BYTES),
    )


def queue_import(bank, token: str, data: bytes, filename: str, *, actor):
    """Queue the staged upload's import (the job carries the file, so the staged copy goes)
    and answer with the job's page."""
    job = job_imports.start_bank_import(
        data, bank=bank, token=token, filename=filename, actor=actor, now=utcnow()
    )
    bank_files.discard_staged(staging_dir(), token)
    return job_page(job)


def job_page(job):
    return redirect(url_for("jobs.show", job_id=job.id), 303)
