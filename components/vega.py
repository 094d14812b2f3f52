"""Altair charts drawn from the Vega-Lite JSON they compile to, with no schema check per rerun.

Why: `st.altair_chart` calls `chart.to_dict()`, which validates the whole spec against
Vega-Lite's JSON schema with jsonschema on every rerun: 30-50% of a page's rerun at national
scale (measured 2026-12-06: Gaps 305 -> 194 ms, School trends 661 -> 341 ms in AppTest).
Our specs come from a fixed set of builders, so they are validated where a mistake would be
caught, in the tests (tests/unit/components/test_vega.py validates every chart the pages
draw), and served here as plain JSON (`to_dict(validate=False)`).

A chart with more rows than Altair's inline-data limit (5,000) is handed to
`st.altair_chart` as before: we aggregate before charting, so that is a fallback, not a path.
"""

from __future__ import annotations

from typing import Any, Literal

import altair as alt
import streamlit as st

from components.charts import AnyChart


def spec(chart: AnyChart) -> dict[str, Any] | None:
    """The chart's Vega-Lite spec with its data inline under `datasets` (Streamlit moves
    them into Arrow), or None when the data is over Altair's row limit."""
    try:
        return chart.to_dict(validate=False)
    except alt.MaxRowsError:
        return None


def draw(
    chart: AnyChart, *, height: int | Literal["stretch", "content"] = "content", alt_text: str
) -> None:
    """Draw the chart at the page's width (our theme, not Streamlit's), named by `alt_text`."""
    compiled = spec(chart)
    if compiled is None:
        st.altair_chart(chart, theme=None, width="stretch", height=height, alt=alt_text)
        return
    st.vega_lite_chart(spec=compiled, theme=None, width="stretch", height=height, alt=alt_text)
