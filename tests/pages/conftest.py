"""AppTest helpers: run the real app.py (router + filters) and switch to a page."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from components import progressive, tiles, warmup

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def probe_fresh_process(code: str) -> dict[str, Any]:
    """Run `code` in a fresh interpreter at the repository's root and return the JSON it
    printed last: imports are per process, so what a first run imports is seen only there."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def run_page(
    page: str | None = None, params: dict[str, str] | None = None, *, press: bool = True
) -> AppTest:
    """Start app.py as a user would (optionally with URL parameters) and open `page`, then
    (unless `press` is false) draw its sections below the first screen as a browser does.

    `press=False` keeps the first run's tree: what a link's one-time notices are checked
    on. A browser redraws only the section's fragment, so they stay on screen; AppTest
    reruns the whole page, where a link already applied has nothing left to report.

    The first run goes through app.py (router and global filters, seeded from the URL).
    AppTest 1.67 then runs a switched-to page without re-running the entrypoint, so pages
    read the filters app.py stored in session state; to test another selection, start a
    new AppTest with other URL parameters (as a user opening a link would).
    """
    # A warm process, as after a browser's first page (components/warmup.py): a cold one
    # leaves its warm-up trigger on the page, `press_progressive` would press it, and
    # AppTest reruns the page without the router, so the test saw a page with no sidebar
    # whenever it was the first in its process (tests/pages/test_cold_imports.py checks
    # the cold process in one of its own).
    warmup.warm_up()
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in (params or {}).items():
        app.query_params[key] = value
    app.run()
    if page is not None:
        app.switch_page(page)
        app.run()
    assert not app.exception, [e.value for e in app.exception]
    return press_progressive(app) if press else app


def tiles_of(app: AppTest) -> list[tiles.Tile]:
    """The headline tiles (components/tiles.py) the page drew, in order, as a reader sees
    them (markup unescaped)."""
    return [
        tiles.Tile(html.unescape(label), html.unescape(value))
        for element in app.get("html")
        for label, value in TILE.findall(element.proto.body)
    ]


#: One tile in components/tiles.py's markup: (label, value), still escaped. Shared with
#: tests/unit/test_tiles.py, which checks the markup this reads.
TILE = re.compile(r'<div class="equity-tile"><dt>(.*?)</dt><dd>(.*?)</dd></div>')


def press_progressive(app: AppTest) -> AppTest:
    """Press the buttons of sections drawn after the first screen, as the browser's script
    does once the first screen is on screen (components/progressive.py), and rerun."""
    return progressive.press_all(app, _no_exception)  # type: ignore[no-any-return]


def _no_exception(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


def open_show_data(app: AppTest) -> AppTest:
    """Open every "Show data" expander on the page, as a reader clicking each would (their
    tables are drawn only while open: components/chart_panel.show_data), and rerun."""
    closed = [
        e.proto.id.split("-", 2)[2]
        for e in app.expander
        if e.label == "Show data" and e.proto.id.startswith("$$ID-")
    ]
    for key in closed:
        app.session_state[key] = True
    if closed:
        app.run()
        assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.fixture
def open_page() -> Callable[..., AppTest]:
    return run_page


def chart_specs(app: AppTest) -> list[dict[str, Any]]:
    """Every Altair chart on the page: its Vega-Lite spec, with `rows` holding the data
    Streamlit actually sends to the browser (decoded from the Arrow datasets)."""
    specs = []
    for element in app.get("vega_lite_chart"):
        proto = element.proto
        spec = json.loads(proto.spec)
        rows: list[dict[str, Any]] = []
        for dataset in proto.datasets:
            table = pa.ipc.open_stream(dataset.data.data).read_all()
            rows.extend(table.to_pylist())
        spec["rows"] = rows
        spec["alt_text"] = proto.alt
        specs.append(spec)
    return specs


def rerun_default_page(app: AppTest) -> AppTest:
    """Rerun after a widget change on the default page, through app.py.

    Clearing the finished page hash makes AppTest run the entrypoint again (as the real
    server always does) instead of only the page script.
    """
    app._finished_page_script_hash = ""
    app._page_hash = ""
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def open_link(page: str, params: dict[str, str]) -> AppTest:
    """Open `page` straight from a link, as a browser opening a shared address does: one
    run of app.py on that page with the link's parameters (`section` included)."""
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params.update(params)
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return press_progressive(app)


def open_section(app: AppTest, label: str) -> AppTest:
    """Open the page's tab `label` and rerun, as a click on the tab does: the tabs' widget
    value (session state) and the link's `section` value (components/sections.py binds the
    two; only the open tab's code runs). The link alone cannot go back to the first tab:
    Streamlit drops a bound value equal to the default from the URL and keeps the widget's."""
    app.session_state["section"] = label
    app.query_params["section"] = label
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def section_labels(app: AppTest) -> list[str]:
    """The page's tab labels, in order (every tab is sent; only the open one has content)."""
    return [tab.label for tab in app.tabs]
