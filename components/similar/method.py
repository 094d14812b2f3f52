"""The Similar schools page's data notes and method text."""

from __future__ import annotations

import streamlit as st

from components import notices, sections
from components.filters import Filters
from components.similar.common import census_label
from equity import kinds
from equity.analysis import similar


def data_notes(context: similar.Context, selection: Filters) -> None:
    """Say which outcomes exist for this phase and year, and where."""
    perf = similar.names_with_results_by_disadvantage(context)
    stage = "KS4" if context.phase == "secondary" else "KS2"
    lines = [
        f"Context for every school: the {census_label(context.years.get('school_census', ''))} "
        "school census (choose another above).",
        f"{stage} results split by disadvantage for {selection.year} (DfE performance "
        f"tables): {_where_results(perf, context, selection)}.",
    ]
    other_years = _other_performance_years(selection, stage.lower())
    if other_years:
        lines.append(
            f"For {selection.la_label}, {stage} results by disadvantage are loaded for "
            f"{', '.join(other_years)}: choose one in the Academic year filter to see them."
        )
    if context.phase == "secondary":
        lines.append(
            "All England: KS4 provisional results 2018/19 (all pupils), and sustained "
            "destinations of disadvantaged and other pupils who finished KS4 in "
            f"{context.years.get(kinds.KS4_DESTINATIONS, 'n/a')}, pooled over those cohorts."
        )
    else:
        lines.append(
            "All England: KS2 progress scores 2018/19 for all pupils; primary results by "
            "disadvantage exist only where performance tables are loaded."
        )
    st.caption(" ".join(lines))


#: Up to this many LAs with results are named; more are counted (at national scale the list
#: was some 150 names, a dozen lines of text above the school picker).
MAX_NAMED = 12


def _where_results(perf: tuple[str, ...], context: similar.Context, selection: Filters) -> str:
    """The LAs with results, named when few, else counted with the selected area's place
    among them (the Data and methods page lists them all)."""
    if not perf:
        return "none loaded"
    if len(perf) <= MAX_NAMED:
        return ", ".join(perf)
    names = similar.la_names_of(context, selection.members)
    missing = [name for name in names if name not in perf]
    counted = f"{len(perf)} local authorities (listed on the Data and methods page)"
    if not names:
        return counted
    if not missing:
        among = names[0] if len(names) == 1 else f"all {len(names)} {selection.area_name} LAs"
        return f"{counted}, {among} among them"
    return f"{counted}, not {', '.join(missing)}"


def _other_performance_years(selection: Filters, stage: str) -> list[str]:
    """Years other than the selected one with performance tables for the authority."""
    years = notices.school_level_years(selection, (kinds.PERFORMANCE_BY_STAGE[stage],))
    return [] if selection.year in years else years


METHOD = """
**Who can be in a family.** State-funded mainstream schools of the chosen phase in the
chosen January school census (the newest by default; special schools, independent schools
and schools that had closed by then are not). The pool is the school's own LA, the ten
Greater Manchester LAs, or every loaded school in England. A primary school is compared
only with schools of its own kind (full primary, infant, junior or all-through) unless the
"mix" box is ticked: schools serving other age ranges have different intakes and results.
The store keeps no age range, so the kind is read from GIAS's phase (all-through), the
school's name (Junior / Infant; "Junior and Infant" is a full primary), and, for a school
open when the KS2 file was published, whether it had KS2 results (an infant school has no
Year 6).

**Features.** From the census: % of pupils ever eligible for free school meals in the last
six years, % with English as an additional language, % with special educational needs
and pupils on roll. Where DfE performance tables are loaded (Hampshire and Surrey), the
tested cohort's % disadvantaged, its size and (KS4) its KS2 prior attainment can be added.
A school missing a ticked feature cannot be placed and is left out of the pool (the page
says how many and why); nothing is filled in.

**Similarity.** Each feature is standardised across the pool (z = (value − mean) / standard
deviation), so pupils and percentages are on one scale. The distance between two schools is
√(Σ weight × (z difference)²): each feature's weight says how much one standard deviation
of it counts. By default % ever-FSM, % EAL and % SEN weigh 1 and pupils on roll 0.5, so a
school's size never outweighs its disadvantage; every weight can be changed (0 ignores a
feature) and is kept in the page's link. The family is the schools with the smallest
distances, ties broken by URN. A school is never in its own family.

**Outcomes for every secondary.** Disadvantaged and other pupils' sustained education,
apprenticeship or employment after KS4 (DfE's destination measures) pooled over the
latest three cohorts: each school's figure is the cohort-weighted mean of its published
cohorts, with the pupils pooled as its cohort; suppressed cohorts are left out, never read
as 0.

**Beating the odds.** An ordinary least-squares line predicts a result from context across
every loaded school of the phase with that result, whichever LA it is in (results split by
disadvantage: every Hampshire and Surrey school where those performance tables are loaded
for the year; all-pupil results and destinations: every school in England). The context is
the tested cohort's % disadvantaged and % EAL, the census % SEN and, at KS4, the cohort's
KS2 prior attainment (KS2 has no published prior attainment here); all-pupil results and
destinations use the census % ever-FSM, % EAL and % SEN. A school's difference from the
line is shown with a band of ± 1.96 × σ / √pupils, where σ is the per-pupil spread
estimated from the same schools, in the way DfE's Progress 8 confidence intervals are
built. When the line explains less than a tenth of the differences between schools
(R² < 0.10), is fitted on fewer than 30 schools, or none of its slopes can be told apart
from zero (slope ± 1.96 standard errors spans 0), the page says so and lists no school as
"above expectation": differences from a near-flat line mostly restate the raw results.
A slope whose interval spans zero is named under the chart. It is descriptive: it says
where to look, not why a school's results differ.

Compare: London Challenge and Greater Manchester Challenge "Families of Schools", DfE's
similar schools (school performance tables) and the EEF Families of Schools database,
which use similar ideas with more measures.
"""


#: The method expander's key: its content is drawn only while it is open.
METHOD_KEY = "similar_method"


def method() -> None:
    """The method text on request: ~850 px of Markdown most readers never open, which the
    browser parsed and laid out on every first visit while the expander was closed."""
    sections.on_request("How families are formed", METHOD_KEY, _method_text)


def _method_text() -> None:
    st.markdown(METHOD)
