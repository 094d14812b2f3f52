"""Attainment gaps: disadvantaged vs other pupils, measured two ways, across England,
over time and school by school.

The tiles and notices that describe the whole page come first; each section is a tab whose
charts are drawn only while it is open (components/sections.py), so a first visit draws the
tiles and the area's gap, and the ranking, the trend and the schools one click (or one link,
`?section=`) away."""

import streamlit as st

from components import chart_panel, data, filters, notices, sections, widgets
from components.gaps import headline, ranking, schools, trend, two_ways

selection = filters.current()
st.title(f"Attainment gaps: {selection.area_name}")
st.markdown(
    "How far do disadvantaged pupils trail other pupils? Measured **within the area** (its "
    "other pupils) and **against other pupils nationally** (DfE's measure), compared with every "
    "local authority in England, followed over time, and school by school where school files "
    "are loaded."
)
st.header(f"The gap in {selection.year}", anchor=False)
measure = widgets.measure_picker(selection, key="gaps_measure")
notices.pupil_group(
    selection,
    ("disadvantaged", "other"),
    "a disadvantage gap compares disadvantaged pupils with other pupils (the ranking, in the "
    f"{headline.SECTIONS[1]} tab, can show the chosen group's own figure where DfE publishes "
    "it)",
    offer=("disadvantaged", "other"),
)
headline.headline(selection)
the_gap, across_england, over_time, by_school = sections.tabs(headline.SECTIONS)

if the_gap.open:
    with the_gap:
        chart_panel.show(two_ways.gap_view(selection, measure))

if across_england.open:
    with across_england:
        st.header("How the gap compares across England's local authorities", anchor=False)
        metric = ranking.metric_picker(selection)
        chart_panel.show(ranking.ranking_view(selection, measure, metric))

if over_time.open:
    with over_time:
        st.header("The gap over time", anchor=False)
        metric = ranking.metric_picker(selection)
        last_year = max(data.years_available(data.store_version(), None), default=selection.year)
        chart_panel.show(trend.trend_view(selection, measure, metric, last_year))

if by_school.open:
    with by_school:
        st.header("School by school", anchor=False)
        schools.school_section(selection, measure)
