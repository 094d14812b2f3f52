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


def test_widget_code_is_fetched_after_the_first_run(page: Page, app_server: AppServer) -> None:
    files = list(prefetch.chunk_files())
    open_app(page, app_server.url())
    page.wait_for_function(ALL_FETCHED_JS, arg=files, timeout=30_000)
    assert sorted(page.evaluate(FETCHED_JS, files)) == sorted(files)
    # Nothing visible: the container that holds the script is hidden.
    assert page.locator(".st-key-equity-prefetch").is_hidden()


def test_a_later_page_finds_its_widget_code_loaded(page: Page, app_server: AppServer) -> None:
    files = list(prefetch.chunk_files())
    open_app(page, app_server.url())
    page.wait_for_function(ALL_FETCHED_JS, arg=files, timeout=30_000)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url.split("/")[-1]))
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Similar schools").click()
    page.get_by_test_id("stSlider").first.wait_for(timeout=60_000)
    assert not [name for name in fetched if name in files]


def test_one_chart_is_drawn_off_screen_and_removed(page: Page, app_server: AppServer) -> None:
    """The warm-up chart (assets/vega-warmup.json) is drawn once the first page is idle, and
    nothing of it stays: no element, no error in the console."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_app(page, app_server.url())
    page.wait_for_function("() => window.__equityVegaWarm === true", timeout=30_000)
    assert page.locator('div[aria-hidden="true"] svg.marks').count() == 0
    charts = page.get_by_test_id("stVegaLiteChart").count()
    assert charts >= 1  # the page's own charts are still there
    assert not errors
