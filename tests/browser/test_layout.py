"""Nothing cut off, nothing overlapping, nothing in the console: every page at the two screen
sizes people use most (1440x900 and 1024x768), for Greater Manchester (the default), for
one LA outside it (Hampshire, 850) and for GM's primary phase, plus the presentation mode of
the story page.

What fails a case:
- **Truncated text.** Any visible element whose text is clipped: `scrollWidth > clientWidth`
  on an element that clips (text-overflow: ellipsis or overflow hidden/clip), or a line
  clamp (`scrollHeight > clientHeight`). This covers metric values and labels, sidebar
  links, widget and checkbox labels, headings and HTML table cells. (st.dataframe draws its
  cells on a canvas, so the grid's own cells are out of reach of this check.)
- **Chart text that overlaps or is cut off.** Charts render as SVG (Vega's svg renderer);
  every visible <text> is taken as the rotated rectangle of its ink (`getBBox` less the
  line's leading, through `getScreenCTM`, so rotated labels are measured as drawn). Two
  texts of one chart overlapping by more than `OVERLAP_PX`, a text lying on a bar (a value
  label over its neighbour), or a text reaching more than `OVERLAP_PX` outside its chart's
  SVG (a legend or line label cut off) fail.
- **Console warnings and errors from the app** (Vega's "Channel size should not be used
  with an unsorted discrete field", "Conflicting legend property", React warnings,
  uncaught errors). Left out, as not the app's: Streamlit's base-path probes (404 on
  /<page>/_stcore/...), failed loads of resources outside the app's server (font CDN, offline)
  and Chromium's own GPU driver messages from the WebGL maps.

Screenshots of every case are saved under test-artifacts/layout/ (CI keeps that folder), and
each case prints one line of what it measured.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from tests.browser.conftest import (
    ARTIFACTS,
    PAGE_IDS,
    PAGE_LIST,
    AppPage,
    AppServer,
    exception_texts,
    full_page_screenshot,
    new_context,
    open_app,
    run_count,
    wait_for_app,
)

pytestmark = pytest.mark.browser

LAYOUT = ARTIFACTS / "layout"
VIEWPORTS: dict[str, ViewportSize] = {
    "1440x900": {"width": 1440, "height": 900},
    "1024x768": {"width": 1024, "height": 768},
}
#: GM (the default view), an LA outside GM, and GM's primary phase (KS2 series breaks and
#: notes differ from KS4's).
AREAS = {"gm": "", "hampshire": "la=850", "gm-primary": "phase=primary"}
OVERLAP_PX = 2.0

#: Clipped text anywhere in the app (not inside SVG charts, which the next script checks).
TRUNCATED_JS = """
() => {
  const out = [];
  const root = document.querySelector('[data-testid="stApp"]');
  for (const el of root.querySelectorAll('*')) {
    const skip = 'svg, canvas, [data-testid="stSkipToContent"], [data-testid="stTooltipContent"]';
    if (el.closest(skip)) continue;
    const text = (el.innerText || '').trim();
    if (!text) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width < 2 || rect.height < 2) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const clips = style.textOverflow === 'ellipsis' || ['hidden', 'clip'].includes(style.overflowX);
    const wide = clips && el.scrollWidth > el.clientWidth + 1;
    const clamped = style.webkitLineClamp && style.webkitLineClamp !== 'none'
      && el.scrollHeight > el.clientHeight + 1;
    if (!wide && !clamped) continue;
    const owner = el.closest('[data-testid]');
    out.push({
      where: owner ? owner.getAttribute('data-testid') : el.tagName.toLowerCase(),
      text: text.replace(/\\s+/g, ' ').slice(0, 80),
      need: clamped ? el.scrollHeight : el.scrollWidth,
      have: clamped ? el.clientHeight : el.clientWidth,
    });
  }
  // One report per text: an ellipsis on a span inside a clipped div is one fault.
  const seen = new Set();
  return out.filter((t) => (seen.has(t.text) ? false : (seen.add(t.text), true)));
}
"""

#: Every chart's visible SVG texts as rotated rectangles, checked pairwise (separating axis
#: theorem on two convex quads) and against the chart's own SVG box.
CHART_TEXT_JS = r"""
(tolerance) => {
  const faults = [];
  let charts = 0, texts = 0;
  // A text's ink: its box without the line's leading (the box is about 1.25 em tall; caps
  // and descenders fill the middle 0.9 em), turned as drawn.
  const quad = (el) => {
    const box = el.getBBox();
    const m = el.getScreenCTM();
    if (!m || box.width === 0 || box.height === 0) return null;
    const inset = box.height * 0.14;
    const [x0, x1] = [box.x + 0.5, box.x + box.width - 0.5];
    const [y0, y1] = [box.y + inset, box.y + box.height - inset];
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]].map(([x, y]) => [m.a * x + m.c * y + m.e,
                                                                  m.b * x + m.d * y + m.f]);
  };
  const rectQuad = (r) => [[r.left, r.top], [r.right, r.top], [r.right, r.bottom],
                           [r.left, r.bottom]];
  // Penetration depth of two convex polygons along their edge normals (0 when separate).
  const depth = (p, q) => {
    let least = Infinity;
    for (const poly of [p, q]) {
      for (let i = 0; i < poly.length; i++) {
        const [x1, y1] = poly[i], [x2, y2] = poly[(i + 1) % poly.length];
        let nx = y1 - y2, ny = x2 - x1;
        const len = Math.hypot(nx, ny) || 1; nx /= len; ny /= len;
        const proj = (poly2) => poly2.map(([x, y]) => x * nx + y * ny);
        const a = proj(p), b = proj(q);
        const overlap = Math.min(Math.max(...a), Math.max(...b))
                      - Math.max(Math.min(...a), Math.min(...b));
        if (overlap <= 0) return 0;
        least = Math.min(least, overlap);
      }
    }
    return least;
  };
  const visible = (el) => {
    for (let n = el; n && n.tagName !== 'svg'; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.display === 'none' || s.visibility === 'hidden') return false;
      if (Number(s.opacity) === 0) return false;
      if (n.getAttribute('opacity') === '0' || n.getAttribute('fill-opacity') === '0') return false;
    }
    return true;
  };
  const selector = '[data-testid="stVegaLiteChart"], [data-testid="stArrowVegaLiteChart"]';
  for (const chart of document.querySelectorAll(selector)) {
    const svg = chart.querySelector('svg');
    if (!svg) continue;
    const frame = svg.getBoundingClientRect();
    if (frame.width === 0) continue;
    charts += 1;
    const name = (chart.getAttribute('aria-label') || svg.getAttribute('aria-label') || '')
      .slice(0, 60);
    const items = [];
    for (const el of svg.querySelectorAll('text')) {
      const text = (el.textContent || '').trim();
      if (!text || !visible(el)) continue;
      const q = quad(el);
      if (q) items.push({text, q});
    }
    texts += items.length;
    // Bars (Vega draws rect marks as <path> in g.mark-rect): no text may sit on one, so a
    // value label never covers a neighbouring bar. Text inside a bar is not used here.
    const bars = [];
    // A very light rect is a background band (the grey of years with no results), which
    // carries its own label: only darker rects count as bars.
    const light = (el) => {
      const m = getComputedStyle(el).fill.match(/\d+(\.\d+)?/g);
      if (!m || m.length < 3) return false;
      const [r, g, b] = m.slice(0, 3).map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b > 200;
    };
    for (const el of svg.querySelectorAll('g.mark-rect path')) {
      if (!visible(el) || el.getAttribute('fill') === 'transparent' || light(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.width > 1 && r.height > 1) bars.push(rectQuad(r));
    }
    for (const item of items) {
      const hit = bars.map((b) => depth(item.q, b)).filter((d) => d > tolerance).length;
      if (hit) faults.push(`${name}: "${item.text}" lies on ${hit} bar(s)`);
    }
    for (const item of items) {
      const xs = item.q.map((p) => p[0]), ys = item.q.map((p) => p[1]);
      const outside = Math.max(frame.left - Math.min(...xs), Math.max(...xs) - frame.right,
                               frame.top - Math.min(...ys), Math.max(...ys) - frame.bottom);
      if (outside > tolerance)
        faults.push(`${name}: "${item.text}" cut off by ${outside.toFixed(0)} px`);
    }
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const d = depth(items[i].q, items[j].q);
        if (d > tolerance)
          faults.push(
            `${name}: "${items[i].text}" overlaps "${items[j].text}" by ${d.toFixed(0)} px`);
      }
    }
  }
  return {charts, texts, faults};
}
"""

#: Console messages that are not the app's (see the module docstring).
_NOT_THE_APP = (
    re.compile(r"GL Driver Message"),
    re.compile(r"^\[\.WebGL-"),
)
_BASE_PATH_PROBE = re.compile(r"/[^/]+/_stcore/(health|host-config)$")


@pytest.fixture(scope="module")
def contexts(browser: Browser) -> Iterator[dict[str, BrowserContext]]:
    made = {name: new_context(browser, viewport=size) for name, size in VIEWPORTS.items()}
    try:
        yield made
    finally:
        for ctx in made.values():
            ctx.close()


def watch(page: Page, base_url: str) -> list[str]:
    """Warnings and errors the app writes to the console, and uncaught page errors."""
    messages: list[str] = []

    def on_console(message: Any) -> None:
        if message.type not in {"warning", "error"}:
            return
        location = (message.location or {}).get("url", "") or ""
        text = message.text
        if any(p.search(text) for p in _NOT_THE_APP):
            return
        if "net::ERR_" in text and not location.startswith(base_url):
            return
        if location and not location.startswith(base_url):
            return
        if "404" in text and _BASE_PATH_PROBE.search(location):
            return
        messages.append(f"{message.type}: {text[:300]}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: messages.append(f"uncaught: {str(error)[:300]}"))
    return messages


def measure(page: Page) -> dict[str, Any]:
    truncated = page.evaluate(TRUNCATED_JS)
    chart = page.evaluate(CHART_TEXT_JS, OVERLAP_PX)
    return {"truncated": truncated, **chart}


def faults_of(found: dict[str, Any], console: list[str]) -> list[str]:
    out = [
        f"cut off ({t['where']}): {t['text']!r} needs {t['need']} px, has {t['have']} px"
        for t in found["truncated"]
    ]
    out += [f"chart: {f}" for f in found["faults"]]
    out += [f"console: {m}" for m in console]
    return out


def report(case: str, found: dict[str, Any], faults: list[str]) -> None:
    """One line to stdout and a JSON file beside the screenshot."""
    LAYOUT.mkdir(parents=True, exist_ok=True)
    (LAYOUT / f"{case}.json").write_text(
        json.dumps({"case": case, **found, "faults": faults}, indent=1), encoding="utf-8"
    )
    print(
        f"\n[layout] {case}: {found['charts']} charts, {found['texts']} chart texts, "
        f"{len(found['truncated'])} cut off, {len(found['faults'])} chart faults, "
        f"{len(faults) - len(found['truncated']) - len(found['faults'])} console"
    )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("area", list(AREAS))
@pytest.mark.parametrize("app_page", PAGE_LIST, ids=PAGE_IDS)
def test_nothing_cut_off_or_overlapping(
    contexts: dict[str, BrowserContext],
    app_server: AppServer,
    app_page: AppPage,
    area: str,
    viewport: str,
) -> None:
    case = f"{app_page.stem}-{area}-{viewport}"
    page = contexts[viewport].new_page()
    try:
        console = watch(page, app_server.base_url)
        open_app(page, app_server.url(app_page, AREAS[area]))
        errors = exception_texts(page)
        assert not errors, f"{case}: exception on the page: {errors}"
        found = measure(page)
        full_page_screenshot(page, LAYOUT / f"{case}.png")
        faults = faults_of(found, console)
        report(case, found, faults)
        # A page's other sections are lazy tabs (components/sections.py): each is opened
        # as a user opens it, by a click, and checked the same way.
        labels = [t.strip() for t in page.get_by_role("tab").all_inner_texts()]
        for label in labels[1:]:
            console.clear()  # already in `faults`: each tab's own messages from here
            before = run_count(page)
            page.get_by_role("tab", name=label, exact=True).click()
            wait_for_app(page, after_runs=before)
            errors = exception_texts(page)
            assert not errors, f"{case} [{label}]: exception on the page: {errors}"
            tab_case = f"{case}-{re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')}"
            tab_found = measure(page)
            full_page_screenshot(page, LAYOUT / f"{tab_case}.png")
            tab_faults = faults_of(tab_found, console)
            report(tab_case, tab_found, tab_faults)
            faults += [f"[{label}] {fault}" for fault in tab_faults]
        assert not faults, f"{case}:\n  " + "\n  ".join(faults)
    finally:
        page.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_presentation_slides_are_clear(
    contexts: dict[str, BrowserContext], app_server: AppServer, viewport: str
) -> None:
    """Presentation mode (large type): every slide's chart text, and the chart toolbar, which
    must not cover the takeaway written above the chart."""
    story = next(p for p in PAGE_LIST if p.stem == "story")
    case = f"presentation-{viewport}"
    page = contexts[viewport].new_page()
    try:
        console = watch(page, app_server.base_url)
        open_app(page, app_server.url(story, "present=1"))
        faults: list[str] = []
        found: dict[str, Any] = {"truncated": [], "faults": [], "charts": 0, "texts": 0}
        for slide in range(1, 4):
            chart = page.locator('[data-testid="stVegaLiteChart"]').first
            if chart.count():
                chart.hover()
                faults += [f"slide {slide}: {f}" for f in toolbar_over_text(page)]
            seen = measure(page)
            found["truncated"] += seen["truncated"]
            found["faults"] += [f"slide {slide}: {f}" for f in seen["faults"]]
            found["charts"] += seen["charts"]
            found["texts"] += seen["texts"]
            full_page_screenshot(page, LAYOUT / f"{case}-slide{slide}.png")
            before = page.locator("h1").first.inner_text()
            page.keyboard.press("ArrowRight")
            wait_for_app(page)
            if page.locator("h1").first.inner_text() == before:
                break
        faults = faults_of(found, console) + faults
        report(case, found, faults)
        assert not faults, f"{case}:\n  " + "\n  ".join(faults)
    finally:
        page.close()


TOOLBAR_JS = """
() => {
  const faults = [];
  for (const bar of document.querySelectorAll('[data-testid="stElementToolbar"]')) {
    const b = bar.getBoundingClientRect();
    if (b.width === 0 || getComputedStyle(bar).opacity === '0') continue;
    for (const el of document.querySelectorAll('[data-testid="stMarkdownContainer"] p')) {
      const r = el.getBoundingClientRect();
      const x = Math.min(b.right, r.right) - Math.max(b.left, r.left);
      const y = Math.min(b.bottom, r.bottom) - Math.max(b.top, r.top);
      if (x > 2 && y > 2) faults.push(`the chart toolbar covers "${el.innerText.slice(0, 60)}"`);
    }
  }
  return faults;
}
"""


def toolbar_over_text(page: Page) -> list[str]:
    return list(page.evaluate(TOOLBAR_JS))
