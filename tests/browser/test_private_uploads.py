"""Two real browser sessions on one server: A's upload never changes what B sees, and B
cannot see or remove it (issue 14, item 1). Two Playwright contexts are two browsers: no
shared cookies or storage, each with its own Streamlit session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from equity.store import EMBEDDED_STORE, Store
from tests.browser.conftest import (
    PAGE_LIST,
    AppServer,
    click_radio,
    exception_texts,
    new_context,
    open_app,
    run_count,
    start_server,
    stop_server,
    wait_for_app,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TINY_KS4 = ROOT / "tests" / "data" / "performance_tables" / "2018-2019_999_ks4final.csv"
DATA_PAGE = next(p for p in PAGE_LIST if p.path == "pages/data.py")
FILES, YOURS = "Files and sources", "Load your files"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """A server of its own, so its private-layer folder can be inspected."""
    started = start_server(tmp_path_factory.mktemp("private-uploads"))
    try:
        yield started
    finally:
        stop_server(started)


@pytest.fixture
def two_browsers(browser: Browser) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    a, b = new_context(browser), new_context(browser)
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def main_text(page: Page) -> str:
    return str(page.locator('[data-testid="stMain"]').inner_text())


def files_sentence(count: int, mine: int) -> str:
    return f"{count} files are loaded ({mine} by you)"


def open_tab(page: Page, label: str) -> None:
    """Click the Data page's tab `label`, as a user does, and wait for its section to run
    (components/sections.py: only the open tab's code runs)."""
    before = run_count(page)
    page.get_by_role("tab", name=label, exact=True).click()
    wait_for_app(page, after_runs=before)


def upload(page: Page, file: Path) -> None:
    open_tab(page, YOURS)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(file))
    # The chip's remove button appears once the file has reached the server.
    page.get_by_role("button", name=f"Remove {file.name}", exact=True).wait_for(state="visible")
    before = run_count(page)
    page.get_by_role("button", name="Load files").click()
    wait_for_app(page, after_runs=before)


def test_one_browsers_upload_is_invisible_and_unremovable_in_another(
    server: AppServer, two_browsers: tuple[BrowserContext, BrowserContext]
) -> None:
    builtin = Store.open(EMBEDDED_STORE).manifest().height
    page_a, page_b = (context.new_page() for context in two_browsers)
    url = server.url(DATA_PAGE, "la=936")
    for page in (page_a, page_b):
        open_app(page, url)
        open_tab(page, FILES)
        assert files_sentence(builtin, 0) in main_text(page)

    upload(page_a, TINY_KS4)
    text_a = main_text(page_a)
    assert not exception_texts(page_a)
    assert "Loaded 1 file(s)." in text_a
    assert "Remove a file you loaded (1 loaded by you)" in text_a
    open_tab(page_a, FILES)
    text_a += main_text(page_a)
    assert files_sentence(builtin + 1, 1) in text_a

    # B reruns (a filter change, no reload) after A's upload: nothing of A's shows.
    before = run_count(page_b)
    click_radio(page_b, "Phase", "Primary")
    wait_for_app(page_b, after_runs=before)
    text_b = main_text(page_b)
    assert files_sentence(builtin, 0) in text_b
    assert TINY_KS4.name not in text_b
    open_tab(page_b, YOURS)
    text_b = main_text(page_b)
    assert TINY_KS4.name not in text_b
    assert "Remove a file you loaded (0 loaded by you)" in text_b
    page_b.get_by_text("Remove a file you loaded").click()
    assert "You have not loaded any files yet" in main_text(page_b)
    assert page_b.get_by_role("button", name="Remove from my data").count() == 0

    # A new session in B's browser (a reload) sees the shared data only, too.
    open_app(page_b, url)
    open_tab(page_b, FILES)
    assert files_sentence(builtin, 0) in main_text(page_b)

    # A still has its file: B's visits changed nothing for A.
    before = run_count(page_a)
    click_radio(page_a, "Phase", "Primary")
    wait_for_app(page_a, after_runs=before)
    assert files_sentence(builtin + 1, 1) in main_text(page_a)
    sessions = server.log_path.parent / "private" / "sessions"
    assert [p.name for p in sessions.glob("*/manifest.parquet")] == ["manifest.parquet"]
    # No server folder is named on the page.
    for folder in (server.log_path.parent, EMBEDDED_STORE, Path.home()):
        assert str(folder) not in text_a
