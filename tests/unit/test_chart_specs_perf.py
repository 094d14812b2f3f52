"""The Gaps and Similar charts draw the same Vega-Lite, to the byte, after the speed-ups.

Their builders now write marks, scales, axes, legends and filters as plain Vega-Lite JSON
(`charts.mark`, dict literals) instead of alt.MarkDef, alt.Scale, alt.Axis, alt.Legend,
alt.FilterTransform and alt.Resolve objects, which Altair deep-copies at every layer copy.
SPEC_SHA256 holds, for each hand-made case below, the SHA-256 of `json.dumps(chart.to_dict())`
as the builders wrote it *before* that change (theme "none", without the "$schema" URL,
which are not the builders' own): `json.dumps` keeps key order, so equal digests mean the
same string reaches st.altair_chart and vl-convert. On a mismatch the test prints the spec.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import altair as alt
import polars as pl
import pytest

from components import charts
from components.gaps import ranking, schools, two_ways
from components.similar import odds, outcomes

MEASURE = "ks4_attainment8"


def _dumbbell(england: float | None) -> charts.AnyChart:
    wide = pl.DataFrame(
        {
            "area": ["Manchester", "GM (mean of 10 LAs)", "England"],
            "disadvantaged": [37.6, 38.9, 36.7],
            "other": [48.9, 50.1, 50.3],
        }
    )
    long = wide.unpivot(
        index=["area"], on=["disadvantaged", "other"], variable_name="group", value_name="value"
    ).with_columns(
        pl.col("group")
        .replace_strict({"disadvantaged": "Disadvantaged pupils", "other": "Other pupils"})
        .alias("pupils")
    )
    return two_ways._dumbbell(long, wide, wide["area"].to_list(), MEASURE, england)


def _ranking(selected: bool, with_refs: bool) -> charts.AnyChart:
    drawn = pl.DataFrame(
        {
            "rank": [1, 2, 3, 4, 5],
            "area": ["Oldham", "Bolton", "Surrey", "Hampshire", "Wigan"],
            "role": ["selected" if selected else "gm_la", "gm_la", "other_la", "other_la", "gm_la"],
            "value": [15.234, 14.1, 12.0, 11.55, -0.5],
        }
    )
    refs = pl.DataFrame(
        {
            "area": ["GM (mean of 10 LAs)", "England", "North West"],
            "role": ["gm_mean", "england", "region"],
            "value": [13.21, 12.7, 13.0],
        }
    )
    return ranking._ranked_chart(
        drawn,
        refs if with_refs else refs.head(0),
        "Attainment 8, gap to other pupils nationally: 5 LAs, 2018/19",
        "Gap (points)",
    )


def _schools(national: float | None) -> charts.AnyChart:
    small, large = "Fewer than 10 disadvantaged pupils", "10 or more disadvantaged pupils"
    drawn = pl.DataFrame(
        {
            "school": ["Alpha School", "Beta Academy", "Gamma High"],
            "urn": ["100001", "100002", "100003"],
            "disadvantaged": [35.5, 41.25, 28.0],
            "disadvantaged_pupils": [40, 8, 25],
            "other": [49.0, 45.5, 52.75],
            "other_pupils": [120, 90, 150],
            "gap_within": [13.5, 4.25, 24.75],
            "cohort": [large, small, large],
        }
    )
    title = "Attainment 8: disadvantaged and other pupils in each school, 2018/19"
    return schools._scatter(drawn, title, "Attainment 8", national)


def _family_dots() -> charts.AnyChart:
    frame = pl.DataFrame(
        {
            "school": ["Alpha School", "Beta Academy", "Alpha School", "Beta Academy"],
            "pupils": ["Disadvantaged pupils"] * 2 + ["Other (non-disadvantaged) pupils"] * 2,
            "value": [35.5, 41.3, 49.0, 45.5],
            "role": ["This school", "Family school", "This school", "Family school"],
        }
    )
    return outcomes._dot_chart(
        frame,
        "Attainment 8 by disadvantage: Alpha School in its family, 2018/19",
        "Attainment 8 by disadvantage",
    )


def _odds() -> charts.AnyChart:
    frame = pl.DataFrame(
        {
            "school": ["Beta Academy", "Alpha School (this school)", "Gamma High"],
            "result": [45.1, 38.2, 30.0],
            "expected": [40.05, 37.5, 34.25],
            "residual": [5.05, 0.7, -4.25],
            "lower": [1.2, -3.1, -8.5],
            "upper": [8.9, 4.5, -0.05],
            "cohort": [30, 25, 40],
            "verdict": ["Above expectation", "Within the band", "Below expectation"],
        }
    )
    title = "Disadvantaged pupils' Attainment 8: result against expectation"
    return odds._odds_chart(frame, title, "points")


CASES: dict[str, Callable[[], charts.AnyChart]] = {
    "dumbbell_with_england": lambda: _dumbbell(50.3),
    "dumbbell_without_england": lambda: _dumbbell(None),
    "ranking_selected_la": lambda: _ranking(selected=True, with_refs=True),
    "ranking_gm": lambda: _ranking(selected=False, with_refs=True),
    "ranking_no_references": lambda: _ranking(selected=True, with_refs=False),
    "schools_with_england": lambda: _schools(50.3),
    "schools_without_england": lambda: _schools(None),
    "family_dots": _family_dots,
    "odds": _odds,
}
#: json.dumps(spec) digests written by the builders before the change (see the docstring).
SPEC_SHA256 = {
    "dumbbell_with_england": "56d5f1ef481f880a8156469fae078ab547dfaa3206a974cb017d1d95526b75fb",
    "dumbbell_without_england": "c90df70f2c6b951ffa0ad36aec7d54e57b806ec6061e00999a3e2247cf1c6aa4",
    "ranking_selected_la": "568f938581d2947b1279c5125e8896ad792db389bc4cb0976a953991e065a143",
    "ranking_gm": "080e9a79c1065414b5e1a1356e84c9908af9f5e45a1d8f9194537a96a4c42783",
    "ranking_no_references": "4033eca85e5dc61f36d634d1ef9a36daf885392b0170f5cd123032f20acb8039",
    "schools_with_england": "5d2641ebe440a3ec32e020b7cbb4039436fe105e494498a82f65da4994437684",
    "schools_without_england": "304e61d6b267da6b88423f525eba2647ee0f686f315b56ec535cc1dee825b127",
    "family_dots": "8717010bb7ec535b6efe053adeec0c0f68c3712bb4e6a4194ad66a730f0e523b",
    "odds": "715761b70c51e458f26997865fec93f58d5da46dee2225bb7d034eadc6a1c6b6",
}


def _spec_text(chart: charts.AnyChart) -> str:
    with alt.theme.enable("none"):
        spec = chart.to_dict()
    spec.pop("$schema")
    return json.dumps(spec)


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_chart_is_the_same_spec_as_before_to_the_byte(case: str) -> None:
    text = _spec_text(CASES[case]())
    assert hashlib.sha256(text.encode()).hexdigest() == SPEC_SHA256[case], text


@pytest.mark.parametrize(
    ("mark_type", "properties"),
    [
        ("bar", {}),
        ("point", {"filled": True, "size": 160, "opacity": 1}),
        ("text", {"angle": 270, "align": "left", "baseline": "middle", "dx": 88, "color": "#000"}),
        ("rule", {"strokeWidth": 2.5, "strokeDash": [8, 3, 2, 3], "color": "#0B0C0C"}),
        ("point", {"shape": "square", "size": 420, "filled": False, "strokeWidth": 2.5}),
    ],
)
def test_mark_is_the_json_alt_markdef_writes_in_the_same_key_order(
    mark_type: str, properties: dict[str, Any]
) -> None:
    typed = alt.Chart(mark=alt.MarkDef(type=mark_type, **properties)).to_dict()["mark"]
    plain = alt.Chart(mark=charts.mark(mark_type, **properties)).to_dict()["mark"]
    assert json.dumps(plain) == json.dumps(typed)


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        (alt.Scale(domain=[0.0, 1.5], nice=True), {"domain": [0.0, 1.5], "nice": True}),
        (
            alt.Scale(domain=["a", "b"], range=["#111", "#222"]),
            {"domain": ["a", "b"], "range": ["#111", "#222"]},
        ),
        (alt.Scale(zero=False), {"zero": False}),
        (
            alt.Legend(orient="bottom", symbolType="stroke"),
            {"orient": "bottom", "symbolType": "stroke"},
        ),
        (alt.Axis(labels=False, ticks=False), {"labels": False, "ticks": False}),
        (alt.FilterTransform(filter="datum.slot == 0"), {"filter": "datum.slot == 0"}),
        (
            alt.Resolve(scale=alt.ScaleResolveMap(color="independent")),
            {"scale": {"color": "independent"}},
        ),
    ],
)
def test_plain_parts_are_the_json_of_the_altair_objects_they_replace(
    typed: alt.SchemaBase, plain: dict[str, Any]
) -> None:
    assert json.dumps(typed.to_dict()) == json.dumps(plain)


def test_a_sort_tuple_is_written_as_the_list_it_replaces() -> None:
    names = ["Oldham", "Bolton", "Surrey"]
    as_list = alt.Chart(mark="bar", encoding=alt.FacetedEncoding(x=alt.X("area:N", sort=names)))
    as_tuple = alt.Chart(
        mark="bar", encoding=alt.FacetedEncoding(x=alt.X("area:N", sort=tuple(names)))
    )
    assert json.dumps(as_tuple.to_dict()) == json.dumps(as_list.to_dict())
