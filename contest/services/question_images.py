"""Question pictures: check, resize and re-encode an uploaded picture, store it once by
content, tell who may see it, and describe it for the quiz page.

A picture is decoded with Pillow and written anew: turned upright (EXIF orientation), at
most ``MAX_SIDE`` px on its longer side, without any metadata (EXIF with GPS, XMP, ICC,
text chunks), as JPEG (an opaque picture from a JPEG or WebP) or PNG (anything with
transparency, drawings from PNG, GIF, BMP …). Re-encoding the same bytes gives the same
bytes, so the same upload is stored once (``QuestionImage.sha256`` is unique), and a
picture exported from a bank is recognised on re-import by its SHA-256 and kept as it is
(a round trip never re-compresses).

Refused, with a message that says what to do (``PictureRefused``): not a picture, over
``MAX_BYTES``, more than ``MAX_PIXELS`` pixels (a decompression bomb is refused from its
header, before anything is decoded), a damaged file.

Who may see a picture (``may_view``): organisers and admins (they edit the banks), and a
participant whose own paper holds a question with it — a paper exists only once an
attempt has started, so a picture never leaks before its round opens, even to someone who
guessed the name. The URL is ``/question-images/<sha256>.<ext>``: a new picture is a new
name, so it is served ``immutable`` (privately: the check above is per person).

Functions flush, never commit, and never import Flask.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import exists, select

from contest.extensions import db
from contest.models.question import IMAGE_EXTENSIONS, Question, QuestionImage
from contest.models.quiz import Attempt, AttemptQuestion
from contest.models.user import Role, User
from contest.services.i18n import _
from question_bank import PictureRefused

__all__ = [
    "MAX_BYTES",
    "MAX_PIXELS",
    "MAX_SIDE",
    "URL_PREFIX",
    "Processed",
    "PictureCache",
    "PictureRefused",
    "default_alt",
    "find",
    "image_payload",
    "images_of_questions",
    "may_view",
    "process",
    "store",
    "url_of",
]

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1280
MAX_PIXELS = 52_000_000  # a 50-megapixel phone photo passes, a bomb does not
JPEG_QUALITY = 85
URL_PREFIX = "/question-images/"
ALT_PREVIEW = 150  # characters of the question's text in a default alt


@dataclass(frozen=True)
class Processed:
    """A picture ready to store: its bytes, their SHA-256, MIME type and size in px."""

    data: bytes
    sha256: str
    mime: str
    width: int
    height: int


def _refused_type() -> PictureRefused:
    return PictureRefused(
        _("Tệp này không phải là hình ảnh. Vui lòng chọn tệp hình JPEG, PNG, WebP hoặc GIF.")
    )


def _refused_size() -> PictureRefused:
    return PictureRefused(
        _(
            "Tệp hình quá lớn (tối đa %(size)s MB). Vui lòng thu nhỏ hình hoặc lưu lại "
            "với chất lượng thấp hơn rồi tải lên.",
            size=MAX_BYTES // (1024 * 1024),
        )
    )


def _refused_pixels(width: int | None = None, height: int | None = None) -> PictureRefused:
    if width is None:  # Pillow refused it from the header without saying the size
        return PictureRefused(
            _(
                "Hình có kích thước quá lớn. Vui lòng thu nhỏ hình (ví dụ cạnh dài không "
                "quá 4.000 điểm ảnh) rồi tải lên."
            )
        )
    return PictureRefused(
        _(
            "Hình có kích thước quá lớn (%(width)s × %(height)s điểm ảnh). Vui lòng thu "
            "nhỏ hình (ví dụ cạnh dài không quá 4.000 điểm ảnh) rồi tải lên.",
            width=width,
            height=height,
        )
    )


def _open(data: bytes):
    """The decoded picture, refused before decoding when its header promises too much."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_BYTES:
        raise _refused_size()
    if not data:
        raise _refused_type()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.format not in ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"):
                raise _refused_type()
            if image.width * image.height > MAX_PIXELS:
                raise _refused_pixels(image.width, image.height)
            image.seek(0)  # the first frame of an animation
            image.load()
        except PictureRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _refused_pixels() from exc
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
            raise _refused_type() from exc
    return image


def process(data: bytes) -> Processed:
    """Check and re-encode uploaded bytes (see the module docstring). Raises
    ``PictureRefused`` with a translated message."""
    from PIL import Image, ImageOps

    image = _open(data)
    source = image.format
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a damaged EXIF block: the picture is kept upright
        # An unreadable orientation is no orientation.
        with contextlib.suppress(Exception):
            image = ImageOps.exif_transpose(image)
    transparent = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if transparent else "RGB")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    image.info = {}  # nothing of the original's metadata is written back
    out = io.BytesIO()
    if not transparent and source in ("JPEG", "MPO", "WEBP"):
        mime = "image/jpeg"
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        mime = "image/png"
        image.save(out, "PNG", optimize=True)
    encoded = out.getvalue()
    return Processed(encoded, hashlib.sha256(encoded).hexdigest(), mime, image.width, image.height)


def _by_sha(sha256: str) -> QuestionImage | None:
    return db.session.scalar(select(QuestionImage).where(QuestionImage.sha256 == sha256))


def store(data: bytes) -> QuestionImage:
    """The stored picture for uploaded bytes: the same one when these bytes are a picture
    already stored (an export re-imported) or re-encode to one; else a new row. Raises
    ``PictureRefused``."""
    if len(data) > MAX_BYTES:
        raise _refused_size()
    known = _by_sha(hashlib.sha256(data).hexdigest())
    if known is not None:
        return known
    return _save_processed(process(data))


def _save_processed(processed: Processed) -> QuestionImage:
    known = _by_sha(processed.sha256)
    if known is not None:
        return known
    image = QuestionImage(
        sha256=processed.sha256,
        mime=processed.mime,
        width=processed.width,
        height=processed.height,
        size=len(processed.data),
        data=processed.data,
    )
    db.session.add(image)
    db.session.flush()
    return image


def url_of(sha256: str, mime: str) -> str:
    return f"{URL_PREFIX}{sha256}.{IMAGE_EXTENSIONS[mime]}"


def default_alt(question_text: str) -> str:
    """The alt text when the organiser wrote none: the picture belongs to the question."""
    text = " ".join(question_text.split())
    if len(text) > ALT_PREVIEW:
        text = text[: ALT_PREVIEW - 1].rstrip() + "…"
    return _("Hình minh họa cho câu hỏi: %(text)s", text=text)


def image_payload(
    sha256: str, mime: str, width: int, height: int, alt: str, question_text: str
) -> dict:
    """The ``image`` object of a question in the API: ``url``, ``alt``, ``width``,
    ``height`` (the stored size, for the page to reserve the space)."""
    return {
        "url": url_of(sha256, mime),
        "alt": alt or default_alt(question_text),
        "width": width,
        "height": height,
    }


def images_of_questions(question_ids: Iterable[int]) -> dict[int, dict]:
    """``{question id: image payload}`` for the questions that have a picture, in one
    query (a picture never changes on a question row: a new picture is a new version)."""
    ids = list(question_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            Question.id,
            Question.text,
            Question.image_alt,
            QuestionImage.sha256,
            QuestionImage.mime,
            QuestionImage.width,
            QuestionImage.height,
        )
        .join(QuestionImage, QuestionImage.id == Question.image_id)
        .where(Question.id.in_(ids))
    )
    return {
        row.id: image_payload(row.sha256, row.mime, row.width, row.height, row.image_alt, row.text)
        for row in rows
    }


def find(file_name: str) -> QuestionImage | None:
    """The stored picture named ``<sha256>.<ext>`` (the extension must match), or None."""
    sha256, _dot, ext = file_name.partition(".")
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    image = _by_sha(sha256)
    if image is None or IMAGE_EXTENSIONS.get(image.mime) != ext:
        return None
    return image


def may_view(user: User | None, image: QuestionImage) -> bool:
    """Organisers and admins always (not a unit organiser: the banks are the province's);
    a participant only when one of their own attempts' papers holds a question with this
    picture (so never before the round opens)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.has_role(Role.organiser):
        return getattr(user, "scope_unit_id", None) is None or user.role is Role.admin
    # The person's attempts are a handful; their papers' rows are found by the unique
    # (attempt_id, question_id) index, never by scanning everyone who saw the question.
    attempts = list(db.session.scalars(select(Attempt.id).where(Attempt.participant_id == user.id)))
    if not attempts:
        return False
    with_image = select(Question.id).where(Question.image_id == image.id)
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    AttemptQuestion.attempt_id.in_(attempts),
                    AttemptQuestion.question_id.in_(with_image),
                )
            )
        )
    )


class PictureCache:
    """The pictures of one import: ``identify(data)`` (the ``question_bank`` readers' hook)
    gives the SHA-256 the picture is or will be stored under, checking and re-encoding each
    distinct file once and writing nothing; ``save(data)`` then stores it (``store``) and
    returns its row. Raises ``PictureRefused``."""

    def __init__(self) -> None:
        self._known: dict[str, QuestionImage | Processed] = {}  # by the raw bytes' SHA-256

    def identify(self, data: bytes) -> str:
        raw = hashlib.sha256(data).hexdigest()
        if raw not in self._known:
            if len(data) > MAX_BYTES:
                raise _refused_size()
            self._known[raw] = _by_sha(raw) or process(data)
        return self._known[raw].sha256

    def save(self, data: bytes) -> QuestionImage:
        raw = hashlib.sha256(data).hexdigest()
        found = self._known.get(raw)
        if isinstance(found, QuestionImage):
            return found
        if found is None:
            found = self._known[raw] = _by_sha(raw) or process(data)
            if isinstance(found, QuestionImage):
                return found
        image = _save_processed(found)
        self._known[raw] = image
        return image
