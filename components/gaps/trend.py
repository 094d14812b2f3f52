"""The gap over time, with series breaks drawn as breaks."""

from __future__ import annotations

from typing import Any

import polars as pl

from components import chart_view, data, views
from components.chart_view import ViewOrNote
from components.filters import Filters
from components.gaps.ranking import REF_DASHES, axis_title, metric_title
from components.gaps.schools import number_or_none
from components.gaps.two_ways import GM_MEAN_NOTE
from components.text import (
    LAIT_SOURCE,
    fmt,
    fmt_gap,
    short_label,
    shown_decimals,
)
from components.theme import ROLE_COLOURS
from components.trend_chart import marker_notes, span_years, trend_chart
from equity.analysis import gaps as analysis
from equity.metrics.trends import caveats_for, years_of_kind
from equity.schema import PUPIL_GROUP_LABELS


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
            *((GM_MEAN_NOTE,) if "gm_mean" in role_of.values() else ()),
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
            f"({show_value(number_or_none(high))}) and narrowest in {_years_at(steady, low)} "
            f"({show_value(number_or_none(low))})"
        )
    return text + "."


def _years_at(frame: pl.DataFrame, value: Any) -> str:
    """Every year with that value (ties are named, not broken silently)."""
    years = frame.filter(pl.col("value") == value)["academic_year"].sort().to_list()
    return " and ".join([", ".join(years[:-1]), years[-1]] if len(years) > 1 else years)
