"""Real pictures for the tests, made with Pillow: a JPEG with EXIF GPS, a PNG, a PNG that
claims too many pixels, a zip of an ``.xlsx`` with pictures, a ``.docx`` with one."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

from PIL import Image, ImageDraw

from tests.question_bank.qb_helpers import HEADER, make_xlsx

GPS = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 51.0, 0.0)}  # Hà Nội
PICTURE_HEADER = [*HEADER, "Hình ảnh", "Mô tả hình ảnh"]


def jpeg_with_gps(size=(2000, 1500), colour=(30, 120, 200)) -> bytes:
    """A photo-like JPEG carrying a camera maker, an owner and a GPS position in EXIF."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=(250, 200, 0))
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x013B] = "Nguyen Van A"  # Artist
    exif[0x8825] = GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(size=(400, 300), colour=(200, 30, 30), text: str = "") -> bytes:
    image = Image.new("RGBA", size, (*colour, 255))
    if text:
        ImageDraw.Draw(image).text((10, 10), text, fill=(0, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def bomb_png(side: int = 10_000) -> bytes:
    """A small file that decodes to ``side``² pixels (100 million by default)."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()


def picture_row(text: str, image: str = "", alt: str = "", answer: str = "B") -> list[Any]:
    return [
        "Biển báo",
        "Dễ",
        text,
        "Cấm",
        "Nguy hiểm",
        "Hiệu lệnh",
        "Chỉ dẫn",
        answer,
        "",
        image,
        alt,
    ]


def bundle(rows: Sequence[Sequence[Any]], pictures: dict[str, bytes], *, sheet="cau-hoi.xlsx"):
    """A .zip of a bank workbook (with the picture columns) and ``pictures`` by path."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(sheet, make_xlsx(rows, PICTURE_HEADER))
        for name, data in pictures.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_with_picture(picture: bytes, alt: str = "Biển cấm đi ngược chiều") -> bytes:
    """A Word bank written by python-docx: question 1 with a picture (alt text set in
    Word's ``descr``), question 2 without."""
    import docx

    document = docx.Document()
    document.add_paragraph("Câu 1: Biển báo trong hình thuộc nhóm nào?")
    shape = document.add_paragraph().add_run().add_picture(io.BytesIO(picture))
    shape._inline.docPr.set("descr", alt)
    for line in ("A. Biển cấm", "B. Biển nguy hiểm", "C. Biển chỉ dẫn", "Đáp án: A"):
        document.add_paragraph(line)
    for line in ("Câu 2: Đèn vàng nghĩa là gì?", "A. Đi tiếp", "B. Chậm lại", "Đáp án: B"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
