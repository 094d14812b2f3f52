"""The area's results by pupil group over time, shown when no school files are loaded."""

from __future__ import annotations

import polars as pl

from components import chart_view, data
from components.chart_view import ViewOrNote
from components.filters import Filters
from components.school_trends.school import trend_of, value_at
from components.text import (
    LAIT_SOURCE,
    fmt,
    fmt_gap,
    short_label,
)
from components.theme import GROUP_COLOURS
from components.trend_chart import marker_notes, span_years
from equity.analysis import school_trends as analysis
from equity.metrics.trends import caveats_for


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
        dis = value_at(frame, "la", "disadvantaged", year)
        other = value_at(frame, "la", "other", year)
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
        chart=trend_of(
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
