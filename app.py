"""Equity Explorer: the router. Global filters, then the page the user chose.

Run with `streamlit run app.py`. Pages are listed here explicitly (with `st.navigation`
Streamlit does not discover `pages/`), and tests read this list from `PAGES`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from components import filters, layout, prefetch, warmup

#: The tab's icon: a local file (Streamlit would show a `:material/...:` icon as a favicon
#: fetched from Google's font CDN).
FAVICON = Path(__file__).parent / "assets" / "favicon.png"
#: The tab's icon until the process has warmed up (components/warmup.py): an emoji, which
#: the browser draws from text, where the file would need Streamlit's image code (numpy and
#: PIL) in the process's first run. Without an icon of the app's own at the top of every
#: run, Streamlit shows the open page's `st.Page` icon, and fetches it from
#: fonts.gstatic.com: every new tab told Google it had opened the app.
ICON_UNTIL_WARM = "📊"

#: Session-state key of the session's menu pages (`_sections`).
_PAGES_KEY = "_equity_router_pages"

PAGES: dict[str, list[tuple[str, str, str]]] = {
    "Explore": [
        ("pages/overview.py", "Overview", ":material/dashboard:"),
        ("pages/gaps.py", "Attainment gaps", ":material/stacked_bar_chart:"),
        ("pages/concentration.py", "Where disadvantage concentrates", ":material/map:"),
        ("pages/trends.py", "School trends", ":material/trending_up:"),
        ("pages/similar.py", "Similar schools", ":material/groups:"),
    ],
    "Share": [
        ("pages/story.py", "Story and presentation", ":material/slideshow:"),
    ],
    "About": [
        ("pages/data.py", "Data and methods", ":material/database:"),
        ("pages/accessibility.py", "Accessibility", ":material/accessibility_new:"),
    ],
}


def main() -> None:
    warm = warmup.done()
    st.set_page_config(
        page_title="Equity Explorer",
        page_icon=FAVICON if warm else ICON_UNTIL_WARM,
        layout="wide",
        initial_sidebar_state="auto",
    )
    layout.page_chrome()
    prefetch.render()
    navigation = st.navigation(_sections())
    filters.render_sidebar()
    filters.show_url_notices()
    navigation.run()
    layout.footer()
    # The file's icon once warmed up: Streamlit turns a file into a page icon through its
    # image code, which imports numpy and PIL (components/warmup.py says why not sooner).
    if not warm:
        warmup.at_end_of_run(show_favicon)


def _sections() -> dict[str, list[StreamlitPage]]:
    """The menu's pages, made on a session's first run and kept for its later runs: making
    eight `st.Page`s (a file check and an icon check each) was ~0.8 ms of every rerun. Kept
    per session, never shared: `st.navigation` marks the page it returns as runnable on the
    object itself, so two sessions' runs must not hold the same objects."""
    kept = st.session_state.get(_PAGES_KEY)
    if isinstance(kept, dict):
        return kept
    sections = {
        section: [
            st.Page(path, title=title, icon=icon, default=(path == "pages/overview.py"))
            for path, title, icon in pages
        ]
        for section, pages in PAGES.items()
        if pages
    }
    st.session_state[_PAGES_KEY] = sections
    return sections


def show_favicon() -> None:
    st.set_page_config(page_icon=str(FAVICON))


main()
