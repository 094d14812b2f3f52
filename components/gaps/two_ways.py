"""The gap two ways: disadvantaged and other pupils as two dots per area; the line between
them is the gap within the area, the distance to the dashed line the gap to other pupils
nationally."""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl

from components import chart_view, data, views
from components.chart_view import ViewOrNote
from components.charts import AnyChart, chart_data, layered, mark
from components.filters import Filters
from components.gaps.headline import row_of, why_missing
from components.text import (
    LAIT_SOURCE,
    fmt,
    fmt_gap,
    short_label,
)
from components.theme import GROUP_COLOURS, SUPPRESSED_COLOUR, TEXT
from components.trend_chart import finish
from equity.analysis import gaps as analysis
from equity.metrics.trends import caveats_for
from equity.schema import PUPIL_GROUP_LABELS


def gap_view(filters: Filters, measure: str) -> ViewOrNote:
    """Disadvantaged and other pupils as two dots per area; the line between them is the
    gap within the area, the distance to the dashed line the gap to other pupils nationally."""
    table = data.shared(analysis.area_summary, filters.la_code, filters.phase, filters.year)
    part = table.filter((pl.col("measure") == measure) & pl.col("disadvantaged").is_not_null())
    if part.is_empty():
        return why_missing(filters, measure, again=True)
    area_role = "gm_mean" if filters.is_group else "selected"
    row = row_of(table, area_role, measure)
    england = row_of(table, "england", measure)
    order = part["area"].to_list()
    long = part.unpivot(
        index=["area"], on=["disadvantaged", "other"], variable_name="group", value_name="value"
    ).with_columns(
        pl.col("group").replace_strict(PUPIL_GROUP_LABELS, default=pl.col("group")).alias("pupils")
    )
    title = f"{short_label(measure)}: the gap two ways, {filters.year}"
    national = part["england_other"].drop_nulls()
    england_other = national[0] if national.len() else None
    table_out = part.select(
        "area", "disadvantaged", "other", "england_other", "gap_within", "gap_national"
    ).rename({"england_other": "other_pupils_england", "gap_national": "gap_to_national_other"})
    return chart_view.ChartView(
        view_id=f"gaps-two-ways-{measure}",
        title=title,
        takeaway=gap_takeaway(row, england, filters.area_name, measure),
        source=f"{LAIT_SOURCE}; academic year {filters.year}.",
        chart=views.chart(
            lambda: finish(_dumbbell(long, part, order, measure, england_other), title)
        ),
        table=table_out,
        file_stem=f"{filters.slug()}-gap-two-ways-{measure}",
        options=(("measure", measure),),
        caveats=(
            "Gap within the area: other pupils there minus disadvantaged pupils. Gap to other "
            "pupils nationally: other pupils in England minus the area's disadvantaged pupils.",
            *caveats_for(filters.key_stage, [filters.year], measure),
            *((GM_MEAN_NOTE,) if part.filter(pl.col("role") == "gm_mean").height else ()),
        ),
    )


GM_MEAN_NOTE = (
    "GM mean: the mean of the ten Greater Manchester LAs' published figures, not weighted by "
    "pupils (DfE's Local Authority Interactive Tool publishes no pupil counts to weight by)."
)


def gap_takeaway(
    row: dict[str, Any] | None, england: dict[str, Any] | None, area: str, measure: str
) -> str:
    if row is None or row.get("disadvantaged") is None:
        return f"No published {short_label(measure)} for disadvantaged pupils in {area}."
    score = fmt(row["disadvantaged"], measure)
    text = f"In {area}, disadvantaged pupils' {short_label(measure)} was {score}"
    parts = []
    if row.get("gap_national") is not None:
        parts.append(_against(row["gap_national"], measure, "other pupils nationally"))
    if row.get("gap_within") is not None:
        parts.append(_against(row["gap_within"], measure, f"other pupils in {area}"))
    if parts:
        text += ": " + " and ".join(parts)
    if england and england.get("gap_within") is not None and area != "England":
        text += f" (England's gap: {fmt_gap(england['gap_within'], measure)})"
    return text + "."


def _against(gap: float, measure: str, whom: str) -> str:
    direction = "below" if gap > 0 else "above" if gap < 0 else "level with"
    amount = "" if gap == 0 else fmt_gap(abs(gap), measure) + " "
    return f"{amount}{direction} {whom}"


def _dumbbell(
    long: pl.DataFrame,
    wide: pl.DataFrame,
    order: list[str],
    measure: str,
    england_other: float | None,
) -> AnyChart:
    labels = [PUPIL_GROUP_LABELS["disadvantaged"], PUPIL_GROUP_LABELS["other"]]
    x_title = short_label(measure)
    y = alt.Y("area:N", sort=order, title=None)
    # One constructor per layer: chained .mark_*/.encode calls each deep-copy the chart.
    # Marks, scales and legends as plain Vega-Lite JSON (see charts.mark): cheap to copy.
    links = alt.Chart(
        chart_data(wide.select("area", "disadvantaged", "other")),
        mark=mark("rule", color=SUPPRESSED_COLOUR, strokeWidth=3),
        encoding=alt.FacetedEncoding(
            y=y,
            x=alt.X("disadvantaged:Q", title=x_title, scale={"zero": False}),
            x2=alt.X2("other:Q"),
        ),
    )
    dots = alt.Chart(
        chart_data(long.select("area", "pupils", "value")),
        mark=mark("point", filled=True, size=160, opacity=1),
        encoding=alt.FacetedEncoding(
            y=y,
            x=alt.X("value:Q", title=x_title),
            color=alt.Color(
                "pupils:N",
                title=None,
                scale={
                    "domain": labels,
                    "range": [GROUP_COLOURS["disadvantaged"], GROUP_COLOURS["other"]],
                },
                legend={"orient": "bottom"},
            ),
            shape=alt.Shape(
                "pupils:N", scale={"domain": labels, "range": ["circle", "square"]}, title=None
            ),
            tooltip=[
                alt.Tooltip("area:N", title="Area"),
                alt.Tooltip("pupils:N", title="Pupils"),
                alt.Tooltip("value:Q", title=x_title, format=".2f"),
            ],
        ),
    )
    layers: list[Any] = [links, dots]
    if england_other is not None:
        ref = chart_data(
            pl.DataFrame(
                {
                    "x": [england_other],
                    "label": [f"Other pupils in England: {fmt(england_other, measure)}"],
                }
            )
        )
        layers.append(
            alt.Chart(
                ref,
                mark=mark("rule", color=TEXT, strokeDash=[6, 4]),
                encoding=alt.FacetedEncoding(x=alt.X("x:Q")),
            )
        )
        layers.append(
            alt.Chart(
                ref,
                mark=mark("text", align="right", dx=-4, dy=-6, color=TEXT),
                encoding=alt.FacetedEncoding(
                    x=alt.X("x:Q"), y=alt.YValue(0), text=alt.Text("label:N")
                ),
            )
        )
    return layered(layer=layers, height=max(160, 56 * len(order)))
