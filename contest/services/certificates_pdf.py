"""The certificate as a PDF page (A4 landscape), drawn with reportlab, Noto Serif embedded
(``contest/fonts``: subset, OFL) so every Vietnamese letter prints and extracts as text;
and the zip of a round's certificates, one PDF per person.

reportlab rather than fpdf2: the text of a certificate takes 8.6 ms against 74 ms on this
machine (fpdf2 reads the TrueType font again for every document). A whole certificate —
the two pictures and the QR code (segno, drawn as one path) — takes 22 ms
(``bench/bench_certificates.py``): 10,000 certificates in about 4 minutes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO

import segno
from PIL import Image
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from contest.extensions import db
from contest.models.certificate import Certificate
from contest.models.results import RoundResult
from contest.services import certificates, certificates_template, result_pages
from contest.services.certificates_template import Issuer
from contest.services.xlsx_stream import NATIONAL_MOTTO
from question_bank.text import fold

FONTS = Path(__file__).resolve().parents[1] / "fonts"
REGULAR, BOLD, ITALIC = "CertSerif", "CertSerif-Bold", "CertSerif-Italic"
RED, BLUE, INK = HexColor("#9B1C1C"), HexColor("#1F3A7A"), HexColor("#1A1A1A")
WIDTH, HEIGHT = landscape(A4)  # 841.9 × 595.3 pt


def _register_fonts() -> None:
    """Register the three faces once per process."""
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    for name, file in ((REGULAR, "Regular"), (BOLD, "Bold"), (ITALIC, "Italic")):
        pdfmetrics.registerFont(TTFont(name, str(FONTS / f"NotoSerif-{file}.ttf")))


@dataclass(frozen=True)
class Face:
    """Everything one certificate prints."""

    issuer: Issuer
    name: str
    unit: str
    prize: str | None
    round_name: str
    dated: date
    code: str
    url: str


def face_of(cert: Certificate, base_url: str, units: dict[int, str] | None = None) -> Face:
    """The face of a stored certificate; ``base_url`` is the site's root
    ('https://hoithi.example.vn/'), the verification URL is built on it."""
    round_ = cert.round
    units = result_pages.unit_paths() if units is None else units
    row = result_pages.row_of(db.session.get(RoundResult, cert.result_id), cert.participant_id)
    code = certificates.format_code(cert.code)
    return Face(
        issuer=certificates_template.issuer_of(round_.contest),
        name=cert.participant.full_name,
        unit=units.get(row.unit_id, "") if row is not None else "",
        prize=cert.prize,
        round_name=round_.name,
        dated=certificates.certificate_date(cert),
        code=code,
        url=verification_url(base_url, code),
    )


def sample_face(contest, base_url: str, today: date) -> Face:
    """A sample of the contest's certificate (the template page's preview): nobody's data."""
    return Face(
        issuer=certificates_template.issuer_of(contest),
        name="Nguyễn Văn Mẫu",
        unit="Đơn vị mẫu",
        prize="Giải Nhất",
        round_name=contest.rounds[0].name if contest.rounds else "Đợt thi",
        dated=today,
        code="MAUX-MAUX-MAUX-MAUX",
        url=verification_url(base_url, "MAUX-MAUX-MAUX-MAUX"),
    )


def verification_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/xac-minh/{code}"


def render(face: Face) -> bytes:
    """One certificate as a one-page PDF."""
    _register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(WIDTH, HEIGHT), pageCompression=1)
    canvas.setTitle(f"Giấy chứng nhận — {face.issuer.contest_name}")
    canvas.setAuthor(face.issuer.organiser_name)
    canvas.setCreator("Hội thi trực tuyến")
    _frame(canvas)
    _heading(canvas, face.issuer)
    _body(canvas, face)
    _signature(canvas, face)
    _verification(canvas, face)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _centred(canvas: Canvas, text: str, x: float, y: float, font: str, size: float) -> float:
    """Draw ``text`` centred on ``x``; returns its width."""
    canvas.setFont(font, size)
    canvas.drawCentredString(x, y, text)
    return pdfmetrics.stringWidth(text, font, size)


def _frame(canvas: Canvas) -> None:
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(3)
    canvas.rect(22, 22, WIDTH - 44, HEIGHT - 44)
    canvas.setLineWidth(0.8)
    canvas.rect(30, 30, WIDTH - 60, HEIGHT - 60)


def _heading(canvas: Canvas, issuer: Issuer) -> None:
    """The issuer (top left) beside the national motto (top right), each underlined."""
    canvas.setFillColor(INK)
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.6)
    left, right, y = WIDTH * 0.26, WIDTH * 0.69, HEIGHT - 62
    lines = issuer.issuer_lines
    for i, line in enumerate(lines):
        font = BOLD if i == len(lines) - 1 else REGULAR
        for part in simpleSplit(line.upper(), font, 11, 300):
            _centred(canvas, part, left, y, font, 11)
            y -= 14
    canvas.line(left - 35, y + 5, left + 35, y + 5)  # under the organiser, clear of it
    _centred(canvas, NATIONAL_MOTTO[0], right, HEIGHT - 62, BOLD, 11.5)
    width = _centred(canvas, NATIONAL_MOTTO[1], right, HEIGHT - 77, BOLD, 12.5)
    canvas.line(right - width / 2, HEIGHT - 81, right + width / 2, HEIGHT - 81)


def _body(canvas: Canvas, face: Face) -> None:
    middle = WIDTH / 2
    canvas.setFillColor(RED)
    _centred(canvas, "GIẤY CHỨNG NHẬN", middle, HEIGHT - 160, BOLD, 40)
    canvas.setFillColor(INK)
    _centred(canvas, "Chứng nhận Ông (Bà):", middle, HEIGHT - 192, ITALIC, 14)
    size = 30
    while size > 16 and pdfmetrics.stringWidth(face.name, BOLD, size) > 640:
        size -= 1
    canvas.setFillColor(BLUE)
    _centred(canvas, face.name, middle, HEIGHT - 232, BOLD, size)
    canvas.setFillColor(INK)
    y = HEIGHT - 258
    if face.unit:
        _centred(canvas, f"Đơn vị: {face.unit}", middle, y, REGULAR, 13)
        y -= 30
    else:
        y -= 8
    if face.prize:
        _centred(canvas, face.issuer.winner_text, middle, y, ITALIC, 14)
        canvas.setFillColor(RED)
        _centred(canvas, face.prize.upper(), middle, y - 26, BOLD, 22)
        canvas.setFillColor(INK)
        y -= 50
    else:
        _centred(canvas, face.issuer.participant_text, middle, y, ITALIC, 15)
        y -= 26
    for line in simpleSplit(face.issuer.contest_name, BOLD, 15, 660)[:3]:
        _centred(canvas, line, middle, y, BOLD, 15)
        y -= 19
    _centred(canvas, face.round_name, middle, y, REGULAR, 13)


def _signature(canvas: Canvas, face: Face) -> None:
    """The place and date, who signs, the signature under the seal, the signer's name."""
    issuer, x = face.issuer, WIDTH * 0.72
    _centred(canvas, certificates_template.date_line(issuer.place, face.dated), x, 205, ITALIC, 12)
    y = 187
    for line in (issuer.on_behalf, issuer.signer_title):
        if line:
            _centred(canvas, line, x, y, BOLD, 12)
            y -= 15
    if issuer.signature_png:
        canvas.drawImage(
            _picture(issuer.signature_png),
            x - 70,
            78,
            140,
            72,
            mask="auto",
            preserveAspectRatio=True,
            anchor="c",
        )
    if issuer.seal_png:
        canvas.drawImage(
            _picture(issuer.seal_png),
            x - 105,
            70,
            95,
            95,
            mask="auto",
            preserveAspectRatio=True,
            anchor="c",
        )
    if issuer.signer_name:
        _centred(canvas, issuer.signer_name, x, 60, BOLD, 13)


def _verification(canvas: Canvas, face: Face) -> None:
    """The QR code of the verification URL, the code and the URL, bottom left."""
    size, x, y = 78, 58, 52
    _qr(canvas, face.url, x, y, size)
    canvas.setFillColor(INK)
    canvas.setFont(REGULAR, 9)
    canvas.drawString(x + size + 14, y + 58, "Mã xác minh:")
    canvas.setFont(BOLD, 11)
    canvas.drawString(x + size + 14, y + 44, face.code)
    canvas.setFont(REGULAR, 8.5)
    canvas.drawString(x + size + 14, y + 28, "Kiểm tra tính hợp lệ tại:")
    canvas.drawString(x + size + 14, y + 16, face.url)


def _qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """``text`` as a QR code (level M) of ``size`` points, its dark modules one filled
    path (segno encodes in ~4 ms; reportlab's widget took ~80 ms a certificate)."""
    matrix = segno.make_qr(text, error="m").matrix
    cell = size / len(matrix)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + 1) * cell
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                path.rect(x + start * cell, top, (c - start) * cell, cell)
            else:
                c += 1
    canvas.setFillColor(INK)
    canvas.drawPath(path, stroke=0, fill=1)


@lru_cache(maxsize=8)
def _picture(png: bytes) -> ImageReader:
    """A stored signature or seal, shrunk to what the page needs (600 px: ~300 dpi at
    5 cm) and kept decoded: every certificate of a round draws the same two pictures."""
    image = Image.open(io.BytesIO(png))
    image.thumbnail((600, 600))
    return ImageReader(image)


# --- the zip of a round --------------------------------------------------------------------


def pdf_filename(cert: Certificate) -> str:
    """'0001-nguyen-van-an-ABCD-EFGH-JKMN-PQRS.pdf': ASCII, rank order."""
    name = re.sub(r"[^a-z0-9]+", "-", fold(cert.participant.full_name).replace("đ", "d"))
    return f"{cert.rank:04d}-{name.strip('-')[:40]}-{certificates.format_code(cert.code)}.pdf"


def write_zip(
    certs: Iterable[Certificate],
    out: IO[bytes],
    *,
    base_url: str,
    progress: Callable[[int], None] | None = None,
) -> int:
    """One PDF per certificate into a zip (stored: the PDFs are compressed already).
    Returns how many; ``progress`` gets the count every 50."""
    units = result_pages.unit_paths()
    n = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for cert in certs:
            archive.writestr(pdf_filename(cert), render(face_of(cert, base_url, units)))
            n += 1
            if progress is not None and n % 50 == 0:
                progress(n)
    return n
