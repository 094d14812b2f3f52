"""Everything a browser loads while using the app comes from the app's own server.

Why a test: Streamlit reaches out on its own for some things (a `:material/...:` page icon
becomes a favicon fetched from fonts.gstatic.com; map tiles and web fonts would come from
CDNs). A school dashboard should not tell a third party who opens it, and the app must work
offline; a console only shows such a load when it fails, so this test looks at the requests
themselves. A fresh server (its first tab is drawn before the warm-up, with the stand-in
icon) and a second tab on the warmed server (the icon file from its first run) are both
checked, on every page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import (
    APP_ICON_SET_JS,
    APP_TIMEOUT_MS,
    FAVICONS_JS,
    PAGE_LIST,
    AppServer,
    new_context,
    open_app,
    wait_for_app,
)

pytestmark = pytest.mark.browser

#: Schemes a page may load without a request leaving the machine.
LOCAL_SCHEMES = ("data:", "blob:", "about:")


def _watch(page: Page) -> list[str]:
    """Every URL the tab asks for, from now on."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def _visit_every_page(page: Page) -> None:
    for app_page in PAGE_LIST[1:]:
        nav = page.get_by_test_id("stSidebarNav")
        nav.get_by_role("link", name=app_page.title).click()
        page.get_by_role("heading", level=1).first.wait_for(timeout=APP_TIMEOUT_MS)
        wait_for_app(page)


def _foreign(urls: list[str], server: AppServer) -> list[str]:
    return [u for u in urls if not u.startswith((server.base_url, *LOCAL_SCHEMES))]


def test_no_request_leaves_the_app_server(browser: Browser, fresh_server: AppServer) -> None:
    first_context, second_context = new_context(browser), new_context(browser)
    try:
        first = first_context.new_page()
        first_urls = _watch(first)
        open_app(first, fresh_server.url())
        favicons: list[str] = first.evaluate(FAVICONS_JS)
        # The warm-up sets the icon file (tests/browser/test_warmup.py); then every page.
        first.wait_for_function(
            APP_ICON_SET_JS,
            timeout=APP_TIMEOUT_MS,
        )
        _visit_every_page(first)
        favicons += first.evaluate(FAVICONS_JS)

        second = second_context.new_page()
        second_urls = _watch(second)
        open_app(second, fresh_server.url())
        favicons += second.evaluate(FAVICONS_JS)
        _visit_every_page(second)
    finally:
        first_context.close()
        second_context.close()

    assert _foreign(first_urls, fresh_server) == []
    assert _foreign(second_urls, fresh_server) == []
    assert [f for f in favicons if "gstatic" in f or "googleapis" in f] == []
    assert len(first_urls) > 10 and len(second_urls) > 10  # the watch saw the app load
