"""Floor 2, the "render floor": a page's charts, maps and tables drawn from memory.

BENCH_PROFILE points at the profiles the AppTest phase recorded (benchmarks/apptest_bench.py);
`?page=<stem>` picks one. The floor draws the same elements in the same order and grouping
as that page: every chart (the page's own Vega-Lite spec and data, handed to
st.vega_lite_chart on every rerun as JSON, as components/vega.py hands the page's), every pydeck map
(its JSON re-serialised on every rerun), every table with the same rows, the metrics,
widgets, download buttons of the same size and text of the same length. No store, no
queries, no aggregation: what is left is the cost of drawing the page, which no page can
go below. Successive reruns alternate between two slightly different variants of every
element, so that the browser redraws them all, as it does after a real filter change.
"""

from __future__ import annotations

import copy
import json
import os
from itertools import groupby
from pathlib import Path
from typing import Any

import pandas as pd
import pydeck as pdk
import streamlit as st


class RecordedDeck(pdk.Deck):
    """A pydeck map whose JSON is the page's own; serialised again on every call."""

    def __init__(self, content: Any, tooltip: dict[str, str] | None) -> None:
        super().__init__(layers=[], tooltip=tooltip if tooltip else False)
        self._content = content

    def to_json(self) -> str:
        return json.dumps(self._content)


@st.cache_resource(show_spinner=False)
def load(path: str, mtime: float) -> dict[str, Any]:
    del mtime
    return json.loads(Path(path).read_text(encoding="utf-8")) if path else {}


@st.cache_resource(show_spinner=False)
def prepared(path: str, mtime: float, page: str, variant: int) -> list[dict[str, Any]]:
    """The page's elements with their ready objects (built once, like cached frames).

    Two variants alternate from rerun to rerun, each with every element slightly changed
    (a chart's description, a map's zoom by 1e-4, a table's row order, a zero-width space
    in text): as on the page after a filter change, every element is new to the browser,
    which redraws it, rather than one it has already drawn."""
    mark = "\u200b" * variant
    out = []
    for entry in load(path, mtime).get("pages", {}).get(page, {}).get("elements", []):
        item = dict(entry)
        kind = entry["kind"]
        if kind == "vega_lite_chart":
            item["object"] = {**entry["spec"], "description": f"render floor, variant {variant}"}
        elif kind == "deck_gl_json_chart":
            tooltip = json.loads(entry["tooltip"]) if entry.get("tooltip") else None
            content = json.loads(entry["json"])
            view = content.get("initialViewState")
            if isinstance(view, dict) and isinstance(view.get("zoom"), int | float):
                view["zoom"] = view["zoom"] + 1e-4 * variant
            item["object"] = (content, tooltip)
        elif kind in {"dataframe", "table"}:
            records = entry["records"][::-1] if variant else entry["records"]
            item["object"] = pd.DataFrame.from_records(records, columns=entry["columns"])
        elif kind == "download_button":
            payload = (b"y" if variant else b"x") * int(entry.get("bytes", 1024))
            # As the page drew it: bytes sent with the page, or made when clicked.
            item["object"] = (lambda data=payload: data) if entry.get("deferred") else payload
        elif kind in {"markdown", "alert"}:
            item["object"] = "floor " * max(1, int(entry.get("chars", 6)) // 6) + mark
        elif kind == "metric":
            item["value"] = f"{entry.get('value', '0')}{mark}"
        out.append(item)
    return out


def draw(item: dict[str, Any], index: int) -> None:
    kind = item["kind"]
    if kind == "vega_lite_chart":
        # A copy per rerun: Streamlit moves the datasets out of the spec it is given.
        st.vega_lite_chart(spec=copy.deepcopy(item["object"]), width="stretch", theme=None)
    elif kind == "deck_gl_json_chart":
        content, tooltip = item["object"]
        st.pydeck_chart(RecordedDeck(content, tooltip))
    elif kind == "dataframe":
        st.dataframe(item["object"], hide_index=True, width="stretch")
    elif kind == "table":
        st.table(item["object"])
    elif kind == "download_button":
        st.download_button(
            "Download CSV",
            data=item["object"],
            file_name="floor.csv",
            mime="text/csv",
            key=f"floor-dl-{index}",
            on_click="ignore",
        )
    elif kind == "metric":
        st.metric(item.get("label", "metric"), item.get("value", "0"))
    elif kind == "markdown":
        st.markdown(item["object"])
    elif kind == "alert":
        st.info(item["object"])
    elif kind == "widget":
        widget(item, index)


def widget(item: dict[str, Any], index: int) -> None:
    """A widget of the page's kind with as many options (its state is never read)."""
    kind, key = item.get("widget"), f"floor-w-{index}"
    options = [f"option {i}" for i in range(int(item.get("options", 1)))]
    if kind in {"button", "form_submit_button", "link_button", "page_link"}:
        st.button("Button", key=key)
    elif kind in {"checkbox", "toggle"}:
        st.checkbox("Checkbox", key=key)
    elif kind == "radio":
        st.radio("Radio", options, key=key, horizontal=True)
    elif kind in {"selectbox", "multiselect"}:
        st.selectbox("Select", options, key=key)
    elif kind in {"slider", "number_input"}:
        st.slider("Slider", 0, 100, 50, key=key)
    elif kind == "select_slider":
        st.select_slider("Select slider", options, key=key)
    elif kind == "button_group":
        st.segmented_control("Choice", options, key=key)
    elif kind in {"text_input", "text_area", "date_input", "color_picker"}:
        st.text_input("Text", key=key)
    elif kind == "file_uploader":
        st.file_uploader("Upload", key=key)


def sidebar(profiles: dict[str, Any]) -> None:
    """The Authority selectbox every floor draws in the sidebar, with the app's labels."""
    labels: dict[str, str] = profiles.get("labels") or {"GM": "Greater Manchester (10 LAs)"}
    st.sidebar.selectbox(
        "Authority", list(labels), format_func=lambda code: labels[code], key="filter_la"
    )


def draw_items(items: list[dict[str, Any]]) -> None:
    """The page's elements in its order, those the page drew in one expander or one row of
    columns grouped the same way."""
    position = 0

    def group_key(item: dict[str, Any]) -> Any:
        group = item.get("group")
        return (group["type"], group["id"]) if group else None

    for key, members in groupby(items, key=group_key):
        block = list(members)
        if key is None:
            for item in block:
                draw(item, position)
                position += 1
        elif key[0] == "expander":
            with st.expander("Show data", expanded=False):
                for item in block:
                    draw(item, position)
                    position += 1
        else:
            for column, item in zip(st.columns(len(block)), block, strict=True):
                with column:
                    draw(item, position)
                    position += 1


def profile_path() -> tuple[str, float]:
    """BENCH_PROFILE and its modification time (which keys the cached profile)."""
    path = os.environ.get("BENCH_PROFILE", "")
    return path, Path(path).stat().st_mtime if path and Path(path).is_file() else 0.0


def main() -> None:
    path, mtime = profile_path()
    sidebar(load(path, mtime))
    page = str(st.query_params.get("page", "overview"))
    runs = int(st.session_state.get("floor_runs", 0))
    st.session_state["floor_runs"] = runs + 1
    draw_items(prepared(path, mtime, page, runs % 2))


# Streamlit runs this file as __main__; apps/first_visit_floor.py imports it for its parts.
if __name__ == "__main__":
    main()
