"""Every chart a page draws is valid Vega-Lite, checked here because the app no longer checks.

components/vega.py serves specs built with `to_dict(validate=False)` (the schema check was
30-50% of a rerun). This test puts the check back where a mistake is caught: it opens every
page of app.PAGES, and every section tab of each, and validates each chart as it is drawn
against Vega-Lite's JSON schema (Altair's own validation, `to_dict()`), and checks that the
spec the browser gets is the validated one.
"""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import polars as pl
import pyarrow as pa
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from app import PAGES
from components import sections, vega
from tests.pages.conftest import chart_specs, run_page

PAGE_PATHS = [path for pages in PAGES.values() for path, _, _ in pages]


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Make vega.spec validate each chart (raising on an invalid one) and record it."""
    drawn: list[dict[str, Any]] = []
    unchecked = vega.spec

    def spec(chart: Any) -> dict[str, Any]:
        compiled = unchecked(chart)
        chart.to_dict()  # Altair's own check: raises alt.SchemaValidationError when invalid
        without_data = {k: v for k, v in compiled.items() if k != "datasets"}
        validate_jsonschema(without_data, load_schema())  # what the browser is sent
        drawn.append(compiled)
        return compiled

    monkeypatch.setattr(vega, "spec", spec)
    return drawn


@pytest.mark.parametrize("page", PAGE_PATHS)
def test_every_chart_on_every_section_is_valid_vega_lite(
    page: str, checked: list[dict[str, Any]]
) -> None:
    app = run_page(page)
    labels = [tab.label for tab in app.tabs]
    for label in labels[1:]:
        run_page(page, {sections.SECTION_PARAM: label})
    sent = chart_specs(app)
    if page.endswith(("gaps.py", "concentration.py", "trends.py", "similar.py", "overview.py")):
        assert checked, f"{page} drew no chart"
    for spec in sent:
        assert "$schema" in spec and "rows" in spec
    # What the browser got is one of the validated specs (Streamlit moves the data to Arrow).
    ours = {_drawing(spec) for spec in checked}
    assert all(_drawing(spec) in ours for spec in sent)


def _drawing(spec: dict[str, Any]) -> str:
    """The parts of a spec that say what is drawn, as text to compare."""
    parts = {k: spec.get(k) for k in ("mark", "layer", "encoding", "hconcat", "vconcat")}
    return json.dumps(parts, sort_keys=True)


def test_a_chart_over_altairs_inline_row_limit_keeps_every_row() -> None:
    """Altair's inline path refuses frames over 5,000 rows; vega.spec sends them as Arrow,
    every row, under one name per distinct frame, and leaves the chart itself unchanged."""
    frame = pl.DataFrame({"x": range(5_001), "y": range(5_001)})
    chart = alt.Chart(frame).mark_point().encode(x="x:Q", y="y:Q")
    layered = chart + chart.mark_line()
    compiled = vega.spec(layered)
    (payload,) = compiled["datasets"].values()
    assert pa.ipc.open_stream(payload).read_all().num_rows == 5_001
    parts = [compiled, *compiled["layer"]]
    names = {part["data"]["name"] for part in parts if "data" in part}
    assert names == set(compiled["datasets"])
    assert any(d is frame for d in (layered.data, layered.layer[0].data))  # chart unchanged
