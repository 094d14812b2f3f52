"""Where disadvantage concentrates: ever-FSM pupils across schools, over five censuses.

The tiles and notices that describe the whole page come first; each section is a tab whose
charts are drawn only while it is open (components/sections.py), so a first visit draws the
tiles and the trend of the chosen index, and the rankings, the schools and the maps one
click (or one link, `?section=`) away."""

import streamlit as st

from components import chart_panel, data, filters, maps, progressive, sections
from components.concentration import (
    choropleth,
    common,
    notes,
    school_map,
    school_years,
    spread,
    trend,
)
from equity.analysis import concentration_trends

selection = filters.current()
notes.intro(selection)
page = common.load(selection)
notes.year_notice(selection, page)


def la_map() -> None:
    """Every LA in England on LAIT's published figures (drawn with or without a census)."""
    st.header("Every local authority in England", anchor=False)
    indicator = choropleth.indicator_picker()
    maps.render(
        choropleth.choropleth(page.la_table, page.bounds, selection, indicator, page.census_year)
    )


if page.census_year is None:
    la_map()  # no census: the LA map is all the page has, so no tabs
else:
    shown = page.shown
    notes.basis_note(page)
    if page.summary["basis"] != "none":
        notes.headline(page.summary, selection, page.census_year)
    over_time, ranking, schools, school_places, england = sections.tabs(common.SECTIONS)

    if over_time.open:
        with over_time:
            st.header("How concentrated are ever-FSM pupils, and has that changed?", anchor=False)
            index = spread.index_picker()

            def over_time_chart() -> None:
                chart_panel.show(trend.trend_view(selection, index))
                change = data.cached(concentration_trends.change_summary, selection.phase, index)
                notes.about_indices(change["noise"], change["pairs"])

            # Below the first screen: drawn as soon as the tiles above it are on screen.
            progressive.below_first_screen(
                "concentration-trend", "Draw the chart of this index over time", over_time_chart
            )

    if ranking.open:
        with ranking:
            st.header("How the area compares with every local authority", anchor=False)
            index = spread.index_picker()
            chart_panel.show(trend.ranking_view(selection, index))
            view = (
                spread.comparison_view(page.compared(), shown, index, page.comparison)
                if page.comparison
                else None
            )
            if view is not None:
                chart_panel.render(view)

    if schools.open:
        with schools:
            st.header("Which schools have the highest shares, and which moved?", anchor=False)
            chart_panel.show(school_years.school_lines_view(selection))
            chart_panel.show(school_years.movers_view(selection))
            curve = spread.curve(shown, page) if page.summary["basis"] != "none" else None
            if curve is not None:
                chart_panel.render(curve)
            if not page.schools.is_empty():
                distribution = spread.distribution_view(page.schools, shown, page.basis, page.share)
                if distribution is not None:
                    chart_panel.render(distribution)
                spread.highest_share(page.schools, shown, page.share)

    if school_places.open:
        with school_places:
            st.header("Where the schools are", anchor=False)
            panel = school_map.school_map_panel(selection, page)  # None: no school to map
            if panel is not None:
                maps.render(panel)
            else:
                st.info(notes.NO_SCHOOL_MAP, icon=":material/info:")

    if england.open:
        with england:
            la_map()
