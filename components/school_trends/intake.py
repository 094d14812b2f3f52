"""One school over the censuses and the destination cohorts: its % ever-FSM and % FSM
(January census, five years) and its disadvantaged and other pupils' sustained destinations
(seven KS4 cohorts), each beside its LA and England, with cohort sizes, suppressed cells
marked and series breaks drawn as breaks. The two series stay on their own bases: the
census counts ever-FSM pupils, the destination measures DfE's "disadvantaged" pupils."""

from __future__ import annotations

from typing import Final

import polars as pl

from components import chart_view, data, views
from components.chart_view import ViewOrNote
from components.filters import Filters
from components.tables import status_text
from components.text import fmt, plural
from components.theme import GROUP_COLOURS
from components.trend_chart import marker_notes, span_years, trend_chart
from equity.analysis import census as census_analysis
from equity.analysis import intake_trends
from equity.analysis import school_trends as analysis
from equity.metrics.trends import caveats_for

CENSUS_SOURCE: Final = (
    "DfE Schools, pupils and their characteristics: January school census {years} "
    "(england_census.csv of each year), Open Government Licence; LA and England figures "
    "summed by Equity Explorer over the phase's state-funded schools"
)
DEST_SOURCE: Final = (
    "DfE KS4 destination measures, cohorts {years} (england_ks4-pupdest.csv of each release; "
    "the latest release giving a cohort is used), Open Government Licence; LA and England "
    "rows as published"
)
#: Census: colour tells the measure apart, line style the level.
CENSUS_COLOURS: Final = {"pct_ever_fsm": GROUP_COLOURS["disadvantaged"], "pct_fsm": "#6F4E7C"}
LEVEL_DASHES: Final = {"school": [1, 0], "la": [7, 4], "england": [2, 3]}
LEVEL_ORDER: Final = ("school", "la", "england")


def _style(
    frame: pl.DataFrame, colour_of: dict[str, str], key: str
) -> tuple[dict[str, str], dict[str, list[int]]]:
    """Series colours and dashes in legend order (school, LA, England): colour from the
    series' `key` value (its measure or pupil group), dash from its level."""
    colours: dict[str, str] = {}
    dashes: dict[str, list[int]] = {}
    rows = frame.select("series", "level", key).unique().rows()
    for series, level, what in sorted(rows, key=lambda r: (LEVEL_ORDER.index(r[1]), r[2])):
        # Colour tells the group (or measure) apart and line style the level, so England's
        # two dotted lines stay distinguishable.
        colours[series] = colour_of[what]
        dashes[series] = LEVEL_DASHES[level]
    return colours, dashes


def _shown(decimals: int) -> pl.Expr:
    """Each cell as a reader sees it: the value, or its status in words (suppressed...)."""
    return (
        pl.struct("value", "status")
        .map_elements(
            lambda r: status_text(r["value"], r["status"], decimals), return_dtype=pl.String
        )
        .alias("shown")
    )


def _name(filters: Filters, urn: str) -> str:
    schools = data.cached(intake_trends.census_schools, filters.members, filters.phase)
    found = schools.filter(pl.col("urn") == urn)["name"]
    return str(found[0]) if found.len() else f"URN {urn}"


def census_view(filters: Filters, urn: str) -> ViewOrNote:
    """% ever-FSM and % FSM in every census that lists the school, beside LA and England."""
    frame = data.cached(intake_trends.school_census_trend, urn, filters.phase)
    name = _name(filters, urn)
    if frame.is_empty():
        return f"{name} is in no loaded January census."
    years = sorted(set(frame.filter(pl.col("level") == "school")["academic_year"].to_list()))
    colours, dashes = _style(frame, CENSUS_COLOURS, "measure")
    title = f"{name}: % ever-FSM and % FSM, January census {years[0]} to {years[-1]}"
    drawn = frame.select("academic_year", "series", "measure", "value", "status", "pupils")
    chart = views.chart(
        trend_chart,
        drawn,
        title=title,
        value_title="% of pupils",
        key_stage="census",
        measure=None,
        colours=colours,
        dashes=dashes,
        years=years,
    )
    loaded = census_analysis.census_years(data.get_store())["academic_year"].unique().to_list()
    absent = [y for y in span_years(years) if y not in loaded]
    caveats = [*marker_notes(drawn, "census", "pct_ever_fsm", years)]
    if absent:
        caveats.append(
            f"No census is loaded for {', '.join(absent)}: the axis shows those years empty, "
            "and no line is drawn across them."
        )
    missing = [y for y in sorted(set(loaded)) if years[0] <= y <= years[-1] and y not in years]
    if missing:
        caveats.append(f"{name} is not in the {', '.join(missing)} census under URN {urn}.")
    caveats.append(
        "Ever-FSM counts pupils eligible for free school meals at any time in the last six "
        "years; it is not DfE's 'disadvantaged' (which adds looked-after "
        "children), so it is never joined with the destinations' disadvantaged pupils below."
    )
    caveats.extend(caveats_for("census", years, "pct_ever_fsm"))
    table = frame.select(
        "academic_year",
        "series",
        "measure",
        "value",
        "status",
        pl.col("pupils").alias("pupils (denominator)"),
        _shown(1),
    )
    return chart_view.ChartView(
        view_id="school_trends-census",
        title=title,
        takeaway=census_takeaway(frame, name),
        source=CENSUS_SOURCE.format(years=", ".join(years)) + ".",
        chart=chart,
        table=table,
        file_stem=f"school-{urn}-census",
        caveats=tuple(caveats),
        options=(("urn", urn),),
        decimals=(("value", 1),),
    )


def _cell(frame: pl.DataFrame, level: str, key: str, what: str, year: str) -> dict | None:
    rows = frame.filter(
        (pl.col("level") == level) & (pl.col(key) == what) & (pl.col("academic_year") == year)
    )
    return rows.row(0, named=True) if rows.height else None


def census_takeaway(frame: pl.DataFrame, name: str) -> str:
    """The latest census's % ever-FSM against the LA and England, then the change since the
    first census on the same basis (January 2021 is on another denominator)."""
    school = frame.filter((pl.col("level") == "school") & (pl.col("measure") == "pct_ever_fsm"))
    years = sorted(school["academic_year"].to_list())
    latest = years[-1]
    mine = _cell(frame, "school", "measure", "pct_ever_fsm", latest)
    if mine is None or mine["value"] is None:
        status = status_text(None, mine["status"] if mine else "missing")
        return f"{name}'s % ever-FSM in the January {latest} census is {status}."
    text = (
        f"In the {latest} census {fmt(mine['value'], 'pct_ever_fsm')} of {name}'s "
        f"{mine['pupils']:,} pupils counted for FSM were ever-FSM"
    )
    others = []
    for level in ("la", "england"):
        cell = _cell(frame, level, "measure", "pct_ever_fsm", latest)
        if cell and cell["value"] is not None:
            where = str(cell["series"]).split(":")[0]
            others.append(f"{where} {fmt(cell['value'], 'pct_ever_fsm')}")
    if others:
        text += f" ({', '.join(others)})"
    comparable = census_analysis.comparable_years(years)
    first = _cell(frame, "school", "measure", "pct_ever_fsm", comparable[0])
    if first and first["value"] is not None and comparable[0] != latest:
        change = mine["value"] - first["value"]
        word = "up" if change > 0 else "down" if change < 0 else "unchanged"
        amount = "" if change == 0 else f" {abs(change):.1f} percentage points"
        text += f"; {word}{amount} since {comparable[0]}"
    return text + "."


def destinations_view(filters: Filters, urn: str) -> ViewOrNote:
    """Disadvantaged and other pupils' sustained destinations over the trend cohorts."""
    frame = data.cached(intake_trends.school_destinations_trend, urn)
    name = _name(filters, urn)
    if frame.is_empty():
        return f"{name} has no KS4 destination figures in the loaded releases."
    years = sorted(set(frame["academic_year"].to_list()))
    colours, dashes = _style(frame, GROUP_COLOURS, "group")
    measure = "ks4_sustained_destination_pct"
    title = (
        f"{name}: pupils in sustained education, apprenticeship or employment after KS4, "
        f"cohorts {years[0]} to {years[-1]}"
    )
    drawn = frame.select("academic_year", "series", "value", "status", "pupils")
    chart = views.chart(
        trend_chart,
        drawn,
        title=title,
        value_title="% sustained destination",
        key_stage="destinations",
        measure=measure,
        colours=colours,
        dashes=dashes,
        years=years,
        value_format=".0f",
    )
    school = frame.filter(pl.col("level") == "school")
    withheld = school.filter(pl.col("value").is_null())
    caveats = [*marker_notes(drawn, "destinations", measure, years)]
    if withheld.height:
        caveats.append(
            "Not shown as values (DfE withheld them or gave none): "
            + "; ".join(
                f"{s} {y}: {status_text(None, st)}" + (f" ({p} pupils)" if p is not None else "")
                for y, s, st, p in withheld.select(
                    "academic_year", "series", "status", "pupils"
                ).rows()
            )
            + "."
        )
    small = school.filter(
        (pl.col("group") == "disadvantaged") & (pl.col("pupils") < analysis.MIN_COHORT)
    )["academic_year"].to_list()
    if small:
        caveats.append(
            f"Fewer than {analysis.MIN_COHORT} disadvantaged pupils in {', '.join(small)}: one "
            "pupil moves the figure by 10 points or more."
        )
    caveats.append(
        "A cohort is the pupils who finished KS4 that year; the destination is the year after "
        "(published two years after the cohort's KS4 year). Disadvantaged is DfE's definition "
        "(ever-FSM in six years or looked after), not the census's ever-FSM."
    )
    caveats.extend(caveats_for("destinations", years, measure))
    table = frame.select(
        pl.col("academic_year").alias("cohort"),
        "series",
        "value",
        "status",
        pl.col("pupils").alias("cohort size"),
        _shown(0),
    )
    return chart_view.ChartView(
        view_id="school_trends-destinations",
        title=title,
        takeaway=destinations_takeaway(frame, name),
        source=DEST_SOURCE.format(years=f"{years[0]} to {years[-1]}") + ".",
        chart=chart,
        table=table,
        file_stem=f"school-{urn}-destinations",
        caveats=tuple(caveats),
        options=(("urn", urn),),
        decimals=(("value", 0),),
    )


def destinations_takeaway(frame: pl.DataFrame, name: str) -> str:
    """The latest cohort's disadvantaged figure against the school's other pupils and
    England's other pupils, with the cohort size, and how many cohorts are published."""
    school = frame.filter((pl.col("level") == "school") & (pl.col("group") == "disadvantaged"))
    years = sorted(school["academic_year"].to_list())
    published = school.filter(pl.col("value").is_not_null()).height
    latest = years[-1]
    dis = _cell(frame, "school", "group", "disadvantaged", latest)
    counted = f"published for {published} of {plural(len(years), 'cohort', article=False)}"
    if dis is None or dis["value"] is None:
        status = status_text(None, dis["status"] if dis else "missing")
        return (
            f"{name}'s disadvantaged pupils' {latest} figure is {status}; their sustained "
            f"destinations are {counted}."
        )
    text = (
        f"Of {name}'s {dis['pupils']} disadvantaged pupils who finished KS4 in {latest}, "
        f"{dis['value']:.0f}% were in sustained education, apprenticeship or employment"
    )
    parts = []
    other = _cell(frame, "school", "group", "other", latest)
    if other and other["value"] is not None:
        parts.append(f"{other['value']:.0f}% of its other pupils")
    england = _cell(frame, "england", "group", "other", latest)
    if england and england["value"] is not None:
        parts.append(f"{england['value']:.0f}% of other pupils in England")
    if parts:
        text += f" (against {' and '.join(parts)})"
    return text + f"; figures {counted}."
