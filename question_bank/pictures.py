"""Pictures in question banks: the ``.zip`` bundle (a bank ``.xlsx`` plus its pictures), the
``Hình ảnh`` / ``Mô tả hình ảnh`` columns, and attaching a picture to a parsed question.

The readers only find the picture's bytes: an ``.xlsx`` row names a file inside the
bundle, a Word question holds the picture itself. What a picture *is* (an image, not too
large, resized and re-encoded) is decided by the caller's ``identify(data)``, which returns
the picture's identity (``contest`` stores it and answers its SHA-256) or raises
``PictureRefused`` with the message the row error shows. The identity joins the question's
de-duplication key: the same text with another picture is another question.

Bundle (``.zip``): exactly one ``.xlsx`` at any depth, pictures anywhere (``hinh/1.png``
or ``1.png``); a row's ``Hình ảnh`` matches a member's path or, when unambiguous, its
file name, ignoring case. The zip-bomb gate (``safety``) runs on the bundle first.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .i18n import _
from .safety import UnreadableFile, _zip_gate

__all__ = [
    "IMAGE",
    "IMAGE_ALT",
    "MAX_ALT",
    "MAX_PICTURES",
    "Picture",
    "PictureRefused",
    "Pictures",
    "check_picture",
    "raw_identity",
    "read_bundle",
    "write_bundle",
]

IMAGE = "Hình ảnh"
IMAGE_ALT = "Mô tả hình ảnh"
MAX_ALT = 500
MAX_PICTURES = 5000
MAX_PICTURE_BYTES = 20 * 1024 * 1024  # a member of the bundle, before the caller's own limit
_PICTURE_TYPES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")


class PictureRefused(Exception):
    """``identify`` refuses a picture; ``message`` (translated) says why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Picture:
    """A question's picture as read: ``name`` as the file calls it, the raw ``data``, the
    caller's ``identity`` of it and the ``alt`` text (may be blank)."""

    name: str
    data: bytes
    identity: str
    alt: str = ""


@dataclass
class Pictures:
    """The pictures a bank file can name (``{path: bytes}``) and the caller's ``identify``.

    ``find(name)`` looks a row's name up: the exact path, else the path ignoring case and
    ``\\`` versus ``/``, else the file name alone when only one member has it.
    """

    files: Mapping[str, bytes]
    identify: Callable[[bytes], str]

    def __post_init__(self) -> None:
        self._paths: dict[str, str] = {}
        self._names: dict[str, list[str]] = {}
        for path in self.files:
            key = _norm(path)
            self._paths.setdefault(key, path)
            self._names.setdefault(posixpath.basename(key), []).append(path)
        self._identities: dict[str, str] = {}

    def find(self, name: str) -> str | None:
        if name in self.files:
            return name
        key = _norm(name)
        if key in self._paths:
            return self._paths[key]
        same = self._names.get(posixpath.basename(key), [])
        return same[0] if len(same) == 1 else None

    def picture(self, name: str, alt: str = "") -> Picture:
        """The named picture with its identity; raises ``PictureRefused`` (also when no
        file has that name)."""
        path = self.find(name)
        if path is None:
            raise PictureRefused(
                _(
                    "Không tìm thấy tệp hình «%(name)s» trong tệp .zip. Vui lòng kiểm tra "
                    "tên tệp trong cột Hình ảnh (kể cả phần đuôi, ví dụ .png) hoặc thêm "
                    "tệp hình vào tệp .zip.",
                    name=name,
                )
            )
        if path not in self._identities:
            self._identities[path] = self.identify(self.files[path])
        return Picture(name, self.files[path], self._identities[path], alt)


def _norm(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/").strip().lstrip("/")).casefold()


def raw_identity(data: bytes) -> str:
    """The default identity of a picture: the SHA-256 of its bytes as read."""
    return hashlib.sha256(data).hexdigest()


def _bundle_problem(message: str) -> UnreadableFile:
    return UnreadableFile(message)


def read_bundle(data: bytes, *, max_bytes: int) -> tuple[bytes, dict[str, bytes]]:
    """The bank ``.xlsx`` and the pictures (``{path in the zip: bytes}``) of a bundle.

    Members are read with their sizes checked against what they declare (a zip bomb
    stops at ``max_bytes`` in all). Raises ``UnreadableFile``: not a readable zip, no
    ``.xlsx`` or several, too many pictures, too large once unpacked.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _bundle_problem(
            _("Không đọc được tệp .zip. Vui lòng nén lại tệp Excel và các tệp hình rồi tải lên.")
        ) from exc
    with archive:
        _zip_gate(
            archive,
            max_entries=MAX_PICTURES + 100,
            max_total_uncompressed=max_bytes,
            max_entry_uncompressed=max_bytes,
            max_ratio=200,
        )
        members = [
            m
            for m in archive.infolist()
            if not m.is_dir()
            and not posixpath.basename(m.filename).startswith((".", "~$"))
            and not m.filename.startswith("__MACOSX/")
        ]
        sheets = [m for m in members if m.filename.lower().endswith(".xlsx")]
        if len(sheets) != 1:
            raise _bundle_problem(
                _(
                    "Tệp .zip cần có đúng một tệp Excel (.xlsx) danh sách câu hỏi (đang có "
                    "%(count)s). Vui lòng để một tệp .xlsx cùng các tệp hình trong tệp .zip.",
                    count=len(sheets),
                )
            )
        pictures = [m for m in members if m.filename.lower().endswith(_PICTURE_TYPES)]
        if len(pictures) > MAX_PICTURES:
            raise _bundle_problem(
                _(
                    "Tệp .zip có hơn %(count)s tệp hình. Vui lòng chia thành nhiều tệp nhỏ hơn.",
                    count=MAX_PICTURES,
                )
            )
        budget = max_bytes
        read: dict[str, bytes] = {}
        for member in [sheets[0], *pictures]:
            limit = min(budget, MAX_PICTURE_BYTES if member is not sheets[0] else budget)
            read[member.filename] = _read_member(archive, member, limit)
            budget -= len(read[member.filename])
    sheet = read.pop(sheets[0].filename)
    return sheet, read


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> bytes:
    too_big = _bundle_problem(
        _(
            "Tệp .zip quá lớn khi giải nén (tệp «%(name)s»). Vui lòng dùng hình nhỏ hơn "
            "hoặc chia thành nhiều tệp .zip.",
            name=member.filename,
        )
    )
    if member.file_size > limit:
        raise too_big
    try:
        with archive.open(member) as stream:
            data = stream.read(limit + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise _bundle_problem(
            _(
                "Không đọc được tệp «%(name)s» trong tệp .zip. Vui lòng nén lại rồi tải lên.",
                name=member.filename,
            )
        ) from exc
    if len(data) > limit:
        raise too_big
    return data


def check_picture(
    cells: Mapping[str, str], pictures: Pictures | None, report: Callable[[str, str], None]
) -> Picture | None:
    """The picture a row names in ``Hình ảnh`` (with its ``Mô tả hình ảnh``), or None;
    every problem is ``report(column label, message)``-ed."""
    name, alt = cells.get("image", ""), cells.get("image_alt", "")
    if len(alt) > MAX_ALT:
        report(
            IMAGE_ALT,
            _("Mô tả hình ảnh dài quá %(limit)s ký tự. Vui lòng rút gọn.", limit=MAX_ALT),
        )
    if not name:
        return None
    if pictures is None:
        report(
            IMAGE,
            _(
                "Dòng này ghi tên tệp hình nhưng tệp tải lên không kèm hình nào. Vui lòng nén "
                "tệp Excel cùng các tệp hình thành một tệp .zip rồi tải tệp .zip lên."
            ),
        )
        return None
    try:
        return pictures.picture(name, alt)
    except PictureRefused as exc:
        report(IMAGE, exc.message)
        return None


def write_bundle(workbook: bytes, pictures: Iterable[Picture], *, sheet_name: str) -> bytes:
    """A ``.zip`` of the bank ``workbook`` (as ``sheet_name``) and each picture under its
    ``name`` (the «Hình ảnh» cell), once per name: ``read_bundle`` reads it back."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(sheet_name, workbook)
        written: set[str] = set()
        for picture in pictures:
            if picture.name not in written:
                written.add(picture.name)
                # Pictures are compressed already: stored as they are.
                archive.writestr(picture.name, picture.data, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()
