"""Concentration over time: the chosen index per census year for the area, its comparators
and the England LA median (series breaks drawn as breaks), and every LA ranked by its change
from the first to the last census on one basis, against the year-to-year noise."""

from __future__ import annotations

from typing import Any, Final

import altair as alt
import polars as pl

from components import data, views
from components.chart_view import ChartView, ViewOrNote
from components.charts import AnyChart, finish, layered, mark, values, with_properties
from components.concentration.common import (
    INDEX_LABELS,
    INDEX_WORDS,
    census_source,
    is_peer,
    peer_label,
    peer_short,
)
from components.filters import Filters
from components.theme import ROLE_COLOURS, TEXT
from components.trend_chart import marker_notes, span_years, trend_chart
from equity.analysis import concentration_trends as over_time
from equity.analysis.census import census_label, comparable_years
from equity.metrics.trends import caveats_for, segments
from equity.store import Store

#: The census series whose breaks the charts draw (equity.metrics.trends).
SEGREGATION_SERIES: Final = "census_segregation"
#: How many times the typical one-year change a change must be to count as more than noise.
NOISE_FACTOR: Final = 2.0
ENGLAND_SERIES: Final = "England LA median"
CONTEXT_COLOUR: Final = "#8C8C8C"  # ROLE_COLOURS["other_la"], 3.4:1


def context_rows(context: pl.DataFrame, *, key_stage: str, measure: str) -> pl.DataFrame:
    """The drawn rows of `with_context`'s grey lines (year, academic_year, series, value,
    line): the published values, each series broken where it breaks."""
    return segments(
        context.filter(pl.col("value").is_not_null()),
        key_stage=key_stage,
        measure=measure,
        by=["series"],
    ).select(
        pl.col("academic_year").str.slice(0, 4).cast(pl.Int32).alias("year"),
        "academic_year",
        "series",
        pl.col("value").round(4),
        (pl.col("series") + " #" + pl.col("segment").cast(pl.String)).alias("line"),
    )


def with_context(
    chart: AnyChart,
    context: pl.DataFrame,
    *,
    key_stage: str,
    measure: str,
    value_title: str,
    value_format: str,
    name_title: str,
    drawn: pl.DataFrame | None = None,
) -> AnyChart:
    """`chart` (a trend_chart) with thin grey lines beneath it, one per context series
    (`series`, `academic_year`, `value`), broken where the series breaks, named on hover.
    They share the chart's scales and stay out of its legend: there may be dozens.
    `drawn`: `context_rows(context)` when the caller has it already (`every_la_context`)."""
    if context.is_empty():
        return chart
    if drawn is None:
        drawn = context_rows(context, key_stage=key_stage, measure=measure)
    x = alt.X("year:Q")
    y = alt.Y("value:Q", title=value_title)
    tooltip = [
        alt.Tooltip("series:N", title=name_title),
        alt.Tooltip("academic_year:N", title="Year"),
        alt.Tooltip("value:Q", title=value_title, format=value_format),
    ]
    lines = alt.Chart(
        mark=mark("line", color=CONTEXT_COLOUR, strokeWidth=1.2, opacity=0.55),
        encoding=alt.FacetedEncoding(x=x, y=y, detail=alt.Detail("line:N"), tooltip=tooltip),
    )
    points = alt.Chart(
        mark=mark("point", color=CONTEXT_COLOUR, filled=True, size=18, opacity=0.7),
        encoding=alt.FacetedEncoding(x=x, y=y, tooltip=tooltip),
    )
    context_layer = layered(data=values(drawn), layer=[lines, points])
    return with_properties(chart, layer=[context_layer, *chart.layer])


def every_la_context(store: Store, phase: str, index: str) -> pl.DataFrame:
    """`context_rows` of every LA's `index` series at once, with la_code, in the order
    `over_time.trend` gives comparators (by name, then year): an area's grey lines are its
    comparators' rows of this, filtered (each series is broken on its own rows only, so
    the rows are the ones the area's own context gives; tests/unit/
    test_concentration_equality.py checks every LA). Once per store, phase and index."""
    series = over_time.la_series(store, phase)
    if series.is_empty():
        return pl.DataFrame(schema={"la_code": pl.String})
    context = series.select(
        "la_code", "academic_year", pl.col("name").alias("series"), pl.col(index).alias("value")
    ).sort("series", "academic_year", "la_code")
    drawn = context.filter(pl.col("value").is_not_null())
    rows = context_rows(drawn, key_stage="census", measure=SEGREGATION_SERIES)
    return rows.with_columns(drawn["la_code"])  # context_rows keeps the rows' order


def _trend_chart(
    main: pl.DataFrame, context: pl.DataFrame, colours: dict[str, str], **kwargs: Any
) -> AnyChart:
    name_title = kwargs.pop("name_title")
    drawn = kwargs.pop("drawn", None)
    chart = trend_chart(main, colours=colours, **kwargs)
    return with_context(
        chart,
        context,
        key_stage=kwargs["key_stage"],
        measure=kwargs["measure"],
        value_title=kwargs["value_title"],
        value_format=kwargs["value_format"],
        name_title=name_title,
        drawn=drawn,
    )


def verdict(change: float, noise: float | None) -> str:
    """How a change compares with the year-to-year noise (see notes.about_indices)."""
    if noise is None or noise <= 0:
        return "the noise cannot be measured (fewer than two censuses one year apart)"
    ratio = abs(change) / noise
    size = f"{ratio:.1f} times the typical one-year change across LAs ({noise:.3f})"
    if ratio > NOISE_FACTOR:
        return f"{size}: larger than the year-to-year noise"
    if ratio >= 1:
        return f"{size}: about the size of the year-to-year noise, not clearly more"
    return f"{size}: within the year-to-year noise"


def trend_takeaway(tidy: pl.DataFrame, area: str, index: str, summary: dict[str, Any]) -> str:
    """Rose or fell, by how much, from the first to the last comparable census, against
    the noise; then the England LA median over the same span."""
    label = INDEX_LABELS[index]
    first, last = summary["first"], summary["last"]
    mine = tidy.filter((pl.col("series") == area) & pl.col("value").is_not_null())
    own = dict(mine.select("academic_year", "value").iter_rows())
    comparable = [y for y in sorted(own) if first is not None and first <= y <= last]
    comparable = [y for y in comparable if y in summary["comparable"]]
    if len(comparable) < 2:
        years = ", ".join(census_label(y) for y in sorted(own)) or "no census"
        return (
            f"{area}'s {label} has too few censuses on one ever-FSM basis to measure a change "
            f"(figures for: {years})."
        )
    a, b = comparable[0], comparable[-1]
    change = own[b] - own[a]
    direction = "rose" if change > 0 else "fell" if change < 0 else "did not change"
    more = "more" if change > 0 else "less"
    text = (
        f"{area}'s {label} {direction} from {own[a]:.3f} ({census_label(a)}) to {own[b]:.3f} "
        f"({census_label(b)}), {change:+.3f}"
    )
    if change != 0:
        text += f" ({more} concentrated)"
    text += f": {verdict(change, summary['noise'])}."
    england = dict(
        tidy.filter(pl.col("series") == ENGLAND_SERIES).select("academic_year", "value").iter_rows()
    )
    if a in england and b in england:
        text += f" The England LA median went from {england[a]:.3f} to {england[b]:.3f}."
    return text


def trend_view(selection: Filters, index: str) -> ViewOrNote:
    frame = data.cached(over_time.trend, selection.la_code, selection.phase)
    summary = dict(data.cached(over_time.change_summary, selection.phase, index))
    years = sorted(set(frame["academic_year"].to_list()))
    summary["comparable"] = comparable_years(years)
    label = INDEX_LABELS[index]
    area = selection.area_name
    tidy = frame.select("academic_year", "series", "role", pl.col(index).alias("value"))
    if tidy.filter(pl.col("role") == "selected")["value"].drop_nulls().is_empty():
        return (
            f"No census-basis {label} for {area}'s state-funded {selection.phase} "
            "schools in any loaded census."
        )
    group, codes = data.cached(over_time.comparator_las, selection.la_code)
    span = span_years(years)
    main = tidy.filter(pl.col("role") != "comparator").select("academic_year", "series", "value")
    context = tidy.filter(pl.col("role") == "comparator").select("academic_year", "series", "value")
    drawn = None  # Greater Manchester (the first screen): its own nine or ten lines
    if codes and not selection.is_group:  # an LA: its comparators' rows of every LA's
        every = data.shared(every_la_context, selection.phase, index)
        drawn = every.filter(pl.col("la_code").is_in(codes)).drop("la_code")
    colours = {area: ROLE_COLOURS["selected"], ENGLAND_SERIES: ROLE_COLOURS["england"]}
    title = (
        f"{label}, {selection.phase} schools (ever-FSM), {census_label(years[0])} to "
        f"{census_label(years[-1])}: {area}"
    )
    others = (
        f"the other {len(codes)} LAs of {group}"
        if group != "Greater Manchester"
        else ("Greater Manchester's ten LAs" if selection.is_group else "the other GM LAs")
    )
    chart = views.chart(
        _trend_chart,
        main,
        context,
        colours,
        title=title,
        value_title=label,
        key_stage="census",
        measure=SEGREGATION_SERIES,
        dashes={ENGLAND_SERIES: [6, 4]},
        years=span,
        value_format=".3f",
        name_title="LA",
        drawn=drawn,
    )
    missing = [y for y in span if y not in years]
    table = frame.select(
        "academic_year",
        pl.col("academic_year")  # one label a census year, not a Python call a row
        .replace_strict({y: census_label(y) for y in years}, return_dtype=pl.String)
        .alias("census"),
        "series",
        pl.col("role").replace_strict(
            {"selected": "chosen", "comparator": "comparator", "england": "England LA median"}
        ),
        pl.col("schools").alias("schools (England: LAs)"),
        pl.col("pupils").cast(pl.Int64).alias("pupils counted (T)"),
        pl.col("ever_fsm").alias("ever-FSM pupils (F)"),
        pl.col("pct_ever_fsm").round(2).alias("% ever-FSM"),
        *(pl.col(c).round(4) for c in INDEX_LABELS),
    )
    caveats = [
        f"Thin grey lines: {others} (hover for names); the dashed black line is the median "
        "of every English LA's index that year (not an index of England's schools).",
        *marker_notes(main, "census", SEGREGATION_SERIES, span),
        *caveats_for("census", span, SEGREGATION_SERIES),
    ]
    if missing:
        caveats.append(
            "No " + " or ".join(census_label(y) for y in missing) + " is loaded: those years "
            "have no points, and lines do not cross them."
        )
    caveats.append(f"{label}: {INDEX_WORDS[index]}.")
    return ChartView(
        view_id="concentration-trend",
        title=title,
        takeaway=trend_takeaway(tidy, area, index, summary),
        source=f"{census_source(years)}; indices computed by Equity Explorer.",
        chart=chart,
        table=table,
        file_stem=f"{selection.slug()}-segregation-trend-{index}",
        options=(("index", index),),
        caveats=tuple(caveats),
    )


def ranking_rows(ranking: pl.DataFrame, selection: Filters) -> pl.DataFrame:
    chosen = [] if selection.is_group else list(selection.members)
    return ranking.with_columns(
        pl.when(pl.col("la_code").is_in(chosen))
        .then(pl.lit("Selected LA"))
        .when(is_peer(selection))
        .then(pl.lit(peer_label(selection)))
        .otherwise(pl.lit("Other LA"))
        .alias("Role")
    )


def ranking_view(selection: Filters, index: str) -> ViewOrNote:
    ranking = data.cached(over_time.change_ranking, selection.phase, index)
    summary = data.cached(over_time.change_summary, selection.phase, index)
    label = INDEX_LABELS[index]
    named_index = label if index == "gorard" else label.lower()
    if ranking.is_empty() or ranking.height < 3:
        return (
            f"Too few censuses on one ever-FSM basis are loaded to rank LAs by the change in "
            f"their {label}."
        )
    first, last, noise = summary["first"], summary["last"], summary["noise"]
    rows = ranking_rows(ranking, selection)
    named = rows.filter(pl.col("Role") != "Other LA")
    strip = f"Other English LAs ({rows.height - named.height})"
    order = [*named["name"].to_list(), strip]
    drawn = rows.select(
        pl.when(pl.col("Role") == "Other LA").then(pl.lit(strip)).otherwise("name").alias("row"),
        pl.col("name").alias("area"),
        pl.col("change").round(4),
        "rank",
        "Role",
    )
    peer = peer_label(selection)
    domain = [r for r in ("Selected LA", peer, "Other LA") if r in drawn["Role"]]
    roles = {"Selected LA": "selected", peer: "gm_la", "Other LA": "other_la"}
    colour = alt.Color(
        "Role:N",
        scale={"domain": domain, "range": [ROLE_COLOURS[roles[r]] for r in domain]},
        legend={"orient": "bottom", "title": None},
    )
    y = alt.Y("row:N", sort=order, title=None)
    x = alt.X("change:Q", title=f"Change in the {named_index}, {first} to {last}")
    tooltip = [
        alt.Tooltip("area:N", title="LA"),
        alt.Tooltip("change:Q", title="Change", format="+.3f"),
        alt.Tooltip("rank:Q", title="Rank (1 = largest rise)"),
    ]
    layers: list[Any] = []
    if noise:
        band = values(
            pl.DataFrame({"low": [-NOISE_FACTOR * noise], "high": [NOISE_FACTOR * noise]})
        )
        layers.append(
            alt.Chart(
                band,
                mark=mark("rect", color="#EDEDED", opacity=0.9),
                encoding=alt.FacetedEncoding(x=alt.X("low:Q"), x2=alt.X2("high:Q")),
            )
        )
    layers.append(
        alt.Chart(
            values(pl.DataFrame({"zero": [0.0]})),
            mark=mark("rule", color=TEXT, strokeWidth=1),
            encoding=alt.FacetedEncoding(x=alt.X("zero:Q")),
        )
    )
    rows_data = values(drawn)
    layers += [
        alt.Chart(
            rows_data,
            mark=mark("tick", thickness=1.5, size=18, opacity=0.7),
            encoding=alt.FacetedEncoding(x=x, y=y, color=colour, tooltip=tooltip),
            transform=[{"filter": "datum.Role == 'Other LA'"}],
        ),
        alt.Chart(
            rows_data,
            mark=mark("circle", size=150, opacity=1),
            encoding=alt.FacetedEncoding(x=x, y=y, color=colour, tooltip=tooltip),
            transform=[{"filter": "datum.Role != 'Other LA'"}],
        ),
        alt.Chart(
            rows_data,
            mark=mark("text", align="left", dx=9, color=TEXT),
            encoding=alt.FacetedEncoding(
                x=x, y=y, text=alt.Text("change:Q", format="+.3f"), tooltip=tooltip
            ),
            transform=[{"filter": "datum.Role != 'Other LA'"}],
        ),
    ]
    title = (
        f"Change in the {named_index} ({selection.phase} schools, ever-FSM), "
        f"{census_label(first)} to {census_label(last)}: every LA"
    )
    chart = views.chart(lambda: finish(layered(layer=layers, height=34 * len(order) + 40), title))
    table = rows.select(
        pl.col("rank").alias(f"rank (1 = largest rise, of {rows.height})"),
        pl.col("name").alias("LA"),
        pl.col("la_code").alias("LA code"),
        "region",
        pl.col("first_value").round(4).alias(f"{label}, {first}"),
        pl.col("last_value").round(4).alias(f"{label}, {last}"),
        pl.col("change").round(4),
        (
            pl.when(pl.col("change").abs() > NOISE_FACTOR * (noise or 0))
            .then(pl.lit("larger than noise"))
            .otherwise(pl.lit("within twice the noise"))
            if noise
            else pl.lit(None, dtype=pl.String)
        ).alias("against noise"),
    )
    series_las = int(summary.get("las", 0))
    caveats = [
        f"Both years are on one ever-FSM basis; the {census_label('2020/21')}, on another "
        "(a share of all pupils on roll), is not used.",
        f"Shaded: within twice the typical one-year change across LAs (±{NOISE_FACTOR * noise:.3f})"
        if noise
        else "The year-to-year noise cannot be measured from the loaded censuses.",
    ]
    if series_las > rows.height:
        caveats.append(
            f"{series_las - rows.height} LA codes without both censuses (LAs formed or merged "
            "in between) are not ranked."
        )
    return ChartView(
        view_id="concentration-change",
        title=title,
        takeaway=ranking_takeaway(rows, selection, label, noise),
        source=f"{census_source([first, last])}; indices computed by Equity Explorer.",
        chart=chart,
        table=table,
        file_stem=f"{selection.slug()}-segregation-change-{index}",
        options=(("index", index),),
        caveats=tuple(caveats),
    )


def ranking_takeaway(
    rows: pl.DataFrame, selection: Filters, label: str, noise: float | None
) -> str:
    rose = rows.filter(pl.col("change") > 0).height
    beyond = rows.filter(pl.col("change").abs() > NOISE_FACTOR * noise).height if noise else None
    text = f"{rose} of {rows.height} LAs became more concentrated by this index"
    if beyond is not None:
        text += f"; {beyond} changed by more than twice the typical one-year change"
    text += "."
    mine = rows.filter(pl.col("Role") == "Selected LA")
    if mine.height:
        row = mine.row(0, named=True)
        text = (
            f"{row['name']}: {row['change']:+.3f}, rank {row['rank']} of {rows.height} "
            f"(1 = largest rise). " + text
        )
    gm = rows.filter(is_peer(selection)).sort("change")
    if gm.height:
        low, high = gm.row(0, named=True), gm.row(-1, named=True)
        text += (
            f" {peer_short(selection)}'s LAs range from {low['change']:+.3f} ({low['name']}) to "
            f"{high['change']:+.3f} ({high['name']})."
        )
    return text
