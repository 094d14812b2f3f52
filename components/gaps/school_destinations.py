"""School by school, where no school-level KS4 results split by disadvantage are loaded:
each state-funded mainstream school's sustained destinations after KS4 for disadvantaged
and other pupils (DfE's destination measures cover every school in England), the gap
within the school, small cohorts and suppressed cells said in words."""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from components import chart_panel, chart_view, data, views
from components.chart_view import ViewOrNote
from components.charts import AnyChart, chart_data, layered, mark, small_cohort_fill
from components.filters import Filters
from components.tables import show_table, status_text
from components.theme import GROUP_COLOURS, SUPPRESSED_COLOUR
from components.trend_chart import finish
from equity.analysis import destinations as dest
from equity.metrics.trends import caveats_for

MEASURE = dest.SUSTAINED
SMALL = dest.SMALL_DEST_COHORT


def destination_cohort(filters: Filters) -> tuple[str | None, list[str]]:
    """The cohort shown: the latest at or before the sidebar's year (a cohort is the year
    its pupils finished KS4), else the earliest loaded; None when none is loaded."""
    cohorts = data.cached(dest.school_destination_cohorts, filters.members)
    if not cohorts:
        return None, cohorts
    earlier = [c for c in cohorts if c <= filters.year]
    return (earlier[-1] if earlier else cohorts[0]), cohorts


def destination_frame(filters: Filters) -> tuple[str | None, pl.DataFrame]:
    cohort, _ = destination_cohort(filters)
    if cohort is None:
        return None, pl.DataFrame()
    return cohort, data.cached(dest.school_destination_gaps, filters.members, cohort)


def destination_section(filters: Filters) -> None:
    """The section's body: notice, chart (with its CSV), the table of every school."""
    cohort, frame = destination_frame(filters)
    st.subheader("School by school: sustained destinations after KS4", anchor=False)
    if cohort is None or frame.is_empty():
        st.info(
            f"No KS4 destination measures for {filters.area_name}'s schools are loaded either.",
            icon=":material/info:",
        )
        return
    download = str(frame["download"][0])
    if cohort != filters.year:
        st.info(
            f"Showing the {cohort} cohort (pupils who finished KS4 in {cohort}, from the "
            f"{download} download): the latest loaded at or before the sidebar's year, "
            f"{filters.year}.",
            icon=":material/info:",
        )
    chart_panel.show(destination_view(filters, frame, cohort))
    st.markdown(f"**Every school's sustained destinations, cohort {cohort}**")
    show_table(destination_display(frame), hide_index=True, width="stretch")
    st.caption(
        f"Cohort {cohort}: pupils who finished KS4 in {cohort}, followed up in the year after "
        f"(DfE {download} download). Small cohort: fewer than {SMALL} disadvantaged pupils. "
        "Suppressed: DfE withheld the figure to protect individuals; it is never shown as 0 "
        "or worked out from other cells. State-funded mainstream schools only."
    )


def destination_display(frame: pl.DataFrame) -> pl.DataFrame:
    """Cells as a reader should see them: numbers, or the reason there is none."""
    rows = []
    for r in frame.iter_rows(named=True):
        gap = r["gap_within"]
        if gap is None:
            missing = [s for s in ("disadvantaged", "other") if r[f"{s}_status"] != "value"]
            gap_text = status_text(None, r[f"{missing[0]}_status"]) if missing else "no data"
        else:
            gap_text = f"{gap:.0f}"
        rows.append(
            {
                "School": r["school"],
                "URN": r["urn"],
                "Disadvantaged pupils": _count(r["disadvantaged_pupils"]),
                "Disadvantaged: % sustained": status_text(
                    r["disadvantaged"], r["disadvantaged_status"], 0
                ),
                "Other pupils": _count(r["other_pupils"]),
                "Other: % sustained": status_text(r["other"], r["other_status"], 0),
                "Gap within school (points)": gap_text,
                "Small cohort": "unknown"
                if r["small_cohort"] is None
                else ("yes" if r["small_cohort"] else "no"),
            }
        )
    return pl.DataFrame(rows)


def _count(value: int | None) -> str:
    return "not given" if value is None else str(int(value))


def destination_view(filters: Filters, frame: pl.DataFrame, cohort: str) -> ViewOrNote:
    """A dot per school with both figures published: x = disadvantaged pupils' %, y = the
    gap within the school (other minus disadvantaged), hollow dots for small cohorts."""
    drawn = frame.filter(pl.col("gap_within").is_not_null()).select(
        "school",
        "urn",
        "la_code",
        "disadvantaged",
        "disadvantaged_pupils",
        "other",
        "other_pupils",
        "gap_within",
        pl.when(pl.col("small_cohort").fill_null(value=True))
        .then(pl.lit(f"Fewer than {SMALL} disadvantaged pupils"))
        .otherwise(pl.lit(f"{SMALL} or more disadvantaged pupils"))
        .alias("cohort"),
    )
    if drawn.is_empty():
        return f"No school in {filters.area_name} has both figures published for {cohort}."
    download = str(frame["download"][0])
    title = (
        f"Sustained destinations after KS4: gap within each {filters.area_name} school, "
        f"cohort {cohort}"
    )
    median = drawn["gap_within"].median()
    big = drawn.filter(pl.col("disadvantaged_pupils") >= SMALL).sort(
        "gap_within", "school", descending=[True, False]
    )
    takeaway = (
        f"{drawn.height} {filters.area_name} schools have both figures published for the "
        f"{cohort} cohort; the median gap within a school was {_points(median)} "
        "(other pupils' % minus disadvantaged pupils')."
    )
    if not big.is_empty():
        top = big.row(0, named=True)
        takeaway += (
            f" Among schools with {SMALL} or more disadvantaged pupils the largest gap was at "
            f"{top['school']}: {top['disadvantaged']:.0f}% of {top['disadvantaged_pupils']} "
            f"disadvantaged pupils against {top['other']:.0f}% of other pupils "
            f"({_points(top['gap_within'])})."
        )
    small = drawn.filter(pl.col("disadvantaged_pupils") < SMALL).height
    hidden = frame.height - drawn.height
    caveats = [
        "Each dot is a school; dots above the line are schools where disadvantaged pupils "
        "were less often in sustained education, apprenticeship or employment than the "
        "school's other pupils. Destinations are the one school-level KS4 measure split by "
        "disadvantage loaded for every school.",
    ]
    if small:
        caveats.append(
            f"{small} schools (hollow dots) had fewer than {SMALL} disadvantaged pupils: "
            "one pupil moves their figure by 10 points or more."
        )
    if hidden:
        caveats.append(
            f"{hidden} schools have a suppressed or unpublished figure and are in the table only."
        )
    caveats.extend(caveats_for("destinations", [cohort], MEASURE))
    return chart_view.ChartView(
        view_id="gaps-school-destinations",
        title=title,
        takeaway=takeaway,
        source=f"DfE KS4 destination measures, {download} download; cohort {cohort}.",
        chart=views.chart(_dots, drawn, title),
        table=drawn,
        file_stem=f"{filters.slug()}-school-destinations-{cohort.replace('/', '-')}",
        caveats=tuple(caveats),
        decimals=(("disadvantaged", 0), ("other", 0), ("gap_within", 0)),
    )


def _points(value: Any) -> str:
    """A gap in whole points as published (DfE gives whole percentages); a median of an
    even count may end in .5."""
    if value is None:
        return "not published"
    number = float(value)
    return f"{number:.1f} percentage points" if number % 1 else f"{number:.0f} percentage points"


def _dots(drawn: pl.DataFrame, title: str) -> AnyChart:
    points = alt.Chart(
        chart_data(drawn),
        mark=mark("point", size=70, strokeWidth=2),
        encoding=alt.FacetedEncoding(
            x=alt.X(
                "disadvantaged:Q",
                title="Disadvantaged pupils: % sustained destination",
                scale={"zero": False},
            ),
            y=alt.Y("gap_within:Q", title="Gap within the school (percentage points)"),
            color=alt.ColorValue(GROUP_COLOURS["disadvantaged"]),
            fill=small_cohort_fill(SMALL),
            tooltip=[
                alt.Tooltip("school:N", title="School"),
                alt.Tooltip("urn:N", title="URN"),
                alt.Tooltip("disadvantaged:Q", title="Disadvantaged %", format=".0f"),
                alt.Tooltip("disadvantaged_pupils:Q", title="Disadvantaged pupils"),
                alt.Tooltip("other:Q", title="Other %", format=".0f"),
                alt.Tooltip("other_pupils:Q", title="Other pupils"),
                alt.Tooltip("gap_within:Q", title="Gap (points)", format=".0f"),
            ],
        ),
    )
    zero = alt.Chart(
        chart_data(pl.DataFrame({"y": [0.0]})),
        mark=mark("rule", color=SUPPRESSED_COLOUR, strokeDash=[4, 4]),
        encoding=alt.FacetedEncoding(y=alt.Y("y:Q")),
    )
    return finish(layered(layer=[zero, points], height=420), title)
