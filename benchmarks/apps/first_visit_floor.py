"""Floor for a first visit, beside the empty app's page switch: every page's recorded
elements (apps/render_floor.py, from the profiles BENCH_PROFILE points at) as the pages of
one `st.navigation` app, with the same Authority selectbox in the sidebar.

A sidebar click from the Overview's elements to another page's costs what Streamlit and
Chromium take to leave the one and draw the other from memory: no store, no queries, none of
the app's own furniture (its other filters, menu sections, footer, CSS and scripts). A
page's first visit against this floor says how much of it is the app's own doing; against
the empty app's switch (the issue's target) it also carries what drawing its elements costs.
"""

from __future__ import annotations

from collections.abc import Callable

import render_floor  # beside this file: Streamlit puts the script's folder on sys.path
import streamlit as st


def page_of(stem: str, path: str, mtime: float) -> Callable[[], None]:
    def draw() -> None:
        render_floor.draw_items(render_floor.prepared(path, mtime, stem, 0))

    draw.__name__ = f"floor_{stem}"
    return draw


def main() -> None:
    path, mtime = render_floor.profile_path()
    profiles = render_floor.load(path, mtime)
    stems = list(profiles.get("pages", {})) or ["overview"]
    navigation = st.navigation(
        [
            st.Page(
                page_of(stem, path, mtime),
                title=stem,  # the benchmark clicks the page's stem
                url_path=f"floor-{stem}",
                default=index == 0,
            )
            for index, stem in enumerate(stems)
        ]
    )
    render_floor.sidebar(profiles)
    navigation.run()


main()
