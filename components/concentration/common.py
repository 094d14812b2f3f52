"""What the Concentration page's parts share: sources, the share shown for the pupil group,
number format, and the page's data (`PageData`, each frame loaded once per rerun, when a
section asks for it).

Every figure on the page rests on the school census (ever-FSM pupils, `equity.analysis.
census`), so each carries its census's name ("January 2024 census"), never the year filter's
year when that has no census of its own: the page then shows the nearest census and says so.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

import polars as pl

from components import data, views
from components.filters import Filters
from equity.analysis import concentration as analysis
from equity.analysis import concentration_trends as over_time
from equity.analysis import outlines
from equity.analysis.census import census_label, nearest_census_year
from equity.analysis.comparators import Comparators, comparators
from equity.queries import CountBasis

BOUNDARY_SOURCE: Final = (
    "ONS Counties and Unitary Authorities (December 2022) boundaries; contains OS data "
    "© Crown copyright and database right 2022"
)

#: The page's sections, one tab each (components/sections.py), in the words a reader uses;
#: the first is what a first visit draws. A link opens another with `?section=<label>`.
SECTIONS: Final = ("Over time", "Ranking of LAs", "Schools", "Map of schools", "Map of England")
SCHOOL_MAP_TAB: Final = SECTIONS[3]
LA_MAP_TAB: Final = SECTIONS[4]

INDEX_LABELS: Final = {
    "gorard": "Gorard segregation index",
    "dissimilarity": "Dissimilarity index",
    "isolation": "Isolation index",
}

INDEX_WORDS: Final = {
    "gorard": "the share of ever-FSM pupils who would have to change school for every "
    "school to have the area's rate (0 = even spread)",
    "dissimilarity": "the share of ever-FSM pupils who would have to change school for "
    "them to be spread like the other pupils (0 = even spread, 1 = complete separation)",
    "isolation": "the share of ever-FSM pupils in the school of the average ever-FSM pupil "
    "(equals the area's rate when the spread is even)",
}


def census_source(years: list[str] | str) -> str:
    """The census files behind a figure, named by their Januaries."""
    chosen = [years] if isinstance(years, str) else sorted(years)
    januaries = [census_label(y).removesuffix(" census").removeprefix("January ") for y in chosen]
    named = januaries[0] if len(januaries) == 1 else ", ".join(januaries[:-1])
    if len(januaries) > 1:
        named += f" and {januaries[-1]}"
    plural = "census" if len(chosen) == 1 else "censuses"
    return (
        f"DfE Schools, pupils and their characteristics, January {named} school {plural} "
        "(england_census.csv); school names and locations from the performance tables and "
        "GIAS. Open Government Licence"
    )


def source_for(basis: CountBasis, year: str) -> str:
    del basis  # every count on this page is the census's (analysis.concentration)
    return f"{census_source(year)}; {census_label(year)} ({year})."


def share_key(selection: Filters) -> str:
    """The group whose share the school views show: EAL when chosen, else ever-FSM."""
    return "eal" if selection.pupil_group == "eal" else analysis.EVER_FSM


#: How each share is named: (the pupils, the % column, the count column).
SHARE_TEXT: Final = {
    analysis.EVER_FSM: ("ever-FSM pupils", "% ever-FSM", "ever-FSM pupils"),
    "eal": ("pupils with English as an additional language", "% EAL", "EAL pupils"),
    "sen": ("pupils with special educational needs", "% SEN", "SEN pupils"),
}


def share_text(share: str) -> tuple[str, str, str]:
    return SHARE_TEXT[share]


def number(value: float | None, fmt: str = ".3f") -> str:
    return "no data" if value is None else format(value, fmt)


@dataclass(frozen=True)
class PageData:
    """Every frame the page draws, fetched through the cache when first asked for.

    `census_year` is the census the school views show: the year filter's year when it has
    a census, else the nearest (None when no census is loaded); `shown` is the selection
    with that year, for every view built on the census. The school rows and the area's
    indices feed the tiles above the page's tabs, so they are loaded at once; the every-LA
    tables and the boundaries only when a tab that draws them asks (a closed tab's data is
    never loaded: a first visit pays for its first screen only)."""

    selection: Filters
    share: str
    census_year: str | None
    census_years: tuple[str, ...]
    shown: Filters
    schools: pl.DataFrame
    basis: CountBasis
    summary: dict[str, Any]

    @functools.cached_property
    def by_la(self) -> pl.DataFrame:
        """The per-LA indices in the census shown (empty when no census is loaded)."""
        if self.census_year is None:
            return pl.DataFrame()
        return data.cached(analysis.segregation_by_la, self.selection.phase, self.census_year)

    @functools.cached_property
    def comparison(self) -> str | None:
        return analysis.comparison_basis(self.by_la)

    @functools.cached_property
    def la_table(self) -> pl.DataFrame:
        """LAIT's LA figures for the year filter's year and the census shown (the LA map)."""
        selection = self.selection
        return data.cached(
            analysis.la_indicators,
            selection.phase,
            selection.year,
            self.census_year or selection.year,
        )

    @functools.cached_property
    def bounds(self) -> pl.DataFrame:
        return data.cached(outlines.boundaries)

    def compared(self) -> pl.DataFrame:
        """The per-LA indices on the one basis every LA shares."""
        return self.by_la.filter(pl.col("basis") == self.comparison)

    def outline(self, selection: Filters) -> list[str]:
        codes = self.la_table.filter(pl.col("la_code").is_in(list(selection.members)))
        return [c for c in codes["ons_code"].drop_nulls().to_list() if isinstance(c, str)]


def load(selection: Filters) -> PageData:
    years = tuple(data.cached(over_time.census_years))
    census_year = nearest_census_year(years, selection.year)
    shown = replace(selection, year=census_year) if census_year else selection
    args = (selection.la_code, shown.year, selection.phase)
    share = share_key(selection)
    schools, basis = data.cached(analysis.school_shares, *args, share)
    return PageData(
        selection=selection,
        share=share,
        census_year=census_year,
        census_years=years,
        shown=shown,
        schools=schools,
        basis=basis,
        summary=data.cached(analysis.area_indices, *args),
    )


def option_of(
    options: Mapping[str, str], key: str, allowed: Mapping[str, str], default: str
) -> str:
    """A view option from a reference, checked against what it may be (ViewError if not)."""
    value = str(options.get(key, default))
    if value not in allowed:
        raise views.ViewError(f"unknown {key} {value[:24]!r}: use one of {', '.join(allowed)}")
    return value


def compared(selection: Filters) -> Comparators:
    """Who the selection is compared with: GM's LAs for GM and its members, otherwise the
    LAs of its own region (equity.analysis.comparators)."""
    return data.cached(comparators, selection.la_code)


def is_peer(selection: Filters) -> pl.Expr:
    """True for the comparator LAs' rows (a table with `la_code`)."""
    return pl.col("la_code").is_in(list(compared(selection).peers))


def peer_label(selection: Filters) -> str:
    """'Greater Manchester LA' or 'South East LA': the legend's word for a comparator."""
    return f"{compared(selection).group_name} LA"


def peer_short(selection: Filters) -> str:
    """'GM' or 'The South East': whose LAs a takeaway's range is about (opens a sentence)."""
    found = compared(selection)
    if found.is_gm:
        return "GM"
    words = found.compared_with.removesuffix(" and England")
    return words[0].upper() + words[1:]
