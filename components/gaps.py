"""The Attainment gaps page's pieces: headline gaps, the LA ranking, the trend, schools.

Each `*_view` returns a `ChartView` for chart_panel.render, or a sentence saying why there
is nothing to draw; `show` renders either. Every frame arrives aggregated from
equity.analysis.gaps through data.cached, so nothing here touches the store directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from components import chart_panel, chart_view, data, views
from components.chart_view import ViewOrNote
from components.charts import AnyChart, mark
from components.filters import Filters
from components.tables import csv_bytes, status_text
from components.text import (
    LAIT_SOURCE,
    PT_SOURCE,
    ROLE_LABELS,
    axis_label,
    fmt,
    fmt_gap,
    ordinal,
    short_label,
    shown_decimals,
    units,
)
from components.theme import GROUP_COLOURS, ROLE_COLOURS, SUPPRESSED_COLOUR, TEXT
from components.trend_chart import finish, marker_notes, span_years, trend_chart
from components.widgets import no_school_data
from equity.analysis import gaps as analysis
from equity.metrics.trends import caveats_for, entries_for, years_of_kind
from equity.schema import HEADLINE_MEASURES, MEASURES, PUPIL_GROUP_LABELS

METRIC_LABELS = {
    "gap_national": "Gap to other pupils nationally (DfE's measure)",
    "gap_within": "Gap within the area",
}
REF_DASHES = {"england": [6, 3], "region": [2, 2], "gm_mean": [8, 3, 2, 3]}


# --------------------------------------------------------------------------- headline


def headline(filters: Filters) -> None:
    table = data.cached(analysis.area_summary, filters.la_code, filters.phase, filters.year)
    area_role = "gm_mean" if filters.is_group else "selected"
    for measure in HEADLINE_MEASURES[filters.phase]:
        row = _row(table, area_role, measure)
        st.markdown(f"**{MEASURES[measure].label}, {filters.year}**")
        if row is None or row.get("disadvantaged") is None:
            st.info(_why_missing(filters, measure), icon=":material/info:")
            continue
        cols = st.columns(4)
        cols[0].metric("Disadvantaged pupils", fmt(row["disadvantaged"], measure))
        cols[1].metric("Other pupils", fmt(row["other"], measure))
        cols[2].metric(
            "Gap within the area",
            fmt_gap(row["gap_within"], measure),
            help="Other pupils in the area minus disadvantaged pupils (positive: they trail).",
        )
        cols[3].metric(
            "Gap to other pupils nationally",
            fmt_gap(row["gap_national"], measure),
            help="Other pupils in England minus the area's disadvantaged pupils (DfE's way).",
        )


def _row(table: pl.DataFrame, role: str, measure: str) -> dict[str, Any] | None:
    rows = table.filter((pl.col("role") == role) & (pl.col("measure") == measure))
    return rows.row(0, named=True) if rows.height else None


def _why_missing(filters: Filters, measure: str, *, again: bool = False) -> str:
    """Why a year has no figure: the series break when there is one, else plain absence.
    `again`: the reason was already given above, so only point to the trend."""
    stage = filters.key_stage
    reasons = [
        e.text
        for e in entries_for(stage, measure, [filters.year])
        if e.kind in ("no_data", "stops") and e.year <= filters.year
    ]
    if again:
        return (
            f"No {short_label(measure)} figures to compare for {filters.year}; the trend "
            "below shows the years that have them."
        )
    if reasons:
        return " ".join(reasons)
    return (
        f"DfE publishes no {short_label(measure)} figure for disadvantaged pupils in "
        f"{filters.area_name} for {filters.year}."
    )


# --------------------------------------------------------------------------- gap two ways


def gap_view(filters: Filters, measure: str) -> ViewOrNote:
    """Disadvantaged and other pupils as two dots per area; the line between them is the
    gap within the area, the distance to the dashed line the gap to other pupils nationally."""
    table = data.cached(analysis.area_summary, filters.la_code, filters.phase, filters.year)
    part = table.filter((pl.col("measure") == measure) & pl.col("disadvantaged").is_not_null())
    if part.is_empty():
        return _why_missing(filters, measure, again=True)
    area_role = "gm_mean" if filters.is_group else "selected"
    row = _row(table, area_role, measure)
    england = _row(table, "england", measure)
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
            *((_GM_MEAN_NOTE,) if part.filter(pl.col("role") == "gm_mean").height else ()),
        ),
    )


_GM_MEAN_NOTE = (
    "GM mean: the unweighted mean of the ten Greater Manchester LAs' published figures (LAIT "
    "gives no cohort sizes to weight by)."
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
        wide.select("area", "disadvantaged", "other").to_pandas(),
        mark=mark("rule", color=SUPPRESSED_COLOUR, strokeWidth=3),
        encoding=alt.FacetedEncoding(
            y=y,
            x=alt.X("disadvantaged:Q", title=x_title, scale={"zero": False}),
            x2=alt.X2("other:Q"),
        ),
    )
    dots = alt.Chart(
        long.select("area", "pupils", "value").to_pandas(),
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
        ref = pl.DataFrame(
            {
                "x": [england_other],
                "label": [f"Other pupils in England: {fmt(england_other, measure)}"],
            }
        ).to_pandas()
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
    return alt.LayerChart(layer=layers, height=max(160, 56 * len(order)))


# --------------------------------------------------------------------------- ranking


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
    )
    if group not in analysis.LA_GROUPS:
        label = PUPIL_GROUP_LABELS[group]
        st.caption(
            f"LAIT publishes LA figures for all, disadvantaged and other pupils (and FSM / not "
            f"FSM), not for the group chosen in the sidebar ({label.lower()}): the LA "
            f"comparison and trend use disadvantaged and other pupils. The school table below "
            f"shows {label.lower()} where the performance tables publish it."
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
        return _why_missing(filters, measure, again=True)
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
        caveats.append(_GM_MEAN_NOTE)
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
        source=f"{LAIT_SOURCE}; LA figures (entity kind 'la') for academic year {filters.year}.",
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
    data = bars_data.to_pandas()
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
    names = [  # neighbours' names at two heights so they do not overprint
        alt.Chart(
            mark=mark(
                "text", angle=270, align="left", baseline="middle", dx=4 + 84 * slot, color=TEXT
            ),
            encoding=alt.FacetedEncoding(x=x, y=y, text=alt.Text("area:N")),
            transform=[{"filter": f"datum.slot == {slot}"}],
        )
        for slot in (0, 1)
    ]
    layers: list[Any] = [bars, *names]
    if not refs.height:
        return finish(alt.LayerChart(data=data, layer=layers, height=380), title)
    order = {"england": 0, "region": 1, "gm_mean": 2}
    ref_data = refs.sort(pl.col("role").replace_strict(order, default=9)).select(
        "area",
        "role",
        pl.col("value").round(3),
        (pl.col("area") + ": " + pl.col("value").round(2).cast(pl.String)).alias("reference"),
    )
    labels = ref_data["reference"].to_list()
    scale = {"domain": labels, "range": [ROLE_COLOURS[r] for r in ref_data["role"]]}
    ref = ref_data.to_pandas()
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
    chart = alt.LayerChart(
        layer=[alt.LayerChart(data=data, layer=layers), alt.LayerChart(data=ref, layer=lines)],
        resolve={"scale": {"color": "independent"}},
        height=380,
    )
    return finish(chart, title)


# --------------------------------------------------------------------------- trend


def trend_view(filters: Filters, measure: str, metric: str, last_year: str) -> ViewOrNote:
    frame = data.cached(
        analysis.gap_trend, filters.la_code, filters.phase, measure, filters.pupil_group
    )
    value = analysis.metric_value(metric)
    tidy = frame.select("academic_year", "series", "role", value.alias("value"))
    if tidy["value"].drop_nulls().is_empty():
        return f"No published {short_label(measure)} figures for {filters.area_name} in any year."
    first = str(tidy["academic_year"].min())
    span = span_years([first, max(last_year, str(tidy["academic_year"].max()))])
    role_of = dict(tidy.select("series", "role").unique().iter_rows())
    order = sorted(
        role_of, key=lambda s: ["selected", "gm_mean", "region", "england"].index(role_of[s])
    )
    colours = {s: ROLE_COLOURS[role_of[s]] for s in order}
    dashes = {s: REF_DASHES.get(role_of[s], [1, 0]) for s in order}
    label = metric_title(metric, measure, filters.pupil_group)
    title = f"{label}, {span[0]} to {span[-1]}"
    chart = views.chart(
        trend_chart,
        tidy.select("academic_year", "series", "value"),
        title=title,
        value_title=axis_title(metric, measure),
        key_stage=filters.key_stage,
        measure=measure,
        colours=colours,
        dashes=dashes,
        years=span,
        value_format=f".{shown_decimals(measure)}f",
        zero_line=_crosses_zero(tidy["value"]),
    )
    area_series = order[0]
    table = frame.select(
        "academic_year",
        "series",
        "disadvantaged",
        "other",
        "group_value",
        "gap_within",
        "gap_national",
    )
    if metric != "group_value":
        table = table.drop("group_value")
    return chart_view.ChartView(
        view_id=f"gaps-trend-{measure}",
        title=title,
        takeaway=trend_takeaway(
            tidy, area_series, filters.key_stage, measure, metric, filters.pupil_group
        ),
        source=f"{LAIT_SOURCE}; academic years {span[0]} to {span[-1]}.",
        chart=chart,
        table=table,
        file_stem=f"{filters.slug()}-gap-trend-{measure}-{metric}",
        options=(("measure", measure), ("metric", metric)),
        caveats=(
            *marker_notes(tidy, filters.key_stage, measure, span),
            *caveats_for(filters.key_stage, span, measure),
            *((_GM_MEAN_NOTE,) if "gm_mean" in role_of.values() else ()),
        ),
    )


def _crosses_zero(values: pl.Series) -> bool:
    present = [float(v) for v in values.drop_nulls().to_list()]
    return bool(present) and min(present) < 0.0 < max(present)


def trend_takeaway(
    tidy: pl.DataFrame, series: str, key_stage: str, measure: str, metric: str, group: str
) -> str:
    """Latest figure against England, then the widest and narrowest comparable years."""
    is_gap = metric != "group_value"
    show_value = (lambda v: fmt_gap(v, measure)) if is_gap else (lambda v: fmt(v, measure))
    mine = tidy.filter((pl.col("series") == series) & pl.col("value").is_not_null())
    if mine.is_empty():
        return f"No published figures for {series}."
    latest = mine.sort("academic_year").row(mine.height - 1, named=True)
    england = tidy.filter(
        (pl.col("role") == "england") & (pl.col("academic_year") == latest["academic_year"])
    )["value"].drop_nulls()
    what = "the gap" if is_gap else f"{PUPIL_GROUP_LABELS[group].lower()}' {short_label(measure)}"
    text = f"In {latest['academic_year']}, {what} in {series} was {show_value(latest['value'])}"
    if england.len() and series != "England":
        text += f" (England: {show_value(float(england[0]))})"
    flagged = years_of_kind(key_stage, measure, "flag")
    steady = mine.filter(~pl.col("academic_year").is_in(list(flagged)))
    if steady.height >= 3 and is_gap:
        high, low = steady["value"].max(), steady["value"].min()
        text += (
            f". Leaving out flagged years, it was widest in {_years_at(steady, high)} "
            f"({show_value(_num(high))}) and narrowest in {_years_at(steady, low)} "
            f"({show_value(_num(low))})"
        )
    return text + "."


def _years_at(frame: pl.DataFrame, value: Any) -> str:
    """Every year with that value (ties are named, not broken silently)."""
    years = frame.filter(pl.col("value") == value)["academic_year"].sort().to_list()
    return " and ".join([", ".join(years[:-1]), years[-1]] if len(years) > 1 else years)


# --------------------------------------------------------------------------- schools


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
    st.dataframe(
        school_display(listed, measure, filters.pupil_group).to_pandas(),
        hide_index=True,
        width="stretch",
    )
    unlisted = frame.height - listed.height
    notes = [
        f"Small cohort: fewer than {analysis.SMALL_COHORT} disadvantaged pupils, so one pupil "
        "moves the school's figure a lot. Suppressed: DfE withheld the figure to protect "
        "individuals; it is never shown as 0 or worked out from other cells."
    ]
    if unlisted:
        notes.append(
            f"{unlisted} further schools (mostly independent and non-maintained special schools) "
            "have no results split by disadvantage published and are not listed."
        )
    for note in notes:
        st.caption(note)
    st.download_button(
        "Download the school table (CSV)",
        data=csv_bytes(listed.drop("has_split")),
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
        f"gap within a school was {fmt_gap(_num(median), measure)}."
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


def _num(value: Any) -> float | None:
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
        drawn.to_pandas(),
        mark=mark("point", size=70, strokeWidth=2),
        encoding=alt.FacetedEncoding(
            x=alt.X("other:Q", title=f"Other pupils: {label}", scale=scale),
            y=alt.Y("disadvantaged:Q", title=f"Disadvantaged pupils: {label}", scale=scale),
            color=alt.ColorValue(GROUP_COLOURS["disadvantaged"]),
            fill=alt.Fill(
                "cohort:N",
                title=None,
                scale={
                    "domain": [
                        f"{analysis.SMALL_COHORT} or more disadvantaged pupils",
                        f"Fewer than {analysis.SMALL_COHORT} disadvantaged pupils",
                    ],
                    "range": [GROUP_COLOURS["disadvantaged"], "#FFFFFF"],
                },
                legend={"orient": "bottom"},
            ),
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
        pl.DataFrame({"a": domain, "b": domain}).to_pandas(),
        mark=mark("line", color=SUPPRESSED_COLOUR, strokeDash=[4, 4]),
        encoding=alt.FacetedEncoding(x=alt.X("a:Q", scale=scale), y=alt.Y("b:Q", scale=scale)),
    )
    layers: list[Any] = [diagonal, points]
    if national is not None:
        ref = pl.DataFrame(
            {"y": [national], "label": [f"Other pupils in England: {national:.1f}"]}
        ).to_pandas()
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
    return finish(alt.LayerChart(layer=layers, height=420), title)


def gap_views(filters: Filters, options: Mapping[str, str]) -> list[chart_view.ChartView]:
    """The page's charts for a story slide or shared link: options measure and metric."""
    measures = HEADLINE_MEASURES[filters.phase]
    measure = options.get("measure") or measures[0]
    if measure not in measures:
        raise views.ViewError(f"the measure {measure[:40]!r} is not shown for {filters.phase}")
    metric = options.get("metric") or default_metric(filters)
    if metric not in metric_options(filters):
        raise views.ViewError(f"the comparison {metric[:40]!r} is not available here")
    last_year = max(data.years_available(data.store_version(), None), default=filters.year)
    year, frame = school_frame(filters, measure)
    built: list[ViewOrNote] = [
        gap_view(filters, measure),
        ranking_view(filters, measure, metric),
        trend_view(filters, measure, metric, last_year),
    ]
    if year is not None:
        built.append(school_scatter_view(filters, frame.filter(pl.col("has_split")), measure, year))
    return [v for v in built if isinstance(v, chart_view.ChartView)]


views.register("gaps-", gap_views)
