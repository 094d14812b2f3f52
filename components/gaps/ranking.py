"""The gap across England's local authorities: one bar per LA, GM and the selected LA picked
out, England, the region and the GM mean as reference rules."""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from components import chart_view, data, views
from components.chart_view import ViewOrNote
from components.charts import AnyChart, chart_data, layered, mark
from components.filters import Filters
from components.gaps.headline import SECTIONS, why_missing
from components.gaps.two_ways import GM_MEAN_NOTE
from components.text import (
    LAIT_SOURCE,
    ROLE_LABELS,
    axis_label,
    fmt,
    fmt_gap,
    ordinal,
    short_label,
    units,
)
from components.theme import ROLE_COLOURS, TEXT
from components.trend_chart import finish
from equity.analysis import gaps as analysis
from equity.metrics.trends import caveats_for
from equity.schema import PUPIL_GROUP_LABELS

METRIC_LABELS = {
    "gap_national": "Gap to other pupils nationally (DfE's measure)",
    "gap_within": "Gap within the area",
}


#: The ranking's plot height (px) and how far above their bar the upper names start (px).
PLOT_HEIGHT = 380
LIFT = 84
REF_DASHES = {"england": [6, 3], "region": [2, 2], "gm_mean": [8, 3, 2, 3]}


def metric_options(filters: Filters) -> list[str]:
    """Gap to national other pupils, gap within, and the chosen group's own figure when LAIT
    publishes that group (the sidebar's group then leads the comparison by default)."""
    extra = ["group_value"] if filters.pupil_group in analysis.LA_GROUPS else []
    return ["gap_national", "gap_within", *extra]


def default_metric(filters: Filters) -> str:
    return "group_value" if filters.pupil_group in ("all", "other") else "gap_national"


def metric_picker(filters: Filters) -> str:
    options = metric_options(filters)
    group = filters.pupil_group
    labels = {**METRIC_LABELS, "group_value": f"{PUPIL_GROUP_LABELS[group]}: published figure"}
    default = options.index(default_metric(filters))
    choice = st.radio(
        "Compare authorities on",
        options,
        index=default,
        format_func=labels.get,
        horizontal=True,
        key=f"gaps_metric_{group}",
        persist_state="page",  # drawn in two tabs: the choice outlives a visit to another
    )
    if group not in analysis.LA_GROUPS:
        label = PUPIL_GROUP_LABELS[group]
        st.caption(
            f"DfE's Local Authority Interactive Tool publishes LA figures for all, disadvantaged "
            f"and other pupils (and pupils eligible for free school meals or not), "
            f"not for the group chosen in the sidebar ({label.lower()}): the LA "
            f"comparison and trend use disadvantaged and other pupils. The school table (the "
            f"{SECTIONS[3]} tab) shows {label.lower()} where the performance tables publish it."
        )
    return choice or options[default]


def metric_title(metric: str, measure: str, group: str) -> str:
    if metric == "group_value":
        return f"{PUPIL_GROUP_LABELS[group]}: {short_label(measure)}"
    word = "gap to other pupils nationally" if metric == "gap_national" else "gap within the area"
    return f"{short_label(measure)}, {word}"


def axis_title(metric: str, measure: str) -> str:
    if metric == "group_value":
        return axis_label(measure)
    word = "Gap to other pupils nationally" if metric == "gap_national" else "Gap within the area"
    return f"{word} ({units(measure)})"


def ranking_view(filters: Filters, measure: str, metric: str) -> ViewOrNote:
    frame = data.cached(
        analysis.la_ranking,
        filters.la_code,
        filters.phase,
        filters.year,
        measure,
        filters.pupil_group,
    )
    value = analysis.metric_value(metric)
    las = frame.filter(pl.col("role").is_in(["selected", "gm_la", "other_la"]))
    drawn = las.filter(value.is_not_null()).with_columns(value.alias("value"))
    if drawn.is_empty():
        return why_missing(filters, measure, again=True)
    drawn = drawn.with_columns(
        pl.col("value").rank("min", descending=True).cast(pl.Int64).alias("rank")
    ).sort("rank", "area")
    refs = frame.filter(
        pl.col("role").is_in(["england", "region", "gm_mean"]) & value.is_not_null()
    ).with_columns(value.alias("value"))
    missing = las.filter(value.is_null())["area"].sort().to_list()
    title = (
        f"{metric_title(metric, measure, filters.pupil_group)}: {drawn.height} LAs, {filters.year}"
    )
    caveats = []
    if missing:
        caveats.append(
            f"Not published for {filters.year} ({len(missing)}): " + ", ".join(missing) + "."
        )
    if refs.filter(pl.col("role") == "gm_mean").height:
        caveats.append(GM_MEAN_NOTE)
    caveats.extend(caveats_for(filters.key_stage, [filters.year], measure))
    columns = ["rank", "area", "role", "disadvantaged", "other", "gap_within", "gap_national"]
    if metric == "group_value":
        columns.insert(5, "group_value")
    table = pl.concat(
        [drawn.select(columns), refs.select([c for c in columns if c != "rank"])],
        how="diagonal_relaxed",
    ).with_columns(pl.col("role").replace_strict(ROLE_LABELS, default=pl.col("role")))
    return chart_view.ChartView(
        view_id=f"gaps-ranking-{measure}",
        title=title,
        takeaway=ranking_takeaway(drawn, refs, filters, measure, metric),
        source=f"{LAIT_SOURCE}; every local authority's published figures, "
        f"academic year {filters.year}.",
        chart=views.chart(_ranked_chart, drawn, refs, title, axis_title(metric, measure)),
        table=table,
        file_stem=f"{filters.slug()}-la-ranking-{measure}-{metric}",
        options=(("measure", measure), ("metric", metric)),
        caveats=tuple(caveats),
    )


def ranking_takeaway(
    drawn: pl.DataFrame, refs: pl.DataFrame, filters: Filters, measure: str, metric: str
) -> str:
    is_gap = metric != "group_value"
    what = "gap" if is_gap else PUPIL_GROUP_LABELS[filters.pupil_group].lower() + "' figure"
    order = "largest" if is_gap else "highest"
    show_value = (lambda v: fmt_gap(v, measure)) if is_gap else (lambda v: fmt(v, measure))
    england = refs.filter(pl.col("role") == "england")["value"]
    england_text = f"; England: {show_value(float(england[0]))}" if england.len() else ""
    total = drawn.height
    if not filters.is_group:
        mine = drawn.filter(pl.col("role") == "selected")
        if mine.is_empty():
            return f"{filters.la_label} has no published {what} for {filters.year}{england_text}."
        row = mine.row(0, named=True)
        return (
            f"{filters.la_label}'s {what} was {show_value(row['value'])}, the "
            f"{ordinal(row['rank'])} {order} of {total} LAs in {filters.year}{england_text}."
        )
    gm = drawn.filter(pl.col("role") == "gm_la").sort("value", descending=True)
    if gm.is_empty():
        return f"No Greater Manchester LA has a published {what} for {filters.year}."
    top, bottom = gm.row(0, named=True), gm.row(gm.height - 1, named=True)
    return (
        f"Among Greater Manchester's LAs the {what} ran from {show_value(bottom['value'])} in "
        f"{bottom['area']} ({ordinal(bottom['rank'])} {order} of {total}) to "
        f"{show_value(top['value'])} in {top['area']} ({ordinal(top['rank'])}){england_text}."
    )


def _ranked_chart(
    drawn: pl.DataFrame, refs: pl.DataFrame, title: str, value_title: str
) -> AnyChart:
    """LAs as bars from the largest value down, GM and the selected LA picked out by colour
    and name; England, the region and the GM mean as labelled horizontal rules."""
    roles = [r for r in ("selected", "gm_la", "other_la") if r in set(drawn["role"].to_list())]
    named = "selected" if "selected" in roles else "gm_la"  # GM names only for the GM view
    bars_data = drawn.sort("rank", "area").select(
        "rank",
        "area",
        "role",
        pl.col("role").replace_strict(ROLE_LABELS).alias("group"),
        pl.col("value").round(3),
        pl.when(pl.col("role") == named)
        .then(((pl.col("role") == named).cum_sum() - 1) % 2)
        .alias("slot"),
    )
    # Built with one constructor per layer (no .mark_*/.encode/.transform_* chains): each
    # chained call deep-copies the chart, and with 150 LAs that dominated a rerun. Data sit
    # on the layer groups, so Altair need not lift (copy and hash) each layer's data. Marks,
    # scales, axes, legends and filters are plain Vega-Lite JSON and the 150-name sort a
    # tuple (see charts.mark): Altair copies each layer of these nested groups eight times
    # while building and again while serialising, and those copies are then cheap.
    x = alt.X(
        "area:N",
        sort=tuple(bars_data["area"].to_list()),
        title=f"Local authorities, ranked ({drawn.height})",
        axis={"labels": False, "ticks": False},
    )
    top = float(drawn.select(pl.col("value").max()).item())
    bottom = min(0.0, float(drawn.select(pl.col("value").min()).item()))
    room = 0.45 if named == "gm_la" else 0.2  # for the names above the bars
    headroom = max(top, 0.0) + room * (max(top, 0.0) - bottom)
    y = alt.Y("value:Q", title=value_title, scale={"domain": [bottom, headroom], "nice": True})
    bars = alt.Chart(
        mark=mark("bar"),
        encoding=alt.FacetedEncoding(
            x=x,
            y=y,
            color=alt.Color(
                "group:N",
                title=None,
                scale={
                    "domain": [ROLE_LABELS[r] for r in roles],
                    "range": [ROLE_COLOURS[r] for r in roles],
                },
                legend={"orient": "bottom"},
            ),
            tooltip=[
                alt.Tooltip("area:N", title="Authority"),
                alt.Tooltip("rank:Q", title="Rank"),
                alt.Tooltip("value:Q", title=value_title, format=".2f"),
            ],
        ),
    )
    # The upper names start LIFT px above their bar; a thin leader joins each to its bar, so
    # no name floats unattached. Its top in data units: LIFT less a gap, over the plot's
    # pixels per unit (the nice domain is at least this span, so the leader stops short).
    span = max(headroom - bottom, 1e-9)
    leader_top = pl.col("value") + (LIFT - 8) * span / PLOT_HEIGHT
    data = chart_data(
        bars_data.with_columns(
            pl.when(pl.col("slot") == 1).then(leader_top.round(3)).alias("leader")
        )
    )
    leaders = alt.Chart(
        mark=mark("rule", color=TEXT, strokeWidth=0.75),
        encoding=alt.FacetedEncoding(x=x, y=y, y2=alt.Y2("leader:Q")),
        transform=[{"filter": "datum.slot == 1"}],
    )
    names = [  # neighbours' names at two heights so they do not overprint
        alt.Chart(
            mark=mark(
                "text", angle=270, align="left", baseline="middle", dx=4 + LIFT * slot, color=TEXT
            ),
            encoding=alt.FacetedEncoding(x=x, y=y, text=alt.Text("area:N")),
            transform=[{"filter": f"datum.slot == {slot}"}],
        )
        for slot in (0, 1)
    ]
    layers: list[Any] = [bars, leaders, *names]
    if not refs.height:
        return finish(layered(data=data, layer=layers, height=PLOT_HEIGHT), title)
    order = {"england": 0, "region": 1, "gm_mean": 2}
    ref_data = refs.sort(pl.col("role").replace_strict(order, default=9)).select(
        "area",
        "role",
        pl.col("value").round(3),
        (pl.col("area") + ": " + pl.col("value").round(2).cast(pl.String)).alias("reference"),
    )
    labels = ref_data["reference"].to_list()
    scale = {"domain": labels, "range": [ROLE_COLOURS[r] for r in ref_data["role"]]}
    ref = chart_data(ref_data)
    lines = [  # one layer per line: its own dash pattern
        alt.Chart(
            mark=mark("rule", strokeWidth=2.5, strokeDash=REF_DASHES[role]),
            encoding=alt.FacetedEncoding(
                y=alt.Y("value:Q"),
                color=alt.Color(
                    "reference:N",
                    title=None,
                    scale=scale,
                    legend={"orient": "bottom", "symbolType": "stroke"},
                ),
                tooltip=[alt.Tooltip("area:N"), alt.Tooltip("value:Q", format=".2f")],
            ),
            transform=[{"filter": f"datum.role == '{role}'"}],
        )
        for role in ref_data["role"].to_list()
    ]
    chart = layered(
        layer=[layered(data=data, layer=layers), layered(data=ref, layer=lines)],
        resolve={"scale": {"color": "independent"}},
        height=PLOT_HEIGHT,
    )
    return finish(chart, title)
