"""The statistics dashboard's bar charts as plain geometry, drawn as SVG on the server by
templates/results_admin/_chart.html (no script, no CDN, no inline style: CSP)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from contest.services.stats import Figures


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value: str
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass
class Chart:
    title: str
    width: int
    height: int
    bars: list[Bar]
    horizontal: bool
    baseline: tuple[float, float, float, float]


def vertical_chart(
    title: str, items: list[tuple[str, float, str]], *, width: int = 640, height: int = 220
) -> Chart:
    """Columns for (label, value, value text) items, left to right."""
    top, bottom, left, right = 18, 30, 8, 8
    n = max(len(items), 1)
    slot = (width - left - right) / n
    peak = max((v for _l, v, _t in items), default=0) or 1
    bars = []
    for i, (label, value, text) in enumerate(items):
        h = (height - top - bottom) * value / peak
        x = left + i * slot + slot * 0.15
        y = height - bottom - h
        bars.append(
            Bar(
                round(x, 1),
                round(y, 1),
                round(slot * 0.7, 1),
                round(h, 1),
                label,
                text,
                round(x + slot * 0.35, 1),
                height - bottom + 14,
                round(x + slot * 0.35, 1),
                round(y - 4, 1),
            )
        )
    return Chart(
        title, width, height, bars, False, (left, height - bottom, width - right, height - bottom)
    )


def horizontal_chart(
    title: str, items: list[tuple[str, float, str]], *, width: int = 640, bar_height: int = 22
) -> Chart:
    """Bars for (label, value, value text) items, top to bottom, labels on the left."""
    label_w, right, gap = 230, 60, 6
    height = max(len(items), 1) * (bar_height + gap) + gap
    peak = max((v for _l, v, _t in items), default=0) or 1
    bars = []
    for i, (label, value, text) in enumerate(items):
        y = gap + i * (bar_height + gap)
        w = (width - label_w - right) * value / peak
        short = label if len(label) <= 34 else "…" + label[-33:]
        bars.append(
            Bar(
                label_w,
                y,
                round(w, 1),
                bar_height,
                short,
                text,
                label_w - 6,
                y + bar_height * 0.7,
                round(label_w + w + 4, 1),
                y + bar_height * 0.7,
            )
        )
    return Chart(title, width, height, bars, True, (label_w, 0, label_w, height))


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def charts(f: Figures) -> dict[str, Chart]:
    """The dashboard's charts from its figures, titled in the request's language."""
    out = {}
    if len(f.per_round) > 1:
        out["rounds"] = horizontal_chart(
            _("Người thi theo đợt"),
            [(r["name"], r["participants"], _thousands(r["participants"])) for r in f.per_round],
        )
    if f.per_day:
        days = f.per_day[-31:]
        out["days"] = vertical_chart(
            _("Lượt thi theo ngày"),
            [(d["day"].strftime("%d/%m"), d["attempts"], str(d["attempts"])) for d in days],
        )
    if f.scores:
        out["scores"] = vertical_chart(
            _("Phổ điểm (số lượt thi theo số câu đúng)"),
            [(str(s["score"]), s["attempts"], str(s["attempts"])) for s in f.scores],
        )
    if f.by_unit:
        out["units"] = horizontal_chart(
            _("Người thi theo đơn vị (15 đơn vị nhiều nhất)")
            if len(f.by_unit) > 15
            else _("Người thi theo đơn vị"),
            [(str(u["name"]), u["participants"], str(u["participants"])) for u in f.by_unit[:15]],
        )
    if f.by_category:
        out["categories"] = horizontal_chart(
            _("Người thi theo đối tượng"),
            [(str(c["name"]), c["participants"], str(c["participants"])) for c in f.by_category],
        )
    return out
