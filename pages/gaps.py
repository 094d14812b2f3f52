"""Attainment gaps: disadvantaged vs other pupils, measured two ways, across England,
over time and school by school."""

import streamlit as st

from components import data, filters, gaps, notices

selection = filters.current()
st.title(f"Attainment gaps: {gaps.area_name(selection)}")
st.markdown(
    "How far do disadvantaged pupils trail other pupils? Measured **within the area** (its "
    "other pupils) and **against other pupils nationally** (DfE's measure), compared with every "
    "local authority in England, followed over time, and school by school where school files "
    "are loaded."
)
st.header(f"The gap in {selection.year}", anchor=False)
measure = gaps.measure_picker(selection, key="gaps_measure")
notices.pupil_group(
    selection,
    ("disadvantaged", "other"),
    "a disadvantage gap compares disadvantaged pupils with other pupils (the ranking below "
    "can show the chosen group's own figure where DfE publishes it)",
    offer=("disadvantaged", "other"),
)
gaps.headline(selection)
gaps.show(gaps.gap_view(selection, measure))

st.header("How the gap compares across England's local authorities", anchor=False)
metric = gaps.metric_picker(selection)
gaps.show(gaps.ranking_view(selection, measure, metric))

st.header("The gap over time", anchor=False)
last_year = max(data.years_available(data.store_version(), None), default=selection.year)
gaps.show(gaps.trend_view(selection, measure, metric, last_year))

st.header("School by school", anchor=False)
gaps.school_section(selection, measure)
