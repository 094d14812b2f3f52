"""Every chart a page draws is valid Vega-Lite, checked here because the app no longer checks.

components/vega.py serves specs without a schema check (the check was 30-50% of a rerun),
and components/charts.py turns off Altair's check of each object as it is made. This test
puts the check back where a mistake is caught: it opens every page of app.PAGES, and every
section tab of each, and validates each chart as it is drawn against Vega-Lite's JSON schema
(Altair's own validation, `to_dict()`), and checks that the spec the browser gets is the
validated one.

It is also the oracle for vega.spec's own serialiser and for builders handing Altair polars
frames (charts.chart_data) where they handed it pandas ones: every chart's spec must be the
dict the old route gives (`_altair_route`: the chart, its frames as pandas, copied with its
frames as named datasets, then `to_dict(validate=False)`, as vega.spec did before), the same
keys in the same order, and the same Arrow tables (types and rows); and what an export
compiles (`to_dict()`) must be the same JSON as from the pandas frames.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import altair as alt
import polars as pl
import pyarrow as pa
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema
from streamlit import dataframe_util

from app import PAGES
from components import chart_panel, charts, plain_charts, sections, vega, views
from tests.pages.conftest import chart_specs, run_page

PAGE_PATHS = [path for pages in PAGES.values() for path, _, _ in pages]


def _altair_route(chart: Any) -> dict[str, Any]:
    """The oracle: vega.spec as it was before its own walk (main b6b25e7), through Altair's
    copies and `to_dict(validate=False)`."""
    datasets: dict[str, bytes] = {}
    compiled = _named(chart, datasets).to_dict(validate=False)
    if datasets:
        compiled["datasets"] = {**compiled.get("datasets", {}), **datasets}
    return compiled


def _named(chart: Any, datasets: dict[str, bytes]) -> Any:
    copy = chart.copy(deep=False)
    data = getattr(copy, "data", alt.Undefined)
    if hasattr(data, "columns") and hasattr(data, "shape"):  # a pandas or polars frame
        payload = dataframe_util.convert_anything_to_arrow_bytes(data)
        name = "data-" + hashlib.sha256(payload).hexdigest()[:32]
        datasets[name] = payload
        copy.data = alt.NamedData(name=name)
    for key in ("layer", "hconcat", "vconcat", "concat"):
        parts = getattr(copy, key, alt.Undefined)
        if isinstance(parts, list):
            setattr(copy, key, [_named(part, datasets) for part in parts])
    inner = getattr(copy, "spec", alt.Undefined)  # a facet's or repeat's chart
    if isinstance(inner, alt.TopLevelMixin | alt.SchemaBase) and hasattr(inner, "copy"):
        copy.spec = _named(inner, datasets)
    return copy


def assert_same_as_altairs_route(ours: dict[str, Any], chart: Any) -> None:
    """`ours` is the spec the old route made of `chart` as builders made it then, with
    pandas frames (`_as_pandas`): equal, keys in the same order (json.dumps keeps it), each
    frame's dataset the same rows of the same Arrow types. Only a frame's dataset name may
    differ: it is the hash of its bytes, which polars writes without pandas' metadata."""
    theirs = _altair_route(_as_pandas(chart))
    ours_sets, theirs_sets = ours.get("datasets", {}), theirs.get("datasets", {})
    assert len(ours_sets) == len(theirs_sets)
    renamed = {}
    for (mine, mine_data), (oracle, oracle_data) in zip(
        ours_sets.items(), theirs_sets.items(), strict=True
    ):
        if isinstance(oracle_data, bytes):  # a frame: same table, any content-hash name
            assert isinstance(mine_data, bytes), mine
            mine_table, oracle_table = _table(mine_data), _table(oracle_data)
            assert mine_table.schema.equals(oracle_table.schema, check_metadata=False), (
                mine_table.schema,
                oracle_table.schema,
            )
            assert mine_table.to_pylist() == oracle_table.to_pylist(), mine
            assert mine.startswith("data-") and oracle.startswith("data-")
            renamed[mine] = oracle
        else:  # inline rows: the same rows under the same name
            assert (mine, mine_data) == (oracle, oracle_data)
    text = json.dumps(_no_data(ours))
    for mine, oracle in renamed.items():
        text = text.replace(json.dumps(mine), json.dumps(oracle))
    assert text == json.dumps(_no_data(theirs))
    assert [renamed.get(name, name) for name in ours_sets] == list(theirs_sets)


def _as_pandas(chart: Any) -> Any:
    """A copy of `chart` whose polars frames are `frame.to_pandas()`, shared as the polars
    frames were: the chart as builders made it before they handed Altair polars frames."""
    copies: dict[int, Any] = {}

    def swap(part: Any) -> Any:
        copy = part.copy(deep=False)
        data = getattr(copy, "data", alt.Undefined)
        if isinstance(data, pl.DataFrame):
            copy.data = copies.setdefault(id(data), data.to_pandas())
        for key in ("layer", "hconcat", "vconcat", "concat"):
            parts = getattr(copy, key, alt.Undefined)
            if isinstance(parts, list):
                setattr(copy, key, [swap(p) for p in parts])
        inner = getattr(copy, "spec", alt.Undefined)
        if isinstance(inner, alt.TopLevelMixin):
            copy.spec = swap(inner)
        return copy

    return swap(views.built(chart))


def assert_exported_as_before(chart: Any) -> None:
    """Exports and slides compile the chart with Altair (`to_dict()`, rows inline): the
    same JSON as from the pandas frames builders used to hand Altair (same numbers, same
    dataset names)."""
    real = views.built(chart)
    assert json.dumps(real.to_dict()) == json.dumps(_as_pandas(real).to_dict())


def _no_data(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k != "datasets"}


def _table(payload: bytes) -> pa.Table:
    return pa.ipc.open_stream(payload).read_all()


def checked_spec(chart: Any, unchecked: Any = vega.spec) -> dict[str, Any]:
    """vega.spec, with the chart validated (raising on an invalid one) and the spec checked
    against Altair's route."""
    compiled = unchecked(chart)
    chart.to_dict()  # Altair's own check: raises alt.SchemaValidationError when invalid
    without_data = _no_data(compiled)
    validate_jsonschema(without_data, load_schema())  # what the browser is sent
    assert_same_as_altairs_route(compiled, chart)
    assert_exported_as_before(chart)
    return compiled


def assert_plain_spec_is_vega_spec(
    ours: dict[str, Any], chart: plain_charts.PlainChart
) -> dict[str, Any]:
    """A spec written without Altair (components/plain_charts.py) is, key for key and in
    the same order, what vega.spec gives of its Altair chart as the panel would draw it
    (no title, width fitted); that Altair route is checked as every other chart is."""
    on_page = charts.without(chart.built(), "title", "description")
    theirs = checked_spec(chart_panel.fit_width(on_page))
    assert json.dumps(ours) == json.dumps(theirs)
    return theirs


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Make vega.spec validate each chart (raising on an invalid one) and record it; a
    chart drawn from a spec written without Altair is checked against vega.spec's."""
    drawn: list[dict[str, Any]] = []
    unchecked = vega.spec
    unchecked_plain = plain_charts.PlainChart.page_spec

    def spec(chart: Any) -> dict[str, Any]:
        compiled = checked_spec(chart, unchecked)
        drawn.append(compiled)
        return compiled

    def page_spec(chart: plain_charts.PlainChart) -> dict[str, Any]:
        ours = unchecked_plain(chart)
        drawn.append(assert_plain_spec_is_vega_spec(ours, chart))
        return ours

    monkeypatch.setattr(vega, "spec", spec)
    monkeypatch.setattr(plain_charts.PlainChart, "page_spec", page_spec)
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


def test_altairs_checks_at_construction_are_off_and_a_broken_chart_still_fails_here() -> None:
    """components.charts turns off Altair's check of each object as it is made (a third of
    building a chart); the page test above must still catch an invalid chart."""
    from altair.utils import schemapi

    import components.charts  # noqa: F401  (sets the switch on import)

    assert schemapi.DEBUG_MODE is False
    broken = alt.Chart(
        pl.DataFrame({"x": [1, 2]}),
        mark=alt.MarkDef(type="bar", opacity="opaque"),  # made without complaint
        encoding=alt.FacetedEncoding(x=alt.X("x:Q")),
    )
    vega.spec(broken)  # the app draws what it is given
    with pytest.raises(schemapi.SchemaValidationError, match="opacity"):
        checked_spec(broken)
    fine = alt.Chart(
        pl.DataFrame({"x": [1, 2]}),
        mark=alt.MarkDef(type="bar", opacity=0.5),
        encoding=alt.FacetedEncoding(x=alt.X("x:Q")),
    )
    assert checked_spec(fine)["mark"] == {"type": "bar", "opacity": 0.5}


def test_the_oracle_tells_a_different_spec() -> None:
    chart = alt.Chart(pl.DataFrame({"x": [1, 2]}), mark="bar").encode(x="x:Q")
    compiled = vega.spec(chart)
    assert_same_as_altairs_route(compiled, chart)
    with pytest.raises(AssertionError):
        assert_same_as_altairs_route({**compiled, "mark": {"type": "line"}}, chart)
    reordered = {k: compiled[k] for k in reversed(list(compiled))}
    with pytest.raises(AssertionError):
        assert_same_as_altairs_route(reordered, chart)
    (name,) = compiled["datasets"]
    other = vega.spec(alt.Chart(pl.DataFrame({"x": [1.0, 2.0]}), mark="bar").encode(x="x:Q"))
    swapped = {**compiled, "datasets": {name: next(iter(other["datasets"].values()))}}
    with pytest.raises(AssertionError):
        assert_same_as_altairs_route(swapped, chart)
    # A frame builders must hand Altair through charts.chart_data: a count with a
    # suppressed cell went to the browser as float64 (pandas), never int64.
    counts = pl.DataFrame({"x": [1, None, 3]})
    raw = alt.Chart(counts, mark="bar").encode(x="x:Q")
    with pytest.raises(AssertionError):
        assert_same_as_altairs_route(vega.spec(raw), raw)
    typed = alt.Chart(charts.chart_data(counts), mark="bar").encode(x="x:Q")
    assert_same_as_altairs_route(vega.spec(typed), typed)
    assert_exported_as_before(typed)


def test_presentation_slides_are_checked_too(checked: list[dict[str, Any]]) -> None:
    """A slide's chart carries the presentation type as its own config (views.present):
    valid, and the same as Altair's route makes of it, like every chart on a page."""
    from equity.story import Story, encode

    filters = {"phase": "secondary", "group": "disadvantaged", "year": "2018/19"}
    story = (
        Story("Checked")
        .add({"v": "overview-ks4_attainment8", "la": "352", **filters})
        .add({"v": "overview-ks4_progress8", "la": "GM", **filters})
    )
    app = run_page(page="pages/story.py", params={"story": encode(story)})
    app.button(key="story-present").click().run()
    app.button(key="story-next").click().run()
    assert not app.exception
    from components.theme import PRESENTATION_FONT

    large = [s for s in checked if s["config"]["axis"]["labelFontSize"] == PRESENTATION_FONT]
    assert len(large) >= 2, [spec["config"]["axis"] for spec in checked]


@pytest.mark.parametrize("consolidate", [True, False])
def test_the_walk_follows_altair_with_inline_rows_kept_or_moved(
    consolidate: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Altair moves inline rows to the top-level datasets unless told not to; the walk
    does what Altair does either way, for frames, inline rows and named data alike."""
    monkeypatch.setattr(alt.data_transformers, "consolidate_datasets", consolidate)
    frame = charts.chart_data(pl.DataFrame({"x": [1.0, None], "n": [1, None]}))
    point = alt.Chart(frame, mark="point").encode(x="x:Q")
    made = [
        point,
        alt.LayerChart(layer=[point, point.mark_line()]),
        alt.Chart(charts.values(pl.DataFrame({"x": [1]})), mark="bar").encode(x="x:Q"),
        alt.Chart(alt.InlineData(values=[{"x": 2}]), mark="bar").encode(x="x:Q"),
        alt.Chart(alt.NamedData(name="elsewhere"), mark="bar").encode(x="x:Q"),
        alt.Chart(mark="rule").encode(x=alt.XDatum(0)),  # no data: Altair's empty row
    ]
    for chart in made:
        assert_same_as_altairs_route(vega.spec(chart), chart)
