"""Pictures inside an uploaded essay without what can name their author: EXIF (camera owner,
"Artist", GPS), XMP and IPTC in JPEG; text, EXIF and time chunks in PNG. The picture data
itself is copied byte for byte (no re-encoding, so nothing is lost). Pure bytes in, bytes
out; a file that is neither, or that cannot be walked to its end, is returned unchanged.
"""

from __future__ import annotations

import struct

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# APP1 (EXIF, XMP), APP12 ("Ducky", picture info), APP13 (IPTC/Photoshop) and comments.
_JPEG_DROPPED = {0xE1, 0xEC, 0xED, 0xFE}
# Markers with no length field: TEM, RST0–7.
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_PNG_DROPPED = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def strip_image_metadata(data: bytes) -> bytes:
    """``data`` without its metadata when it is a JPEG or PNG; otherwise unchanged."""
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data) or data
    if data.startswith(PNG_SIGNATURE):
        return _png(data) or data
    return data


def _jpeg(data: bytes) -> bytes | None:
    """Copy the segments up to the scan, leaving out the dropped ones; the scan and what
    follows it are copied as they are. ``None`` when the segments do not add up."""
    out = [b"\xff\xd8"]
    position = 2
    while position < len(data):
        if data[position] != 0xFF:
            return None
        while position < len(data) and data[position] == 0xFF:
            position += 1  # fill bytes
        if position >= len(data):
            return None
        marker = data[position]
        position += 1
        if marker in _JPEG_STANDALONE:
            out.append(bytes([0xFF, marker]))
            continue
        if marker == 0xD9:  # end of image before any scan
            out.append(b"\xff\xd9")
            return b"".join(out)
        if position + 2 > len(data):
            return None
        (length,) = struct.unpack(">H", data[position : position + 2])
        if length < 2 or position + length > len(data):
            return None
        if marker == 0xDA:  # start of scan: the rest is picture data
            out.append(b"\xff\xda" + data[position:])
            return b"".join(out)
        if marker not in _JPEG_DROPPED:
            out.append(bytes([0xFF, marker]) + data[position : position + length])
        position += length
    return None


def _png(data: bytes) -> bytes | None:
    """Copy the chunks but the dropped ones. ``None`` when a chunk runs past the end."""
    out = [PNG_SIGNATURE]
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            return None
        if kind not in _PNG_DROPPED:
            out.append(data[position:end])
        position = end
        if kind == b"IEND":
            return b"".join(out)
    return None
