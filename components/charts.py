"""Altair chart builders, one per chart kind. Each takes a small, tidy, aggregated frame.

Specs are kept free of Streamlit so the same chart renders in the app, in presentation
mode and in exports (vl-convert) with identical encodings. Every builder, here and in
other modules, ends with `finish`; the look comes from the theme components.theme
registers (importing this module registers it).
"""

from __future__ import annotations

import altair as alt
import polars as pl

from components.theme import GROUP_COLOURS, ROLE_COLOURS, TEXT, vega_config
from equity.schema import PUPIL_GROUP_LABELS

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
    finished = chart.properties(title=title)
    if description:
        finished = finished.properties(description=description)
    if presentation:
        large = vega_config(presentation=True)
        finished = finished.configure(**{part: large[part] for part in PRESENTATION_PARTS})
    return finished


def without(chart: AnyChart, *properties: str) -> AnyChart:
    """A shallow copy of the chart (the data are shared) without those top-level properties:
    `without(chart, "title")` where a heading shows the title, `"description"` where
    st.altair_chart's `alt` names the chart."""
    present = [name for name in properties if getattr(chart, name) is not alt.Undefined]
    if not present:
        return chart
    bare = chart.copy(deep=False)
    for name in present:
        setattr(bare, name, alt.Undefined)
    return bare


def group_bars(
    frame: pl.DataFrame,
    *,
    title: str,
    value_title: str,
    area_order: list[str],
    presentation: bool = False,
) -> AnyChart:
    """Disadvantaged vs other pupils side by side for a few areas.

    `frame` columns: area, group ("disadvantaged"/"other"), value. Each bar's value is
    written just beyond its end, on the left of a negative bar (Progress 8 often is), in
    text colour on the background; the x scale leaves room for those labels.
    """
    groups = [g for g in ("disadvantaged", "other", "all") if g in set(frame["group"].to_list())]
    data = frame.with_columns(
        pl.col("group").replace_strict(PUPIL_GROUP_LABELS, default=pl.col("group")).alias("pupils")
    ).to_pandas()
    labels = [PUPIL_GROUP_LABELS[g] for g in groups]
    colour = alt.Color(
        "pupils:N",
        title="Pupil group",
        scale=alt.Scale(domain=labels, range=[GROUP_COLOURS[g] for g in groups]),
        legend=alt.Legend(orient="bottom"),
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("area:N", sort=area_order, title=None),
            yOffset=alt.YOffset("pupils:N", sort=labels),
            x=alt.X("value:Q", title=value_title, scale=alt.Scale(domain=label_room(frame))),
            color=colour,
            tooltip=[
                alt.Tooltip("area:N", title="Area"),
                alt.Tooltip("pupils:N", title="Pupils"),
                alt.Tooltip("value:Q", title=value_title, format=".1f"),
            ],
        )
    )
    negative = "datum.value < 0"
    text = bars.mark_text(
        align=alt.expr(f"{negative} ? 'right' : 'left'"),
        dx=alt.expr(f"{negative} ? -{LABEL_GAP} : {LABEL_GAP}"),
        baseline="middle",
    ).encode(text=alt.Text("value:Q", format=".1f"), color=alt.value(TEXT))
    layers: list[alt.Chart] = [bars, text]
    if label_room(frame)[0] < 0:
        layers.append(  # the zero line bars grow from, one rule for all rows
            alt.Chart(data)
            .transform_aggregate(rows="count()")
            .mark_rule(color=TEXT, strokeWidth=1)
            .encode(x=alt.datum(0))
        )
    height = max(160, 46 * len(area_order))
    return finish(alt.layer(*layers).properties(height=height), title, presentation)


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
    ).to_pandas()
    chart = (
        alt.Chart(data)
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
