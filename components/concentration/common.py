"""What the Concentration page's parts share: sources, the share shown for the pupil group,
number format, and the page's data (`PageData`, loaded once per rerun)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from components import data, views
from components.filters import Filters
from equity.analysis import concentration as analysis
from equity.analysis.comparators import Comparators, comparators
from equity.queries import CountBasis

CENSUS_YEAR: Final = "2018/19"


CENSUS_SOURCE: Final = (
    "DfE Schools, pupils and their characteristics, January 2019 school census "
    "(england_census.csv); school names and locations from the 2018/19 performance tables "
    "and GIAS. Open Government Licence"
)


BOUNDARY_SOURCE: Final = (
    "ONS Counties and Unitary Authorities (December 2022) boundaries; contains OS data "
    "© Crown copyright and database right 2022"
)


INDEX_LABELS: Final = {
    "gorard": "Gorard segregation index",
    "dissimilarity": "Dissimilarity index",
    "isolation": "Isolation index",
}


INDEX_WORDS: Final = {
    "gorard": "the share of disadvantaged pupils who would have to change school for every "
    "school to have the area's rate (0 = even spread)",
    "dissimilarity": "the share of disadvantaged pupils who would have to change school for "
    "them to be spread like the other pupils (0 = even spread, 1 = complete separation)",
    "isolation": "the share of disadvantaged pupils in the school of the average "
    "disadvantaged pupil (equals the area's rate when the spread is even)",
}


def source_for(basis: CountBasis, year: str) -> str:
    if basis.kind == "census":
        return f"{CENSUS_SOURCE}; academic year {year}."
    return (
        f"DfE school performance tables {year}, {basis.kind[:3].upper()} final results "
        "(cohort counts TFSM6CLA1A and TNotFSM6CLA1A). Open Government Licence."
    )


def share_key(selection: Filters) -> str:
    """The group whose share the school views show: EAL when chosen, else disadvantaged."""
    return "eal" if selection.pupil_group == "eal" else "disadvantaged"


#: How each share is named: (the pupils, the % column, the count column).
SHARE_TEXT: Final = {
    "disadvantaged": ("disadvantaged pupils", "% disadvantaged", "disadvantaged pupils"),
    "eal": ("pupils with English as an additional language", "% EAL", "EAL pupils"),
    "sen": ("pupils with special educational needs", "% SEN", "SEN pupils"),
}


def share_text(share: str) -> tuple[str, str, str]:
    return SHARE_TEXT[share]


def number(value: float | None, fmt: str = ".3f") -> str:
    return "no data" if value is None else format(value, fmt)


@dataclass(frozen=True)
class PageData:
    """Every frame the page draws, fetched once per rerun through the cache."""

    share: str
    schools: pl.DataFrame
    basis: CountBasis
    summary: dict[str, Any]
    by_la: pl.DataFrame
    comparison: str | None
    la_table: pl.DataFrame
    bounds: pl.DataFrame

    def compared(self) -> pl.DataFrame:
        """The per-LA indices on the one basis every LA shares."""
        return self.by_la.filter(pl.col("basis") == self.comparison)

    def outline(self, selection: Filters) -> list[str]:
        codes = self.la_table.filter(pl.col("la_code").is_in(list(selection.members)))
        return [c for c in codes["ons_code"].drop_nulls().to_list() if isinstance(c, str)]


def load(selection: Filters) -> PageData:
    args = (selection.la_code, selection.year, selection.phase)
    share = share_key(selection)
    schools, basis = data.cached(analysis.school_shares, *args, share)
    by_la = data.cached(analysis.segregation_by_la, selection.phase, selection.year)
    return PageData(
        share=share,
        schools=schools,
        basis=basis,
        summary=data.cached(analysis.area_indices, *args),
        by_la=by_la,
        comparison=analysis.comparison_basis(by_la),
        la_table=data.cached(analysis.la_indicators, selection.phase, selection.year),
        bounds=data.cached(analysis.boundaries),
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
    """'GM' or 'the South East': who the takeaway's range is about."""
    found = compared(selection)
    return "GM" if found.is_gm else found.compared_with.removesuffix(" and England")
