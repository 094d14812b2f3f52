"""Story and link references for the Concentration page: every view rebuilt from plain
strings (components/views.py)."""

from __future__ import annotations

from collections.abc import Mapping

from components import maps, views
from components.chart_view import ChartView, ViewOrNote
from components.concentration.choropleth import DEFAULT_INDICATOR, choropleth
from components.concentration.common import INDEX_LABELS, load, option_of
from components.concentration.school_map import school_map_panel
from components.concentration.school_years import movers_view, school_lines_view
from components.concentration.spread import comparison_view, curve, distribution_view
from components.concentration.trend import ranking_view, trend_view
from components.filters import Filters
from equity.analysis.concentration import INDICATORS


def _views(selection: Filters, options: Mapping[str, str]) -> list[ChartView]:
    """The page's charts and the maps' static twins, for story slides and shared links."""
    index = option_of(options, "index", INDEX_LABELS, "gorard")
    indicator = option_of(options, "indicator", INDICATORS, DEFAULT_INDICATOR)
    page = load(selection)
    found: list[ViewOrNote | None] = []
    if page.census_year is not None:
        found += [trend_view(selection, index), ranking_view(selection, index)]
        if page.comparison:
            found.append(comparison_view(page.compared(), page.shown, index, page.comparison))
        if page.summary["basis"] != "none":
            found.append(curve(page.shown, page))
        found += [school_lines_view(selection), movers_view(selection)]
        if not page.schools.is_empty():
            found.append(distribution_view(page.schools, page.shown, page.basis, page.share))
            panel = school_map_panel(selection, page)
            found.append(maps.static_view(panel) if panel else None)
    found.append(
        maps.static_view(
            choropleth(page.la_table, page.bounds, selection, indicator, page.census_year)
        )
    )
    return [view for view in found if isinstance(view, ChartView)]


views.register("concentration-", _views)
