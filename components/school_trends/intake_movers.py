"""The area's schools whose % ever-FSM (census) or disadvantaged pupils' sustained
destinations (KS4 destination measures) moved most, each with its years and pupil counts."""

from __future__ import annotations

import polars as pl

from components import chart_view, data, views
from components.chart_view import ViewOrNote
from components.filters import Filters
from components.school_trends.intake import CENSUS_SOURCE, DEST_SOURCE
from components.school_trends.movers import SHOWN_MOVERS, _movers_chart
from equity.analysis import census as census_analysis
from equity.analysis import school_trends as analysis
from equity.metrics.trends import caveats_for, entries_for


def _ends(frame: pl.DataFrame) -> pl.DataFrame:
    """The largest rises and falls (all schools when there are few)."""
    ranked = frame.sort("change", "name", descending=[True, False])
    if ranked.height <= 2 * SHOWN_MOVERS:
        return ranked
    return pl.concat([ranked.head(SHOWN_MOVERS), ranked.tail(SHOWN_MOVERS)])


def _takeaway(frame: pl.DataFrame, where: str, what: str, unit: str) -> str:
    up = frame.filter(pl.col("change") > 0).height
    down = frame.filter(pl.col("change") < 0).height
    top = frame.sort("change", descending=True).row(0, named=True)
    bottom = frame.sort("change").row(0, named=True)
    text = f"Of {frame.height} {where} schools, {what} rose in {up} and fell in {down}"
    if top["change"] > 0:
        text += (
            f"; the largest rise was at {top['name']} ({top['value_first']:.{unit}f}% in "
            f"{top['first_year']} to {top['value_last']:.{unit}f}% in {top['last_year']})"
        )
    if bottom["change"] < 0:
        text += (
            f", the largest fall at {bottom['name']} ({bottom['value_first']:.{unit}f}% in "
            f"{bottom['first_year']} to {bottom['value_last']:.{unit}f}% in "
            f"{bottom['last_year']})"
        )
    return text + "."


def _table(frame: pl.DataFrame, count: str) -> pl.DataFrame:
    return frame.select(
        "urn",
        "name",
        "first_year",
        pl.col("value_first").round(1),
        pl.col("pupils_first").alias(f"{count} (first)"),
        "last_year",
        pl.col("value_last").round(1),
        pl.col("pupils_last").alias(f"{count} (last)"),
        pl.col("change").round(1),
    )


def census_movers_view(filters: Filters) -> ViewOrNote:
    """Schools whose % ever-FSM moved most between their first and last census on one basis."""
    frame = data.cached(analysis.census_movers, filters.members, filters.phase)
    where = filters.area_name
    if frame.is_empty():
        return f"No {where} school of the phase is in two censuses on the same ever-FSM basis."
    years = sorted(set(frame["first_year"].to_list()) | set(frame["last_year"].to_list()))
    first, last = years[0], years[-1]
    title = f"{where}: schools whose % ever-FSM moved most, January {first} to {last} census"
    loaded = census_analysis.census_years(data.get_store())["academic_year"].unique().to_list()
    skipped = sorted(set(loaded) - set(census_analysis.comparable_years(loaded)))
    caveats = [
        "Each school's change runs from the first to the last census it appears in as a "
        "state-funded school of the phase; % ever-FSM on the census basis (ever-FSM pupils "
        "over the pupils counted for FSM, whose number is given)."
        + (
            f" The {', '.join(skipped)} census is left out: its ever-FSM share has another "
            "denominator (all pupils on roll)."
            if skipped
            else ""
        ),
        "A school that became an academy has a new URN and is not followed across the change.",
    ]
    if frame.height > 2 * SHOWN_MOVERS:
        caveats.append(
            f"The chart shows the {SHOWN_MOVERS} largest rises and falls; 'Show data' lists all "
            f"{frame.height} schools."
        )
    # The break notes are about joining 2020/21 to its neighbours; these changes skip it.
    caveats.extend(
        e.text for e in entries_for("census", "pct_ever_fsm", [first, last]) if e.kind != "break"
    )
    return chart_view.ChartView(
        view_id="school_trends-census_movers",
        title=title,
        takeaway=_takeaway(frame, where, "the share of ever-FSM pupils", "1"),
        source=CENSUS_SOURCE.format(years=", ".join(years)) + ".",
        chart=views.chart(_movers_chart, _ends(frame), title, "pct_ever_fsm"),
        table=_table(frame, "pupils counted for FSM"),
        file_stem=f"{filters.slug()}-ever-fsm-movers",
        caveats=tuple(caveats),
    )


def destination_movers_view(filters: Filters) -> ViewOrNote:
    """Schools whose disadvantaged pupils' sustained destinations moved most."""
    frame = data.cached(analysis.destination_movers, filters.members, analysis.MIN_COHORT)
    where = filters.area_name
    if frame.is_empty():
        return (
            f"No {where} school has disadvantaged pupils' sustained destinations published for "
            f"two cohorts of at least {analysis.MIN_COHORT} pupils."
        )
    years = sorted(set(frame["first_year"].to_list()) | set(frame["last_year"].to_list()))
    title = (
        f"{where}: schools whose disadvantaged pupils' sustained destinations moved most, "
        f"cohorts {years[0]} to {years[-1]}"
    )
    caveats = [
        f"Rule: a school's change runs from the first to the last cohort with a published "
        f"figure for at least {analysis.MIN_COHORT} disadvantaged pupils; suppressed cohorts "
        "are skipped, never read as 0. The years and pupil counts of each end are in the "
        "data table.",
    ]
    if frame.height > 2 * SHOWN_MOVERS:
        caveats.append(
            f"The chart shows the {SHOWN_MOVERS} largest rises and falls; 'Show data' lists all "
            f"{frame.height} schools."
        )
    caveats.extend(caveats_for("destinations", years, "ks4_sustained_destination_pct"))
    return chart_view.ChartView(
        view_id="school_trends-destination_movers",
        title=title,
        takeaway=_takeaway(frame, where, "disadvantaged pupils' sustained destinations", "0"),
        source=DEST_SOURCE.format(years=f"{years[0]} to {years[-1]}") + ".",
        chart=views.chart(_movers_chart, _ends(frame), title, "ks4_sustained_destination_pct"),
        table=_table(frame, "disadvantaged pupils"),
        file_stem=f"{filters.slug()}-destination-movers",
        caveats=tuple(caveats),
    )
