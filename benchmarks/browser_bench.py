"""Real-server measurements in headless Chromium: reruns, cold start, memory, bytes sent.

A rerun is timed from the click that commits a new Authority to the moment the app has
finished the run (the server's `script_finished` message has arrived and the page shows
notRunning, with no stale element) and every chart and map the page draws is on screen
(a Vega svg/canvas, a deck.gl canvas), plus two animation frames so the browser has
painted. No fixed sleeps. Bytes are the websocket frames the browser received.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.pages import ROOT
from tests.browser.chromium import launch_browser

VIEWPORT = {"width": 1400, "height": 1000}

#: Ready: the run is over (notRunning, nothing stale, no element still a loading skeleton
#: while the browser fetches its code) and every visible chart and map has been drawn.
#: Streamlit swaps in a new Vega svg/canvas as a changed chart arrives, so a drawn chart
#: after the run is the new one. (No count is required: a page may draw fewer
#: charts for another LA, and the run's end is known from the server's script_finished.)
READY_JS = """(e) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')) return false;
  const shown = el => el.getClientRects().length > 0;
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].filter(shown);
  if (!charts.every(c => c.querySelector('svg.marks, canvas'))) return false;
  const maps = [...document.querySelectorAll('[data-testid="stDeckGlJsonChart"]')].filter(shown);
  if (!maps.every(m => m.querySelector('canvas'))) return false;
  if (e.marker && !document.body.innerText.includes(e.marker)) return false;
  return true;
}"""
#: Just before a sidebar click: notes the previous page's elements (Streamlit removes them
#: from the main area once the new page's run has started, so a first-screen check never
#: mistakes the previous page, drawn and not yet stale, for the new one; the DOM's script
#: state is no signal, a short run never renders "running"), and starts an
#: IntersectionObserver on every element container, present and added, that records
#: whether it is on the screen and whether it lies below the fold. Why an observer: reading
#: positions (getBoundingClientRect) on every animation frame forces the browser to lay the
#: page out while it is still drawing it, and made the Data page ~200 ms slower to draw
#: than it is; the observer is told positions as part of the browser's own rendering.
WATCH_RUN_JS = """() => {
  const CONTAINER = '[data-testid="stElementContainer"]';
  window.__benchOld = [...document.querySelectorAll(
    '[data-testid="stMain"] ' + CONTAINER)];
  window.__benchOldText = new Map(window.__benchOld.map(el => [el, el.textContent]));
  if (window.__benchWatch) { window.__benchWatch.io.disconnect();
    window.__benchWatch.mo.disconnect(); }
  const seen = new Map(), pending = new Set();
  const io = new IntersectionObserver(entries => {
    for (const e of entries) {
      pending.delete(e.target);
      seen.set(e.target, {on: e.isIntersecting, at: e.time,
        below: e.boundingClientRect.height > 0 && e.boundingClientRect.top >= innerHeight});
    }
  });
  const watch = el => {
    if (!seen.has(el) && !pending.has(el)) { pending.add(el); io.observe(el); }
  };
  const mo = new MutationObserver(records => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType !== 1) continue;
      if (n.matches(CONTAINER)) watch(n);
      n.querySelectorAll(CONTAINER).forEach(watch);
    }
  });
  document.querySelectorAll(CONTAINER).forEach(watch);
  mo.observe(document.body, {childList: true, subtree: true});
  window.__benchWatch = {io, mo, seen, pending, since: performance.now()};
}"""
#: First screen drawn: the new page's run has started (some of the previous page's
#: elements are gone or show other text, and something of this run is on the screen:
#: Streamlit empties the main area on the click, before the run starts, though React may
#: keep a container for the new page's element in the same place; a check on
#: "new containers" alone waited forever when the Overview's first elements lined up with
#: the Accessibility page's), every element container on the screen
#: (the viewport, sidebar included) has been placed by the browser and is neither stale
#: nor a loading skeleton, every chart and map among them is drawn, and either the run is
#: over or this run's elements already reach below the fold (elements arrive in page
#: order, so everything above one of them is in place; only a position the observer
#: reported after the watch began counts there, and it is confirmed by reading that
#: element's place, since the observer reports a frame late: a new title first laid out
#: under the previous page's last elements was taken as "below the fold" once they had
#: gone). What a user arriving on the page sees; the rest of a long page may still be
#: streaming in. Reads no other positions (WATCH_RUN_JS says why).
FIRST_SCREEN_JS = """(e) => {
  // React may keep a previous page's element container for the new page's element in
  // the same place (Streamlit keys them by position): such a container is the new page's
  // once its text has changed.
  const oldText = window.__benchOldText;
  const changed = el => !el.isConnected || el.textContent !== oldText.get(el);
  if (!window.__benchOld.some(changed)) return false;
  if (e.marker && !document.body.textContent.includes(e.marker)) return false;
  const app = document.querySelector('[data-testid="stApp"]');
  const w = window.__benchWatch;
  if (!app || !w) return false;
  for (const el of w.pending) if (el.isConnected) return false;
  const old = new Set(window.__benchOld);
  const candidates = [];
  let drawn = false;
  for (const [el, at] of w.seen) {
    if (!el.isConnected) continue;
    const stale = el.getAttribute('data-stale') === 'true';
    if (at.on) {
      if (stale || el.querySelector('[data-testid="stSkeleton"]')) return false;
      const chart = el.querySelector('[data-testid="stVegaLiteChart"]');
      if (chart && !chart.querySelector('svg.marks, canvas')) return false;
      const map = el.querySelector('[data-testid="stDeckGlJsonChart"]');
      if (map && !map.querySelector('canvas')) return false;
      if ((!old.has(el) || changed(el)) && el.closest('[data-testid="stMain"]')) drawn = true;
    } else if (at.below && at.at >= w.since && !stale && el.closest('[data-testid="stMain"]')) {
      candidates.push(el);
    }
  }
  // Streamlit empties the main area on the click, before the new run starts (the app
  // still says notRunning then): an empty screen is not the new page.
  if (!drawn) return false;
  if (app.getAttribute('data-test-script-state') === 'notRunning') return true;
  // The observer reports a frame late: confirm one candidate's place now (one read, made
  // only once everything else holds).
  return candidates.some(el => el.getBoundingClientRect().top >= innerHeight);
}"""
FIRST_CHART_JS = """() => !!document.querySelector(
  '[data-testid="stVegaLiteChart"] svg.marks, [data-testid="stVegaLiteChart"] canvas')"""
PAINTED_JS = (
    "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(1))))"
)
#: script_finished statuses that end a whole run (not "stopped early for a rerun").
RUN_ENDS = frozenset({"script_finished:0", "script_finished:1"})
SELECTBOX_INPUT = '[data-testid="stSidebar"] [data-testid="stSelectbox"] input'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def message_type(payload: bytes) -> str | None:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    try:
        msg.ParseFromString(payload)
    except Exception:  # noqa: BLE001 - a frame we cannot decode is still counted
        return None
    kind = msg.WhichOneof("type")
    if kind == "script_finished":  # 0 finished, 1 compile error, 2 stopped for a rerun
        return f"{kind}:{msg.script_finished}"
    return kind


# --------------------------------------------------------------------------- the server


class Server:
    """`streamlit run SCRIPT` on a free port; the Popen pid is the server process."""

    def __init__(
        self,
        script: Path,
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
        cpus: frozenset[int] | None = None,
    ) -> None:
        self.script = script
        self.args = args
        #: CPUs the server (and every thread it starts) may run on; None = any.
        self.cpus = cpus
        self.port = free_port()
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-streamlit-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.script),
            "--server.headless=true",
            f"--server.port={self.port}",
            "--server.address=127.0.0.1",
            "--server.fileWatcherType=none",
            "--browser.gatherUsageStats=false",
            "--global.developmentMode=false",
            *self.args,
        ]
        self.started_at = time.perf_counter()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=self._pin if self.cpus else None,
            )
        return self

    def _pin(self) -> None:
        """In the child before exec: every thread it starts inherits these CPUs."""
        assert self.cpus
        os.sched_setaffinity(0, self.cpus)

    def wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.01)
        raise TimeoutError(f"streamlit did not answer on {self.url} in {timeout} s")

    def rss_mb(self) -> float:
        assert self.process is not None
        with open(f"/proc/{self.process.pid}/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def settled_rss_mb(
        self, window: float = 2.0, tolerance: float = 1.0, limit: float = 30
    ) -> float:
        """RSS once it has stopped moving: a query's transient buffers are handed back to
        the OS by the allocator some seconds after the run, so an RSS read right after a
        page load mixes them in. Polls every 0.25 s until the readings of the last
        `window` seconds agree within `tolerance` MB (or `limit` s have passed)."""
        readings: list[tuple[float, float]] = []
        started = time.perf_counter()
        while True:
            now = time.perf_counter()
            readings.append((now, self.rss_mb()))
            recent = [mb for at, mb in readings if at >= now - window]
            if now - started >= window and max(recent) - min(recent) <= tolerance:
                return recent[-1]
            if now - started >= limit:
                return readings[-1][1]
            time.sleep(0.25)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if exc[0] is None:
            self.log.unlink(missing_ok=True)  # kept only when something went wrong


# --------------------------------------------------------------------------- a browser session


@dataclass
class Expect:
    charts: int = 0
    maps: int = 0
    marker: str = ""

    def js(self) -> dict[str, Any]:
        return {"charts": self.charts, "maps": self.maps, "marker": self.marker}


@dataclass
class Frame:
    at: float
    size: int
    kind: str | None


class Session:
    """One browser context = one Streamlit session, with its websocket frames recorded."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport=VIEWPORT)
        self.page = self.context.new_page()
        self.frames: list[Frame] = []
        self.finished = 0
        self.ws: Any = None
        self.page.on("websocket", self._on_websocket)

    def _on_websocket(self, ws: Any) -> None:
        self.ws = ws
        ws.on("framereceived", self._on_frame)

    def _on_frame(self, payload: bytes | str) -> None:
        data = payload if isinstance(payload, bytes) else payload.encode("utf-8")
        kind = message_type(data)
        self.frames.append(Frame(time.perf_counter(), len(data), kind))
        if kind in RUN_ENDS:
            self.finished += 1

    def bytes_since(self, index: int) -> int:
        return sum(f.size for f in self.frames[index:])

    def _wait_finished(self, before: int, timeout_ms: float) -> None:
        if self.ws is None:
            self.page.wait_for_event("websocket", timeout=timeout_ms)
        if self.finished <= before:
            self.ws.wait_for_event(
                "framereceived", predicate=lambda _: self.finished > before, timeout=timeout_ms
            )

    def wait_ready(self, before: int, expect: Expect, timeout_ms: float = 180_000) -> None:
        self._wait_finished(before, timeout_ms)
        self.page.wait_for_function(READY_JS, arg=expect.js(), polling="raf", timeout=timeout_ms)
        self.page.evaluate(PAINTED_JS)

    def load(self, url: str, expect: Expect) -> tuple[float, int]:
        """(ms, bytes) from navigation to the page fully drawn."""
        start_index = len(self.frames)
        before = self.finished
        started = time.perf_counter()
        self.page.goto(url)
        self.wait_ready(before, expect)
        return (time.perf_counter() - started) * 1000, self.bytes_since(start_index)

    def change_filter(self, label: str, expect: Expect) -> tuple[float, int]:
        """(ms, bytes) from the click on a new Authority to the redrawn page."""
        field_input = self.page.locator(SELECTBOX_INPUT).first
        field_input.click()
        field_input.fill(label)
        option = self.page.get_by_role("option", name=label, exact=True)
        option.wait_for()
        start_index = len(self.frames)
        before = self.finished
        started = time.perf_counter()
        option.click()
        self.wait_ready(before, expect)
        return (time.perf_counter() - started) * 1000, self.bytes_since(start_index)

    def _nav_link(self, title: str) -> Any:
        nav = self.page.locator('[data-testid="stSidebarNav"]')
        link = nav.get_by_role("link", name=title, exact=True)
        more = nav.locator('[data-testid="stSidebarNavViewButton"]')
        if not link.is_visible() and more.count():
            more.first.click()  # "View more": the list is collapsed
        link.wait_for()
        return link

    def navigate(self, title: str, expect: Expect) -> tuple[float, int]:
        """(ms, bytes) from a click on the sidebar navigation link `title` to the new page
        drawn (the run over and every visible chart and map on screen)."""
        link = self._nav_link(title)
        start_index = len(self.frames)
        before = self.finished
        started = time.perf_counter()
        link.click()
        self.wait_ready(before, expect)
        return (time.perf_counter() - started) * 1000, self.bytes_since(start_index)

    def navigate_first_screen(self, title: str, expect: Expect) -> tuple[float, float]:
        """(first screen ms, whole page ms) from a sidebar click on `title`: the first
        screen as FIRST_SCREEN_JS defines it, then the whole page as `navigate` times it."""
        link = self._nav_link(title)
        self.page.evaluate(WATCH_RUN_JS)
        before = self.finished
        started = time.perf_counter()
        link.click()
        self.page.wait_for_function(
            FIRST_SCREEN_JS, arg=expect.js(), polling="raf", timeout=180_000
        )
        self.page.evaluate(PAINTED_JS)
        first_screen = time.perf_counter()
        self.wait_ready(before, expect)
        return (first_screen - started) * 1000, (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self.context.close()


@dataclass
class PageRun:
    load_ms: float | None = None
    load_bytes: int | None = None
    times_ms: list[float] = field(default_factory=list)
    change_bytes: list[int] = field(default_factory=list)
    error: str | None = None


def run_pages(
    browser: Any,
    targets: dict[str, tuple[str, Expect]],
    labels: list[str],
    *,
    warmup: int = 1,
) -> dict[str, PageRun]:
    """Open every target (name -> (url, expectation)) in its own session, then change the
    Authority to each label in turn on each of them, interleaved (the first `warmup`
    changes untimed), so an app and its floors are timed under the same machine load."""
    results = {name: PageRun() for name in targets}
    sessions: dict[str, Session] = {}
    try:
        for name, (url, expect) in targets.items():
            sessions[name] = Session(browser)
            _guard(results[name], lambda s=sessions[name], u=url, e=expect: s.load(u, e), True)
        for index, label in enumerate(labels):
            for name, (_, expect) in targets.items():
                result = results[name]
                if result.error:
                    continue
                measured = _guard(
                    result,
                    lambda s=sessions[name], e=expect, lab=label: s.change_filter(lab, e),
                    False,
                )
                if measured is not None and index >= warmup:
                    result.times_ms.append(measured[0])
                    result.change_bytes.append(measured[1])
    finally:
        for session in sessions.values():
            session.close()
    return results


def _guard(result: PageRun, action: Any, is_load: bool) -> tuple[float, int] | None:
    try:
        measured: tuple[float, int] = action()
    except Exception as exc:  # noqa: BLE001 - reported as the page's error, run goes on
        result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        return None
    if is_load:
        result.load_ms, result.load_bytes = measured
    return measured


def launch(playwright: Any) -> Any:
    """The browser tests' Chromium, launched as they launch it."""
    return launch_browser(playwright)


# ------------------------------------------------------------- first visits, cold start, memory


EMPTY_PAGES_READY = ("empty-page-a-ready", "empty-page-b-ready")


#: Seconds between the first page drawn and the sidebar click in a first visit: a user reads
#: the page they landed on before choosing another (no one clicks in the frame the page is
#: drawn). The browser may use that time, as it would for that user: the app fetches the
#: code of other pages' widgets while idle (components/prefetch.py).
LOOKS_BEFORE_CLICK_S = 1.0


def first_visit_ms(
    browser: Any,
    script: Path,
    env: dict[str, str],
    title: str,
    expect: Expect,
    *,
    via: str | None = None,
    la_label: str | None = None,
) -> tuple[float, float]:
    """A new server; a session opened on the default page (`/`) and drawn; then the
    sidebar click to the page `title` LOOKS_BEFORE_CLICK_S later, whose caches this server
    has never filled, timed to its first screen drawn and to the whole page drawn (ms, ms).

    For the default page itself (`via` given) the session goes on to the page `via` and
    changes the Authority to `la_label` there before the timed click back, so every cache
    keyed on the LA is cold (the LA-independent ones were filled by the first view). Why
    not start on another page's URL: a fresh server's first request for a page URL runs in
    Streamlit's pages-folder mode (benchmarks/README.md) and the sidebar then lists the
    files in pages/, not the router's pages."""
    with Server(script, env).start() as server:
        server.wait_healthy()
        session = Session(browser)
        try:
            session.load(server.url, Expect())
            if via is not None:
                session.navigate(via, Expect())
                if la_label is not None:
                    session.change_filter(la_label, Expect())
            session.page.wait_for_timeout(LOOKS_BEFORE_CLICK_S * 1000)
            return session.navigate_first_screen(title, expect)
        finally:
            session.close()


def page_switch_floor(browser: Any, url: str, switches: int) -> list[float]:
    """Sidebar clicks back and forth between the two pages of apps/empty_pages.py."""
    session = Session(browser)
    times = []
    try:
        session.load(url, Expect(marker=EMPTY_PAGES_READY[0]))
        for index in range(switches):
            to_b = index % 2 == 0
            title = "Empty B" if to_b else "Empty A"
            marker = EMPTY_PAGES_READY[1] if to_b else EMPTY_PAGES_READY[0]
            times.append(session.navigate(title, Expect(marker=marker))[0])
    finally:
        session.close()
    return times


def cold_start_ms(browser: Any, script: Path, env: dict[str, str], expect: Expect | None) -> float:
    """Server process start to the first chart drawn (or, with `expect`, the page ready)."""
    with Server(script, env).start() as server:
        server.wait_healthy()
        session = Session(browser)
        try:
            session.page.goto(server.url)
            if expect is None:
                session.page.wait_for_function(FIRST_CHART_JS, polling="raf", timeout=300_000)
            else:
                session.wait_ready(0, expect, timeout_ms=300_000)
            session.page.evaluate(PAINTED_JS)
            return (time.perf_counter() - server.started_at) * 1000
        finally:
            session.close()


def memory_per_session(
    browser: Any, script: Path, env: dict[str, str], expect: Expect, counts: tuple[int, ...]
) -> dict[str, Any]:
    """Server RSS (settled) with 0 and each of `counts` sessions open on the default page,
    and the least-squares slope (MB per extra session)."""
    sessions: list[Session] = []
    points: list[tuple[int, float]] = []
    with Server(script, env).start() as server:
        server.wait_healthy()
        idle = server.settled_rss_mb()
        try:
            for count in counts:
                while len(sessions) < count:
                    session = Session(browser)
                    sessions.append(session)
                    session.load(server.url, expect)
                points.append((count, server.settled_rss_mb()))
        finally:
            for session in sessions:
                session.close()
    return {"idle_mb": idle, "points": points, "slope_mb": slope(points)}


def slope(points: list[tuple[int, float]]) -> float | None:
    if len(points) < 2:
        return None
    xs = [float(x) for x, _ in points]
    ys = [y for _, y in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mean_x) ** 2 for x in xs)
    if var == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var
