"""School trends: one school over five censuses and seven destination cohorts beside its LA
and England, its attainment where performance tables are loaded, and the area's schools
that moved most.

The school picker sits above the tabs (every tab about one school follows it, and it stays
in the link as `?school=`); each section is a lazy tab (components/sections.py), so a first
visit draws the first tab only (the school's attainment where its area's performance tables
are loaded, else its intake) and the others run when opened (`?section=<label>`)."""

import streamlit as st

from components import chart_panel, data, filters, notices, sections, widgets
from components.school_trends import area, intake, intake_movers, movers, picker
from components.school_trends import school as one_school

ATTAINMENT = "Attainment"
INTAKE = "Intake"
DESTINATIONS = "Destinations"
MOVERS = "Schools that moved most"

selection = filters.current()
st.title(f"School trends: {selection.area_name}")
st.markdown(
    "Follow one school over the years: its disadvantaged and other pupils' attainment (where "
    "DfE performance tables are loaded), its share of ever-FSM and FSM pupils in each January "
    "school census and where its pupils went after KS4, each against its local authority and "
    "England. Then see which of the area's schools moved most. Series breaks are drawn as "
    "breaks; suppressed figures stay suppressed."
)
st.header("One school over time", anchor=False)
notices.pupil_group(
    selection,
    ("disadvantaged", "other"),
    "this page follows each school's share of pupils eligible for free school meals and its "
    "disadvantaged and other pupils' results and destinations",
    offer=("disadvantaged", "other"),
)
school = picker.school_picker(selection)
no_school = (
    f"No state-funded {selection.phase} school of {selection.area_name} is in the loaded "
    "census or performance tables."
)
if school is None:
    st.info(no_school)

# The first tab shows the chosen school: its attainment where the area's performance tables
# are loaded; elsewhere (most of England, and Greater Manchester by default) attainment is
# only the LA's published figures, so its intake, the series every school has, comes first.
school_series = [INTAKE, *([DESTINATIONS] if selection.phase == "secondary" else [])]
if picker.has_schools(selection):
    labels = [ATTAINMENT, *school_series, MOVERS]
else:
    labels = [*school_series, ATTAINMENT, MOVERS]
tabs = dict(zip(labels, sections.tabs(labels), strict=True))

if tabs[ATTAINMENT].open:
    with tabs[ATTAINMENT]:
        st.subheader(f"Attainment by disadvantage ({selection.key_stage.upper()})", anchor=False)
        measure = widgets.measure_picker(selection, key="trends_measure")
        if not picker.has_schools(selection):
            st.info(widgets.no_school_data(selection), icon=":material/info:")
            last_year = max(
                data.years_available(data.store_version(), None), default=selection.year
            )
            chart_panel.show(area.area_view(selection, measure, last_year))
        else:
            if school is not None and picker.has_results(selection, school):
                chart_panel.show(one_school.school_view(selection, school, measure))
                one_school.school_table(selection, school, measure)
            else:
                st.caption(
                    f"The chosen school has no {selection.key_stage.upper()} performance-table "
                    "results loaded; choose one of the area's schools with results to see its "
                    "attainment."
                )

if tabs[INTAKE].open:
    with tabs[INTAKE]:
        if school is None:
            st.info(no_school)
        else:
            chart_panel.show(intake.census_view(selection, school))

if DESTINATIONS in tabs and tabs[DESTINATIONS].open:
    with tabs[DESTINATIONS]:
        if school is None:
            st.info(no_school)
        else:
            chart_panel.show(intake.destinations_view(selection, school))

if tabs[MOVERS].open:
    with tabs[MOVERS]:
        st.subheader("Which schools moved most", anchor=False)
        if picker.has_schools(selection):
            # The area's attainment movers sit with its other movers, not under one school:
            # the Attainment tab stays about the chosen school (and its first screen draws
            # one chart, not two).
            measure = widgets.measure_picker(selection, key="trends_measure")
            span = movers.span_picker(selection)
            if span is None:
                st.info("Only one year of school results is loaded, so there is no change to show.")
            else:
                st.markdown(movers.cohort_rule(*span))
                chart_panel.show(movers.movers_view(selection, measure, span))
        chart_panel.show(intake_movers.census_movers_view(selection))
        if selection.phase == "secondary":
            chart_panel.show(intake_movers.destination_movers_view(selection))
