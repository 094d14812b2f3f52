"""The School trends page's pieces: a school picker kept in the URL, the school's results
over time beside its LA and England, and the LA's schools that moved most.

The chosen URN lives in the `school` query parameter so a copied link reopens the same
school; a URN in a link that is not loaded (or belongs to another LA or phase) is explained
rather than silently replaced.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from components import chart_view, data, urlstate, views
from components.chart_view import ViewOrNote
from components.charts import AnyChart
from components.filters import Filters
from components.tables import status_text
from components.text import (
    LAIT_SOURCE,
    PT_SOURCE,
    axis_label,
    fmt,
    fmt_gap,
    plain,
    short_label,
    shown_decimals,
    units,
)
from components.theme import GROUP_COLOURS, ROLE_COLOURS, TEXT
from components.trend_chart import finish, marker_notes, span_years, trend_chart
from equity.analysis import gaps as gap_analysis
from equity.analysis import school_trends as analysis
from equity.metrics.trends import caveats_for, comparable
from equity.schema import HEADLINE_MEASURES, MEASURES

URL_KEY = "school"
URL_GROUP = "trends"  # urlstate's name for this page's link values
CONTEXT_KEY = "trends_school_context"
URN_PATTERN = re.compile(r"^\d{5,7}$")
SHOWN_MOVERS = 10  # schools drawn at each end of the ranking


def picker_key(filters: Filters) -> str:
    return f"trends_school_{filters.la_code}_{filters.phase}"


def _sync_url(key: str) -> None:
    """The chosen school goes into the URL (and out of it when cleared)."""
    urlstate.write(URL_GROUP, {URL_KEY: st.session_state.get(key)})


def school_picker(filters: Filters) -> str | None:
    """A searchable selectbox of the area's schools with results; the URL seeds it."""
    options = data.cached(analysis.school_options, filters.members, filters.phase)
    key = picker_key(filters)
    context = (filters.la_code, filters.phase)
    url = urlstate.get(URL_KEY)
    previous = st.session_state.get(CONTEXT_KEY)
    st.session_state[CONTEXT_KEY] = context
    last = urlstate.seen(URL_GROUP)
    if previous is not None and previous != context and last is not None and url == last[URL_KEY]:
        # The user moved to another authority or phase: the old school no longer applies.
        urlstate.write(URL_GROUP, {URL_KEY: None})
        url = ""
    labels = {urn: f"{name} (URN {urn})" for urn, name in options.select("urn", "name").iter_rows()}
    if urlstate.incoming(URL_GROUP, (URL_KEY,)) is not None and url in labels:
        st.session_state[key] = url  # a link from outside: used once
    if url and url not in labels:
        st.warning(_unknown_urn(filters, str(url)), icon=":material/link_off:")
    if options.is_empty():
        return None
    choice = st.selectbox(
        f"School ({len(labels)} with {filters.key_stage.upper()} results loaded)",
        list(labels),
        index=None,
        format_func=lambda urn: labels.get(urn, urn),
        placeholder="Type a school name or URN",
        key=key,
        on_change=_sync_url,
        args=(key,),
        help="Schools with at least one published headline result in the loaded files.",
    )
    return choice


def _unknown_urn(filters: Filters, raw: str) -> str:
    if not URN_PATTERN.match(raw):
        return "The link's school is not a URN (a school's unique reference number, 6 digits)."
    found = data.cached(analysis.find_school, raw)
    stage = filters.key_stage.upper()
    if found is None:
        return (
            f"No school with URN {raw} is in the loaded files. Check the number, or load its "
            "LA's performance tables on the Data and methods page."
        )
    name = plain(found["name"])
    if found["la_code"] not in filters.members:
        return (
            f"URN {raw} is {name}, in {plain(found['la_name'])}: choose that authority in the "
            "sidebar to see its results."
        )
    other = ", ".join(s.upper() for s in found["key_stages"]) or "no"
    return (
        f"URN {raw} is {name}, which has {other} results loaded but no published {stage} "
        "headline result: choose the other phase in the sidebar."
    )


# --------------------------------------------------------------------------- one school


def _style(frame: pl.DataFrame) -> tuple[dict[str, str], dict[str, list[int]]]:
    """School lines solid, the LA's dashed, England's dotted; vermillion for disadvantaged
    pupils and blue for other pupils on every page."""
    colours, dashes = {}, {}
    levels = {"school": [1, 0], "la": [7, 4], "england": [2, 3]}
    for series, level, group in (
        frame.select("series", "level", "group").unique().sort("level", "group", "series").rows()
    ):
        colours[series] = (
            ROLE_COLOURS["england"] if level == "england" else GROUP_COLOURS.get(group, TEXT)
        )
        dashes[series] = levels[level]
    order = sorted(colours, key=lambda s: (["school", "la", "england"].index(_level(frame, s)), s))
    return {s: colours[s] for s in order}, dashes


def _level(frame: pl.DataFrame, series: str) -> str:
    return str(frame.filter(pl.col("series") == series)["level"][0])


def _trend(
    rows: pl.DataFrame,
    title: str,
    filters: Filters,
    measure: str,
    style: tuple[dict[str, str], dict[str, list[int]]],
    years: list[str],
) -> AnyChart:
    """A measure's trend chart as both of this page's charts draw it (series styled by
    `_style`, progress scores to two decimals)."""
    colours, dashes = style
    return views.chart(
        trend_chart,
        rows,
        title=title,
        value_title=axis_label(measure),
        key_stage=filters.key_stage,
        measure=measure,
        colours=colours,
        dashes=dashes,
        years=years,
        value_format=f".{shown_decimals(measure)}f",
    )


def school_view(filters: Filters, urn: str, measure: str) -> ViewOrNote:
    frame = data.cached(analysis.school_series, urn, filters.phase, measure)
    options = data.cached(analysis.school_options, filters.members, filters.phase)
    names = dict(options.select("urn", "name").iter_rows())
    name = names.get(urn, f"URN {urn}")
    if frame.is_empty():
        return f"{name} has no {short_label(measure)} results in the loaded files."
    years = sorted(set(frame.filter(pl.col("level") == "school")["academic_year"].to_list()))
    colours, dashes = _style(frame)
    title = f"{name}: {short_label(measure)}, {years[0]} to {years[-1]}"
    chart = _trend(
        frame.select("academic_year", "series", "value", "status", "pupils"),
        title,
        filters,
        measure,
        (colours, dashes),
        years,
    )
    table = frame.select(
        "academic_year",
        "series",
        "value",
        "status",
        "pupils",
        pl.struct("value", "status")
        .map_elements(lambda r: status_text(r["value"], r["status"]), return_dtype=pl.String)
        .alias("shown"),
    )
    small = frame.filter(
        (pl.col("level") == "school")
        & (pl.col("group") == "disadvantaged")
        & (pl.col("pupils") < gap_analysis.SMALL_COHORT)
    )["academic_year"].to_list()
    caveats = [*marker_notes(frame, filters.key_stage, measure, years)]
    if small:
        caveats.append(
            f"Small cohort (fewer than {gap_analysis.SMALL_COHORT} disadvantaged pupils) in "
            + ", ".join(small)
            + ": one pupil moves the figure a lot."
        )
    loaded = data.cached(gap_analysis.school_years, filters.members, filters.phase)
    absent = [y for y in loaded if years[0] <= y <= loaded[-1] and y not in years]
    if absent:
        caveats.append(
            f"No results under URN {urn} for {', '.join(absent)}: a school that becomes an "
            "academy (or merges) is given a new URN, and its later results sit under that."
        )
    caveats.extend(caveats_for(filters.key_stage, years, measure))
    return chart_view.ChartView(
        view_id=f"school_trends-school-{measure}",
        title=title,
        takeaway=school_takeaway(frame, name, measure),
        source=f"{PT_SOURCE} (school); {LAIT_SOURCE} (LA and England); {', '.join(years)}.",
        chart=chart,
        table=table,
        file_stem=f"school-{urn}-{measure}",
        caveats=tuple(caveats),
        options=(("urn", urn), ("measure", measure)),
    )


def _value(frame: pl.DataFrame, level: str, group: str, year: str) -> dict[str, Any] | None:
    rows = frame.filter(
        (pl.col("level") == level) & (pl.col("group") == group) & (pl.col("academic_year") == year)
    )
    return rows.row(0, named=True) if rows.height else None


def school_takeaway(frame: pl.DataFrame, name: str, measure: str) -> str:
    """The latest year's disadvantaged result against the school's other pupils and England's
    other pupils, then the change since the first year; suppression said in words."""
    school = frame.filter(pl.col("level") == "school")
    years = sorted(set(school["academic_year"].to_list()))
    latest = years[-1]
    dis = _value(frame, "school", "disadvantaged", latest)
    if dis is None or dis["value"] is None:
        status = status_text(None, dis["status"] if dis else "missing")
        cohort = f" ({dis['pupils']} disadvantaged pupils)" if dis and dis["pupils"] else ""
        return f"At {name}, disadvantaged pupils' {latest} result is {status}{cohort}."
    other = _value(frame, "school", "other", latest)
    national = _value(frame, "england", "other", latest)
    text = (
        f"In {latest}, {dis['pupils'] or 'an unstated number of'} disadvantaged pupils at {name} "
        f"averaged {fmt(dis['value'], measure)} on {short_label(measure)}"
    )
    gaps = []
    if other and other["value"] is not None:
        gaps.append(_versus(other["value"] - dis["value"], measure, "the school's other pupils"))
    if national and national["value"] is not None:
        gaps.append(_versus(national["value"] - dis["value"], measure, "other pupils in England"))
    if gaps:
        text += ": " + " and ".join(gaps)
    first = _value(frame, "school", "disadvantaged", years[0])
    if len(years) > 1 and first and first["value"] is not None:
        change = dis["value"] - first["value"]
        word = "up" if change > 0 else "down" if change < 0 else "unchanged"
        amount = "" if change == 0 else f" {fmt_gap(abs(change), measure)}"
        text += f"; {word}{amount} since {years[0]}"
    return text + "."


def _versus(gap: float, measure: str, whom: str) -> str:
    if gap == 0:
        return f"level with {whom}"
    side = "below" if gap > 0 else "above"
    return f"{fmt_gap(abs(gap), measure)} {side} {whom}"


def school_table(filters: Filters, urn: str, measure: str) -> None:
    """Year by year: each group's result and cohort, withheld cells as words."""
    frame = data.cached(analysis.school_series, urn, filters.phase, measure)
    school = frame.filter(pl.col("level") == "school")
    if school.is_empty():
        return
    decimals = shown_decimals(measure)
    rows = []
    for year in sorted(set(school["academic_year"].to_list())):
        row: dict[str, str] = {"Year": year}
        for group, label in (("disadvantaged", "Disadvantaged"), ("other", "Other")):
            cell = _value(frame, "school", group, year)
            row[f"{label} pupils"] = str(cell["pupils"]) if cell and cell["pupils"] else "not given"
            row[f"{label}: result"] = status_text(
                cell["value"] if cell else None, cell["status"] if cell else "missing", decimals
            )
        rows.append(row)
    st.dataframe(pl.DataFrame(rows).to_pandas(), hide_index=True)


# --------------------------------------------------------------------------- LA movers


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
    frame = data.cached(
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
    reasons = frame.filter(~pl.col("eligible")).group_by("reason").len().sort("reason")
    left_out = "; ".join(f"{n} {reason}" for reason, n in reasons.rows())
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


def _ends(eligible: pl.DataFrame) -> pl.DataFrame:
    """The largest rises and falls (all schools when there are few)."""
    ranked = eligible.sort("change", "name", descending=[True, False])
    if ranked.height <= 2 * SHOWN_MOVERS:
        return ranked
    return pl.concat([ranked.head(SHOWN_MOVERS), ranked.tail(SHOWN_MOVERS)])


def movers_takeaway(eligible: pl.DataFrame, where: str, measure: str, first: str, last: str) -> str:
    up = eligible.filter(pl.col("change") > 0).height
    down = eligible.filter(pl.col("change") < 0).height
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
        data_.to_pandas(),
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
        pl.DataFrame({"x": [0.0]}).to_pandas(),
        mark=alt.MarkDef(type="rule", color=TEXT),
        encoding=alt.FacetedEncoding(x=alt.X("x:Q")),
    )
    height = max(160, 22 * drawn.height)
    return finish(alt.LayerChart(layer=[bars, zero], height=height), title)


# --------------------------------------------------------------------------- no school files


def area_view(filters: Filters, measure: str, last_year: str) -> ViewOrNote:
    """The area's published disadvantaged and other results over time, when no school
    files are loaded: the trend the school view would sit against."""
    frame = data.cached(analysis.area_group_trend, filters.la_code, filters.phase, measure)
    if frame["value"].drop_nulls().is_empty():
        return f"No published {short_label(measure)} figures for {filters.area_name}."
    years = span_years([str(frame["academic_year"].min()), last_year])
    colours: dict[str, str] = {}
    dashes: dict[str, list[int]] = {}
    for series, level, group in (
        frame.select("series", "level", "group")
        .unique()
        .sort("level", "group", descending=[True, False])
        .rows()
    ):
        colours[series] = GROUP_COLOURS[group]
        dashes[series] = [1, 0] if level == "la" else [6, 3]
    title = f"{filters.area_name}: {short_label(measure)} by pupil group, {years[0]} to {years[-1]}"
    la_rows = frame.filter(pl.col("level") == "la")
    latest = la_rows.drop_nulls("value").sort("academic_year")
    takeaway = f"No published figures for {filters.area_name}."
    if latest.height:
        year = latest["academic_year"][-1]
        dis = _value(frame, "la", "disadvantaged", year)
        other = _value(frame, "la", "other", year)
        if dis and other and dis["value"] is not None and other["value"] is not None:
            takeaway = (
                f"In {year}, disadvantaged pupils in {filters.area_name} averaged "
                f"{fmt(dis['value'], measure)} against {fmt(other['value'], measure)} for other "
                f"pupils, a gap of {fmt_gap(other['value'] - dis['value'], measure)}."
            )
    return chart_view.ChartView(
        view_id=f"school_trends-area-{measure}",
        title=title,
        takeaway=takeaway,
        source=f"{LAIT_SOURCE}; academic years {years[0]} to {years[-1]}.",
        chart=_trend(
            frame.select("academic_year", "series", "value"),
            title,
            filters,
            measure,
            (colours, dashes),
            years,
        ),
        table=frame.select("academic_year", "series", "value"),
        file_stem=f"{filters.slug()}-groups-{measure}",
        caveats=(
            *marker_notes(frame, filters.key_stage, measure, years),
            *caveats_for(filters.key_stage, years, measure),
        ),
        options=(("measure", measure),),
    )


def trend_views(filters: Filters, options: Mapping[str, str]) -> list[chart_view.ChartView]:
    """The page's charts for a story slide or shared link: options measure, urn, first, last."""
    measures = HEADLINE_MEASURES[filters.phase]
    measure = options.get("measure") or measures[0]
    if measure not in measures or measure not in MEASURES:
        raise views.ViewError(f"the measure {measure[:40]!r} is not shown for {filters.phase}")
    built: list[ViewOrNote] = []
    urn = options.get("urn")
    if urn:
        if not URN_PATTERN.match(urn):
            raise views.ViewError("the school reference is not a URN")
        built.append(school_view(filters, urn, measure))
    years = data.cached(gap_analysis.school_years, filters.members, filters.phase)
    if len(years) >= 2:
        first = options.get("first") or years[0]
        last = options.get("last") or years[-1]
        if first not in years or last not in years:
            raise views.ViewError("those years have no school results loaded")
        built.append(movers_view(filters, measure, (first, last)))
    if not years:
        last_year = max(data.years_available(data.store_version(), None), default=filters.year)
        built.append(area_view(filters, measure, last_year))
    return [v for v in built if isinstance(v, chart_view.ChartView)]


views.register("school_trends-", trend_views)


def has_schools(filters: Filters) -> bool:
    return not data.cached(analysis.school_options, filters.members, filters.phase).is_empty()
