"""components/warmup.py in a real browser: a fresh server's first page leaves the warm-up
to the browser's idle moment, which presses its hidden trigger by itself; the page icon
follows, and nothing of the trigger stays on the page or is ever visible."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from components import progressive, warmup
from tests.browser.conftest import APP_ICON_SET_JS, FAVICONS_JS, AppServer, open_app

pytestmark = pytest.mark.browser

TRIGGER = "." + "st-key-" + progressive.SCRIPT_KEY.format(name=warmup.TRIGGER)


def test_a_fresh_server_warms_up_once_the_first_page_is_drawn(
    page: Page, fresh_server: AppServer
) -> None:
    open_app(page, fresh_server.url())
    page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=60_000)
    trigger = page.locator(TRIGGER)
    if trigger.count():  # not pressed yet: a reader never sees it
        assert trigger.is_hidden()
    # Pressed by the page's own script once idle; this test clicks nothing.
    page.wait_for_function(
        "(selector) => !document.querySelector(selector)", arg=TRIGGER, timeout=60_000
    )
    page.wait_for_function(APP_ICON_SET_JS, timeout=30_000)
    assert any("/media/" in (href or "") for href in page.evaluate(FAVICONS_JS))
    assert page.get_by_role("button", name=warmup.TRIGGER_LABEL).count() == 0
    # The server imported what other pages draw with: a first visit now finds Altair loaded
    # and draws its chart without an error.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Attainment gaps").click()
    page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=60_000)
    assert page.get_by_test_id("stException").count() == 0
