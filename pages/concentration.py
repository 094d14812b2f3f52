"""Where disadvantage concentrates: ever-FSM pupils across schools, over five censuses."""

import streamlit as st

from components import chart_panel, data, filters, maps
from components.concentration import (
    choropleth,
    common,
    notes,
    school_map,
    school_years,
    spread,
    trend,
)
from equity.analysis import concentration as analysis

selection = filters.current()
notes.intro(selection)
page = common.load(selection)
notes.year_notice(selection, page)

if page.census_year is not None:
    shown = page.shown
    notes.basis_note(page)
    if page.summary["basis"] != "none":
        notes.headline(page.summary, selection, page.census_year)
    st.header("How concentrated are ever-FSM pupils, and has that changed?", anchor=False)
    index = spread.index_picker()
    chart_panel.show(trend.trend_view(selection, index))
    change = data.cached(analysis.change_summary, selection.phase, index)
    notes.about_indices(change["noise"], change["pairs"])
    chart_panel.show(trend.ranking_view(selection, index))
    view = (
        spread.comparison_view(page.compared(), shown, index, page.comparison)
        if page.comparison
        else None
    )
    if view is not None:
        chart_panel.render(view)
    curve = spread.curve(shown, page) if page.summary["basis"] != "none" else None
    if curve is not None:
        chart_panel.render(curve)

    st.header("Which schools have the highest shares, and which moved?", anchor=False)
    chart_panel.show(school_years.school_lines_view(selection))
    chart_panel.show(school_years.movers_view(selection))
    if not page.schools.is_empty():
        distribution = spread.distribution_view(page.schools, shown, page.basis, page.share)
        if distribution is not None:
            chart_panel.render(distribution)
        panel = school_map.school_map_panel(selection, page)
        if panel is not None:
            maps.render(panel)
        spread.highest_share(page.schools, shown, page.share)

st.header("Every local authority in England", anchor=False)
indicator = choropleth.indicator_picker()
maps.render(
    choropleth.choropleth(page.la_table, page.bounds, selection, indicator, page.census_year)
)
