"""The family itself: who is in it, why they are similar, and the table to download."""

from __future__ import annotations

import numpy as np
import polars as pl
import streamlit as st

from components import progressive
from components.filters import Filters
from components.similar.common import (
    Choice,
    census_label,
    pool_where,
    status_texts,
    weights_sentence,
)
from components.tables import csv_bytes, rows_label, show_table
from components.text import plain, plural
from equity.analysis import similar


def summary(result: similar.FamilyResult, choice: Choice) -> None:
    fam = result.family
    got = fam.members.height
    labels = ", ".join(similar.FEATURES[f].short for f in fam.features)
    st.markdown(
        f"**{plain(choice.name)}** and the **{got} most similar "
        f"{'school' if got == 1 else 'schools'}** among "
        f"{plain(_pool_phrase(result, result.candidates))}, compared on {labels}."
    )
    if got < choice.size:
        others = "other school" if got == 1 else "other schools"
        st.info(
            f"Only {got} {others} {pool_where(result)} {'has' if got == 1 else 'have'} every "
            f"chosen feature, so the family has {got} rather than {choice.size}. Widen the pool "
            "to find more."
        )
    counts = fam.exclusion_counts()
    if counts:
        reasons = "; ".join(
            f"{plural(n, 'school')} with no {similar.FEATURES[f].short}" for f, n in counts.items()
        )
        n_out = fam.excluded.height
        st.caption(
            f"{plural(n_out, 'school')} of the pool could not be placed and "
            f"{'is' if n_out == 1 else 'are'} left out: {reasons}. Performance-table features "
            "exist only where those files are loaded."
        )


def _pool_phrase(result: similar.FamilyResult, n: int) -> str:
    """'3,448 schools loaded across England', '54 schools in Surrey (936)'."""
    return f"{plural(n, 'school')} {pool_where(result)}"


def _family_display(result: similar.FamilyResult) -> pl.DataFrame:
    """The family (chosen school excluded) with the reason each is similar.

    Built from the table's columns (no query): the feature each member is least alike on
    is the first largest |z - yours| (numpy's argmax, as polars' list.arg_max took it)."""
    fam = result.family
    chosen = fam.chosen.row(0, named=True)
    # The table is the chosen school (rank 0, its first row) then the family by rank.
    members = result.table.slice(1)
    far = []
    if members.height:
        zs = np.column_stack([members[f"z_{f}"].to_numpy() for f in fam.features])
        yours = np.array([chosen[f"z_{f}"] for f in fam.features], dtype=np.float64)
        furthest = np.abs(zs - yours).argmax(axis=1).tolist()
        values = {f: members[f].to_list() for f in fam.features}
        for row, index in enumerate(furthest):
            key = fam.features[index]
            far.append(
                f"{similar.FEATURES[key].short}: {_number(values[key][row], key)} "
                f"vs {_number(chosen[key], key)}"
            )
    return pl.DataFrame(
        [
            members["rank"].alias("Rank"),
            members["name"].alias("School"),
            members["la_name"].alias("LA"),
            members["distance"].round(2).alias("Distance"),
            pl.Series("Least alike on", far),
            *(members[f].alias(_heading(f, chosen[f])) for f in fam.features),
            members["urn"].alias("URN"),
        ]
    )


def _heading(feature: str, yours: float) -> str:
    """'% ever-FSM (yours 43.7)': the chosen school's value beside every member's."""
    short = similar.FEATURES[feature].short
    return f"{short[:1].upper()}{short[1:]} (yours {_number(yours, feature)})"


def _number(value: float, feature: str) -> str:
    return f"{value:,.{similar.FEATURES[feature].decimals}f}"


def why_similar(result: similar.FamilyResult, choice: Choice, selection: Filters) -> None:
    st.header("Why these schools are similar", anchor=False)
    fam = result.family
    chosen = fam.chosen.row(0, named=True)
    yours = "; ".join(f"{similar.FEATURES[f].short} {_number(chosen[f], f)}" for f in fam.features)
    st.markdown(f"**{plain(choice.name)}** ({choice_census(choice)}): {yours}.")
    st.markdown(f"**Weights**: {weights_sentence(fam.weights)}.")
    st.caption(
        "Distance: how far apart two schools are once every feature is put on the same scale "
        "(standard deviations across the pool) and multiplied by its weight: "
        "√(Σ weight × difference²); 0 would be identical. 'Least alike on' names the feature "
        "on which each school differs most from yours."
    )

    def family_table() -> None:
        show_table(_family_display(result), hide_index=True, width="stretch", key="similar-family")
        # The CSV is written when asked for; its rows (chosen school and family) are the
        # table's.
        st.download_button(
            f"Download the family as CSV ({rows_label(result.table.height)})",
            data=lambda: csv_bytes(download_table(result, selection.phase)),
            file_name=f"family-{choice.urn}-{choice.pool}-{selection.phase}.csv",
            mime="text/csv",
            key="similar-family-csv",
            on_click="ignore",
        )

    # Below the first screen at 1400x1000 (its top ~1,100 px down): on a first visit the
    # data grid, the costliest element the browser draws here, follows the controls and
    # the summary above it instead of holding them back.
    progressive.below_first_screen("similar-family", "Show the family's table", family_table)


def download_table(result: similar.FamilyResult, phase: str) -> pl.DataFrame:
    """Chosen school first, then the family: context, z-scores, distance, outcomes as text."""
    fam = result.family
    base = result.table.select(
        "role",
        "rank",
        "urn",
        "name",
        "la_code",
        "la_name",
        pl.col("distance").round(4),
        *fam.features,
        *(pl.col(f"z_{f}").round(4) for f in fam.features),
    )
    table = result.table
    return base.with_columns(  # one step for every outcome column, in the same order
        pl.Series(
            f"{outcome.key}_{group}",
            status_texts(table[column], table[f"{column}_status"], outcome.decimals),
        )
        for outcome in similar.OUTCOMES[phase]
        for group, column in outcome.columns.items()
    )


def choice_census(choice: Choice) -> str:
    """'January 2024 census' for the why-similar line."""
    return f"{census_label(choice.census)} census" if choice.census else "census"
