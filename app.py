"""Equity Explorer: the router. Global filters, then the page the user chose.

Run with `streamlit run app.py`. Pages are listed here explicitly (with `st.navigation`
Streamlit does not discover `pages/`), and tests read this list from `PAGES`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components import filters, layout, prefetch, warmup

#: A local file: Streamlit fetches an emoji or icon-font favicon from a font CDN.
FAVICON = Path(__file__).parent / "assets" / "favicon.png"

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
    st.set_page_config(page_title="Equity Explorer", layout="wide", initial_sidebar_state="auto")
    layout.page_chrome()
    prefetch.render()
    sections = {
        section: [
            st.Page(path, title=title, icon=icon, default=(path == "pages/overview.py"))
            for path, title, icon in pages
        ]
        for section, pages in PAGES.items()
        if pages
    }
    navigation = st.navigation(sections)
    filters.render_sidebar()
    filters.show_url_notices()
    navigation.run()
    layout.footer()
    # The favicon after the warm-up: Streamlit turns a file into a page icon through its
    # image code, which imports numpy and PIL (components/warmup.py says why not sooner).
    # set_page_config calls add up; until then the tab shows Streamlit's icon.
    warmup.at_end_of_run(show_favicon)


def show_favicon() -> None:
    st.set_page_config(page_icon=str(FAVICON))


main()
