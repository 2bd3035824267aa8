"""Accessibility checks run inside the Playwright page (docs/accessibility.md).

axe-core comes from the npm registry into ``tests/browser/vendor/`` (``npm ci`` there;
``.ci/run`` does it) and is only ever injected into the test browser: no page of the app
serves it. The other checks are measurements axe cannot make: horizontal scrolling at a
320 px wide window (400 % zoom), text at 200 %, a visible focus ring, target sizes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

VENDOR = Path(__file__).parent / "vendor"
AXE = VENDOR / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: what the issue asks for.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
# 1280 CSS px at 400 % zoom (WCAG 1.4.10, reflow).
REFLOW = {"width": 320, "height": 640}


def axe_source() -> str:
    """The vendored axe-core, or a skip (a failure in CI) saying how to install it."""
    if not AXE.exists():
        reason = f"axe-core is not installed: run 'npm ci --prefix {VENDOR}'"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


_RUN_AXE = """async (tags) => {
  const result = await window.axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => ({
      target: n.target.join(" "),
      summary: (n.failureSummary || "").split("\\n").slice(0, 3).join(" "),
      html: n.html.slice(0, 160),
    })),
  }));
}"""


def axe_violations(page, source: str) -> list[dict]:
    """The serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    found = page.evaluate(_RUN_AXE, WCAG_TAGS)
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


def describe(violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        for node in v["nodes"]:
            where = f"{node['target']} — {node['summary']}"
            lines.append(f"{v['impact']} {v['id']} ({v['help']}): {where}")
    return lines


# Scrolling sideways: the page itself, not a data table's own scroll box (WCAG 1.4.10
# lets a table keep its two-dimensional layout inside ``.table-responsive``).
_OVERFLOW = """() => {
  const root = document.scrollingElement;
  const wide = root.scrollWidth - root.clientWidth;
  if (wide <= 1) return [];
  const out = [];
  const limit = root.clientWidth;
  for (const el of document.body.querySelectorAll("*")) {
    // Inside a scroll box is fine; the box itself must fit.
    if (el.parentElement.closest(".table-responsive, pre")) continue;
    if (el.closest("[hidden]")) continue;
    const r = el.getBoundingClientRect();
    if (r.width && r.right > limit + 1) {
      const cls = typeof el.className === "string" ? el.className.trim() : "";
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (cls ? "." + cls.split(/\\s+/).join(".") : "");
      out.push(name + " right=" + Math.round(r.right));
      if (out.length >= 5) break;
    }
  }
  return out.length ? out : ["page is " + wide + " px wider than the window"];
}"""


def horizontal_overflow(page) -> list[str]:
    """What sticks out sideways, making the page scroll horizontally (empty when none)."""
    return page.evaluate(_OVERFLOW)


def set_text_size(page, percent: int) -> None:
    """Text at ``percent`` % (the browser's text size setting): the root font size, which
    every rem of Bootstrap and site.css follows. Through the CSSOM, which the page's CSP
    allows (it forbids inline style elements)."""
    page.evaluate("(p) => { document.documentElement.style.fontSize = p + '%'; }", percent)


_FOCUS_RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
  const shadow = s.boxShadow && s.boxShadow !== "none";
  return { ok: outline || shadow, what: el.outerHTML.slice(0, 120) };
}"""


def focus_ring_problems(page, presses: int = 6) -> list[str]:
    """Tab through the first controls; each focused one must show an outline or a ring."""
    problems = []
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(presses):
        page.keyboard.press("Tab")
        found = page.evaluate(_FOCUS_RING)
        if found is None:
            break
        if not found["ok"]:
            problems.append(found["what"])
    return problems


_OFF_CENTRE = """() => {
  const out = [];
  for (const b of document.querySelectorAll(".btn")) {
    const box = b.getBoundingClientRect();
    if (!box.height || b.closest("[hidden]")) continue;
    let top = Infinity, bottom = -Infinity;
    const walker = document.createTreeWalker(b, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || node.parentElement.closest(".visually-hidden")) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        top = Math.min(top, r.top);
        bottom = Math.max(bottom, r.bottom);
      }
    }
    if (top === Infinity) continue;
    const above = top - box.top, below = box.bottom - bottom;
    if (Math.abs(above - below) > 4) out.push(b.outerHTML.slice(0, 100) + " above=" +
      Math.round(above) + " below=" + Math.round(below));
  }
  return out;
}"""


def off_centre_buttons(page) -> list[str]:
    """Buttons whose text is not in the middle of their height (stuck to the top edge)."""
    return page.evaluate(_OFF_CENTRE)


_SMALL_TARGETS = """(selector) => {
  const out = [];
  for (const n of document.querySelectorAll(selector)) {
    const r = n.getBoundingClientRect();
    if (!r.width || n.closest("[hidden]")) continue;
    if (r.width < 44 || r.height < 44) out.push((n.id || n.className || n.tagName) + " " +
      Math.round(r.width) + "×" + Math.round(r.height));
  }
  return out;
}"""

# What a finger taps on the quiz page: buttons, option rows, the flag and prediction box.
QUIZ_TARGETS = "#quiz button, #quiz .option label, #quiz .quiz-flag label, #quiz input[type=text]"


def small_targets(page, selector: str = QUIZ_TARGETS) -> list[str]:
    """Tap targets smaller than 44×44 CSS px (WCAG 2.5.5)."""
    return page.evaluate(_SMALL_TARGETS, selector)
