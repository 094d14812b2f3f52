"""School trends: one school's results over the years beside its LA and England, and the
LA's schools whose disadvantaged pupils' results moved most."""

import streamlit as st

from components import chart_panel, data, filters, notices, widgets
from components.school_trends import area, movers, picker
from components.school_trends import school as one_school

selection = filters.current()
st.title(f"School trends: {selection.area_name}")
st.markdown(
    "Follow one school's results for disadvantaged and other pupils over the years it has "
    "published results, against its local authority and England, then see which schools' "
    "disadvantaged pupils did better or worse between two years. Series breaks are drawn as "
    "breaks; suppressed results stay suppressed."
)
st.header("One school over time", anchor=False)
measure = widgets.measure_picker(selection, key="trends_measure")
notices.pupil_group(
    selection,
    ("disadvantaged", "other"),
    "this page follows disadvantaged and other pupils' results",
    offer=("disadvantaged", "other"),
)
school = picker.school_picker(selection)
if school is None and not picker.has_schools(selection):
    st.info(widgets.no_school_data(selection), icon=":material/info:")
    last_year = max(data.years_available(data.store_version(), None), default=selection.year)
    chart_panel.show(area.area_view(selection, measure, last_year))
elif school is None:
    st.caption("Choose a school above (type part of its name or its URN) to see its results.")
else:
    chart_panel.show(one_school.school_view(selection, school, measure))
    one_school.school_table(selection, school, measure)

if picker.has_schools(selection):
    st.header("Which schools moved most for disadvantaged pupils", anchor=False)
    span = movers.span_picker(selection)
    if span is None:
        st.info("Only one year of school results is loaded, so there is no change to show.")
    else:
        st.markdown(movers.cohort_rule(*span))
        chart_panel.show(movers.movers_view(selection, measure, span))
