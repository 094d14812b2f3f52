"""One chart as every page shows it: title, computed takeaway, chart, source, data table.

Keeping this in one place is how every chart meets the accessibility bar (a text summary
and a table alternative), carries its source and year, and offers the exact data drawn
as CSV. Pages pass an already aggregated frame: only what is drawn reaches the browser.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

from components.charts import AnyChart, chart_height
from components.tables import csv_bytes, human_size


@dataclass(frozen=True)
class ChartView:
    """Everything needed to show, export or present one chart again."""

    view_id: str
    title: str
    takeaway: str
    source: str
    chart: AnyChart
    table: pl.DataFrame
    file_stem: str
    caveats: tuple[str, ...] = ()


def register(view: ChartView) -> None:
    """Remember the view for this rerun, so the story builder and exports can reuse it."""
    st.session_state.setdefault("equity_views", {})[view.view_id] = view


def render(view: ChartView, *, height: int | None = None) -> None:
    register(view)
    with st.container(border=True):
        st.subheader(view.title, anchor=False)
        st.markdown(f"**{view.takeaway}**")
        height = chart_height(view.chart)
        st.altair_chart(
            view.chart,
            width="stretch",
            height=height if height is not None else "content",
            theme=None,  # our own colour-blind safe palette and type sizes, as in exports
            alt=f"{view.title}. {view.takeaway}",
        )
        for caveat in view.caveats:
            st.caption(f"Note: {caveat}")
        st.caption(f"Source: {view.source}")
        with st.expander("Show data", expanded=False):
            st.dataframe(view.table.to_pandas(), hide_index=True, width="stretch")
            payload = csv_bytes(view.table)
            st.download_button(
                f"Download CSV ({human_size(len(payload))})",
                data=payload,
                file_name=f"{view.file_stem}.csv",
                mime="text/csv",
                key=f"csv-{view.view_id}",
                on_click="ignore",
            )
