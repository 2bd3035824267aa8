"""Serving question pictures (``/question-images/<sha256>.<ext>``).

The name is the picture's SHA-256, so a URL always means the same bytes: the response is
cached for a year as ``immutable``, but ``private`` (never by a shared cache), because who
may see it is checked per person (``question_images.may_view``: organisers, and a
participant whose own paper holds it, so never before the round opens). Anyone else gets
the same 404 as for a name that does not exist.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import current_user

from contest.services import question_images

bp = Blueprint("question_images", __name__)

YEAR = 365 * 24 * 3600


@bp.route(question_images.URL_PREFIX + "<file_name>")
def show(file_name: str):
    image = question_images.find(file_name)
    if image is None or not question_images.may_view(current_user, image):
        abort(404)
    etag = f'"{image.sha256}"'
    headers = {
        "Cache-Control": f"private, max-age={YEAR}, immutable",
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Vary": "Cookie",
    }
    if etag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    return Response(image.data, mimetype=image.mime, headers=headers)


def picture_url(image) -> str:
    """The URL of a stored picture, for templates."""
    return question_images.url_of(image.sha256, image.mime)
