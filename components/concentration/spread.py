"""How concentrated ever-FSM pupils are in one census: the LA comparison of segregation
indices, the concentration curve, the distribution of school shares and the schools with the
highest. Every view here takes the selection with the census year shown (`PageData.shown`)."""

from __future__ import annotations

import itertools

import altair as alt
import polars as pl
import streamlit as st

from components import data
from components.chart_view import ChartView
from components.charts import chart_data, finish, layered, values
from components.concentration.common import (
    INDEX_LABELS,
    INDEX_WORDS,
    SCHOOL_MAP_TAB,
    PageData,
    census_source,
    compared,
    is_peer,
    peer_label,
    peer_short,
    share_text,
    source_for,
)
from components.filters import Filters
from components.tables import show_table
from components.theme import ROLE_COLOURS, TEXT
from equity.analysis import concentration as analysis
from equity.analysis.census import census_label
from equity.queries import CountBasis


def comparison_rows(table: pl.DataFrame, selection: Filters, index: str) -> pl.DataFrame:
    """The selection, every GM LA and the rest of England, with a role each."""
    chosen = set(selection.members)
    return (
        table.filter(pl.col(index).is_not_null())
        .with_columns(
            pl.when(pl.col("la_code").is_in(list(chosen)) & ~pl.lit(selection.is_group))
            .then(pl.lit("selected"))
            .when(is_peer(selection))
            .then(pl.lit("gm_la"))
            .otherwise(pl.lit("other_la"))
            .alias("role"),
            pl.col(index).rank("min", descending=True).cast(pl.Int64).alias("rank"),
        )
        .sort(index, descending=True)
    )


def comparison_view(
    table: pl.DataFrame, selection: Filters, index: str, basis: str
) -> ChartView | None:
    rows = comparison_rows(table, selection, index)
    named = rows.filter(pl.col("role") != "other_la")
    if rows.height < 3 or named.is_empty():
        return None
    label = INDEX_LABELS[index]
    median = float(rows[index].median())  # type: ignore[arg-type]
    others = rows.filter(pl.col("role") == "other_la")
    strip = f"Other English LAs ({others.height})"
    order = [*named["name"].to_list(), strip]
    peer = peer_label(selection)
    drawn = rows.select(
        pl.when(pl.col("role") == "other_la").then(pl.lit(strip)).otherwise("name").alias("row"),
        pl.col("name").alias("area"),
        pl.col(index).round(4).alias("value"),
        pl.col("role")
        .replace_strict({"selected": "Selected LA", "gm_la": peer, "other_la": "Other LA"})
        .alias("Role"),
    )
    domain = [r for r in ("Selected LA", peer, "Other LA") if r in drawn["Role"]]
    colours = {"Selected LA": "selected", peer: "gm_la", "Other LA": "other_la"}
    colour = alt.Color(
        "Role:N",
        scale=alt.Scale(domain=domain, range=[ROLE_COLOURS[colours[r]] for r in domain]),
        legend=alt.Legend(orient="bottom", title=None),
    )
    y = alt.Y("row:N", sort=order, title=None)
    x = alt.X("value:Q", title=label, scale=alt.Scale(zero=True))
    tooltip = [alt.Tooltip("area:N", title="LA"), alt.Tooltip("value:Q", title=label)]
    # One constructor per layer (see charts.values): no .mark_*/.encode chains.
    rows_data = chart_data(drawn)  # shared by three layers: copied by reference
    other_las = alt.FilterTransform(filter="datum.Role == 'Other LA'")
    named_only = alt.FilterTransform(filter="datum.Role != 'Other LA'")
    ticks = alt.Chart(
        rows_data,
        mark=alt.MarkDef(type="tick", thickness=1.5, size=18, opacity=0.7),
        encoding=alt.FacetedEncoding(x=x, y=y, color=colour, tooltip=tooltip),
        transform=[other_las],
    )
    dots = alt.Chart(
        rows_data,
        mark=alt.MarkDef(type="circle", size=160, opacity=1),
        encoding=alt.FacetedEncoding(x=x, y=y, color=colour, tooltip=tooltip),
        transform=[named_only],
    )
    labels = alt.Chart(
        rows_data,
        mark=alt.MarkDef(type="text", align="left", dx=9, color=TEXT),
        encoding=alt.FacetedEncoding(
            x=x,
            y=y,
            color=alt.ColorValue(TEXT),
            tooltip=tooltip,
            text=alt.Text("value:Q", format=".3f"),
        ),
        transform=[named_only],
    )
    rule = values(pl.DataFrame({"median": [round(median, 4)]}))
    median_rule = alt.Chart(
        rule,
        mark=alt.MarkDef(type="rule", strokeDash=[6, 4], color="#000000", size=1.5),
        encoding=alt.FacetedEncoding(x=alt.X("median:Q")),
    )
    median_text = alt.Chart(
        rule,
        mark=alt.MarkDef(type="text", align="left", dx=4, dy=-8, color=TEXT, baseline="bottom"),
        encoding=alt.FacetedEncoding(
            x=alt.X("median:Q"),
            y=alt.YValue(0),
            text=alt.TextValue(f"England LA median {median:.3f}"),
        ),
    )
    title = (
        f"{label}, {selection.phase} schools (ever-FSM), {census_label(selection.year)}: "
        f"{'GM' if compared(selection).is_gm else compared(selection).group_name} "
        "and England's LAs"
    )
    chart = finish(
        layered(layer=[ticks, dots, labels, median_rule, median_text], height=34 * len(order) + 40),
        title,
    )
    table_out = rows.select(
        pl.col("name").alias("LA"),
        pl.col("la_code").alias("LA code"),
        "region",
        pl.col("rank").alias(f"rank (1 = most concentrated, of {rows.height})"),
        pl.col("basis"),
        pl.col("schools"),
        pl.col("pct").round(1).alias("% ever-FSM"),
        *(pl.col(c).round(4) for c in INDEX_LABELS),
    )
    return ChartView(
        view_id="concentration-compare",
        title=title,
        takeaway=comparison_takeaway(rows, selection, index, median),
        source=f"{census_source(selection.year)}; indices computed by Equity Explorer.",
        chart=chart,
        table=table_out,
        file_stem=f"{selection.slug()}-segregation-{index}",
        options=(("index", index),),
        caveats=(
            f"Every LA's index here uses {basis.replace('_', ' ')} counts (ever-FSM). "
            f"{label}: {INDEX_WORDS[index]}.",
        ),
    )


def comparison_takeaway(rows: pl.DataFrame, selection: Filters, index: str, median: float) -> str:
    label = INDEX_LABELS[index]
    gm = rows.filter(is_peer(selection)).sort(index)
    spread = ""
    if gm.height:
        low, high = gm.row(0, named=True), gm.row(-1, named=True)
        below = gm.filter(pl.col(index) < median).height
        spread = (
            f"{peer_short(selection)}'s LAs range from {low[index]:.3f} ({low['name']}) to "
            f"{high[index]:.3f} ({high['name']}); {below} of {gm.height} are below the "
            f"England LA median of {median:.3f}."
        )
    mine = rows.filter(pl.col("role") == "selected")
    if selection.is_group or mine.is_empty():
        return f"{label}: {spread}"
    row = mine.row(0, named=True)
    words = (
        f"about {100 * row[index]:.0f}% of its ever-FSM pupils would have to change "
        "school for an even spread"
        if index == "gorard"
        else f"{INDEX_WORDS[index].split(' (')[0]} is {100 * row[index]:.0f}%"
    )
    position = "more" if row[index] > median else "less"
    return (
        f"{row['name']}'s {label} in the {census_label(selection.year)} is {row[index]:.3f}: "
        f"{words}. That is {position} "
        f"concentrated than the typical English LA (rank {row['rank']} of {rows.height}, "
        f"1 = most concentrated). {spread}"
    )


def curve_view(curve: pl.DataFrame, selection: Filters, basis: CountBasis) -> ChartView | None:
    if curve.height < 2:
        return None
    drawn = curve.select(pl.col("pct_pupils").round(2), pl.col("pct_disadvantaged").round(2))
    line = alt.Chart(
        chart_data(drawn),  # up to ~500 rows: Altair copies frames by reference
        mark=alt.MarkDef(type="line", color=ROLE_COLOURS["selected"], strokeWidth=3, point=False),
        encoding=alt.FacetedEncoding(
            x=alt.X("pct_pupils:Q", title="Cumulative % of pupils (schools from lowest share)"),
            y=alt.Y("pct_disadvantaged:Q", title="Cumulative % of ever-FSM pupils"),
            tooltip=[
                alt.Tooltip("pct_pupils:Q", title="% of pupils", format=".1f"),
                alt.Tooltip("pct_disadvantaged:Q", title="% of ever-FSM", format=".1f"),
            ],
        ),
    )
    diagonal = alt.Chart(
        {"values": [{"x": 0, "y": 0}, {"x": 100, "y": 100}]},
        mark=alt.MarkDef(type="line", strokeDash=[6, 4], color="#000000", strokeWidth=1.5),
        encoding=alt.FacetedEncoding(x=alt.X("x:Q"), y=alt.Y("y:Q")),
    )
    note = alt.Chart(
        {"values": [{"x": 52, "y": 56}]},
        mark=alt.MarkDef(type="text", align="right", angle=315, color=TEXT, dy=-6),
        encoding=alt.FacetedEncoding(
            x=alt.X("x:Q"), y=alt.Y("y:Q"), text=alt.TextValue("even spread")
        ),
    )
    title = (
        f"Segregation curve: {selection.la_label}, {selection.phase} schools, "
        f"{census_label(selection.year)}"
    )
    return ChartView(
        view_id="concentration-curve",
        title=title,
        takeaway=curve_takeaway(curve, selection.la_label),
        source=source_for(basis, selection.year),
        chart=finish(layered(layer=[diagonal, line, note], height=380), title),
        table=drawn.rename(
            {"pct_pupils": "cumulative % of pupils", "pct_disadvantaged": "cumulative % ever-FSM"}
        ),
        file_stem=f"{selection.slug()}-segregation-curve",
        caveats=(
            "Schools are ordered from the lowest to the highest share of ever-FSM pupils; "
            "the further the curve sags below the diagonal, the more concentrated they are.",
        ),
    )


def curve_takeaway(curve: pl.DataFrame, area: str) -> str:
    """Where the curve reaches half of ever-FSM pupils, read from the top end."""
    points = list(curve.select("pct_pupils", "pct_disadvantaged").iter_rows())
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if y0 <= 50 <= y1 and y1 > y0:
            x50 = x0 + (50 - y0) * (x1 - x0) / (y1 - y0)
            top = 100 - x50
            return (
                f"In {area}, half of all ever-FSM pupils attend the schools that teach the "
                f"{top:.0f}% of pupils with the highest shares (with an even spread it would "
                "be 50%)."
            )
    return f"The curve for {area} is drawn from {curve.height - 1} schools."


def distribution_view(
    schools: pl.DataFrame, selection: Filters, basis: CountBasis, share: str
) -> ChartView | None:
    if schools.is_empty():
        return None
    noun, short, _ = share_text(share)
    rate = 100 * float(schools["f"].sum()) / float(schools["t"].sum())
    bins = (
        schools.with_columns((pl.col("pct") // 5 * 5).clip(0, 95).alias("from"))
        .group_by("from")
        .agg(pl.len().alias("schools"), pl.col("t").sum().alias("pupils"))
        .with_columns((pl.col("from") + 5).alias("to"))
        .sort("from")
    )
    label = short
    bars = alt.Chart(
        values(bins),
        mark=alt.MarkDef(type="bar", color="#3D3D3D", binSpacing=1),
        encoding=alt.FacetedEncoding(
            x=alt.X("from:Q", title=f"School's {label}", scale=alt.Scale(domain=[0, 100])),
            x2=alt.X2("to:Q"),
            y=alt.Y("schools:Q", title="Schools"),
            y2=alt.Y2(datum=0),
            tooltip=[
                alt.Tooltip("from:Q", title="From %"),
                alt.Tooltip("to:Q", title="To %"),
                alt.Tooltip("schools:Q", title="Schools"),
            ],
        ),
    )
    marker = values(pl.DataFrame({"rate": [round(rate, 1)]}))
    rule = alt.Chart(
        marker,
        mark=alt.MarkDef(type="rule", color=ROLE_COLOURS["selected"], size=3),
        encoding=alt.FacetedEncoding(x=alt.X("rate:Q")),
    )
    text = alt.Chart(
        marker,
        mark=alt.MarkDef(type="text", align="left", dx=5, dy=-6, baseline="bottom", color=TEXT),
        encoding=alt.FacetedEncoding(
            x=alt.X("rate:Q"),
            y=alt.YValue(0),
            text=alt.TextValue(f"{selection.la_label}: {rate:.1f}%"),
        ),
    )
    phase = "primary" if selection.phase == "primary" else "secondary"
    title = f"How the share of {noun} varies across {phase} schools, {census_label(selection.year)}"
    return ChartView(
        view_id="concentration-distribution",
        title=title,
        takeaway=distribution_takeaway(schools, rate, selection.la_label, noun),
        source=source_for(basis, selection.year),
        chart=finish(layered(layer=[bars, rule, text], height=300), title),
        table=bins.select(
            pl.format("{}-{}%", pl.col("from").cast(pl.Int64), pl.col("to").cast(pl.Int64)).alias(
                label
            ),
            "schools",
            pl.col("pupils").cast(pl.Int64).alias("pupils counted"),
        ),
        file_stem=f"{selection.slug()}-{share}-distribution",
        caveats=("Bars count schools in 5-point bands; the line marks the area's overall rate.",),
    )


def distribution_takeaway(schools: pl.DataFrame, rate: float, area: str, noun: str) -> str:
    pct = schools["pct"]
    low, high = float(pct.min()), float(pct.max())  # type: ignore[arg-type]
    q1, q3 = pct.quantile(0.25, "linear"), pct.quantile(0.75, "linear")
    return (
        f"Across {schools.height} schools in {area}, the share of {noun} runs from "
        f"{low:.0f}% to {high:.0f}%; the middle half of schools lie between "
        f"{q1:.0f}% and {q3:.0f}%, around the area's overall rate of {rate:.1f}%."
    )


def highest_share(schools: pl.DataFrame, selection: Filters, share: str, top: int = 10) -> None:
    noun, short, count = share_text(share)
    with st.container(border=True):
        st.subheader(f"Schools with the highest share of {noun}", anchor=False)
        if schools.is_empty():
            st.markdown("No school-level counts for this selection.")
            return
        table = schools.head(top).select(
            pl.col("name").fill_null("(name not in loaded files)").alias("School"),
            pl.col("urn").alias("URN"),
            pl.col("la_name").alias("LA"),
            pl.col("pct").round(1).alias(short),
            pl.col("f").cast(pl.Int64).alias(count),
            pl.col("t").cast(pl.Int64).alias("pupils counted"),
        )
        show_table(table, hide_index=True, width="stretch")
        st.caption(
            f"The {min(top, schools.height)} of {schools.height} schools in "
            f"{selection.la_label} with the highest share ({census_label(selection.year)}); "
            "every school is "
            f"in the school map's Show data table (the {SCHOOL_MAP_TAB} tab)."
        )


def index_picker() -> str:
    chosen = st.radio(
        "Index",
        list(INDEX_LABELS),
        format_func=INDEX_LABELS.get,
        horizontal=True,
        key="concentration_index",
        persist_state="page",  # drawn in two tabs: the choice outlives a visit to another
    )
    return chosen or "gorard"


def curve(selection: Filters, page: PageData) -> ChartView | None:
    args = (selection.la_code, selection.year, selection.phase)
    return curve_view(data.cached(analysis.curve, *args), selection, page.basis)
