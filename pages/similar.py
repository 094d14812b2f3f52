"""Similar schools: a school's family of similar intake, and who beats the odds in it.

The census, the school and the weights sit above the tabs (every tab follows them, and they
stay in the link); each section is a lazy tab (components/sections.py), so a first visit
draws the family table only and the outcome charts, the ranking for disadvantaged pupils and
"beating the odds" run when their tab is opened (`?section=<label>`)."""

import streamlit as st

from components import chart_panel, filters, notices, sections
from components.charts import chart_height
from components.similar import common, family, link, method, odds, outcomes, widgets

FAMILY = "Family"
RESULTS = "Results"
BEST = "Best for disadvantaged"
ODDS = "Beating the odds"

selection = filters.current()
st.title("Similar schools")
st.markdown(
    "Compare a school with the schools most like it in intake (ever-FSM, English as an "
    "additional language, special needs and size, each with a weight you can change), not "
    "with the whole LA, and see which of them do best for disadvantaged pupils."
)
notices.pupil_group(
    selection,
    ("disadvantaged", "other", "all"),
    "schools' results here are compared for disadvantaged, other and all pupils",
    offer=("disadvantaged", "other", "all"),
)
selection = (
    notices.at_nearest_year(
        selection,
        notices.school_level_years(
            selection, (f"{selection.key_stage}_performance",), anywhere=True
        ),
        "School results split by disadvantage",
        "similar",
    )
    or selection
)
census = widgets.census_picker()
context = common.load_context(selection, census)
method.data_notes(context, selection)
choice = widgets.controls(selection, context, census or "") if census else None
if census is None:
    st.info("No school census is loaded, so there is no intake to compare schools on.")
result = widgets.family(context, choice) if choice else None
if choice and result:
    family.summary(result, choice)
    family_tab, results_tab, best_tab, odds_tab = sections.tabs([FAMILY, RESULTS, BEST, ODDS])
    if family_tab.open:
        with family_tab:
            family.why_similar(result, choice, selection)
    if results_tab.open:
        with results_tab:
            for view in outcomes.outcome_views(result, context, choice, selection):
                chart_panel.render(view, height=chart_height(view.chart))
    if best_tab.open:
        with best_tab:
            outcomes.best_for_disadvantaged(result, context, choice)
    if odds_tab.open:
        with odds_tab:
            spec = odds.odds_picker(context, choice)
            beating = odds.odds_section(context, result, choice, spec) if spec else None
            if spec and beating:
                chart_panel.render(beating[0], height=chart_height(beating[0].chart))
                odds.odds_list(context, beating[1], spec, result)
    link.permalink(choice, selection)
method.method()
