"""School by school: disadvantaged pupils' results against the school's gap, where school
files are loaded; small cohorts and suppressed cells said in words."""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from components import chart_panel, chart_view, data, views
from components.chart_view import ViewOrNote
from components.charts import AnyChart, chart_data, layered, mark, small_cohort_fill
from components.filters import Filters
from components.gaps.school_destinations import destination_section
from components.tables import csv_bytes, show_table, status_text
from components.text import (
    PT_SOURCE,
    axis_label,
    fmt_gap,
    short_label,
    shown_decimals,
)
from components.theme import GROUP_COLOURS, SUPPRESSED_COLOUR, TEXT
from components.trend_chart import finish
from components.widgets import no_school_data
from equity.analysis import gaps as analysis
from equity.metrics.trends import caveats_for
from equity.schema import PUPIL_GROUP_LABELS


def school_year(filters: Filters) -> tuple[str | None, list[str]]:
    """The year the school table shows: the filter's year when its files are loaded, else
    the latest loaded year (said on the page); None when no school files are loaded."""
    years = data.cached(analysis.school_years, filters.members, filters.phase)
    if not years:
        return None, years
    return (filters.year if filters.year in years else years[-1]), years


def school_frame(filters: Filters, measure: str) -> tuple[str | None, pl.DataFrame]:
    """The school table's year and rows (schools with a disadvantage split published)."""
    year, _ = school_year(filters)
    if year is None:
        return None, pl.DataFrame()
    frame = data.cached(
        analysis.school_results, filters.members, filters.phase, year, measure, filters.pupil_group
    )
    return year, frame


def school_section(filters: Filters, measure: str) -> None:
    year, years = school_year(filters)
    if year is None:
        st.info(no_school_data(filters), icon=":material/info:")
        if filters.phase == "secondary":
            # Destinations cover every school in England, split by disadvantage.
            destination_section(filters)
        return
    if year != filters.year:
        st.info(
            f"School-level {filters.key_stage.upper()} results for {filters.area_name} are "
            f"loaded for {', '.join(years)}; showing {year} (the sidebar's year is "
            f"{filters.year}).",
            icon=":material/info:",
        )
    _, frame = school_frame(filters, measure)
    listed = frame.filter(pl.col("has_split"))
    chart_panel.show(school_scatter_view(filters, listed, measure, year))
    st.markdown(f"**Every school's results, {year}**")
    show_table(
        school_display(listed, measure, filters.pupil_group),
        hide_index=True,
        width="stretch",
    )
    unlisted = data.cached(
        analysis.unlisted_summary_of, filters.members, filters.phase, year, measure
    )
    notes = [
        f"Small cohort: fewer than {analysis.SMALL_COHORT} disadvantaged pupils, so one pupil "
        "moves the school's figure a lot. Suppressed: DfE withheld the figure to protect "
        "individuals; it is never shown as 0 or worked out from other cells."
    ]
    if unlisted:  # worked out from the data (equity.analysis.gaps.unlisted_summary)
        notes.append(unlisted)
    for note in notes:
        st.caption(note)
    st.download_button(
        "Download the school table (CSV)",
        data=lambda: csv_bytes(listed.drop("has_split")),  # written when asked for
        file_name=f"{filters.slug()}-schools-{measure}.csv",
        mime="text/csv",
        key=f"gaps-school-table-{measure}",
        on_click="ignore",
    )


def school_display(frame: pl.DataFrame, measure: str, group: str) -> pl.DataFrame:
    """Cells as a reader should see them: numbers, or the reason there is none."""
    short = axis_label(measure)
    decimals = shown_decimals(measure)
    rows = []
    for r in frame.iter_rows(named=True):
        row = {
            "School": r["school"],
            "URN": r["urn"],
            "Disadvantaged pupils": _count(r["disadvantaged_pupils"]),
            f"Disadvantaged: {short}": status_text(
                r["disadvantaged"], r["disadvantaged_status"], decimals
            ),
            "Other pupils": _count(r["other_pupils"]),
            f"Other: {short}": status_text(r["other"], r["other_status"], decimals),
            "Gap within school": _gap_cell(r, "gap_within", decimals),
            "Gap to other pupils nationally": _gap_cell(r, "gap_national", decimals),
            "Small cohort": _small(r["disadvantaged_pupils"]),
        }
        if "chosen" in r:
            label = PUPIL_GROUP_LABELS[group]
            row[f"{label}: pupils"] = _count(r["chosen_pupils"])
            row[f"{label}: {short}"] = status_text(r["chosen"], r["chosen_status"], decimals)
        rows.append(row)
    if not rows:
        return pl.DataFrame({"School": []}, schema={"School": pl.String})
    return pl.DataFrame(rows)


def _count(value: int | None) -> str:
    return "not given" if value is None else str(int(value))


def _small(pupils: int | None) -> str:
    if pupils is None:
        return "unknown"
    return f"yes ({int(pupils)} pupils)" if pupils < analysis.SMALL_COHORT else "no"


def _gap_cell(row: dict[str, Any], column: str, decimals: int) -> str:
    if row[column] is not None:
        return f"{row[column]:.{decimals}f}"
    for side in ("disadvantaged", "other"):
        if row[f"{side}_status"] != "value":
            return status_text(None, row[f"{side}_status"])
    return "no data"


def school_scatter_view(
    filters: Filters, listed: pl.DataFrame, measure: str, year: str
) -> ViewOrNote:
    both = listed.filter(pl.col("disadvantaged").is_not_null() & pl.col("other").is_not_null())
    if both.is_empty():
        return f"No school in {filters.area_name} has both figures published for {year}."
    label = short_label(measure)
    title = f"{label}: disadvantaged and other pupils in each school, {year}"
    drawn = both.select(
        "school",
        "urn",
        pl.col("disadvantaged").round(2),
        "disadvantaged_pupils",
        pl.col("other").round(2),
        "other_pupils",
        pl.col("gap_within").round(2),
        pl.when(pl.col("small_cohort").fill_null(value=True))
        .then(pl.lit(f"Fewer than {analysis.SMALL_COHORT} disadvantaged pupils"))
        .otherwise(pl.lit(f"{analysis.SMALL_COHORT} or more disadvantaged pupils"))
        .alias("cohort"),
    )
    behind = drawn.filter(pl.col("gap_within") > 0).height
    median = drawn["gap_within"].median()
    takeaway = (
        f"In {behind} of {drawn.height} {filters.area_name} schools with both figures published, "
        f"disadvantaged pupils' {label} was below other pupils' in the same school; the median "
        f"gap within a school was {fmt_gap(number_or_none(median), measure)}."
    )
    suppressed = listed.filter(
        (pl.col("disadvantaged_status") == "suppressed") | (pl.col("other_status") == "suppressed")
    ).height
    caveats = [
        "Each dot is a school; dots below the diagonal are schools where disadvantaged pupils "
        "trail the school's other pupils. Hollow dots: small cohorts.",
    ]
    if suppressed:
        caveats.append(f"{suppressed} schools have a suppressed figure and are in the table only.")
    caveats.extend(caveats_for(filters.key_stage, [year], measure))
    national = data.cached(analysis.england_other, measure, year)
    return chart_view.ChartView(
        view_id=f"gaps-schools-{measure}",
        title=title,
        takeaway=takeaway,
        source=f"{PT_SOURCE}; academic year {year}.",
        chart=views.chart(_scatter, drawn, title, label, national),
        table=drawn,
        file_stem=f"{filters.slug()}-school-gaps-{measure}",
        options=(("measure", measure),),
        caveats=tuple(caveats),
    )


def number_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _scatter(drawn: pl.DataFrame, title: str, label: str, national: float | None) -> AnyChart:
    both = ("disadvantaged", "other")
    lo = float(drawn.select(pl.min_horizontal(pl.col(c).min() for c in both)).item())
    hi = float(drawn.select(pl.max_horizontal(pl.col(c).max() for c in both)).item())
    domain = [lo - abs(lo) * 0.05, hi + abs(hi) * 0.05]
    scale = {"domain": domain, "nice": True}
    # One constructor per layer: chained .mark_*/.encode calls each deep-copy the chart.
    # Marks, scales and legends as plain Vega-Lite JSON (see charts.mark): cheap to copy.
    points = alt.Chart(
        chart_data(drawn),
        mark=mark("point", size=70, strokeWidth=2),
        encoding=alt.FacetedEncoding(
            x=alt.X("other:Q", title=f"Other pupils: {label}", scale=scale),
            y=alt.Y("disadvantaged:Q", title=f"Disadvantaged pupils: {label}", scale=scale),
            color=alt.ColorValue(GROUP_COLOURS["disadvantaged"]),
            fill=small_cohort_fill(analysis.SMALL_COHORT),
            tooltip=[
                alt.Tooltip("school:N", title="School"),
                alt.Tooltip("urn:N", title="URN"),
                alt.Tooltip("disadvantaged:Q", title="Disadvantaged", format=".1f"),
                alt.Tooltip("disadvantaged_pupils:Q", title="Disadvantaged pupils"),
                alt.Tooltip("other:Q", title="Other", format=".1f"),
                alt.Tooltip("other_pupils:Q", title="Other pupils"),
            ],
        ),
    )
    diagonal = alt.Chart(
        chart_data(pl.DataFrame({"a": domain, "b": domain})),
        mark=mark("line", color=SUPPRESSED_COLOUR, strokeDash=[4, 4]),
        encoding=alt.FacetedEncoding(x=alt.X("a:Q", scale=scale), y=alt.Y("b:Q", scale=scale)),
    )
    layers: list[Any] = [diagonal, points]
    if national is not None:
        ref = chart_data(
            pl.DataFrame({"y": [national], "label": [f"Other pupils in England: {national:.1f}"]})
        )
        layers.append(
            alt.Chart(
                ref,
                mark=mark("rule", color=TEXT, strokeDash=[6, 3]),
                encoding=alt.FacetedEncoding(y=alt.Y("y:Q", scale=scale)),
            )
        )
        layers.append(
            alt.Chart(
                ref,
                mark=mark("text", align="left", dy=-7, x=4, color=TEXT),
                encoding=alt.FacetedEncoding(y=alt.Y("y:Q", scale=scale), text=alt.Text("label:N")),
            )
        )
    return finish(layered(layer=layers, height=420), title)
