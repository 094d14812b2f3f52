"""components/prefetch.py in a real browser: the other pages' widget code is fetched once
the first page's run is over, and a later visit to a page with those widgets fetches none
of it again."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from components import prefetch
from tests.browser.conftest import AppServer, open_app

pytestmark = pytest.mark.browser

#: The prefetched files the browser has asked for, in request order.
FETCHED_JS = """(names) => performance.getEntriesByType('resource')
  .map(entry => entry.name.split('/').pop())
  .filter(name => names.includes(name))"""
ALL_FETCHED_JS = f"(names) => {{ const fetched = ({FETCHED_JS})(names); "
ALL_FETCHED_JS += "return names.every(name => fetched.includes(name)); }"
#: Bytes each fetch of a file took from the network (0: from the browser's cache).
TRANSFERRED_JS = """(name) => performance.getEntriesByType('resource')
  .filter(entry => entry.name.split('/').pop() === name).map(entry => entry.transferSize)"""
FONTS_LOADED_JS = "(faces) => faces.every(face => document.fonts.check(face))"
RUN_OVER_JS = """() => document.querySelector('[data-testid="stApp"]')
  .getAttribute('data-test-script-state') === 'notRunning'"""


def test_widget_code_is_fetched_after_the_first_run(page: Page, app_server: AppServer) -> None:
    files = list(prefetch.chunk_files())
    open_app(page, app_server.url())
    page.wait_for_function(ALL_FETCHED_JS, arg=files, timeout=30_000)
    assert sorted(page.evaluate(FETCHED_JS, files)) == sorted(files)
    # Nothing visible: the container that holds the script is hidden.
    assert page.locator(".st-key-equity-prefetch").is_hidden()


def test_a_later_page_finds_its_widget_code_loaded(page: Page, app_server: AppServer) -> None:
    files = [*prefetch.chunk_files(), *prefetch.style_files()]
    open_app(page, app_server.url())
    page.wait_for_function(ALL_FETCHED_JS, arg=files, timeout=30_000)
    page.wait_for_function(FONTS_LOADED_JS, arg=list(prefetch.FONTS), timeout=30_000)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url.split("/")[-1]))
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Similar schools").click()
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)  # the family table
    page.wait_for_function(RUN_OVER_JS, timeout=60_000)
    # No prefetched code and no font asked for again; the grid's style sheet is (the
    # browser adds it to the page), and comes from the browser's cache, not the server.
    # (Shared chunks the Overview loaded may be named again by a module preload.)
    chunks = set(prefetch.chunk_files())
    assert not [name for name in fetched if name in chunks or name.endswith(".woff2")]
    for name in [name for name in fetched if name in prefetch.style_files()]:
        sizes = page.evaluate(TRANSFERRED_JS, name)
        assert sizes[-1] == 0, (name, sizes)
