"""Notices beside a figure that cannot follow the sidebar: which pupil group or year it shows
instead, why, and (for the year) a one-click switch.

The wording comes from equity.analysis.groups, so every page says it the same way. A page
whose data stop short of the chosen year is drawn at its nearest year (`at_nearest_year`
returns the selection with that year), never emptied.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import streamlit as st

from components import data
from components.filters import Filters
from equity.analysis.comparators import nearest_year
from equity.analysis.groups import group_note, year_note

#: The sidebar's year selectbox (components/filters.py draws it with this key).
YEAR_WIDGET = "filter_year"


def pupil_group(
    filters: Filters, shown: Sequence[str], reason: str, offer: Sequence[str] = ()
) -> bool:
    """Say, beside the figure, which groups it shows when the filter's group is not one of
    them. True when a notice was shown."""
    note = group_note(filters.pupil_group, shown, reason, offer)
    if note is None:
        return False
    st.info(note, icon=":material/group:")
    return True


def _switch_year(year: str) -> None:
    st.session_state[YEAR_WIDGET] = year


def at_nearest_year(
    filters: Filters, available: Sequence[str], what: str, key: str
) -> Filters | None:
    """The selection at the nearest year in `available` to the chosen one, with a notice
    naming both years and a button that sets the sidebar to it; the selection itself when
    the year is available; None when nothing is available at all."""
    year = nearest_year(available, filters.year)
    if year is None:
        return None
    note = year_note(filters.year, year, what)
    if note is None:
        return filters
    st.info(note, icon=":material/event:")
    st.button(
        f"Show {year} on every page",
        key=f"year-switch-{key}",
        on_click=_switch_year,
        args=(year,),
        help="Sets the sidebar's academic year.",
    )
    return dataclasses.replace(filters, year=year)


def school_level_years(
    filters: Filters, kinds: Sequence[str], *, anywhere: bool = False
) -> list[str]:
    """Years with school-level files of these kinds loaded for the selection's LAs (for any
    LA with `anywhere`: Similar schools draws its pools from the whole loaded country)."""
    years = coverage_years(data.store_version())
    found: set[str] = set()
    for kind in kinds:
        by_la = years.get(kind, {})
        for la_code in by_la if anywhere else filters.members:
            found.update(by_la.get(la_code, ()))
    return sorted(found)


@st.cache_resource(show_spinner=False, max_entries=64)
def coverage_years(version: str) -> dict[str, dict[str, frozenset[str]]]:
    """kind -> LA code -> the years with school-level files of that kind
    (data.school_level_coverage), made once per store version and shared (only read):
    a page that asks on every rerun then looks the years up instead of filtering the
    coverage frame (thousands of rows at national scale) each time."""
    grouped = data.school_level_coverage().group_by("kind", "la_code").agg("academic_year")
    out: dict[str, dict[str, frozenset[str]]] = {}
    for kind, la_code, years in grouped.iter_rows():
        out.setdefault(kind, {})[la_code] = frozenset(years)
    return out
