"""Story and link references for the Attainment gaps page: every view rebuilt from plain
strings (components/views.py)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from components import chart_view, data, views
from components.chart_view import ViewOrNote
from components.filters import Filters
from components.gaps.ranking import default_metric, metric_options, ranking_view
from components.gaps.schools import school_frame, school_scatter_view
from components.gaps.trend import trend_view
from components.gaps.two_ways import gap_view
from equity.schema import HEADLINE_MEASURES


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
