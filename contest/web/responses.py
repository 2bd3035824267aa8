"""Downloads: xlsx bytes or a streamed xlsx written to a temporary file, and essay files.
Personal-data downloads are never cached (E3)."""

from __future__ import annotations

import io
import tempfile

from flask import Response, send_file

from contest.services import documents, essay_entries, exports

XLSX = exports.XLSX_MIME


def xlsx_response(data: bytes, filename: str, *, private: bool = False):
    """Send ``.xlsx`` bytes as a download; ``private`` files are never cached (E3)."""
    response = send_file(
        io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=filename, max_age=0
    )
    if private:
        response.headers["Cache-Control"] = "no-store"
    return response


def send_xlsx(write, filename: str, *, private: bool) -> Response:
    """Run ``write(file)`` into a temporary file and stream it; the file is closed (and so
    deleted) when the response ends. ``private`` downloads are never cached (E3)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _chunks)
    try:
        write(out)
        size = out.tell()
        out.seek(0)
    except BaseException:
        out.close()
        raise
    response = Response(_chunks(out), mimetype=exports.XLSX_MIME, direct_passthrough=True)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["Content-Length"] = str(size)
    response.headers["Cache-Control"] = "no-store" if private else "no-cache"
    return response


def _chunks(out, size: int = 64 * 1024):
    try:
        while chunk := out.read(size):
            yield chunk
    finally:
        out.close()


def send_essay_file(stored, name: str):
    """An essay file as an attachment, never cached, never sniffed (F5)."""
    mimetype = documents.DOCX_MIME if stored.kind.value == "docx" else documents.PDF_MIME
    response = send_file(
        io.BytesIO(essay_entries.file_bytes(stored)),
        mimetype=mimetype,
        as_attachment=True,
        download_name=name,
        etag=False,
        last_modified=None,
        max_age=0,
        conditional=False,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
