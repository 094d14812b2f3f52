"""Two pages for the benchmark's first-screen check (tests/browser/test_first_screen.py).

"Tall" fills more than a screen at once and then keeps its run going for a while before
its last line; "Slow top" waits before its title. A sidebar click from "Start" to either
is what the first-visit benchmark times.
"""

from __future__ import annotations

import time

import streamlit as st

#: Seconds each page's slow part takes: long enough to tell apart from a browser's draw.
PAUSE_S = 1.5


def start() -> None:
    st.title("Start page")
    for line in range(40):
        st.markdown(f"start line {line}")


def tall() -> None:
    st.title("Tall page")
    for line in range(40):
        st.markdown(f"tall line {line}")
    time.sleep(PAUSE_S)
    st.markdown("tall page done")


def slow_top() -> None:
    time.sleep(PAUSE_S)
    st.title("Slow top page")
    for line in range(40):
        st.markdown(f"slow line {line}")


st.navigation(
    [
        st.Page(start, title="Start", default=True),
        st.Page(tall, title="Tall"),
        st.Page(slow_top, title="Slow top"),
    ]
).run()
