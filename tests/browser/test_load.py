"""Twenty simultaneous sessions against one live server, for a bounded time.

Twenty browser contexts in one Chromium (separate cookies and websockets, so twenty
Streamlit sessions), each opened on a different authority. Each context then changes its
filters a few times while the others do the same; every rerun must finish without an
exception box or an app console error, and every session must keep its own authority
(no state leaks between sessions through caches or module globals). The server's resident
memory is printed before and after; the benchmark asserts a tight memory figure, this
test only that the server is alive and under 2 GB.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from equity.queries import la_catalogue
from equity.schema import GREATER_MANCHESTER, PHASE_LABELS, PUPIL_GROUP_LABELS
from equity.store import Store, default_store_path
from tests.browser.conftest import (
    PAGE_LIST,
    AppServer,
    ConsoleLog,
    choose_option,
    click_radio,
    combobox,
    exception_texts,
    new_context,
    selectbox_text,
    wait_for_app,
    watch_console,
)

pytestmark = pytest.mark.load

SESSIONS = 20
ROUNDS_SECONDS = 60.0  # the filter-changing phase stops starting new rounds after this
MAX_RSS_MB = 2048
#: The pages the sessions use: the default page and the second one, alternately; the map
#: page is left out (its own benchmark covers it), as its reruns take several seconds each.
LOAD_PAGES = [p for p in PAGE_LIST if p.stem in {"overview", "gaps"}] or PAGE_LIST[:1]


@dataclass
class Session:
    la_code: str
    la_name: str
    context: BrowserContext
    page: Page
    log: ConsoleLog
    phase: str = "secondary"
    history: list[str] = field(default_factory=list)


def authorities(count: int) -> list[tuple[str, str]]:
    """`count` LAs: the ten in Greater Manchester first, then others from the catalogue."""
    catalogue = la_catalogue(Store.open(default_store_path()))
    names = dict(catalogue.select("la_code", "name").iter_rows())
    codes = [c for c in GREATER_MANCHESTER if c in names]
    codes += [c for c in sorted(names) if c not in codes]
    return [(code, names[code]) for code in codes[:count]]


def url_param(page: Page, key: str) -> str | None:
    values = parse_qs(urlparse(page.url).query).get(key)
    return values[0] if values else None


def check_session(session: Session, where: str) -> None:
    page = session.page
    errors = exception_texts(page)
    assert not errors, f"{session.la_code} {where}: exception box: {errors[:1]}"
    assert url_param(page, "la") == session.la_code, (
        f"session {session.la_code} {where}: URL now has la={url_param(page, 'la')}"
    )
    shown = selectbox_text(page, "Authority")
    assert shown.endswith(f"({session.la_code})"), (
        f"session {session.la_code} {where}: the authority picker shows {shown!r}"
    )
    heading = page.locator("h1").first.inner_text()
    if "Equity overview" in heading:
        assert session.la_name in heading, (
            f"session {session.la_code} {where}: the overview is about {heading!r}"
        )
    assert not session.log.page_errors, (session.la_code, where, session.log.page_errors)
    assert not session.log.errors, (session.la_code, where, session.log.errors)


def wait_for_param(page: Page, key: str, value: str) -> None:
    page.wait_for_function(
        "([key, value]) => new URLSearchParams(location.search).get(key) === value",
        arg=[key, value],
    )


def test_twenty_concurrent_sessions_keep_their_own_state(
    browser: Browser, app_server: AppServer
) -> None:
    rss_before = app_server.rss_mb()
    print(f"\nserver pid {app_server.pid}: VmRSS before {rss_before:.0f} MB")
    sessions: list[Session] = []
    started = time.monotonic()
    try:
        # Open all twenty at once: navigation is started in every context before any wait.
        for index, (code, name) in enumerate(authorities(SESSIONS)):
            context = new_context(browser)
            page = context.new_page()
            log = watch_console(page, app_server.base_url)
            target = LOAD_PAGES[index % len(LOAD_PAGES)]
            page.goto(app_server.url(target, f"la={code}"), wait_until="commit")
            sessions.append(Session(code, name, context, page, log))
        for session in sessions:
            wait_for_app(session.page)
            check_session(session, "after opening")
        opened = time.monotonic() - started
        print(f"{len(sessions)} sessions open and drawn in {opened:.1f} s")

        # Rounds: every session changes one filter, without waiting for the others; then
        # each is waited for and checked.
        actions = ["phase", "group", "year", "phase"]
        rounds = 0
        rounds_started = time.monotonic()
        while rounds < len(actions) and time.monotonic() - rounds_started < ROUNDS_SECONDS:
            action = actions[rounds]
            round_start = time.monotonic()
            expected: dict[str, tuple[str, str]] = {}
            for session in sessions:
                page = session.page
                if action == "phase":
                    session.phase = "primary" if session.phase == "secondary" else "secondary"
                    click_radio(page, "Phase", PHASE_LABELS[session.phase])
                    expected[session.la_code] = ("phase", session.phase)
                elif action == "group":
                    label = PUPIL_GROUP_LABELS["all"]
                    choose_option(page, "Pupil group", label, label)
                    expected[session.la_code] = ("group", "all")
                else:
                    current = selectbox_text(page, "Academic year")
                    combobox(page, "Academic year").click()
                    page.get_by_role("option").first.wait_for(state="visible")
                    options = page.get_by_role("option").all_inner_texts()
                    other = next(o.strip() for o in options if o.strip() != current)
                    page.get_by_role("option", name=other, exact=True).click()
                    expected[session.la_code] = ("year", other.replace("/", "-"))
                session.history.append(action)
            for session in sessions:
                key, value = expected[session.la_code]
                wait_for_param(session.page, key, value)
                wait_for_app(session.page)
                check_session(session, f"after round {rounds + 1} ({action})")
            rounds += 1
            print(f"round {rounds} ({action}): {time.monotonic() - round_start:.1f} s")
        assert rounds >= 2, f"only {rounds} round(s) of filter changes in {ROUNDS_SECONDS} s"
        # A last look: every session still shows its own authority after all the others'
        # changes (not just right after its own).
        for session in sessions:
            check_session(session, "at the end")
    finally:
        for session in sessions:
            session.context.close()
    rss_after = app_server.rss_mb()
    print(
        f"server VmRSS after {rss_after:.0f} MB (+{rss_after - rss_before:.0f} MB); "
        f"total {time.monotonic() - started:.1f} s"
    )
    assert app_server.alive(), "the server died under load"
    assert rss_after < MAX_RSS_MB, f"server VmRSS {rss_after:.0f} MB"
