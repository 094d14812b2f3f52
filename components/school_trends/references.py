"""Story and link references for the School trends page: every view rebuilt from plain
strings (components/views.py)."""

from __future__ import annotations

from collections.abc import Mapping

from components import chart_view, data, views
from components.chart_view import ViewOrNote
from components.filters import Filters
from components.school_trends.area import area_view
from components.school_trends.intake import census_view, destinations_view
from components.school_trends.intake_movers import census_movers_view, destination_movers_view
from components.school_trends.movers import movers_view
from components.school_trends.picker import URN_PATTERN
from components.school_trends.school import school_view
from equity.analysis import gaps as gap_analysis
from equity.analysis import school_trends as school_analysis
from equity.schema import HEADLINE_MEASURES, MEASURES


def trend_views(filters: Filters, options: Mapping[str, str]) -> list[chart_view.ChartView]:
    """The page's charts for a story slide or shared link: options measure, urn, first, last.

    The census and destinations views come first (every school in England has them); the
    attainment views follow where performance tables are loaded."""
    built: list[ViewOrNote] = []
    given = options.get("urn")
    if given and not URN_PATTERN.match(given):
        raise views.ViewError("the school reference is not a URN")
    # Without a school (an empty story presents the page's charts) the page's default one.
    urn = given or data.cached(school_analysis.default_trend_school, filters.members, filters.phase)
    if urn:
        built.append(census_view(filters, urn))
        if filters.phase == "secondary":
            built.append(destinations_view(filters, urn))
    built.append(census_movers_view(filters))
    if filters.phase == "secondary":
        built.append(destination_movers_view(filters))
    measures = HEADLINE_MEASURES[filters.phase]
    measure = options.get("measure") or measures[0]
    if measure not in measures or measure not in MEASURES:
        raise views.ViewError(f"the measure {measure[:40]!r} is not shown for {filters.phase}")
    if given and options.get("measure"):
        built.append(school_view(filters, given, measure))
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
