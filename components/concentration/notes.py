"""The Concentration page's words: the introduction, the counting basis, the headline indices
and what the indices mean."""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.concentration.common import (
    CENSUS_YEAR,
    INDEX_LABELS,
    INDEX_WORDS,
    compared,
    number,
)
from components.filters import Filters
from equity.queries import CountBasis
from equity.schema import PUPIL_GROUP_LABELS


def intro(selection: Filters) -> None:
    st.title(f"Where disadvantage concentrates: {selection.la_label}")
    st.markdown(
        "Are disadvantaged pupils (eligible for free school meals in the last six years, or "
        "looked after) spread evenly across the area's schools, or concentrated in a few? "
        f"How does that compare with {compared(selection).rest_phrase} and England, and "
        "where are the schools with the highest shares?"
    )
    group = selection.pupil_group
    if group == "eal":
        st.info(
            "Pupil group: EAL. The school distribution, map and table below show each "
            "school's share of pupils with English as an additional language (school census); "
            "the segregation indices and the LA map stay about disadvantaged pupils.",
            icon=":material/groups:",
        )
    elif group != "disadvantaged":
        st.info(
            f"Pupil group: {PUPIL_GROUP_LABELS[group]}. This page is about how disadvantaged "
            "pupils are spread across schools, so every figure here is for disadvantaged "
            "pupils. (Choose the EAL group to see the share of pupils with English as an "
            "additional language instead.)",
            icon=":material/groups:",
        )


def basis_note(basis: CountBasis, selection: Filters, comparison: str | None) -> None:
    """Say which counts every school figure rests on, and when no counts exist."""
    if basis.kind == "none":
        st.warning(no_counts_text(selection), icon=":material/info:")
        return
    text = f"Counts used: {basis.description}."
    if comparison and comparison != basis.kind:
        text += (
            f" The comparison with other LAs uses the {BASIS_WORDS.get(comparison, comparison)} "
            "counts, the basis every LA has, so like is compared with like."
        )
    st.caption(text)
    if basis.codes:  # DfE's column names: for those who check, not on the first screen
        with st.expander("About this figure", expanded=False):
            st.caption(basis.codes)


#: A count basis in running text.
BASIS_WORDS = {
    "census": "school census",
    "ks2_cohort": "key stage 2 cohort",
    "ks4_cohort": "key stage 4 cohort",
}


def no_counts_text(selection: Filters) -> str:
    if selection.year == CENSUS_YEAR:
        return (
            f"No school-level counts for {selection.la_label} in {selection.year}: the January "
            f"2019 school census lists no state-funded {selection.phase} schools with "
            "disadvantage figures under this LA code (LAs formed after January 2019 have none). "
            "The LA map below shows the published LA figures."
        )
    return (
        f"No school-level counts for {selection.la_label} in {selection.year}. The January "
        "2019 school census (2018/19) is the only school-level file that covers every LA; "
        "KS2/KS4 performance files with disadvantaged counts are loaded for only a few LAs. "
        "Choose 2018/19 for the school views, or load DfE downloads on the Data page. The LA "
        "map below shows this year's published LA figures."
    )


def explain_indices() -> None:
    with st.expander("What the indices mean", expanded=False):
        st.markdown(
            "- **Gorard segregation index**: "
            + INDEX_WORDS["gorard"]
            + ".\n- **Dissimilarity index**: "
            + INDEX_WORDS["dissimilarity"]
            + ".\n- **Isolation index**: "
            + INDEX_WORDS["isolation"]
            + ".\n\nGorard = (1 - p) x dissimilarity, where p is the area's share of "
            "disadvantaged pupils. The two move apart when the rate changes: free school meal "
            "eligibility rose sharply from 2020, which lowers Gorard's index even where the "
            "spread across schools is unchanged. Compare areas within one year."
        )


def headline(summary: dict[str, Any], selection: Filters, share_pct: float | None) -> None:
    cols = st.columns(5)
    cols[0].metric("Schools counted", f"{summary['schools']:,}")
    cols[1].metric(
        "Disadvantaged pupils",
        "no data" if share_pct is None else f"{share_pct:.1f}% of pupils",
        help="The area's overall share, from the counts named below: every school's pupils "
        "added up, so it is pupil-weighted"
        + (" (not a mean of the ten LAs' shares)." if selection.is_group else "."),
    )
    for col, key in zip(cols[2:], ("gorard", "dissimilarity", "isolation"), strict=True):
        col.metric(INDEX_LABELS[key], number(summary.get(key)), help=INDEX_WORDS[key].capitalize())
    if selection.is_group:
        st.caption(
            "For Greater Manchester the share is pupil-weighted and the indices treat the ten "
            "LAs' schools as one area, so they include differences between LAs; the "
            "comparison below is LA by LA."
        )
