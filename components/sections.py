"""A page's sections as tabs whose content runs only while its tab is open.

Why: a page that draws every section on every visit makes a user wait for charts and maps
far below the first screen (Concentration drew nine charts and two maps before its run
ended). Tabs keep the first screen (title, tiles, first chart) first and draw the rest when
asked for, one click away and never hidden: the open tab is in the link (`?section=...`),
so a shared address opens on the same section, and an unknown value opens the first one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import streamlit as st
from streamlit.elements.lib.mutable_tab_container import TabContainer

#: The query parameter naming the open section (one key style: a short lower-case word).
#: Every page uses the same one: a page switch starts the next page on its first section.
SECTION_PARAM: Final = "section"


def tabs(labels: Sequence[str]) -> list[TabContainer]:
    """One tab per label; only the open one's `.open` is true, so a page draws a section
    with `if tab.open: with tab: ...` and the closed ones cost nothing."""
    return list(st.tabs(list(labels), key=SECTION_PARAM, on_change="rerun", bind="query-params"))


def on_request(label: str, key: str, draw: Callable[[], None]) -> None:
    """An expander whose content `draw()` runs only while it is open: opening it reruns the
    page with the content in place, and it stays open (redrawn for each new filter) until
    closed. Why: Streamlit mounts a closed expander's content in the browser all the same,
    so a table or a row of inputs most readers never open cost every first visit."""
    expander = st.expander(label, expanded=False, key=key, on_change="rerun")
    if expander.open:
        with expander:
            draw()
