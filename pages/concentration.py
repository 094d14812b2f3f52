"""Where disadvantage concentrates: spread across schools, segregation indices, two maps."""

import streamlit as st

from components import chart_panel, filters, maps, notices
from components.concentration import choropleth, common, notes, school_map, spread

selection = filters.current()
notes.intro(selection)
selection = (
    notices.at_nearest_year(
        selection,
        notices.school_level_years(
            selection, ("school_census", f"{selection.key_stage}_performance")
        ),
        "School-level figures on this page",
        "concentration",
    )
    or selection
)
page = common.load(selection)
notes.basis_note(page.basis, selection, page.comparison)

if page.summary["basis"] != "none":
    notes.headline(page.summary, selection, page.summary["pct"])
    st.header("How concentrated is disadvantage?", anchor=False)
    notes.explain_indices()
    index = spread.index_picker()
    view = (
        spread.comparison_view(page.compared(), selection, index, page.comparison)
        if page.comparison
        else None
    )
    if view is not None:
        chart_panel.render(view)
    else:
        st.info(
            f"Too few LAs have school-level counts for {selection.year} to compare: the "
            "January 2019 census (2018/19) covers every LA."
        )
    curve = spread.curve(selection, page)
    if curve is not None:
        chart_panel.render(curve)

if not page.schools.is_empty():
    st.header("Which schools have the highest shares?", anchor=False)
    distribution = spread.distribution_view(page.schools, selection, page.basis, page.share)
    if distribution is not None:
        chart_panel.render(distribution)
    panel = school_map.school_map_panel(selection, page)
    if panel is not None:
        maps.render(panel)
    spread.highest_share(page.schools, selection, page.share)
elif page.share != "disadvantaged":
    st.info(f"No school census for {selection.year} is loaded: the census is for 2018/19.")

st.header("Every local authority in England", anchor=False)
indicator = choropleth.indicator_picker()
maps.render(choropleth.choropleth(page.la_table, page.bounds, selection, indicator))
