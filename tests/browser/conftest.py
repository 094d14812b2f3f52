"""A live Streamlit server and headless Chromium for the browser, a11y and load tiers.

`app_server` starts `streamlit run app.py` once per test session on a free loopback port
(the operator store and the sessions' private upload layers are scratch folders, never
the real ones) and stops its process group at the
end. `browser` is Debian's Chromium driven by Playwright's sync API, one per test module
(so no Playwright event loop outlives the browser tests). `wait_for_app` waits, by polling
the DOM, until Streamlit has finished a run; no test sleeps for a fixed time.

Streamlit 1.67's DOM, as inspected: `[data-testid="stApp"]` carries
`data-test-script-state` ("running" while a script runs, "notRunning" when idle) and
`data-test-connection-state`; while a script runs, `[data-testid="stStatusWidget"]` holds a
`stStatusWidgetRunningIcon` and elements from the previous run have `data-stale="true"`;
pending elements show `[data-testid="stSkeleton"]`; the page content sits in
`main#stMain > [data-testid="stMainBlockContainer"]`.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from benchmarks.pages import Page as AppPage
from benchmarks.pages import app_pages
from tests.browser.chromium import launch_browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SERVER_START_TIMEOUT_S = 90.0
APP_TIMEOUT_MS = 90_000
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}
CHART_SELECTOR = ", ".join(
    f'[data-testid="{testid}"]'
    for testid in (
        "stVegaLiteChart",
        "stArrowVegaLiteChart",
        "stDeckGlJsonChart",
        "stPlotlyChart",
        "stPyplot",
        "stGraphVizChart",
        "stBokehChart",
    )
)


# --------------------------------------------------------------------------- pages


# One entry of app.PAGES: `AppPage`, read by benchmarks/pages.py (the one reader of PAGES).
PAGE_LIST = app_pages()
PAGE_IDS = [p.stem for p in PAGE_LIST]


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AppServer:
    """A running `streamlit run app.py` and where to reach it."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def rss_mb(self) -> float:
        """The server's resident memory (VmRSS from /proc), in MB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS line for the server process")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def url(self, page: AppPage | None = None, query: str = "") -> str:
        path = page.url_path if page else ""
        return f"{self.base_url}/{path}" + (f"?{query.lstrip('?')}" if query else "")


def start_server(workdir: Path, extra_env: dict[str, str] | None = None) -> AppServer:
    """Start app.py on a free loopback port and wait (by polling) until it is healthy."""
    workdir.mkdir(parents=True, exist_ok=True)
    user_store = workdir / "user-store"
    user_store.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "EQUITY_USER_STORE": str(user_store),
        "EQUITY_PRIVATE_ROOT": str(workdir / "private"),  # sessions' uploads
        **(extra_env or {}),
    }
    port = free_port()
    log_path = workdir / f"streamlit-{port}.log"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
        )
    server = AppServer(process, f"http://127.0.0.1:{port}", log_path, env)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    health = f"{server.base_url}/_stcore/health"
    while True:
        if not server.alive():
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(health, timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError(f"streamlit not healthy after {SERVER_START_TIMEOUT_S}s")
        # Poll interval for the health endpoint, bounded by the deadline above.
        time.sleep(0.2)


def stop_server(server: AppServer) -> None:
    """SIGTERM the server's process group, SIGKILL it if it does not stop in time."""
    if not server.alive():
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.process.wait(timeout=15)


def warm_up(server: AppServer) -> None:
    """Open the app's root once, so app.py has called st.navigation in this server process.

    Until then Streamlit 1.67 treats the app as a v1 multipage app because a `pages/`
    folder exists: a first request for /<page> runs pages/<page>.py without app.py, which
    `filters.current()` turns into a rerun through the router.
    `test_e2e.test_deep_link_on_a_fresh_server` covers that case;
    every other test starts from a warmed server so results do not depend on test order.
    """
    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        try:
            tab = new_context(chromium).new_page()
            open_app(tab, server.url())
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    server = start_server(tmp_path_factory.mktemp("streamlit"))
    try:
        warm_up(server)
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def base_url(app_server: AppServer) -> str:
    return app_server.base_url


#: The tab's icons (absolute URLs); the app's own icon file is served under /media/.
FAVICONS_JS = """() => [...document.querySelectorAll('link[rel~="icon"]')]
  .map(link => link.href)"""
APP_ICON_SET_JS = f"() => ({FAVICONS_JS})().some(href => href.includes('/media/'))"


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[AppServer]:
    """A server no page has run on yet (the shared one is warmed up by its fixture)."""
    server = start_server(tmp_path)
    try:
        yield server
    finally:
        stop_server(server)


# --------------------------------------------------------------------------- browser

#: Counts the script runs the server has started for this page: each run begins with a
#: `ForwardMsg` carrying `new_session` (field 4), read off the websocket's frames. The DOM's
#: script state is no count: a run shorter than a frame can go from "notRunning" back to
#: "notRunning" without "running" ever reaching the attribute (seen once a Similar schools
#: rerun took ~30 ms), so a test waiting for the rerun its own click caused would wait in vain.
RUN_COUNTER_JS = """
(() => {
  window.__equityRuns = 0;
  // Field 4 at the top level of a protobuf ForwardMsg (tag 0x22, length-delimited);
  // other fields are skipped by their wire type.
  const startsRun = (bytes) => {
    let i = 0;
    const varint = () => {
      let value = 0, shift = 0, b;
      do { b = bytes[i++]; value += (b & 0x7f) * 2 ** shift; shift += 7; }
      while (b & 0x80 && i < bytes.length);
      return value;
    };
    while (i < bytes.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag % 8;
      if (field === 4 && wire === 2) return true;
      if (wire === 0) varint();
      else if (wire === 1) i += 8;
      else if (wire === 2) { const n = varint(); i += n; }
      else if (wire === 5) i += 4;
      else return false;
    }
    return false;
  };
  const Native = window.WebSocket;
  class Counting extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (event.data instanceof ArrayBuffer && startsRun(new Uint8Array(event.data)))
          window.__equityRuns += 1;
      });
    }
  }
  window.WebSocket = Counting;
})();
"""

#: True when Streamlit is connected, idle, nothing is stale or pending and the main block
#: holds content (and every chart has drawn). Must hold on `STABLE_POLLS` polls in a row.
APP_IDLE_JS = """
([minRuns, stablePolls, chartSelector]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = (() => {
    if (!app) return false;
    const state = app.getAttribute('data-test-script-state');
    if (state !== null && state !== 'notRunning') return false;
    const connection = app.getAttribute('data-test-connection-state');
    if (connection !== null && connection !== 'CONNECTED') return false;
    if ((window.__equityRuns || 0) < minRuns) return false;
    if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
    const status = document.querySelector('[data-testid="stStatusWidget"]');
    if (status && /running/i.test(status.innerText + (status.getAttribute('aria-label') || '')))
      return false;
    if (document.querySelectorAll('[data-testid="stSkeleton"]').length) return false;
    if (document.querySelector('[data-stale="true"]')) return false;
    const main = document.querySelector('[data-testid="stMainBlockContainer"]')
      || document.querySelector('main');
    if (!main || !main.querySelector('[data-testid="stElementContainer"], h1')) return false;
    for (const chart of document.querySelectorAll(chartSelector)) {
      if (!chart.querySelector('svg, canvas')) return false;
    }
    return true;
  })();
  window.__equityIdlePolls = idle ? (window.__equityIdlePolls || 0) + 1 : 0;
  return window.__equityIdlePolls >= stablePolls;
}
"""
STABLE_POLLS = 3
POLL_MS = 150


#: What wait_for_app saw when it gave up: each condition, to say which one never held.
APP_STATE_JS = """
(chartSelector) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const charts = [...document.querySelectorAll(chartSelector)];
  return {
    url: location.href,
    scriptState: app && app.getAttribute('data-test-script-state'),
    connection: app && app.getAttribute('data-test-connection-state'),
    runs: window.__equityRuns || 0,
    runningIcon: Boolean(document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')),
    skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
    stale: document.querySelectorAll('[data-stale="true"]').length,
    undrawnCharts: charts.filter((c) => !c.querySelector('svg, canvas'))
      .map((c) => c.getAttribute('aria-label') || c.dataset.testid),
    h1: [...document.querySelectorAll('h1')].map((h) => h.innerText),
  };
}
"""


def run_count(page: Page) -> int:
    return int(page.evaluate("window.__equityRuns || 0"))


def wait_for_app(
    page: Page, *, after_runs: int | None = None, timeout_ms: int = APP_TIMEOUT_MS
) -> None:
    """Wait until the app has finished running (polling; never a fixed sleep).

    `after_runs`: the run count (`run_count`) taken before an interaction; the wait then
    also requires that at least one further run has started, so it cannot return in the
    instant between a click and the rerun it triggers. Without it no run count is needed:
    a fast page can finish its first run before the counter is watching (it would wait
    for a run it already missed), and the other conditions (idle, content drawn) hold.
    On timeout, the assertion says which condition never held.
    """
    min_runs = 0 if after_runs is None else after_runs + 1
    page.evaluate("window.__equityIdlePolls = 0")
    try:
        page.wait_for_function(
            APP_IDLE_JS,
            arg=[min_runs, STABLE_POLLS, CHART_SELECTOR],
            polling=POLL_MS,
            timeout=timeout_ms,
        )
    except PlaywrightTimeoutError:
        state = page.evaluate(APP_STATE_JS, CHART_SELECTOR)
        raise AssertionError(f"the app did not settle in {timeout_ms} ms: {state}") from None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


def new_context(browser: Browser, **kwargs: Any) -> BrowserContext:
    kwargs.setdefault("viewport", VIEWPORT)
    context = browser.new_context(**kwargs)
    context.add_init_script(RUN_COUNTER_JS)
    context.set_default_timeout(APP_TIMEOUT_MS)
    return context


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = new_context(browser, accept_downloads=True)
    try:
        yield ctx
    finally:
        ctx.close()


@dataclass
class ConsoleLog:
    errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


#: Streamlit's frontend, opened at /<page>, first looks for the server under that path
#: (GET /<page>/_stcore/health and /host-config, both 404) before trying the root: noise
#: from Streamlit's base-path detection, not an error of the app.
_BASE_PATH_PROBE = re.compile(r"/[^/]+/_stcore/(health|host-config)$")


def watch_console(page: Page, base_url: str) -> ConsoleLog:
    """Collect console errors and uncaught exceptions that come from the app itself.

    Left out: Streamlit's base-path probes (above). A failed load from another host is an
    error too: the app loads nothing from elsewhere (tests/browser/test_own_server_only.py).
    """
    log = ConsoleLog()

    def on_console(message: Any) -> None:
        if message.type != "error":
            return
        location = (message.location or {}).get("url", "") or ""
        if "404" in message.text and _BASE_PATH_PROBE.search(location):
            return
        log.errors.append(f"{message.text} @ {location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    return log


@pytest.fixture
def page(context: BrowserContext, base_url: str) -> Iterator[Page]:
    tab = context.new_page()
    tab.console_log = watch_console(tab, base_url)  # type: ignore[attr-defined]
    yield tab


def open_app(page: Page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)


# --------------------------------------------------------------------------- helpers


def exception_texts(page: Page) -> list[str]:
    return [t[:2000] for t in page.locator('[data-testid="stException"]').all_inner_texts()]


def combobox(page: Page, label: str) -> Any:
    """A selectbox by its label (Streamlit 1.67 draws it as a react-aria combobox)."""
    return page.get_by_role("combobox", name=label, exact=True)


def selectbox_text(page: Page, label: str) -> str:
    return str(combobox(page, label).input_value()).strip()


def choose_option(page: Page, label: str, typed: str, option: str | None = None) -> None:
    """Type `typed` into the selectbox `label`, then Enter (or click the option `option`).

    Waits for the filtered list and its highlighted option before pressing Enter: Enter
    pressed before the list has caught up with the typing selects nothing.
    """
    box = combobox(page, label)
    box.click()
    box.fill(typed)
    page.get_by_role("option").first.wait_for(state="visible")
    if option is not None:
        page.get_by_role("option", name=option, exact=True).click()
        return
    page.wait_for_function(
        """(label) => {
          const input = document.querySelector(`input[role="combobox"][aria-label="${label}"]`);
          const active = input && input.getAttribute('aria-activedescendant');
          return Boolean(active && document.getElementById(active));
        }""",
        arg=label,
    )
    box.press("Enter")


def checked_radio(page: Page, label: str) -> str:
    group = page.get_by_role("radiogroup", name=label, exact=True)
    return str(group.locator('label:has(input[type="radio"]:checked)').inner_text()).strip()


def click_radio(page: Page, label: str, option: str) -> None:
    group = page.get_by_role("radiogroup", name=label, exact=True)
    group.locator("label", has_text=option).first.click()


def full_page_screenshot(page: Page, path: Path) -> None:
    """A screenshot of the whole page. Streamlit scrolls inside <main>, not the document,
    so the viewport is stretched to the main area's scroll height for the shot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = int(
        page.evaluate(
            """() => {
              const main = document.querySelector('[data-testid="stMain"]') ||
                document.querySelector('main');
              const side = document.querySelector('[data-testid="stSidebarContent"]');
              return Math.max(main ? main.scrollHeight : 0, side ? side.scrollHeight : 0,
                              document.documentElement.scrollHeight);
            }"""
        )
    )
    original = page.viewport_size or VIEWPORT
    page.set_viewport_size({"width": original["width"], "height": min(max(height, 600), 12000)})
    try:
        wait_for_app(page)
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(original)
