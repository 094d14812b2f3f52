"""The first-visit benchmark's "first screen" (benchmarks/browser_bench.FIRST_SCREEN_JS):
reached while a long page's run still streams in below the fold, never before the new
page's own content is on screen, and never while the top of the page is still to come."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from benchmarks.browser_bench import (
    FIRST_SCREEN_JS,
    PAINTED_JS,
    WATCH_RUN_JS,
    Expect,
    Server,
    Session,
    launch,
)

pytestmark = pytest.mark.browser

APP = Path(__file__).parent / "apps" / "first_screen.py"
PAUSE_MS = 1500


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    with sync_playwright() as playwright, Server(APP, {}).start() as server:
        server.wait_healthy()
        browser = launch(playwright)
        session = Session(browser)
        try:
            session.load(server.url, Expect(marker="start line 39"))
            yield session
        finally:
            session.close()
            browser.close()


def _back_to_start(session: Session) -> None:
    session.navigate("Start", Expect(marker="start line 39"))


def _first_screen(session: Session, title: str) -> dict[str, Any]:
    """Click `title` in the sidebar and wait as the benchmark does; what is on screen then."""
    link = session._nav_link(title)
    session.page.evaluate(WATCH_RUN_JS)
    before = session.finished
    link.click()
    session.page.wait_for_function(FIRST_SCREEN_JS, arg=Expect().js(), polling="raf")
    seen: dict[str, Any] = session.page.evaluate(
        """() => ({
          title: document.querySelector('[data-testid="stMain"] h1')?.innerText ?? null,
          state: document.querySelector('[data-testid="stApp"]')
            .getAttribute('data-test-script-state'),
          text: document.querySelector('[data-testid="stMain"]').innerText,
        })"""
    )
    seen["finished_on_server"] = session.finished > before
    session.wait_ready(before, Expect())
    return seen


def test_a_full_screen_counts_before_the_run_ends(session: Session) -> None:
    seen = _first_screen(session, "Tall")
    assert seen["title"] == "Tall page"
    assert "start line" not in seen["text"]
    assert "tall page done" not in seen["text"]  # the run was still going
    assert not seen["finished_on_server"]
    _back_to_start(session)


def test_the_first_screen_waits_for_the_top_of_the_page(session: Session) -> None:
    seen = _first_screen(session, "Slow top")
    assert seen["title"] == "Slow top page"
    assert "start line" not in seen["text"]
    _back_to_start(session)


def test_an_emptied_screen_is_not_the_new_page(session: Session) -> None:
    """Streamlit empties the main area on a sidebar click before the new run starts, and
    the app still says notRunning then: that blank screen once passed as drawn. (Its own
    tab: emptying the page by hand leaves it broken for the tests after.)"""
    tab = Session(session.page.context.browser)
    try:
        tab.load(session.page.url, Expect(marker="start line 39"))
        tab.page.evaluate(WATCH_RUN_JS)
        tab.page.evaluate(PAINTED_JS)
        emptied = tab.page.evaluate(
            """(check) => {
              document.querySelectorAll(
                '[data-testid="stMain"] [data-testid="stElementContainer"]'
              ).forEach(el => el.remove());
              return new Function('return ' + check)()({marker: null});
            }""",
            FIRST_SCREEN_JS,
        )
        assert emptied is False
    finally:
        tab.close()


def test_first_screen_and_whole_page_times(session: Session) -> None:
    first, whole = session.navigate_first_screen("Tall", Expect())
    assert first < whole - PAUSE_MS / 2
    _back_to_start(session)
    first, whole = session.navigate_first_screen("Slow top", Expect())
    assert first >= PAUSE_MS
    _back_to_start(session)
