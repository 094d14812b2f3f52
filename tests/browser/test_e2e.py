"""End to end in headless Chromium: every page of app.PAGES, the global filters through the
UI, permalinks, a bad link, CSV downloads and a full-page screenshot of each page.

Generic on purpose: pages are found from app.py's PAGES literal and checked for what every
page promises (an h1, no exception box, filters in the URL), so the tests keep passing as
pages are filled in. Screenshots go to test-artifacts/screenshots/<page>.png.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from equity.schema import GM_GROUP_LABEL, PHASE_LABELS, PUPIL_GROUP_LABELS
from tests.browser.conftest import (
    ARTIFACTS,
    PAGE_IDS,
    PAGE_LIST,
    AppPage,
    AppServer,
    checked_radio,
    choose_option,
    click_radio,
    combobox,
    exception_texts,
    full_page_screenshot,
    new_context,
    open_app,
    run_count,
    selectbox_text,
    start_server,
    stop_server,
    wait_for_app,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = ARTIFACTS / "screenshots"
PERMALINK = "la=936&phase=secondary&group=disadvantaged&year=2018-19"


def query(page: Page) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(page.url).query).items()}


def global_params(page: Page) -> dict[str, str]:
    """The four global filters in the URL (pages may add their own parameters)."""
    return {k: v for k, v in query(page).items() if k in {"la", "phase", "group", "year"}}


def assert_page_ok(page: Page, where: str) -> None:
    errors = exception_texts(page)
    assert not errors, f"{where}: exception box on the page:\n" + "\n---\n".join(errors)
    headings = page.locator("h1")
    assert headings.count() >= 1, f"{where}: no h1"
    assert headings.first.inner_text().strip(), f"{where}: the h1 is empty"


def assert_console_clean(page: Page, where: str) -> None:
    log = page.console_log  # type: ignore[attr-defined]
    assert not log.page_errors, f"{where}: uncaught errors in the page: {log.page_errors}"
    assert not log.errors, f"{where}: console errors: {log.errors}"


def wait_for_query(page: Page, key: str, value: str) -> None:
    """Wait until the URL's query string has `key=value` (Streamlit writes it at run end)."""
    page.wait_for_function(
        "([key, value]) => new URLSearchParams(location.search).get(key) === value",
        arg=[key, value],
    )


def change_and_check(page: Page, key: str, value: str, action: str, where: str) -> None:
    """After `action` was triggered: the URL has key=value, the app reran and redrew."""
    wait_for_query(page, key, value)
    wait_for_app(page)
    assert_page_ok(page, f"{where} after changing {action}")


@pytest.mark.parametrize("app_page", PAGE_LIST, ids=PAGE_IDS)
def test_page_renders_with_defaults(page: Page, app_server: AppServer, app_page: AppPage) -> None:
    open_app(page, app_server.url(app_page))
    assert_page_ok(page, app_page.path)
    params = query(page)
    assert {"la", "phase", "group", "year"} <= set(params), params
    # The page is the one asked for: its entry in the sidebar navigation is the current one.
    current = page.locator('[data-testid="stSidebarNavLink"][aria-current="page"]')
    assert app_page.title in current.inner_text(), current.inner_text()
    full_page_screenshot(page, SCREENSHOTS / f"{app_page.stem}.png")
    assert_console_clean(page, app_page.path)


@pytest.mark.parametrize("app_page", PAGE_LIST, ids=PAGE_IDS)
def test_global_filters_change_through_the_ui(
    page: Page, app_server: AppServer, app_page: AppPage
) -> None:
    where = app_page.path
    open_app(page, app_server.url(app_page))

    # Authority: type "Manchester" and press Enter; the search ranks Manchester (352) first.
    runs = run_count(page)
    choose_option(page, "Authority", "Manchester")
    change_and_check(page, "la", "352", "the authority", where)
    assert run_count(page) > runs, "the app did not rerun"
    assert selectbox_text(page, "Authority") == "Manchester (352)"

    click_radio(page, "Phase", PHASE_LABELS["primary"])
    change_and_check(page, "phase", "primary", "the phase", where)
    assert checked_radio(page, "Phase") == PHASE_LABELS["primary"]

    group = "all" if query(page).get("group") != "all" else "disadvantaged"
    choose_option(page, "Pupil group", PUPIL_GROUP_LABELS[group], PUPIL_GROUP_LABELS[group])
    change_and_check(page, "group", group, "the pupil group", where)
    assert selectbox_text(page, "Pupil group") == PUPIL_GROUP_LABELS[group]

    current_year = selectbox_text(page, "Academic year")
    box = combobox(page, "Academic year")
    # The year box is the sidebar's last widget: at 1440x900 it can sit half below the
    # window, where a click focuses it without opening its list. A user scrolls the
    # sidebar first; so does the test.
    box.evaluate("element => element.scrollIntoView({block: 'center'})")
    box.click()
    page.get_by_role("option").first.wait_for()
    options = [o.strip() for o in page.get_by_role("option").all_inner_texts()]
    other = next(o for o in options if o and o != current_year)
    page.get_by_role("option", name=other, exact=True).click()
    change_and_check(page, "year", other.replace("/", "-"), "the year", where)
    assert selectbox_text(page, "Academic year") == other

    # Every earlier choice survived the later reruns, in the widgets and in the URL.
    assert global_params(page) == {
        "la": "352",
        "phase": "primary",
        "group": group,
        "year": other.replace("/", "-"),
    }
    assert selectbox_text(page, "Authority") == "Manchester (352)"
    if app_page.stem == "overview":
        assert "Manchester" in page.locator("h1").first.inner_text()
    assert_console_clean(page, where)


@pytest.mark.parametrize("app_page", PAGE_LIST, ids=PAGE_IDS)
def test_permalink_restores_the_selection(
    page: Page, app_server: AppServer, app_page: AppPage
) -> None:
    open_app(page, app_server.url(app_page, PERMALINK))
    assert_page_ok(page, app_page.path)
    assert selectbox_text(page, "Authority").endswith("(936)")
    assert checked_radio(page, "Phase") == PHASE_LABELS["secondary"]
    assert selectbox_text(page, "Pupil group") == PUPIL_GROUP_LABELS["disadvantaged"]
    assert selectbox_text(page, "Academic year") == "2018/19"
    assert global_params(page) == parse_qs_flat(PERMALINK)
    assert not page.locator('[data-testid="stAlert"]', has_text="not available here").count()


def parse_qs_flat(text: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(text).items()}


def test_unknown_authority_in_a_link_shows_a_notice_and_falls_back(
    page: Page, app_server: AppServer
) -> None:
    open_app(page, app_server.url(None, "la=999&phase=primary"))
    assert_page_ok(page, "?la=999")
    notice = page.locator('[data-testid="stAlert"]', has_text="999")
    assert notice.count() == 1, page.locator('[data-testid="stAlert"]').all_inner_texts()
    assert "not available" in notice.inner_text()
    assert selectbox_text(page, "Authority") == GM_GROUP_LABEL
    assert checked_radio(page, "Phase") == PHASE_LABELS["primary"]  # the valid part is kept
    wait_for_query(page, "la", "GM")
    assert query(page)["phase"] == "primary"


def read_csv_download(page: Page, expander_index: int) -> tuple[str, list[list[str]]]:
    expander = page.locator('[data-testid="stExpander"]').filter(has_text="Show data")
    target = expander.nth(expander_index)
    target.locator("summary").click()
    button = target.locator('[data-testid="stDownloadButton"] button').first
    button.wait_for(state="visible")
    wait_for_app(page)
    try:
        with page.expect_download(timeout=20_000) as info:
            button.click()
    except PlaywrightTimeoutError:
        # Under heavy load a click can land while the browser swaps the button's file URL
        # after a late rerun; a user clicks again, and so does the test, once.
        wait_for_app(page)
        with page.expect_download() as info:
            button.click()
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    return download.suggested_filename, list(csv.reader(io.StringIO(text)))


def test_show_data_csv_downloads(page: Page, app_server: AppServer) -> None:
    """Every page with charts offers the drawn data as CSV; check one download per page."""
    checked = []
    for app_page in PAGE_LIST:
        open_app(page, app_server.url(app_page, PERMALINK))
        expanders = page.locator('[data-testid="stExpander"]').filter(has_text="Show data")
        if not expanders.count():
            continue
        name, rows = read_csv_download(page, 0)
        where = f"{app_page.path}: {name}"
        assert name.endswith(".csv"), where
        header, body = rows[0], rows[1:]
        assert header and all(cell.strip() for cell in header), f"{where}: header {header}"
        assert len(set(header)) == len(header), f"{where}: repeated column in {header}"
        assert body, f"{where}: no data rows"
        assert all(len(row) == len(header) for row in body), f"{where}: ragged rows"
        assert not any(cell.startswith("Unnamed") for cell in header), where
        checked.append(where)
        assert_page_ok(page, where)
    assert any(c.startswith("pages/overview.py") for c in checked), checked
    print("CSV downloads checked:", *checked, sep="\n  ")


def test_deep_link_on_a_fresh_server(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A shared link to a page other than the default, opened first after a (re)start.

    Streamlit treats an app with a `pages/` folder as a v1 multipage app until app.py has
    called st.navigation once in the server process; a first request for /<page> then runs
    pages/<page>.py alone. `filters.current()` notices and reruns through app.py; this
    checks the router, its navigation and the link's filters come back.
    """
    target = next(p for p in PAGE_LIST if not p.default)
    server = start_server(tmp_path_factory.mktemp("fresh-streamlit"))
    try:
        context = new_context(browser)
        try:
            tab = context.new_page()
            open_app(tab, server.url(target, PERMALINK))
            assert_page_ok(tab, f"{target.path} opened first on a fresh server")
            nav = tab.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
            assert any(target.title in item for item in nav), (
                f"the navigation is not app.PAGES (v1 pages/ discovery?): {nav}"
            )
            assert selectbox_text(tab, "Authority").endswith("(936)")
        finally:
            context.close()
    finally:
        stop_server(server)


#: Vega-Lite charts as the page draws them (a chart, or a map's colour key).
VEGA = '[data-testid="stVegaLiteChart"], [data-testid="stArrowVegaLiteChart"]'
DECK = '[data-testid="stDeckGlJsonChart"]'


def selected_tab(page: Page) -> str:
    return page.locator('[role="tab"][aria-selected="true"]').inner_text().strip()


@pytest.mark.parametrize(
    ("stem", "first", "keyboard", "clicked", "drawn"),
    [
        ("concentration", 1, ("Ranking of LAs", 2), "Map of England", DECK),
        ("gaps", 1, ("Ranking of LAs", 1), "Over time", VEGA),
    ],
)
def test_sections_open_from_the_keyboard_a_click_and_a_link(
    page: Page,
    app_server: AppServer,
    stem: str,
    first: int,
    keyboard: tuple[str, int],
    clicked: str,
    drawn: str,
) -> None:
    """Issue 16: a first visit draws the first tab only; the others open from the keyboard
    (arrow keys on the tab list) or a click, the open one goes into the link, and the link
    opens it again."""
    app_page = next(p for p in PAGE_LIST if p.stem == stem)
    open_app(page, app_server.url(app_page, PERMALINK))
    assert page.locator(VEGA).count() == first
    assert not page.locator(DECK).count()
    label, charts = keyboard
    runs = run_count(page)
    page.get_by_role("tab", selected=True).focus()
    page.keyboard.press("ArrowRight")
    wait_for_query(page, "section", label)
    wait_for_app(page, after_runs=runs)
    assert selected_tab(page) == label
    assert page.locator(VEGA).count() == charts
    assert_page_ok(page, f"{stem}: {label} opened from the keyboard")
    runs = run_count(page)
    page.get_by_role("tab", name=clicked).click()
    wait_for_query(page, "section", clicked)
    wait_for_app(page, after_runs=runs)
    assert page.locator(drawn).count() >= 1
    link = page.url
    page.goto("about:blank")
    open_app(page, link)
    assert selected_tab(page) == clicked
    assert page.locator(drawn).count() >= 1
    assert_page_ok(page, f"{stem}: {clicked} opened from its link")
    assert_console_clean(page, stem)
