"""Floor for a page switch: the empty app (benchmarks/apps/empty_app.py) as two pages.

`st.navigation` with two pages in the sidebar, the same Authority selectbox drawn by the
router on every run and one line of text per page ("empty-page-a-ready",
"empty-page-b-ready"): a sidebar click from one to the other costs what any page switch
costs in Streamlit and Chromium, with nothing of the page's own.
"""

from __future__ import annotations

import streamlit as st


def page_a() -> None:
    st.markdown("empty-page-a-ready")


def page_b() -> None:
    st.markdown("empty-page-b-ready")


labels = {"GM": "Greater Manchester (10 LAs)", **{f"{i:03d}": f"LA {i:03d}" for i in range(1000)}}
navigation = st.navigation(
    [st.Page(page_a, title="Empty A", default=True), st.Page(page_b, title="Empty B")]
)
st.sidebar.selectbox("Authority", list(labels), format_func=labels.__getitem__, key="filter_la")
navigation.run()
