"""Chart builders: one finishing step, accessible SVG, value labels beside negative bars."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import altair as alt
import polars as pl
import pytest

from components import charts
from components.chart_panel import accessible_name, on_page
from components.chart_view import ChartView
from components.theme import GROUP_COLOURS, TEXT
from components.trend_chart import trend_chart
from equity import images

SVG = "{http://www.w3.org/2000/svg}"
#: Progress 8 for two areas: Manchester's disadvantaged pupils well below zero.
P8 = pl.DataFrame(
    {
        "area": ["Manchester", "Manchester", "England", "England"],
        "group": ["disadvantaged", "other", "disadvantaged", "other"],
        "value": [-0.62, 0.05, -0.45, 0.13],
    }
)


def _p8_chart() -> charts.AnyChart:
    return charts.group_bars(
        P8, title="Progress 8", value_title="Progress 8 score", area_order=["Manchester", "England"]
    )


def _layers(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {layer["mark"]["type"]: layer for layer in spec["layer"]}


def test_finish_sets_the_title_and_leaves_the_look_to_the_theme() -> None:
    base = alt.Chart(pl.DataFrame({"x": [1.0]}).to_pandas()).mark_point().encode(x="x:Q")
    chart = charts.finish(base, "A title")
    assert chart.title == "A title"
    assert chart.config is alt.Undefined  # no configure_* chain: the registered theme
    spec = chart.to_dict()
    assert spec["config"]["axis"]["labelColor"] == TEXT
    assert spec["config"]["mark"] == {"aria": False}
    # No description unless asked for: in the app st.altair_chart's `alt` names the chart,
    # and Streamlit warns when a spec description competes with it.
    assert "description" not in spec
    named = charts.finish(base, "A title", description="A title. Something happened.")
    assert named.to_dict()["description"] == "A title. Something happened."


def test_with_properties_is_properties_without_touching_the_chart() -> None:
    chart = _p8_chart()
    before = chart.to_dict()
    quick = charts.with_properties(chart, height=99, title="Other")
    assert quick.to_dict() == chart.properties(height=99, title="Other").to_dict()
    assert chart.to_dict() == before  # the original keeps its title and height
    assert charts.without(quick, "title").to_dict().get("title") is None


def test_group_bars_data_sit_once_on_the_layer_group_as_altair_would_write_them() -> None:
    spec = _p8_chart().to_dict()
    assert all("data" not in layer for layer in spec["layer"])
    (name,) = spec["datasets"]
    assert spec["data"] == {"name": name}
    # the same rows (and dataset name) as Altair makes of the pandas frame
    legacy = alt.Chart(
        P8.with_columns(
            pl.col("group").replace_strict(charts.PUPIL_GROUP_LABELS).alias("pupils")
        ).to_pandas(),
        mark="bar",
    ).to_dict()
    assert legacy["datasets"] == spec["datasets"]


def test_presentation_type_overrides_the_theme_on_the_chart_itself() -> None:
    config = charts.group_bars(
        P8, title="P8", value_title="P8", area_order=["Manchester", "England"], presentation=True
    ).to_dict()["config"]
    assert config["axis"]["labelFontSize"] == 22
    assert config["legend"]["labelFontSize"] == 22
    assert config["title"]["fontSize"] == 26
    # Colours and the hidden marks still come from the theme underneath.
    assert config["legend"]["labelColor"] == TEXT
    assert config["mark"] == {"aria": False}


def test_negative_values_are_labelled_outside_the_bar_on_the_left() -> None:
    spec = _p8_chart().to_dict()
    layers = _layers(spec)
    text = layers["text"]["mark"]
    # align and dx are Vega expressions of the row's value: left of a negative bar's end,
    # right of a positive one, with a LABEL_GAP px gap.
    assert text["align"] == {"expr": "datum.value < 0 ? 'right' : 'left'"}
    assert text["dx"] == {"expr": f"datum.value < 0 ? -{charts.LABEL_GAP} : {charts.LABEL_GAP}"}
    assert layers["text"]["encoding"]["color"] == {"value": TEXT}  # on the background
    # Room for the labels: values run from -0.62 to 0.13, a range of 0.75; 15% of it is
    # 0.1125 beyond each end: [-0.7325, 0.2425].
    domain = layers["bar"]["encoding"]["x"]["scale"]["domain"]
    assert domain == pytest.approx([-0.7325, 0.2425])
    # Bars grow from a zero line.
    rule = layers["rule"]
    assert rule["encoding"]["x"] == {"datum": 0}
    assert rule["mark"]["color"] == TEXT


def test_all_positive_bars_keep_zero_at_the_left_edge_and_draw_no_zero_rule() -> None:
    frame = P8.with_columns(pl.col("value").abs() * 60)  # e.g. Attainment 8 scores
    spec = charts.group_bars(
        frame, title="A8", value_title="A8", area_order=["Manchester", "England"]
    ).to_dict()
    layers = _layers(spec)
    assert "rule" not in layers
    # 0 to 37.2 (0.62 * 60), plus 15% of 37.2 = 5.58: [0, 42.78].
    assert layers["bar"]["encoding"]["x"]["scale"]["domain"] == pytest.approx([0.0, 42.78])


def _translate_x(node: ET.Element) -> float:
    found = re.search(r"translate\(([-\d.e]+),", node.get("transform", ""))
    assert found, node.attrib
    return float(found.group(1))


def test_rendered_labels_sit_beyond_each_bar_end_and_inside_the_plot() -> None:
    """Drawn with vl-convert at a fixed 400 px plot width: each value label starts (or, for
    a negative bar, ends) 4 px beyond its bar and fits between the plot's edges."""
    svg = images.chart_svg(images.sized(_p8_chart().to_dict(), 400))
    root = ET.fromstring(svg)
    groups = {g.get("class", ""): g for g in root.iter(f"{SVG}g")}
    bars = next(g for c, g in groups.items() if c.startswith("mark-rect role-mark"))
    labels = next(g for c, g in groups.items() if c.startswith("mark-text role-mark"))
    ends = []
    for path in bars.iter(f"{SVG}path"):
        rect = re.match(r"M([-\d.e]+),[-\d.e]+h([-\d.e]+)", path.get("d", ""))
        assert rect, path.attrib
        x, width = float(rect.group(1)), float(rect.group(2))
        ends.append((x, x + width, path.get("fill")))
    texts = list(labels.iter(f"{SVG}text"))
    assert len(ends) == len(texts) == 4
    font = 14
    for (left, right, fill), label in zip(ends, texts, strict=True):
        value = float((label.text or "").replace("\u2212", "-"))
        x = _translate_x(label)
        width = 0.6 * font * len(label.text or "")  # generous glyph width estimate
        assert label.get("fill") == TEXT and fill in GROUP_COLOURS.values()
        if value < 0:
            assert label.get("text-anchor") == "end"
            assert x == pytest.approx(left - charts.LABEL_GAP)
            assert x - width >= 0, f"{label.text} runs into the axis labels"
        else:
            assert label.get("text-anchor") == "start"
            assert x == pytest.approx(right + charts.LABEL_GAP)
            assert x + width <= 400, f"{label.text} runs off the plot"


def _unnamed_graphics(svg: str) -> list[str]:
    """What axe's svg-img-alt reports: elements with an img, graphics-document or
    graphics-symbol role and no accessible text, unless hidden from assistive technology."""
    root = ET.fromstring(svg)
    problems = []

    def walk(node: ET.Element, hidden: bool) -> None:
        hidden = hidden or node.get("aria-hidden") == "true"
        role = node.get("role", "")
        named = bool((node.get("aria-label") or "").strip()) or node.find(f"{SVG}title") is not None
        if not hidden and role in {"img", "graphics-document", "graphics-symbol"} and not named:
            problems.append(f"{node.tag} {node.get('class')} {role}")
        for child in node:
            walk(child, hidden)

    walk(root, hidden=False)
    return problems


def test_no_mark_is_an_unnamed_graphic_even_when_a_layer_is_empty() -> None:
    # A trend over years with a flagged year (2019/20 is centre-assessed) but no year
    # without results: the "no data" shading layer is empty, the case axe reported.
    frame = pl.DataFrame(
        {
            "academic_year": ["2017/18", "2018/19", "2019/20", "2020/21"],
            "series": ["Manchester"] * 4,
            "value": [36.0, 37.6, 41.0, 42.1],
        }
    )
    chart = trend_chart(
        frame,
        title="Attainment 8",
        value_title="Attainment 8",
        key_stage="ks4",
        measure="ks4_attainment8",
        colours={"Manchester": GROUP_COLOURS["disadvantaged"]},
        zero_line=True,
    )
    for spec in (chart.to_dict(), _p8_chart().to_dict()):
        assert _unnamed_graphics(images.chart_svg(spec)) == []
    # Without the theme's `aria: false` on marks the same check finds unnamed groups (so it
    # tests something): the empty shading and measure-change layers.
    bare = chart.to_dict()
    bare["config"] = {k: v for k, v in bare["config"].items() if k != "mark"}
    assert _unnamed_graphics(images.chart_svg(bare))


def test_the_page_draws_the_chart_without_its_title_but_keeps_it_for_exports() -> None:
    chart = charts.finish(_p8_chart(), "Progress 8", description="Progress 8 by group")
    view = ChartView(
        view_id="overview-ks4_progress8",
        title="Progress 8",
        takeaway="Disadvantaged pupils in Manchester scored -0.62.",
        source="DfE.",
        chart=chart,
        table=P8,
        file_stem="p8",
    )
    drawn = on_page(view).to_dict()
    assert "title" not in drawn  # the panel's heading is the title
    assert "description" not in drawn  # the panel passes the name as `alt`
    assert accessible_name(view) == "Progress 8. Disadvantaged pupils in Manchester scored -0.62."
    assert drawn["layer"] == chart.to_dict()["layer"]  # the same chart otherwise
    # The view's own chart (image exports, story slides) is untouched.
    assert view.chart.title == "Progress 8"
    assert view.chart.description == "Progress 8 by group"


def _layered_cases() -> list[tuple[str, Any, list[Any], dict[str, Any]]]:
    shared = pl.DataFrame({"x": [1.0, 2.0]})
    other = pl.DataFrame({"x": [3.0]})
    rows = charts.values(shared)
    cases: list[tuple[str, Any, list[Any], dict[str, Any]]] = []
    for top_name, top in (("none", alt.Undefined), ("shared", shared), ("rows", rows)):
        for layer_name, datas in (
            ("none", [alt.Undefined, alt.Undefined]),
            ("one shared", [shared, shared]),
            ("shared and other", [shared, other]),
            ("shared and none", [shared, alt.Undefined]),
        ):
            for extra_name, extra in (
                ("", {}),
                ("height", {"height": 90}),
                ("params", {"params": [alt.VariableParameter(name="p", value=1)]}),
            ):
                cases.append((f"{top_name}/{layer_name}/{extra_name}", top, datas, extra))
    return cases


@pytest.mark.parametrize(("case", "top", "datas", "extra"), _layered_cases())
def test_layered_is_the_chart_layerchart_makes(
    case: str, top: Any, datas: list[Any], extra: dict[str, Any]
) -> None:
    """charts.layered skips alt.LayerChart's copies only where they change nothing: the
    same properties in the same order, the same spec (vega.spec and Altair's to_dict)."""
    from components import vega

    def layers(with_height: bool) -> list[Any]:
        made = [
            alt.Chart(data, mark=charts.mark("point"), encoding=alt.FacetedEncoding(x=alt.X("x:Q")))
            for data in datas
        ]
        if with_height:
            made[0] = made[0].properties(height=50)  # a layer's height goes to the top
        return made

    for with_height in (False, True):
        properties = {"data": top, **extra} if top is not alt.Undefined else dict(extra)
        if with_height and "height" in extra:  # 50 on a layer, 90 on the top: refused
            for make in (charts.layered, alt.LayerChart):
                with pytest.raises(ValueError, match="inconsistent values"):
                    make(layer=layers(with_height), **properties)
            continue
        ours = charts.layered(layer=layers(with_height), **properties)
        theirs = alt.LayerChart(layer=layers(with_height), **properties)
        assert type(ours) is alt.LayerChart
        assert list(ours._kwds) == list(theirs._kwds), case
        assert ours == theirs, case
        assert json.dumps(vega.spec(ours), default=str) == json.dumps(
            vega.spec(theirs), default=str
        )
        assert json.dumps(ours.to_dict()) == json.dumps(theirs.to_dict())
