"""The Attainment gaps page's headline: disadvantaged and other pupils' figures and the
gap two ways, for the selected area and year, or why a year has none."""

from __future__ import annotations

from typing import Any, Final

import polars as pl
import streamlit as st

from components import data, tiles
from components.filters import Filters
from components.text import (
    short_label,
)
from equity.analysis import gaps as analysis
from equity.metrics.trends import entries_for
from equity.schema import HEADLINE_MEASURES, MEASURES

#: The page's sections, one tab each (components/sections.py), in the words a reader uses;
#: the first is what a first visit draws. A link opens another with `?section=<label>`.
SECTIONS: Final = ("The gap", "Ranking of LAs", "Over time", "Schools")
TREND_TAB: Final = SECTIONS[2]


def headline(filters: Filters) -> None:
    table = data.shared(analysis.area_summary, filters.la_code, filters.phase, filters.year)
    area_role = "gm_mean" if filters.is_group else "selected"
    drawn = False
    for measure in HEADLINE_MEASURES[filters.phase]:
        row = row_of(table, area_role, measure)
        st.markdown(f"**{MEASURES[measure].label}, {filters.year}**")
        if row is None or row.get("disadvantaged") is None:
            st.info(why_missing(filters, measure), icon=":material/info:")
            continue
        tiles.tile_row(
            tiles.gap_tiles(
                row["disadvantaged"], row["other"], row["gap_within"], row["gap_national"], measure
            )
        )
        drawn = True
    if drawn:
        st.caption(tiles.GAP_NOTE)


def row_of(table: pl.DataFrame, role: str, measure: str) -> dict[str, Any] | None:
    rows = table.filter((pl.col("role") == role) & (pl.col("measure") == measure))
    return rows.row(0, named=True) if rows.height else None


def why_missing(filters: Filters, measure: str, *, again: bool = False) -> str:
    """Why a year has no figure: the series break when there is one, else plain absence.
    `again`: the reason was already given above, so only point to the trend."""
    stage = filters.key_stage
    reasons = [
        e.text
        for e in entries_for(stage, measure, [filters.year])
        if e.kind in ("no_data", "stops") and e.year <= filters.year
    ]
    if again:
        return (
            f"No {short_label(measure)} figures to compare for {filters.year}; the trend "
            f"(the {TREND_TAB} tab) shows the years that have them."
        )
    if reasons:
        return " ".join(reasons)
    return (
        f"DfE publishes no {short_label(measure)} figure for disadvantaged pupils in "
        f"{filters.area_name} for {filters.year}."
    )
