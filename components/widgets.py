"""Widgets more than one page draws: here so that pages share them without importing each
other's component modules."""

from __future__ import annotations

import streamlit as st

from components.filters import Filters
from components.text import short_label
from equity.schema import HEADLINE_MEASURES


def measure_picker(filters: Filters, key: str) -> str:
    """The phase's headline measure, or a choice between them (Attainment 8, Progress 8);
    keyed per phase so each phase keeps its own choice, and kept while the page is open
    (School trends draws it in two tabs, each drawn only while open)."""
    measures = HEADLINE_MEASURES[filters.phase]
    if len(measures) == 1:
        return measures[0]
    choice = st.radio(
        "Measure",
        measures,
        format_func=short_label,
        horizontal=True,
        key=f"{key}_{filters.phase}",
        persist_state="page",
    )
    return choice or measures[0]


def no_school_data(filters: Filters) -> str:
    """Why a school-level section is empty, and where to get its files."""
    stage = filters.key_stage.upper()
    where = "any Greater Manchester LA" if filters.is_group else filters.la_label
    return (
        f"No school-level {stage} results for {where} are loaded: download them from DfE's "
        "Compare school performance service and load them on the Data and methods page."
    )
