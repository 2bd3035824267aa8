"""The signature and seal images an organiser uploads for the certificates: checked, then
re-encoded by Pillow as PNG (transparency kept, so a seal can lie over the signature),
at most ``MAX_SIDE`` pixels a side, without any metadata (EXIF, XMP, text chunks:
``image_metadata``). Pure bytes in, bytes out; a refusal is an ``UploadRefused`` that says
in Vietnamese what to do."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from contest.services.i18n import _
from contest.services.image_metadata import strip_image_metadata
from contest.services.upload_refusals import MB, UploadRefused, megabytes, thousands

MAX_UPLOAD_BYTES = 2 * MB
MAX_SOURCE_PIXELS = 25_000_000  # a 5000 × 5000 scan; larger is refused before decoding
MAX_SIDE = 1000  # enough for 6 cm at 400 dpi
FORMATS = {"PNG", "JPEG", "WEBP"}


def prepare_image(data: bytes, *, label: str) -> bytes:
    """The PNG to store for an uploaded image (``label`` names it in messages: "ảnh chữ
    ký", "ảnh con dấu"). Raises UploadRefused for an empty, too large, unreadable or
    unsupported file."""
    if not data:
        raise UploadRefused(_("Tệp %(label)s trống. Vui lòng chọn lại tệp.", label=label))
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            _(
                "Tệp %(label)s quá lớn (%(size)s). Vui lòng dùng tệp PNG hoặc JPG không quá "
                "%(limit)s.",
                label=label,
                size=megabytes(len(data)),
                limit=megabytes(MAX_UPLOAD_BYTES),
            ),
            too_large=True,
        )
    image = _open(data, label)
    if image.width * image.height > MAX_SOURCE_PIXELS:
        raise UploadRefused(
            _(
                "Ảnh %(label)s quá nhiều điểm ảnh (%(width)s × %(height)s). Vui lòng thu nhỏ "
                "ảnh (tối đa 5.000 × 5.000) rồi tải lên lại.",
                label=label,
                width=thousands(image.width),
                height=thousands(image.height),
            )
        )
    try:
        image = image.convert("RGBA")
    except (OSError, ValueError) as exc:
        raise _unreadable(label) from exc
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return strip_image_metadata(out.getvalue())


def _open(data: bytes, label: str) -> Image.Image:
    """The decoded image (its pixels loaded), refused when it is not a PNG, JPEG or WebP."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise UploadRefused(
                    _(
                        "Tệp %(label)s phải là ảnh PNG hoặc JPG. Vui lòng lưu ảnh thành PNG "
                        "(nên có nền trong suốt) rồi tải lên lại.",
                        label=label,
                    )
                )
            if image.width * image.height > MAX_SOURCE_PIXELS:
                return image  # refused by the caller, never decoded
            image.load()
    except UploadRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Warning) as exc:
        raise _unreadable(label) from exc
    except Image.DecompressionBombError as exc:
        raise _unreadable(label) from exc
    return image


def _unreadable(label: str) -> UploadRefused:
    return UploadRefused(
        _(
            "Không đọc được %(label)s: tệp bị hỏng hoặc không phải là ảnh. Vui lòng mở ảnh "
            "và lưu lại thành PNG hoặc JPG rồi tải lên lại.",
            label=label,
        )
    )
