"""The Concentration page's words: the introduction, which census the page shows (and the
button to switch the year filter to it), the counting basis, the headline tiles and what the
indices measure."""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.concentration.common import (
    INDEX_LABELS,
    INDEX_WORDS,
    LA_MAP_TAB,
    PageData,
    compared,
    number,
)
from components.filters import Filters
from equity.analysis.census import census_label
from equity.schema import PUPIL_GROUP_LABELS

#: What the school map's tab says when the census has no school of the selection to map.
NO_SCHOOL_MAP = (
    "No school-level counts for this selection in the census shown, so there are no schools "
    "to map; the LA map shows the published LA figures."
)

#: The sidebar's year widget (components/filters.py, `st.selectbox(..., key=...)`): the
#: switch button sets it before the rerun, so the router's filters and the URL follow.
YEAR_WIDGET_KEY = "filter_year"


def intro(selection: Filters) -> None:
    st.title(f"Where disadvantage concentrates: {selection.la_label}")
    st.markdown(
        "Are ever-FSM pupils (eligible for free school meals at any time in the last six "
        "years) spread evenly across the area's schools, or concentrated in a few? Has that "
        f"changed since January 2018, how does it compare with {compared(selection).rest_phrase} "
        "and England, and which schools' shares moved most?"
    )
    group = selection.pupil_group
    if group == "eal":
        st.info(
            "Pupil group: EAL. The school distribution, map and table below show each "
            "school's share of pupils with English as an additional language (school census); "
            "the segregation indices, trends and the LA map stay about ever-FSM pupils.",
            icon=":material/groups:",
        )
    elif group != "disadvantaged":
        st.info(
            f"Pupil group: {PUPIL_GROUP_LABELS[group]}. This page is about how ever-FSM "
            "pupils are spread across schools, so every figure here is for ever-FSM pupils. "
            "(Choose the EAL group to see the share of pupils with English as an additional "
            "language instead.)",
            icon=":material/groups:",
        )


def _switch_year(year: str) -> None:
    st.session_state[YEAR_WIDGET_KEY] = year


def year_notice(selection: Filters, page: PageData) -> None:
    """When the year filter's year has no census, say which census is shown instead and
    offer to switch the filter to it; with no census at all, say so."""
    if page.census_year is None:
        st.warning(
            "No school census is loaded, so this page has no school-level counts; the LA map "
            "below shows the published LA figures.",
            icon=":material/info:",
        )
        return
    if page.census_year == selection.year:
        return
    shown = census_label(page.census_year)
    loaded = ", ".join(census_label(y).removesuffix(" census") for y in page.census_years)
    st.info(
        f"There is no school census for {selection.year}: the school figures below are from "
        f"the {shown} ({page.census_year}), the nearest loaded (censuses loaded: {loaded}). "
        f"The LA map (the {LA_MAP_TAB} tab) keeps {selection.year}'s published LA figures.",
        icon=":material/event:",
    )
    st.button(
        f"Show {page.census_year} in every page's year filter",
        key="concentration_switch_year",
        on_click=_switch_year,
        args=(page.census_year,),
        icon=":material/sync:",
    )


def basis_note(page: PageData) -> None:
    """Say which counts every school figure rests on."""
    if page.basis.kind == "none":
        st.warning(
            f"No school-level counts for this selection in the {census_label(page.shown.year)}"
            f": the census lists no state-funded {page.shown.phase} schools with ever-FSM "
            "figures under this LA code (LA codes made after that census have none). The LA "
            f"map (the {LA_MAP_TAB} tab) shows the published LA figures.",
            icon=":material/info:",
        )
        return
    st.caption(f"Counts used: {page.basis.description}.")
    if page.basis.codes:  # DfE's column names: one click away, not on the first screen
        with st.expander("About this figure", expanded=False):
            st.caption(page.basis.codes)


def about_indices(noise: float | None, pairs: list[list[str]]) -> None:
    """What the indices measure and what they do not, with the census codes behind them."""
    noise_text = (
        f" Here it is {noise:.4f} for the index shown."
        if noise is not None
        else " (Not available: fewer than two censuses one year apart are loaded.)"
    )
    between = " and ".join(
        f"{census_label(a).removesuffix(' census')} to {census_label(b).removesuffix(' census')}"
        for a, b in pairs
    )
    with st.expander("About these indices", expanded=False):
        st.markdown(
            "**What they measure.** How unevenly ever-FSM pupils are spread across an LA's "
            "state-funded schools of the phase: housing (who lives near which school) and "
            "school choice (who travels past their nearest school) together. They do **not** "
            "say whether a school takes fewer poor pupils than live around it. Studies that "
            "compare each school with its own neighbourhood rank LAs differently: Torbay is "
            "among the least segregated there, yet 19th of 150 by an LA-wide Gorard index on "
            "current FSM (January 2019).\n\n"
            "- **Gorard segregation index**: "
            + INDEX_WORDS["gorard"]
            + ". GS = ½ Σ |F_i/F − T_i/T|.\n"
            "- **Dissimilarity index**: "
            + INDEX_WORDS["dissimilarity"]
            + ". D = ½ Σ |F_i/F − N_i/N|.\n"
            "- **Isolation index**: " + INDEX_WORDS["isolation"] + ". I = Σ (F_i/F)(F_i/T_i).\n\n"
            "GS = (1 − p) × D, where p is the area's ever-FSM rate: Gorard's index falls when "
            "the rate rises even if the spread does not change, and isolation rises with the "
            "rate. Compare the three before reading a change as a change in spread.\n\n"
            "**Counts (school census, every school in England).** F_i = NUMFSMEVER (pupils "
            "eligible for FSM at any time in the last six years). T_i = NORFSMEVER (the pupils "
            "counted for ever-FSM) where the file has it (January 2023 and 2024), else the "
            "denominator implied by PNUMFSMEVER (NUMFSMEVER × 100 / PNUMFSMEVER, NOR where "
            "PNUMFSMEVER is 0); N_i = T_i − F_i. Schools: SCHOOLTYPE 'State-funded primary' "
            "or 'State-funded secondary' (January 2018 has no SCHOOLTYPE: a school takes its "
            "type from a later census, else GIAS) with F_i and T_i published and T_i > 0; a "
            "school with no pupils counted is missing, never 0. Ever-FSM is not DfE's "
            "'disadvantaged', which also counts looked-after children.\n\n"
            "**Series break.** In the January 2021 census PNUMFSMEVER is a share of all "
            "pupils on roll (NOR), not of the pupils counted for ever-FSM: 2020/21 is drawn "
            "apart and never joined to the years either side. Changes are measured from the "
            "first to the last census on one basis (January 2018 to January 2024).\n\n"
            "**Year-to-year noise.** The typical one-year change: the median absolute change "
            f"of the index from one census to the next over every LA, for {between or 'none'}"
            "." + noise_text + " A change counts as larger than the noise when it is more "
            "than twice that; it is about the noise when between one and two times, and "
            "within it below that. The noise is one year's; a change over several years "
            "that were only chance drift would typically be larger (about √6 ≈ 2.4 times for "
            "six independent yearly steps), so read a ratio below about 2.5 with care."
        )


def headline(summary: dict[str, Any], selection: Filters, census_year: str) -> None:
    """The tiles: the indices of the area in the census shown (the same figures as the trend
    chart's point for that year)."""
    when = census_label(census_year)
    cols = st.columns(5)
    cols[0].metric(f"Schools counted, {when}", f"{summary['schools']:,}")
    pct = summary.get("pct")
    cols[1].metric(
        f"Ever-FSM pupils, {when}",
        "no data" if pct is None else f"{pct:.1f}%",
        help="The area's overall share of pupils ever eligible for free school meals, out of "
        "the pupils counted for free school meals, every school counted (pupil-weighted).",
    )
    for col, key in zip(cols[2:], ("gorard", "dissimilarity", "isolation"), strict=True):
        col.metric(
            f"{INDEX_LABELS[key]}, {when}",
            number(summary.get(key)),
            help=INDEX_WORDS[key].capitalize(),
        )
    if selection.is_group:
        st.caption(
            "For Greater Manchester the indices treat the ten LAs' schools as one area, so "
            "they include differences between LAs; the comparisons below are LA by LA."
        )
