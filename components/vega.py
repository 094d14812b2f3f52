"""Altair charts drawn from the Vega-Lite JSON they compile to, with no schema check per rerun.

Why: `st.altair_chart` calls `chart.to_dict()`, which validates the whole spec against
Vega-Lite's JSON schema with jsonschema on every rerun: 30-50% of a page's rerun at national
scale (measured 2026-12-06: Gaps 305 -> 194 ms, School trends 661 -> 341 ms in AppTest).
Our specs come from a fixed set of builders, so they are validated where a mistake would be
caught, in the tests (tests/pages/test_vega_specs.py validates every chart on every page and
section), and served here as plain JSON (`to_dict(validate=False)`).

The data go as Streamlit sends them for `st.altair_chart`: each frame as Arrow bytes under a
content-hash name in `datasets` (Altair's own inline path converts frames to JSON records
through pandas, which costs more than the check we drop, and caps them at 5,000 rows).
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import altair as alt
import streamlit as st
from streamlit import dataframe_util

from components import vega_arrow
from components.charts import AnyChart

#: Where a compound chart keeps its parts (each may carry its own data).
_PART_LISTS = ("layer", "hconcat", "vconcat", "concat")


def spec(chart: AnyChart) -> dict[str, Any]:
    """The chart's Vega-Lite spec, its data frames as Arrow bytes under `datasets` (the
    chart itself is not changed: exports and stories compile it again)."""
    datasets: dict[str, bytes] = {}
    compiled = _named(chart, datasets).to_dict(validate=False)
    if datasets:
        compiled["datasets"] = {**compiled.get("datasets", {}), **datasets}
    return compiled


def draw(
    chart: AnyChart, *, height: int | Literal["stretch", "content"] = "content", alt_text: str
) -> None:
    """Draw the chart at the page's width (our theme, not Streamlit's), named by `alt_text`."""
    # Rows inline in the spec (charts.values) as Arrow written by polars: Streamlit would
    # convert them through pandas, the largest import on a cold start's way to the first
    # chart (components/vega_arrow.py).
    st.vega_lite_chart(
        spec=vega_arrow.with_arrow_datasets(spec(chart)),
        theme=None,
        width="stretch",
        height=height,
        alt=alt_text,
    )


def _named(chart: Any, datasets: dict[str, bytes]) -> Any:
    """A shallow copy of `chart` (and of its parts) whose data frames are replaced by named
    datasets, their Arrow bytes put in `datasets`."""
    copy = chart.copy(deep=False)
    data = getattr(copy, "data", alt.Undefined)
    if hasattr(data, "columns") and hasattr(data, "shape"):  # a pandas or polars frame
        payload = dataframe_util.convert_anything_to_arrow_bytes(data)
        name = "data-" + hashlib.sha256(payload).hexdigest()[:32]
        datasets[name] = payload
        copy.data = alt.NamedData(name=name)
    for key in _PART_LISTS:
        parts = getattr(copy, key, alt.Undefined)
        if isinstance(parts, list):
            setattr(copy, key, [_named(part, datasets) for part in parts])
    inner = getattr(copy, "spec", alt.Undefined)  # a facet's or repeat's chart
    if isinstance(inner, alt.TopLevelMixin | alt.SchemaBase) and hasattr(inner, "copy"):
        copy.spec = _named(inner, datasets)
    return copy
