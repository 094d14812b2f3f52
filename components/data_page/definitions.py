"""Definitions and methods: measures, pupil groups, segregation indices, gaps, statuses,
series breaks and the LAIT measures used, each read from the code that computes it."""

from __future__ import annotations

from typing import Any

import streamlit as st

from components import data
from components.data_page.common import link, page_link_column, table
from components.tables import csv_bytes
from components.text import plain
from equity.analysis import coverage, definitions
from equity.store import Store


def definitions_section() -> None:
    st.header("Definitions and methods", anchor="definitions")
    made = data.shared(_definition_tables)

    st.subheader("Measures", anchor="measures")
    table(made["measures"], key="data-measures", file_stem="measures", payload=made["measures_csv"])

    st.subheader("Pupil groups", anchor="groups")
    st.markdown(
        "Disadvantaged pupils are those eligible for free school meals (FSM) at any time in "
        "the last six years, or looked after or adopted from care: DfE's Pupil Premium "
        "definition, the `FSM6CLA1A` columns of the performance tables and LAIT's `DAP` "
        "measures. 'Other pupils' are everyone else in the same cohort."
    )
    table(made["groups"], key="data-groups")

    st.subheader("How concentrated disadvantage is: segregation indices", anchor="segregation")
    st.markdown(
        "For an area's schools: F_i is the number of disadvantaged pupils in school i, N_i "
        "the number of other pupils, T_i = F_i + N_i, and F, N and T are the area's totals "
        "(Gorard and Taylor, 2002). Each index runs from 0 (every school has the area's "
        "mix) towards 1."
    )
    st.markdown("\n".join(f"- {plain(item)}" for item in definitions.segregation_definitions()))
    st.markdown("**Which pupil counts the indices use**")
    st.markdown("\n".join(f"- {plain(item)}" for item in definitions.counts_bases()))

    st.subheader("Disadvantage gaps", anchor="gaps")
    gap = definitions.gap_definitions()
    st.markdown(plain(gap.summary))
    st.markdown("\n".join(f"- {plain(item)}" for item in gap.ways))
    for rule in gap.rules:
        st.markdown(plain(rule))

    st.subheader("Suppressed and missing values", anchor="statuses")
    st.markdown(
        "DfE hides or withholds some cells. Equity Explorer keeps each one as a status with no "
        "number: it is shown in words, never as zero and never estimated from other cells. "
        "Cohorts under 10 pupils are flagged as small."
    )
    table(made["statuses"], key="data-statuses")

    st.subheader("Series breaks", anchor="breaks")
    breaks = made["breaks"]
    st.markdown(
        "Results are not comparable across these changes. Trend charts draw them as breaks "
        "and never join a line across them."
    )
    table(breaks.table, key="data-breaks", file_stem="series-breaks", payload=made["breaks_csv"])
    for note in breaks.notes[1:]:
        st.markdown(plain(note))
    if breaks.unconfirmed:
        st.caption(
            f"{breaks.unconfirmed} row(s) marked (check) have not yet been confirmed against a "
            "primary DfE source. "
            + plain(breaks.notes[0].split(" Items marked")[0] if breaks.notes else "")
        )

    st.subheader("LAIT measures used", anchor="lait")
    lait = made["lait"]
    st.markdown(
        "LA, region and England figures come from "
        + link("DfE's Local Authority Interactive Tool (LAIT)", coverage.LAIT_PAGE)
        + ". Its data dictionary describes each measure; polarity is LAIT's own (which "
        "direction is better)."
    )
    table(
        lait,
        key="data-lait",
        file_stem="lait-measures",
        payload=made["lait_csv"],
        lait_code=st.column_config.TextColumn("LAIT code"),
        lait_label="LAIT label",
        source_url=page_link_column("Source"),
    )


def _definition_tables(store: Store) -> dict[str, Any]:
    """The definitions' tables and CSVs (from the code and the store's LAIT dictionary),
    made once per store version."""
    measures = definitions.measures_table()
    breaks = definitions.series_breaks()
    lait = definitions.lait_measures(store)
    return {
        "measures": measures,
        "measures_csv": csv_bytes(measures),
        "groups": definitions.pupil_groups_table(),
        "statuses": definitions.status_table(),
        "breaks": breaks,
        "breaks_csv": csv_bytes(breaks.table),
        "lait": lait,
        "lait_csv": csv_bytes(lait),
    }
