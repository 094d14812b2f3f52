"""The LA's schools whose disadvantaged pupils' results moved most between two years."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from components import chart_view, data, views
from components.chart_view import ViewOrNote
from components.charts import AnyChart, chart_data, layered
from components.filters import Filters
from components.text import (
    PT_SOURCE,
    fmt,
    short_label,
    units,
)
from components.theme import GROUP_COLOURS, ROLE_COLOURS, TEXT
from components.trend_chart import finish
from equity.analysis import gaps as gap_analysis
from equity.analysis import school_trends as analysis
from equity.metrics.trends import caveats_for, comparable

SHOWN_MOVERS = 10  # schools drawn at each end of the ranking


def span_picker(filters: Filters) -> tuple[str, str] | None:
    years = data.cached(gap_analysis.school_years, filters.members, filters.phase)
    if len(years) < 2:
        return None
    first, last = st.select_slider(
        "Compare years",
        options=years,
        value=(years[0], years[-1]),
        key=f"trends_span_{filters.la_code}_{filters.phase}",
    )
    return str(first), str(last)


def cohort_rule(first: str, last: str) -> str:
    return (
        f"Rule: a school is compared only when its disadvantaged pupils' result is published "
        f"for both {first} and {last} and at least {analysis.MIN_COHORT} disadvantaged pupils "
        "stand behind it in each year."
    )


def movers_view(filters: Filters, measure: str, span: tuple[str, str]) -> ViewOrNote:
    first, last = span
    if first == last:
        return "Choose two different years to compare."
    frame = data.shared(  # only read: no copy of the frame per rerun
        analysis.movers, filters.members, filters.phase, measure, first, last, analysis.MIN_COHORT
    )
    eligible = frame.filter(pl.col("eligible"))
    where = filters.area_name
    if eligible.is_empty():
        return f"No {where} school meets the rule for {first} and {last}: " + cohort_rule(
            first, last
        )
    drawn = _ends(eligible)
    title = f"{where}: change in disadvantaged pupils' {short_label(measure)}, {first} to {last}"
    left_out = "; ".join(f"{n} {reason}" for reason, n in _left_out(frame))
    caveats = [
        cohort_rule(first, last)
        + f" {eligible.height} of {frame.height} schools meet it"
        + (f" (left out: {left_out})." if left_out else ".")
        + " A school that became an academy has a new URN and is not followed across the change.",
    ]
    if eligible.height > drawn.height:
        caveats.append(
            f"The chart shows the {SHOWN_MOVERS} largest rises and falls; the table under "
            "'Show data' lists every school that meets the rule."
        )
    if not comparable(filters.key_stage, measure, first, last):
        caveats.append(f"{first} and {last} are not directly comparable (see the notes below).")
    caveats.extend(caveats_for(filters.key_stage, [first, last], measure))
    return chart_view.ChartView(
        view_id=f"school_trends-movers-{measure}",
        title=title,
        takeaway=movers_takeaway(eligible, where, measure, first, last),
        source=f"{PT_SOURCE}; academic years {first} and {last}.",
        chart=views.chart(_movers_chart, drawn, title, measure),
        table=eligible.select(
            "urn",
            "name",
            "value_first",
            "pupils_first",
            "value_last",
            "pupils_last",
            "change",
        ),
        file_stem=f"{filters.slug()}-movers-{measure}-{first.replace('/', '-')}",
        caveats=tuple(caveats),
        options=(("measure", measure), ("first", first), ("last", last)),
    )


def _left_out(frame: pl.DataFrame) -> list[tuple[str | None, int]]:
    """(reason, schools) of the schools the rule leaves out, by reason (nulls first, as
    polars sorts): counted from one read of two columns, not a filter, a group_by and a
    sort (three queries on a few hundred rows, each some 0.3-1 ms on a loaded server)."""
    counts: dict[str | None, int] = {}
    for eligible, reason in frame.select("eligible", "reason").rows():
        if eligible is False:  # as `~eligible` in a filter: a null is not counted
            counts[reason] = counts.get(reason, 0) + 1
    return sorted(counts.items(), key=lambda kv: (kv[0] is not None, kv[0] or ""))


def _ends(eligible: pl.DataFrame) -> pl.DataFrame:
    """The largest rises and falls (all schools when there are few)."""
    ranked = eligible.sort("change", "name", descending=[True, False])
    if ranked.height <= 2 * SHOWN_MOVERS:
        return ranked
    return pl.concat([ranked.head(SHOWN_MOVERS), ranked.tail(SHOWN_MOVERS)])


def movers_takeaway(eligible: pl.DataFrame, where: str, measure: str, first: str, last: str) -> str:
    change = eligible["change"]  # Series sums, not two filtered frames
    up = int((change > 0).sum())
    down = int((change < 0).sum())
    top = eligible.sort("change", descending=True).row(0, named=True)
    bottom = eligible.sort("change").row(0, named=True)
    text = (
        f"Of {eligible.height} {where} schools meeting the rule, disadvantaged pupils' "
        f"{short_label(measure)} rose in {up} and fell in {down} between {first} and {last}"
    )
    if top["change"] > 0:
        text += (
            f"; the largest rise was at {top['name']} ({fmt(top['value_first'], measure)} to "
            f"{fmt(top['value_last'], measure)})"
        )
    if bottom["change"] < 0:
        text += (
            f", the largest fall at {bottom['name']} ({fmt(bottom['value_first'], measure)} to "
            f"{fmt(bottom['value_last'], measure)})"
        )
    return text + "."


def _movers_chart(drawn: pl.DataFrame, title: str, measure: str) -> AnyChart:
    data_ = drawn.select(
        "name",
        "urn",
        pl.col("change").round(2),
        "value_first",
        "value_last",
        "pupils_first",
        "pupils_last",
        pl.when(pl.col("change") > 0)
        .then(pl.lit("Rose"))
        .when(pl.col("change") < 0)
        .then(pl.lit("Fell"))
        .otherwise(pl.lit("No change"))
        .alias("direction"),
    )
    order = data_.sort("change", "name", descending=[True, False])["name"].to_list()
    # One constructor per layer: chained .mark_*/.encode calls each deep-copy the chart.
    bars = alt.Chart(
        chart_data(data_),
        mark=alt.MarkDef(type="bar"),
        encoding=alt.FacetedEncoding(
            y=alt.Y("name:N", sort=order, title=None),
            x=alt.X("change:Q", title=f"Change ({units(measure)})"),
            color=alt.Color(
                "direction:N",
                title=None,
                scale=alt.Scale(
                    domain=["Rose", "Fell", "No change"],
                    range=[ROLE_COLOURS["selected"], GROUP_COLOURS["disadvantaged"], "#8C8C8C"],
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="School"),
                alt.Tooltip("urn:N", title="URN"),
                alt.Tooltip("value_first:Q", title="First year", format=".1f"),
                alt.Tooltip("pupils_first:Q", title="Disadvantaged pupils (first)"),
                alt.Tooltip("value_last:Q", title="Last year", format=".1f"),
                alt.Tooltip("pupils_last:Q", title="Disadvantaged pupils (last)"),
                alt.Tooltip("change:Q", title="Change", format="+.1f"),
            ],
        ),
    )
    zero = alt.Chart(
        chart_data(pl.DataFrame({"x": [0.0]})),
        mark=alt.MarkDef(type="rule", color=TEXT),
        encoding=alt.FacetedEncoding(x=alt.X("x:Q")),
    )
    height = max(160, 22 * drawn.height)
    return finish(layered(layer=[bars, zero], height=height), title)
