"""components/plain_charts.py writes the Overview's chart as the JSON Altair compiles it to.

The oracle is the route every other chart takes: charts.group_bars, drawn as the panel
draws it (chart_panel.on_page, fit_width), through vega.spec. The specs must be the same
dict with keys in the same order (json.dumps keeps it); tests/pages/test_vega_specs.py
checks the same on every Overview chart the pages draw.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from altair.vegalite.v6.schema import SCHEMA_URL
from hypothesis import given, settings
from hypothesis import strategies as st

from components import chart_panel, charts, plain_charts, vega, views


def _altair_route(frame: pl.DataFrame, **kwargs: Any) -> dict[str, Any]:
    chart = charts.group_bars(frame, title="A title", **kwargs)
    return vega.spec(chart_panel.fit_width(charts.without(chart, "title", "description")))


def _same(frame: pl.DataFrame, **kwargs: Any) -> None:
    ours = plain_charts.group_bars_page_spec(frame, **kwargs)
    assert json.dumps(ours) == json.dumps(_altair_route(frame, **kwargs))


def _frame(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["area", "group", "value"], orient="row")


def test_constants_are_altairs_and_the_builders() -> None:
    assert plain_charts.SCHEMA_URL == SCHEMA_URL
    assert plain_charts.LABEL_SIZE == charts.LABEL_SIZE
    assert plain_charts.LABEL_GAP == charts.LABEL_GAP
    assert plain_charts.LABEL_ROOM == charts.LABEL_ROOM
    assert plain_charts.SCREEN_BAR == charts.SCREEN_BAR


def test_positive_values_two_groups() -> None:
    frame = _frame(
        [
            ("Bolton", "disadvantaged", 36.6),
            ("Bolton", "other", 50.2),
            ("England", "disadvantaged", 34.9),
            ("England", "other", 50.5),
        ]
    )
    _same(frame, value_title="KS4 Attainment 8 score", area_order=["Bolton", "England"])
    spec = plain_charts.group_bars_page_spec(
        frame, value_title="V", area_order=["Bolton", "England"]
    )
    # Hand-checked: room beyond the longest bar is 15% of the range 0..50.5.
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == [0.0, 50.5 + 0.15 * 50.5]
    assert spec["height"] == max(160, 2 * 23 * 2)
    assert len(spec["layer"]) == 2  # no zero rule without negative bars


def test_negative_values_get_the_zero_rule_and_left_room() -> None:
    frame = _frame([("A", "disadvantaged", -0.5), ("A", "other", 0.2), ("B", "other", -0.71)])
    _same(frame, value_title="Progress 8", area_order=["A", "B", "C"], decimals=2)
    spec = plain_charts.group_bars_page_spec(frame, value_title="P", area_order=["A", "B"])
    assert spec["layer"][2]["mark"]["type"] == "rule"
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"][0] < -0.71


def test_one_group_all_zero_and_no_rows() -> None:
    _same(_frame([("A", "other", 1.0)]), value_title="V", area_order=["A"])
    _same(_frame([("A", "all", 0.0), ("B", "all", 0.0)]), value_title="V", area_order=["A"])
    empty = pl.DataFrame(schema={"area": pl.String, "group": pl.String, "value": pl.Float64})
    _same(empty, value_title="V", area_order=[])


_rows = st.lists(
    st.tuples(
        st.sampled_from(["Bolton", "Bury", "England", "GM (mean of 10 LAs)", "North West"]),
        st.sampled_from(["disadvantaged", "other"]),
        st.floats(min_value=-5, max_value=100, allow_nan=False).map(lambda v: round(v, 2)),
    ),
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(rows=_rows, decimals=st.integers(0, 2))
def test_any_frame_gives_altairs_spec(rows: list[tuple[str, str, float]], decimals: int) -> None:
    frame = _frame(rows) if rows else _frame([("England", "other", 1.0)])
    order = sorted(set(frame["area"].to_list()))
    _same(frame, value_title="Score", area_order=order, decimals=decimals)


def test_the_chart_is_the_altair_builders_when_built_and_not_before() -> None:
    frame = _frame([("A", "disadvantaged", 3.0), ("A", "other", 4.0)])
    kwargs: dict[str, Any] = {"title": "T", "value_title": "V", "area_order": ["A"]}
    chart = plain_charts.group_bars(frame, **kwargs)
    assert isinstance(chart, plain_charts.PlainChart)
    assert chart._chart is None  # the page draws page_spec(): no Altair chart made
    chart.page_spec()
    assert chart._chart is None
    assert json.dumps(views.built(chart).to_dict()) == json.dumps(
        charts.group_bars(frame, **kwargs).to_dict()
    )
