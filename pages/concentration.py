"""Where disadvantage concentrates: spread across schools, segregation indices, two maps."""

import streamlit as st

from components import chart_panel, filters, maps, notices
from components import concentration as conc

selection = filters.current()
conc.intro(selection)
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
page = conc.load(selection)
conc.basis_note(page.basis, selection, page.comparison)

if page.summary["basis"] != "none":
    conc.headline(page.summary, selection, page.summary["pct"])
    st.header("How concentrated is disadvantage?", anchor=False)
    conc.explain_indices()
    index = conc.index_picker()
    view = (
        conc.comparison_view(page.compared(), selection, index, page.comparison)
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
    curve = conc.curve(selection, page)
    if curve is not None:
        chart_panel.render(curve)

if not page.schools.is_empty():
    st.header("Which schools have the highest shares?", anchor=False)
    distribution = conc.distribution_view(page.schools, selection, page.basis, page.share)
    if distribution is not None:
        chart_panel.render(distribution)
    school_map = conc.school_map_panel(selection, page)
    if school_map is not None:
        maps.render(school_map)
    conc.highest_share(page.schools, selection, page.share)
elif page.share != "disadvantaged":
    st.info(f"No school census for {selection.year} is loaded: the census is for 2018/19.")

st.header("Every local authority in England", anchor=False)
indicator = conc.indicator_picker()
maps.render(conc.choropleth(page.la_table, page.bounds, selection, indicator))
