"""Each school's % ever-FSM over the censuses (its own pupils who are ever-FSM), with the
area's rate and the schools that moved most drawn out, and the movers list itself.

Only what is drawn reaches the browser: one row per school and census year (a few thousand
at most for Greater Manchester's primaries, where the faint lines give way to the middle
half of schools as a band)."""

from __future__ import annotations

from typing import Any, Final

import altair as alt
import polars as pl

from components import data, views
from components.chart_view import ChartView, ViewOrNote
from components.charts import AnyChart, finish, layered, mark, values, with_properties, wrapped
from components.concentration.common import census_source
from components.concentration.trend import with_context
from components.filters import Filters
from components.text import plural
from components.theme import GROUP_COLOURS, ROLE_COLOURS, TEXT
from components.trend_chart import marker_notes, span_years, trend_chart
from equity.analysis import concentration_trends as over_time
from equity.analysis.census import census_label
from equity.metrics.trends import caveats_for

MEASURE: Final = "pct_ever_fsm"
#: Above this many schools the faint per-school lines become the middle-half band.
MAX_LINES: Final = 300
HIGHLIGHT: Final = 2  # the largest rises and the largest falls drawn out, each
MOVERS: Final = 10
RISE, FALL = GROUP_COLOURS["disadvantaged"], GROUP_COLOURS["other"]


def _labels(movers: pl.DataFrame) -> pl.DataFrame:
    """A unique label per school (its name, with the URN when two schools share one)."""
    dup = pl.col("name").is_duplicated()
    return movers.with_columns(
        pl.when(dup)
        .then(pl.col("name") + " (" + pl.col("urn") + ")")
        .otherwise(pl.col("name"))
        .alias("label")
    )


def highlighted(movers: pl.DataFrame) -> pl.DataFrame:
    """The HIGHLIGHT largest rises and falls of % ever-FSM: urn, label, direction."""
    labelled = _labels(movers.filter(~pl.col("small")))
    rises = labelled.filter(pl.col("pct_change") > 0).sort("pct_change", descending=True)
    falls = labelled.filter(pl.col("pct_change") < 0).sort("pct_change")
    return pl.concat(
        [
            rises.head(HIGHLIGHT).with_columns(pl.lit("rise").alias("direction")),
            falls.head(HIGHLIGHT).with_columns(pl.lit("fall").alias("direction")),
        ]
    ).select("urn", "label", "direction", "pct_change")


def _band(lines: pl.DataFrame) -> pl.DataFrame:
    return (
        lines.group_by("academic_year")
        .agg(
            pl.col(MEASURE).quantile(0.25, "linear").alias("low"),
            pl.col(MEASURE).quantile(0.75, "linear").alias("high"),
        )
        .with_columns(pl.col("academic_year").str.slice(0, 4).cast(pl.Int32).alias("year"))
        .sort("academic_year")
    )


def _school_chart(
    main: pl.DataFrame,
    context: pl.DataFrame,
    band: pl.DataFrame | None,
    colours: dict[str, str],
    dashes: dict[str, list[int]],
    **kwargs: Any,
) -> AnyChart:
    chart = trend_chart(main, colours=colours, dashes=dashes, **kwargs)
    if band is not None:
        x = alt.X("year:Q")
        area = alt.Chart(
            values(
                band.select(
                    "year", "academic_year", pl.col("low").round(1), pl.col("high").round(1)
                )
            ),
            mark=mark("area", color="#D9D9D9", opacity=0.7),
            encoding=alt.FacetedEncoding(
                x=x,
                y=alt.Y("low:Q", title=kwargs["value_title"]),
                y2=alt.Y2("high:Q"),
                tooltip=[
                    alt.Tooltip("academic_year:N", title="Year"),
                    alt.Tooltip("low:Q", title="25th percentile school"),
                    alt.Tooltip("high:Q", title="75th percentile school"),
                ],
            ),
        )
        return with_properties(chart, layer=[area, *chart.layer])
    return with_context(
        chart,
        context,
        key_stage="census",
        measure=MEASURE,
        value_title=kwargs["value_title"],
        value_format=".1f",
        name_title="School",
    )


def school_lines_view(selection: Filters) -> ViewOrNote:
    lines = data.cached(over_time.school_lines, selection.la_code, selection.phase)
    movers = data.cached(over_time.movers, selection.la_code, selection.phase)
    trend = data.cached(over_time.trend, selection.la_code, selection.phase)
    area = selection.area_name
    if lines.is_empty():
        return f"No census counts for {area}'s state-funded {selection.phase} schools."
    years = sorted(set(lines["academic_year"].to_list()))
    span = span_years(years)
    chosen = (
        highlighted(movers)
        if not movers.is_empty()
        else pl.DataFrame(schema={"urn": pl.String, "label": pl.String, "direction": pl.String})
    )
    rate_series = f"{area}: all schools"
    rate = trend.filter(pl.col("role") == "selected").select(
        "academic_year", pl.lit(rate_series).alias("series"), pl.col("pct_ever_fsm").alias("value")
    )
    picked = lines.join(chosen.select("urn", "label"), on="urn").select(
        "academic_year", pl.col("label").alias("series"), pl.col(MEASURE).alias("value")
    )
    main = pl.concat([rate, picked.with_columns(pl.col("value").round(2))])
    colours = {rate_series: ROLE_COLOURS["england"]}
    dashes: dict[str, list[int]] = {}
    for n, (label, direction) in enumerate(chosen.select("label", "direction").iter_rows()):
        colours[label] = RISE if direction == "rise" else FALL
        dashes[label] = [1, 0] if n % HIGHLIGHT == 0 else [6, 3]
    schools = lines["urn"].n_unique()
    rest = lines.filter(~pl.col("urn").is_in(chosen["urn"].to_list()))
    band = _band(lines) if schools > MAX_LINES else None
    context = (
        rest.select(
            "academic_year",
            pl.col("name").alias("series"),
            pl.col(MEASURE).round(1).alias("value"),
        )
        if band is None
        else rest.head(0).select(
            "academic_year", pl.col("name").alias("series"), pl.col(MEASURE).alias("value")
        )
    )
    title = (
        f"Each {selection.phase} school's % ever-FSM pupils, {census_label(years[0])} to "
        f"{census_label(years[-1])}: {area}"
    )
    chart = views.chart(
        _school_chart,
        main,
        context,
        band,
        colours,
        dashes,
        title=title,
        value_title="% ever-FSM",
        key_stage="census",
        measure=MEASURE,
        years=span,
        value_format=".1f",
    )
    wide = (
        lines.pivot(on="academic_year", index=["urn", "name", "la_code"], values=MEASURE)
        .select(
            "urn",
            "name",
            "la_code",
            *(pl.col(y).round(1) for y in years if y in lines["academic_year"].unique()),
        )
        .rename({y: f"% ever-FSM {y}" for y in years})
        .sort("name")
    )
    caveats = [
        (
            "Thin grey lines: the area's other schools (hover for names); "
            if band is None
            else f"{schools} schools are too many to draw one by one: the grey band holds the "
            "middle half of schools each year; "
        )
        + f"coloured: the {HIGHLIGHT} largest rises (vermilion) and falls (blue) of % ever-FSM "
        "between each school's first and last census on one basis (schools with at least "
        f"{over_time.MOVER_MIN_PUPILS} pupils counted at both ends); black: the area's rate.",
        "A school is drawn only in the censuses that count it (open, state-funded, ever-FSM "
        "figures published, pupils counted): a missing year is missing, never 0 (blank in "
        "the table).",
        *marker_notes(main, "census", MEASURE, span),
        *caveats_for("census", span, MEASURE),
    ]
    return ChartView(
        view_id="concentration-school-lines",
        title=title,
        takeaway=lines_takeaway(chosen, movers, rate, schools, area),
        source=f"{census_source(years)}.",
        chart=chart,
        table=wide,
        file_stem=f"{selection.slug()}-school-ever-fsm-trend",
        caveats=tuple(caveats),
    )


def _move(row: dict[str, Any]) -> str:
    return (
        f"{row['pct_first']:.0f}% ({census_label(row['first_year'])}) to "
        f"{row['pct_last']:.0f}% ({census_label(row['last_year'])})"
    )


def lines_takeaway(
    chosen: pl.DataFrame, movers: pl.DataFrame, rate: pl.DataFrame, schools: int, area: str
) -> str:
    counted = "is" if schools == 1 else "are"
    text = f"{plural(schools, 'school')} in {area} {counted} counted in at least one census."
    movers = movers.filter(~pl.col("small")) if not movers.is_empty() else movers
    if not movers.is_empty():
        labelled = _labels(movers)
        up = labelled.sort("pct_change", descending=True).row(0, named=True)
        down = labelled.sort("pct_change").row(0, named=True)
        if up["pct_change"] > 0:
            text += f" The largest rise: {up['label']}, {_move(up)}."
        if down["pct_change"] < 0:
            text += f" The largest fall: {down['label']}, {_move(down)}."
    return text


def movers_view(selection: Filters) -> ViewOrNote:
    movers = data.cached(over_time.movers, selection.la_code, selection.phase)
    area = selection.area_name
    if movers.is_empty():
        return (
            f"No school in {area} is counted in two censuses on one ever-FSM basis, so no "
            "school's change can be measured."
        )
    top = _labels(movers).filter(~pl.col("small")).head(MOVERS)
    if top.is_empty():
        return (
            f"Every school in {area} counted in two censuses on one ever-FSM basis has fewer "
            f"than {over_time.MOVER_MIN_PUPILS} pupils counted at an end: too few to rank moves."
        )
    order = top.sort("pct_change", descending=True)["label"].to_list()
    drawn = top.select(
        "label",
        pl.col("pct_first").round(1),
        pl.col("pct_last").round(1),
        pl.col("pct_change").round(1),
        pl.col("first_year"),
        pl.col("last_year"),
        pl.when(pl.col("pct_change") > 0)
        .then(pl.lit("rose"))
        .otherwise(pl.lit("fell"))
        .alias("moved"),
    )
    y = alt.Y("label:N", sort=order, title=None)
    colour = alt.Color(
        "moved:N",
        scale={"domain": ["rose", "fell"], "range": [RISE, FALL]},
        legend={"orient": "bottom", "title": "% ever-FSM"},
    )
    tooltip = [
        alt.Tooltip("label:N", title="School"),
        alt.Tooltip("first_year:N", title="From census"),
        alt.Tooltip("pct_first:Q", title="% ever-FSM then"),
        alt.Tooltip("last_year:N", title="To census"),
        alt.Tooltip("pct_last:Q", title="% ever-FSM now"),
        alt.Tooltip("pct_change:Q", title="Change (points)", format="+.1f"),
    ]
    x_title = "% ever-FSM pupils: first census (hollow) to last (filled)"
    layers = [
        alt.Chart(
            mark=mark("rule", strokeWidth=2.5),
            encoding=alt.FacetedEncoding(
                y=y,
                x=alt.X("pct_first:Q", title=wrapped(x_title)),
                x2=alt.X2("pct_last:Q"),
                color=colour,
            ),
        ),
        alt.Chart(
            mark=mark("point", filled=False, size=90, strokeWidth=2, opacity=1),
            encoding=alt.FacetedEncoding(
                y=y, x=alt.X("pct_first:Q"), color=colour, tooltip=tooltip
            ),
        ),
        alt.Chart(
            mark=mark("point", filled=True, size=110, opacity=1),
            encoding=alt.FacetedEncoding(y=y, x=alt.X("pct_last:Q"), color=colour, tooltip=tooltip),
        ),
        alt.Chart(
            mark=mark("text", align="left", dx=10, color=TEXT),
            encoding=alt.FacetedEncoding(
                y=y,
                x=alt.X("right:Q"),
                text=alt.Text("pct_change:Q", format="+.1f"),
            ),
            transform=[{"calculate": "max(datum.pct_first, datum.pct_last)", "as": "right"}],
        ),
    ]
    title = (
        f"The {plural(top.height, selection.phase + ' school')} whose % ever-FSM moved most: {area}"
    )
    chart = views.chart(
        lambda: finish(
            layered(data=values(drawn), layer=layers, height=34 * top.height + 40), title
        )
    )
    rose = top.filter(pl.col("pct_change") > 0).height
    first = top.row(0, named=True)
    takeaway = (
        f"Of the {plural(top.height, 'school')} whose share of ever-FSM pupils moved most, "
        f"{rose} rose and {top.height - rose} fell; the largest move was at {first['label']}: "
        f"{first['ever_fsm_first']:g} of {first['pupils_first']:.0f} pupils "
        f"ever-FSM in the {census_label(first['first_year'])} ({first['pct_first']:.1f}%), "
        f"{first['ever_fsm_last']:g} of {first['pupils_last']:.0f} in the "
        f"{census_label(first['last_year'])} ({first['pct_last']:.1f}%)."
    )
    ends = sorted(set(movers["first_year"].to_list() + movers["last_year"].to_list()))
    table = _labels(movers).select(
        pl.col("name").alias("School"),
        pl.col("urn").alias("URN"),
        pl.col("la_code").alias("LA code"),
        pl.col("first_year").alias("first census"),
        pl.col("last_year").alias("last census"),
        pl.col("ever_fsm_first").alias("ever-FSM pupils, first"),
        pl.col("pupils_first").cast(pl.Int64).alias("pupils counted, first"),
        pl.col("pct_first").round(1).alias("% ever-FSM, first"),
        pl.col("ever_fsm_last").alias("ever-FSM pupils, last"),
        pl.col("pupils_last").cast(pl.Int64).alias("pupils counted, last"),
        pl.col("pct_last").round(1).alias("% ever-FSM, last"),
        pl.col("pct_change").round(1).alias("change (points)"),
        pl.when(pl.col("small"))
        .then(pl.lit(f"fewer than {over_time.MOVER_MIN_PUPILS} pupils at an end"))
        .otherwise(None)
        .alias("note"),
        (100 * pl.col("share_first")).round(2).alias("% of the LA's ever-FSM pupils, first"),
        (100 * pl.col("share_last")).round(2).alias("% of the LA's ever-FSM pupils, last"),
    )
    return ChartView(
        view_id="concentration-movers",
        title=title,
        takeaway=takeaway,
        source=f"{census_source(ends)}.",
        chart=chart,
        table=table,
        file_stem=f"{selection.slug()}-ever-fsm-movers",
        caveats=(
            "Each school from its first to its last census on one ever-FSM basis (January "
            "2021, on another basis, is never an end); the table lists every school counted "
            "in two such censuses, largest move first. Schools with fewer than "
            f"{over_time.MOVER_MIN_PUPILS} pupils counted at either end (one pupil is more "
            "than 3 points) are not charted and are listed last, marked.",
        ),
    )
