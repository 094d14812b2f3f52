"""Overview: the headline equity picture for the chosen authority, phase and year."""

import streamlit as st

from components import chart_panel, data, filters, notices, overview
from equity.analysis.comparators import comparators
from equity.headline import headline_gaps

selection = filters.current()
compared = data.shared(comparators, selection.la_code)
st.title(f"Equity overview: {selection.la_label}, {selection.year}")
st.markdown(
    "How far do disadvantaged pupils (eligible for free school meals in the last six years, or "
    f"looked after) trail other pupils here, and how does that compare with "
    f"{compared.compared_with}?"
)
notices.pupil_group(
    selection,
    ("disadvantaged", "other"),
    "the Overview compares disadvantaged pupils with other pupils, the split DfE publishes "
    "for every local authority",
    offer=("disadvantaged", "other"),
)
table = data.shared(headline_gaps, selection.la_code, selection.phase)
overview.headline_metrics(table, selection)
st.header(f"Compared with {compared.compared_with}", anchor=False)
for view in overview.comparison_views(table, selection):
    chart_panel.render(view)
overview.coverage_note(selection)
