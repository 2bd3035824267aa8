"""Share cards: the 1200 × 630 PNG that Facebook, Zalo and others show beside a shared
link (Open Graph ``og:image``), drawn with Pillow from plain text — no Flask, no database.

A card shows what kind of page it is, the contest's name, the round (if any), the dates
(Vietnam time, formatted by the caller) and the organiser, in Noto Serif (the fonts
committed in ``contest/fonts`` for the certificates, every Vietnamese letter). Never any
personal data: the caller passes only the contest's public facts.

Text is wrapped to the card's width; a title too long for its lines first shrinks, then
ends in "…", so nothing ever runs off the card (``layout`` returns every line's box, which
the tests check). ``cached_png`` keeps each card on disk under a SHA-256 of its inputs (and
of the layout version), so a share storm renders a card once.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
# Bump when the drawing changes, so cached cards are drawn again.
LAYOUT_VERSION = "1"
FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
BRAND, BRAND_DARK, GOLD, WHITE = (165, 15, 21), (127, 11, 16), (242, 193, 78), (255, 255, 255)
ELLIPSIS = "…"
TITLE_SIZES = (64, 58, 52, 46, 40, 36)
BAND_TOP = HEIGHT - 150  # the darker band at the bottom, where the organiser goes


@dataclass(frozen=True)
class Card:
    """What a card shows, as plain text (already translated and formatted)."""

    kicker: str  # "Cuộc thi", "Đợt thi", "Kết quả"
    title: str  # the contest's name
    subtitle: str = ""  # the round's name
    dates: str = ""  # "01/12/2026 – 31/12/2026"
    organiser: str = ""
    site: str = ""

    def digest(self) -> str:
        """SHA-256 of the inputs and the layout version: the cache key and the ETag."""
        data = json.dumps([LAYOUT_VERSION, asdict(self)], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Line:
    text: str
    size: int
    bold: bool
    colour: tuple[int, int, int]
    box: tuple[int, int, int, int]  # left, top, right, bottom in pixels


@lru_cache(maxsize=32)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont:
    name = "NotoSerif-Bold.ttf" if bold else "NotoSerif-Regular.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _split_word(word: str, font, width: int) -> list[str]:
    """A word wider than the line, cut into pieces that fit."""
    pieces, current = [], ""
    for ch in word:
        if current and font.getlength(current + ch) > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    return pieces + ([current] if current else [])


def wrap(text: str, font, width: int) -> list[str]:
    """``text`` as lines no wider than ``width`` pixels in ``font`` (words kept whole
    unless a single word is wider than a line)."""
    lines: list[str] = []
    current = ""
    for word in " ".join(text.split()).split(" "):
        if not word:
            continue
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if font.getlength(word) <= width:
            current = word
        else:
            *full, current = _split_word(word, font, width)
            lines.extend(full)
    if current:
        lines.append(current)
    return lines


def _fit(text: str, font, width: int, max_lines: int) -> list[str]:
    """At most ``max_lines`` lines; the last ends in "…" when text was left out."""
    lines = wrap(text, font, width)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and font.getlength(last + ELLIPSIS) > width:
        last = last[:-1].rstrip()
    kept[-1] = last + ELLIPSIS
    return kept


def _line_height(size: int, bold: bool) -> int:
    ascent, descent = _font(size, bold).getmetrics()
    return int((ascent + descent) * 1.08)


def _title_lines(text: str, width: int, budget: int) -> tuple[int, list[str]]:
    """The largest title size (64 down to 36) at which the title fits in ``budget``
    pixels of height (at most three lines); else the smallest, cut with "…"."""
    for size in TITLE_SIZES:
        most = min(3, budget // _line_height(size, True))
        lines = wrap(text, _font(size, True), width)
        if 0 < len(lines) <= most:
            return size, lines
    size = TITLE_SIZES[-1]
    most = max(1, min(3, budget // _line_height(size, True)))
    return size, _fit(text, _font(size, True), width, most)


def layout(card: Card) -> list[Line]:
    """Every line of text on the card with its font and pixel box (top to bottom)."""
    width = WIDTH - 2 * MARGIN
    out: list[Line] = []
    y = 56

    def put(lines, size, bold, colour, gap):
        nonlocal y
        font = _font(size, bold)
        ascent, descent = font.getmetrics()
        for text in lines:
            length = int(font.getlength(text))
            out.append(
                Line(text, size, bold, colour, (MARGIN, y, MARGIN + length, y + ascent + descent))
            )
            y += _line_height(size, bold)
        y += gap

    put(_fit(card.site, _font(26, False), width, 1), 26, False, GOLD, 18)
    put(_fit(card.kicker.upper(), _font(28, True), width, 1), 28, True, GOLD, 6)
    below = 0
    if card.subtitle:
        below += _line_height(36, False) + 8
    if card.dates:
        below += _line_height(32, False) + 8
    size, title = _title_lines(card.title or "…", width, BAND_TOP - 16 - y - below - 12)
    put(title, size, True, WHITE, 12)
    if card.subtitle:
        put(_fit(card.subtitle, _font(36, False), width, 1), 36, False, WHITE, 8)
    if card.dates:
        put(_fit(card.dates, _font(32, False), width, 1), 32, False, GOLD, 8)
    organiser = _fit(card.organiser, _font(26, False), width, 2)
    y = HEIGHT - 40 - _line_height(26, False) * len(organiser)
    put(organiser, 26, False, WHITE, 0)
    return out


def render_png(card: Card) -> bytes:
    """The card as PNG bytes (1200 × 630, RGB)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BRAND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, BAND_TOP, WIDTH, HEIGHT), fill=BRAND_DARK)
    draw.rectangle((0, 0, 16, HEIGHT), fill=GOLD)
    for line in layout(card):
        font = _font(line.size, line.bold)
        draw.text((line.box[0], line.box[1]), line.text, font=font, fill=line.colour)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def cached_png(card: Card, directory: str | os.PathLike) -> tuple[bytes, str]:
    """The card's PNG and its digest, drawn once and then read from ``directory``
    (written atomically, so concurrent requests never see half a file)."""
    digest = card.digest()
    folder = Path(directory)
    path = folder / f"{digest}.png"
    try:
        return path.read_bytes(), digest
    except FileNotFoundError:
        pass
    data = render_png(card)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return data, digest
