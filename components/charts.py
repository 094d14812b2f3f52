"""Altair chart builders, one per chart kind. Each takes a small, tidy, aggregated frame.

Specs are kept free of Streamlit so the same chart renders in the app, in presentation
mode and in exports (vl-convert) with identical encodings. Every builder, here and in
other modules, ends with `finish`; the look comes from the theme components.theme
defines, which importing this module registers and enables.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar, cast

import altair as alt
import polars as pl
from altair.utils import schemapi
from altair.vegalite.v6 import api as alt_api
from altair.vegalite.v6.schema import core as alt_core

from components import vega_arrow
from components.theme import (
    BASE_FONT,
    GROUP_COLOURS,
    ROLE_COLOURS,
    TEXT,
    THEME,
    theme_config,
    vega_config,
)
from equity.schema import PUPIL_GROUP_LABELS

# No schema check of each Altair object as it is made (Altair's default checks every axis,
# scale and channel against Vega-Lite's JSON schema at __init__: a third of building a
# chart). Every chart is still checked whole, where a mistake is caught: the tests validate
# every chart on every page and section (tests/pages/test_vega_specs.py), and an export's
# `to_dict()` validates its chart. Set here, where the builders' module is first imported.
schemapi.DEBUG_MODE = False


@alt.theme.register(THEME, enable=True)
def _equity_theme() -> alt.theme.ThemeConfig:
    """The theme (components/theme.py), registered where the builders are: every chart is
    made here, and components.theme itself stays free of Altair."""
    return cast("alt.theme.ThemeConfig", theme_config())


#: Every chart type `st.altair_chart` and vl-convert accept.
AnyChart = (
    alt.Chart
    | alt.LayerChart
    | alt.HConcatChart
    | alt.VConcatChart
    | alt.ConcatChart
    | alt.FacetChart
    | alt.RepeatChart
)

C = TypeVar("C", bound=AnyChart)

LABEL_GAP = 4  # px between a bar's end and its value label
LABEL_ROOM = 0.15  # share of the value range kept free beyond the longest bar, for its label
#: Config parts presentation type enlarges (views.present does the same for a finished chart).
PRESENTATION_PARTS = ("title", "axis", "legend", "header", "text")


def finish(
    chart: AnyChart, title: str, presentation: bool = False, *, description: str | None = None
) -> AnyChart:
    """The one way a chart is completed: its title, and its look from the registered theme
    (components.theme), with the large type as the chart's own config when `presentation`.

    The chart's accessible name in the app is the `alt` of st.altair_chart ("title.
    takeaway", chart_panel.render): Streamlit 1.67 shows it as the chart's aria-label, lets
    it override a spec `description` and logs a warning when both are set. So a
    `description` (the same name in the Vega-Lite spec) is only set when given, for a chart
    drawn without `alt`. Marks are hidden from assistive technology by the theme (axe's
    svg-img-alt): the name, the takeaway and the data table describe the chart.
    """
    finished = with_properties(chart, title=title)
    if description:
        finished = with_properties(finished, description=description)
    if presentation:
        large = vega_config(presentation=True)
        finished = finished.configure(**{part: large[part] for part in PRESENTATION_PARTS})
    return finished


#: Set on a layer whose JSON the walk may keep (`keep_compiled`); the JSON kept, with the
#: frames it names.
KEEP_COMPILED: Final = "_equity_keep_compiled"
COMPILED: Final = "_equity_compiled"


def keep_compiled(layer: Any) -> Any:
    """Let components/vega.py's walk keep `layer`'s JSON on it and reuse it in every spec
    the layer is in: for layers made once and shared by many charts, never changed
    (trend_chart's break, flag and no-data layers: some 0.5-1 ms of every trend chart's
    walk). Returns `layer`."""
    object.__setattr__(layer, KEEP_COMPILED, True)
    return layer


#: Layer properties alt.LayerChart moves to the layered chart (api._remove_layer_props).
_LAYER_PROPS = ("height", "width", "view")


def layered(layer: list[Any], **properties: Any) -> alt.LayerChart:
    """`alt.LayerChart(layer=layer, **properties)`, without the constructor's copies where
    they change nothing.

    Why: the constructor deep-copies every layer twice (to de-duplicate and to lift their
    selection parameters), a few ms a chart on every rerun. It changes the chart only when
    a layer has parameters, a height, width or view, layers of its own, or the data the
    layered chart (or every other layer) has; otherwise this makes the same object (same
    properties in the same order, the layers themselves rather than copies: nothing changes
    a finished chart's layers, `with_properties` copies only the top level). Anything else
    goes through the constructor.
    """
    data = properties.get("data", alt.Undefined)
    params = properties.get("params", alt.Undefined)
    datas = [part._get("data") for part in layer]
    if data is alt.Undefined:  # the layers' one shared frame would be lifted
        lifted = bool(datas) and datas[0] is not alt.Undefined
        lifted = lifted and all(d is datas[0] for d in datas)
    else:  # the layered chart's own frame would be taken off the layers
        lifted = all(d is alt.Undefined or d is data for d in datas)
        lifted = lifted and any(d is data for d in datas)
    plain = (
        bool(layer)
        and not lifted
        and all(type(part) is alt.Chart for part in layer)
        and (params is alt.Undefined or all(type(p) is alt.VariableParameter for p in params))
        and all(
            part._get(prop) is alt.Undefined for part in layer for prop in ("params", *_LAYER_PROPS)
        )
    )
    if not plain:
        return alt.LayerChart(layer=layer, **properties)
    for part in layer:  # the constructor's checks: raise as it would
        alt_api._check_if_valid_subspec(part, "LayerChart")
        alt_api._check_if_can_be_layered(part)
    chart = object.__new__(alt.LayerChart)
    alt_core.TopLevelLayerSpec.__init__(chart, layer=list(layer), **properties)
    return chart


def without(chart: AnyChart, *properties: str) -> AnyChart:
    """A shallow copy of the chart (the data are shared) without those top-level properties:
    `without(chart, "title")` where a heading shows the title, `"description"` where
    st.altair_chart's `alt` names the chart."""
    present = [name for name in properties if getattr(chart, name) is not alt.Undefined]
    if not present:
        return chart
    return with_properties(chart, **dict.fromkeys(present, alt.Undefined))


def with_properties(chart: C, **properties: Any) -> C:
    """`chart.properties(**properties)` without Altair's copy: that re-runs a layered
    chart's constructor, which deep-copies every layer (and any inline rows) and checks
    each layer again, per call. This copies only the top level (the layers are shared,
    and nothing here changes them); the whole spec is still validated by `to_dict`."""
    # A deferred chart (components.views) copies as the chart it builds.
    real = chart if isinstance(chart, alt.SchemaBase) else chart.copy(deep=False)
    clone = object.__new__(type(real))
    object.__setattr__(clone, "_args", real._args)
    object.__setattr__(clone, "_kwds", {**real._kwds, **properties})
    return cast(C, clone)


#: Height of one bar (one pupil group of one area) in group_bars, in screen type.
SCREEN_BAR = 23
#: The Vega parameter holding group_bars' value-label size (views.present raises it).
LABEL_SIZE = "label_size"


def wrapped(title: str, width: int = 36) -> str | list[str]:
    """A long axis title as lines (Vega draws a list as one line each): a one-line title
    wider than a chart at 1024 px ran past its edge."""
    import textwrap

    lines = textwrap.wrap(title, width)
    return lines if len(lines) > 1 else title


def group_bars(
    frame: pl.DataFrame,
    *,
    title: str,
    value_title: str,
    area_order: list[str],
    presentation: bool = False,
    decimals: int = 1,
) -> AnyChart:
    """Disadvantaged vs other pupils side by side for a few areas.

    `frame` columns: area, group ("disadvantaged"/"other"), value. Each bar's value is
    written just beyond its end, on the left of a negative bar (Progress 8 often is), in
    text colour on the background; the x scale leaves room for those labels.

    components/plain_charts.py writes this chart's on-page spec without Altair (the
    Overview's, a cold start's first chart): change both; tests/unit/test_plain_charts.py
    and tests/pages/test_vega_specs.py fail until they agree.
    """
    groups = [g for g in ("disadvantaged", "other", "all") if g in set(frame["group"].to_list())]
    drawn = frame.with_columns(
        pl.col("group").replace_strict(PUPIL_GROUP_LABELS, default=pl.col("group")).alias("pupils")
    )
    labels = [PUPIL_GROUP_LABELS[g] for g in groups]
    room = label_room(frame)
    # One constructor per layer and the data on the layer group (see `values`): chained
    # .mark_*/.encode calls deep-copy and re-validate the chart at every step.
    y = alt.Y("area:N", sort=area_order, title=None)
    y_offset = alt.YOffset("pupils:N", sort=labels)
    x = alt.X("value:Q", title=value_title, scale=alt.Scale(domain=room))
    tooltip = [
        alt.Tooltip("area:N", title="Area"),
        alt.Tooltip("pupils:N", title="Pupils"),
        alt.Tooltip("value:Q", title=value_title, format=f".{decimals}f"),
    ]
    bars = alt.Chart(
        mark=alt.MarkDef(type="bar"),
        encoding=alt.FacetedEncoding(
            y=y,
            yOffset=y_offset,
            x=x,
            color=alt.Color(
                "pupils:N",
                title="Pupil group",
                scale=alt.Scale(domain=labels, range=[GROUP_COLOURS[g] for g in groups]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=tooltip,
        ),
    )
    negative = "datum.value < 0"
    text = alt.Chart(
        mark=alt.MarkDef(
            type="text",
            align=alt.expr(f"{negative} ? 'right' : 'left'"),
            dx=alt.expr(f"{negative} ? -{LABEL_GAP} : {LABEL_GAP}"),
            baseline="middle",
            # Never taller than its bar: on a presentation slide (LABEL_SIZE raised to the
            # slide's type, views.present) rows fitted to the screen are thinner than the
            # type, and full-size labels lay on the neighbouring bar.
            fontSize=alt.expr(f"min({LABEL_SIZE}, bandwidth('yOffset') * 0.95)"),
            # ...and left out where that would be under 11 px (a crowded slide): the axis and
            # the data table still give the values; unreadable labels would not.
            opacity=alt.expr("bandwidth('yOffset') * 0.95 < 11 ? 0 : 1"),
        ),
        encoding=alt.FacetedEncoding(
            y=y,
            yOffset=y_offset,
            x=x,
            tooltip=tooltip,
            text=alt.Text("value:Q", format=f".{decimals}f"),
            color=alt.ColorValue(TEXT),
        ),
    )
    layers: list[alt.Chart] = [bars, text]
    if room[0] < 0:
        layers.append(  # the zero line bars grow from, one rule for all rows
            alt.Chart(
                mark=alt.MarkDef(type="rule", color=TEXT, strokeWidth=1),
                encoding=alt.FacetedEncoding(x=alt.XDatum(0)),
                transform=[alt.AggregateTransform(aggregate=[_count("rows")])],
            )
        )
    per_area = len(groups) * SCREEN_BAR
    height = max(160, per_area * len(area_order))
    chart = layered(
        data=values(drawn),
        layer=layers,
        height=height,
        params=[alt.VariableParameter(name=LABEL_SIZE, value=BASE_FONT)],
    )
    return finish(chart, title, presentation)


def values(frame: pl.DataFrame) -> dict[str, Any]:
    """A frame as Vega-Lite inline values: the rows Altair would make of it (the same
    `datasets` entry and name in the spec) without a pandas copy, and as a plain dict, which
    Altair does not validate row by row; Streamlit sends them to the browser as Arrow all
    the same. Deep copies would copy every row: put them on the layer group, not on layers
    that `alt.layer` or chained calls copy."""
    return {"values": frame.to_dicts()}


def chart_data(frame: pl.DataFrame) -> Any:
    """A frame as a chart's data, in the column types `frame.to_pandas()` gave it: polars
    where those types are the same in polars (components.vega_arrow.pandas_typed), so
    neither the chart nor its spec converts it to pandas; a pandas copy otherwise."""
    typed = vega_arrow.pandas_typed(frame)
    return typed if typed is not None else frame.to_pandas()


def mark(mark_type: str, **properties: Any) -> Any:
    """A mark as its Vega-Lite JSON, keys in alt.MarkDef's order (the type, then the
    properties by name), so the spec is the same to the byte as with alt.MarkDef.

    Why: Altair deep-copies every layer each time it builds or serialises a layered chart
    (twice per LayerChart, again for each level of nesting), and an alt.MarkDef holds all
    ~90 mark properties, set or not: ~60 µs per copy, plus ~0.1-0.3 ms of validation when
    made. A dict of the set properties copies in ~2 µs and is validated once, with the whole
    spec, by `to_dict`. The same holds for scales, axes, legends and transforms, which the
    builders therefore write as plain dicts too. Typed Any: Altair's stubs take only a
    MarkDef or a mark name here, though its schema and Altair at run time take the JSON.
    """
    return {"type": mark_type, **dict(sorted(properties.items()))}


def _count(name: str) -> alt.AggregatedFieldDef:
    """`count()` as `name`, as `.transform_aggregate(name="count()")` writes it."""
    return alt.AggregatedFieldDef(op="count", **{"as": name})


def label_room(frame: pl.DataFrame) -> list[float]:
    """The x domain of a bar chart with value labels: zero, the values, and room beyond the
    longest bar on each side that has bars for its label (about five characters)."""
    values = [float(v) for v in frame["value"].drop_nulls().to_list()]
    low, high = min([0.0, *values]), max([0.0, *values])
    if low == high:
        return [0.0, 1.0]
    room = LABEL_ROOM * (high - low)
    return [low - room if low < 0 else 0.0, high + room if high > 0 else 0.0]


def ranked_bars(
    frame: pl.DataFrame,
    *,
    title: str,
    value_title: str,
    presentation: bool = False,
) -> AnyChart:
    """Areas ranked on one value, coloured by role (selected, GM, England, region, other).

    `frame` columns: area, value, role.
    """
    roles = [r for r in ROLE_COLOURS if r in set(frame["role"].to_list())]
    role_labels = {
        "selected": "Selected",
        "gm_la": "Greater Manchester LA",
        "gm_mean": "GM mean",
        "england": "England",
        "region": "Region",
        "other_la": "Other LAs",
    }
    data = frame.with_columns(
        pl.col("role").replace_strict(role_labels, default=pl.col("role")).alias("Role")
    )
    chart = (
        alt.Chart(chart_data(data))
        .mark_bar()
        .encode(
            x=alt.X("area:N", sort="-y", title=None, axis=alt.Axis(labels=len(data) <= 40)),
            y=alt.Y("value:Q", title=value_title),
            color=alt.Color(
                "Role:N",
                scale=alt.Scale(
                    domain=[role_labels[r] for r in roles], range=[ROLE_COLOURS[r] for r in roles]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[alt.Tooltip("area:N", title="Area"), alt.Tooltip("value:Q", format=".2f")],
        )
    )
    return finish(chart.properties(height=360), title, presentation)


def chart_height(chart: AnyChart) -> int | None:
    """The height a builder set on the chart, which Streamlit's "content" height ignores for
    layered or offset charts (they collapse to a line unless the height is passed on)."""
    height = getattr(chart, "height", None)
    return int(height) if isinstance(height, int | float) else None


def small_cohort_fill(threshold: int) -> alt.Fill:
    """Filled dots for schools with `threshold` or more disadvantaged pupils, hollow ones
    below it: the one legend every school scatter uses, so "small cohort" looks the same
    on every page (rows carry the matching words in a `cohort` column)."""
    return alt.Fill(
        "cohort:N",
        title=None,
        scale={
            "domain": [
                f"{threshold} or more disadvantaged pupils",
                f"Fewer than {threshold} disadvantaged pupils",
            ],
            "range": [GROUP_COLOURS["disadvantaged"], "#FFFFFF"],
        },
        legend={"orient": "bottom"},
    )
