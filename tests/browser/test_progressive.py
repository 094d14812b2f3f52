"""components/progressive.py in a real browser: a section below the first screen is drawn
without anyone pressing anything, and its button does not stay on the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import AppServer, open_app

pytestmark = pytest.mark.browser


def test_the_trend_chart_draws_itself_after_the_first_screen(
    page: Page, app_server: AppServer
) -> None:
    open_app(page, app_server.url())
    page.get_by_test_id("stSidebarNav").get_by_role(
        "link", name="Where disadvantage concentrates"
    ).click()
    page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
    chart = page.get_by_role("heading", name="Gorard segregation index, secondary schools")
    chart.wait_for(timeout=60_000)  # drawn by the page's own script, not by this test
    page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=60_000)
    page.wait_for_function(
        '() => !document.querySelector(\'[class*="st-key-equity-progressive-concentration"]'
        " button')",
        timeout=30_000,
    )
    assert page.locator('[class*="st-key-equity-progressive-script-"]').count() == 0
