"""Similar schools: a school's family of similar intake, and who beats the odds in it."""

import streamlit as st

from components import chart_panel, filters, notices, similar
from components.charts import chart_height

selection = filters.current()
st.title("Similar schools")
st.markdown(
    "Compare a school with the schools most like it in intake (disadvantage, English as an "
    "additional language, special needs and size), not with the whole LA, and see which of "
    "them do best for disadvantaged pupils."
)
notices.pupil_group(
    selection,
    ("disadvantaged", "other", "all"),
    "schools' results here are compared for disadvantaged, other and all pupils",
    offer=("disadvantaged", "other", "all"),
)
context = similar.load_context(selection)
similar.data_notes(context, selection)
choice = similar.controls(selection, context)
result = similar.family(context, choice) if choice else None
if choice and result:
    similar.summary(result, choice)
    similar.why_similar(result, choice, selection)
    for view in similar.outcome_views(result, context, choice, selection):
        chart_panel.render(view, height=chart_height(view.chart))
    similar.best_for_disadvantaged(result, context, choice)
    spec = similar.odds_picker(context, choice)
    odds = similar.odds_section(context, result, choice, spec) if spec else None
    if spec and odds:
        chart_panel.render(odds[0], height=chart_height(odds[0].chart))
        similar.odds_list(context, odds[1], spec, result)
    similar.permalink(choice, selection)
similar.method()
