"""Altair chart builders, one per chart kind. Each takes a small, tidy, aggregated frame.

Specs are kept free of Streamlit so the same chart renders in the app, in presentation
mode and in exports (vl-convert) with identical encodings.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from components.theme import GROUP_COLOURS, ROLE_COLOURS, vega_config
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


def _finish(chart: AnyChart, title: str, presentation: bool) -> AnyChart:
    config = vega_config(presentation)
    return (
        chart.properties(title=title)
        .configure(background=config["background"], font=config["font"])
        .configure_title(**config["title"])
        .configure_axis(**config["axis"])
        .configure_legend(**config["legend"])
        .configure_view(stroke=None)
    )


def group_bars(
    frame: pl.DataFrame,
    *,
    title: str,
    value_title: str,
    area_order: list[str],
    presentation: bool = False,
) -> AnyChart:
    """Disadvantaged vs other pupils side by side for a few areas.

    `frame` columns: area, group ("disadvantaged"/"other"), value.
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
            x=alt.X("value:Q", title=value_title),
            color=colour,
            tooltip=[
                alt.Tooltip("area:N", title="Area"),
                alt.Tooltip("pupils:N", title="Pupils"),
                alt.Tooltip("value:Q", title=value_title, format=".1f"),
            ],
        )
    )
    text = bars.mark_text(align="left", dx=4, color="#0B0C0C").encode(
        text=alt.Text("value:Q", format=".1f"), color=alt.value("#0B0C0C")
    )
    height = max(160, 46 * len(area_order))
    return _finish((bars + text).properties(height=height), title, presentation)


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
    return _finish(chart.properties(height=360), title, presentation)


def chart_height(chart: AnyChart) -> int | None:
    """The height a builder set on the chart, which Streamlit's "content" height ignores for
    layered or offset charts (they collapse to a line unless the height is passed on)."""
    height = getattr(chart, "height", None)
    return int(height) if isinstance(height, int | float) else None
