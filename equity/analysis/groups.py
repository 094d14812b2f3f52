"""Which pupil groups and years a figure actually has, and the sentence that says so.

The sidebar offers nine pupil groups and every year from 2015/16, but DfE's LA panel
(the Local Authority Interactive Tool) publishes most LA figures only for disadvantaged,
other and all pupils, and school-level files exist for a few LAs and years. A figure that
cannot follow the chosen group or year must say, beside it, what it shows instead and why:
these functions find out from the store and write that sentence, so every page words it
the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import polars as pl

from equity.schema import PUPIL_GROUP_LABELS, Status
from equity.store import Store

#: The groups DfE's LA panel publishes for the headline measures.
LA_PANEL_GROUPS: Final = ("all", "disadvantaged", "other")


#: Each group as a noun in running text.
GROUP_NOUNS: Final[dict[str, str]] = {
    "all": "all pupils",
    "disadvantaged": "disadvantaged pupils",
    "other": "other (non-disadvantaged) pupils",
    "fsm": "pupils eligible for free school meals",
    "not_fsm": "pupils not eligible for free school meals",
    "fsm6": "pupils ever eligible for free school meals in the last six years",
    "boys": "boys",
    "girls": "girls",
    "eal": "pupils with English as an additional language",
    "sen": "pupils with special educational needs",
    "low_prior": "pupils with low prior attainment",
    "middle_prior": "pupils with middle prior attainment",
    "high_prior": "pupils with high prior attainment",
}


def names(groups: Sequence[str]) -> str:
    """'disadvantaged and other (non-disadvantaged) pupils', 'boys', 'boys and girls'."""
    nouns = [GROUP_NOUNS.get(g, g) for g in groups]
    if len(nouns) > 1 and all(n.endswith(" pupils") for n in nouns):
        nouns = [n.removesuffix(" pupils") for n in nouns[:-1]] + [nouns[-1]]
    if len(nouns) == 1:
        return nouns[0]
    return ", ".join(nouns[:-1]) + " and " + nouns[-1]


def published_groups(
    store: Store, entities: Iterable[str], measure: str, year: str | None = None
) -> set[str]:
    """Pupil groups with at least one published value of `measure` for these areas (and
    year): what a figure for them could show."""
    rows = store.published().filter(
        pl.col("entity").is_in(list(entities))
        & (pl.col("measure") == measure)
        & (pl.col("status") == Status.VALUE)
    )
    if year is not None:
        rows = rows.filter(pl.col("academic_year") == year)
    return set(rows["pupil_group"].unique().to_list())


def published_years(store: Store, entities: Iterable[str], measures: Iterable[str]) -> list[str]:
    """Academic years with at least one published value of any of `measures` for these
    areas, oldest first."""
    rows = store.published().filter(
        pl.col("entity").is_in(list(entities))
        & pl.col("measure").is_in(list(measures))
        & (pl.col("status") == Status.VALUE)
    )
    return sorted(rows["academic_year"].drop_nulls().unique().to_list())


def group_note(
    chosen: str,
    shown: Sequence[str],
    reason: str,
    offer: Sequence[str] = (),
) -> str | None:
    """The sentence that goes beside a figure showing `shown` while the filter says `chosen`:
    None when the figure follows the filter. `reason` says why the chosen group is not
    available ("DfE publishes LA figures only by disadvantage"); `offer` lists groups the
    filter could be set to that this figure does follow.

    >>> group_note("boys", ("disadvantaged", "other"), "DfE publishes these LA figures "
    ...            "only by disadvantage")  # doctest: +NORMALIZE_WHITESPACE
    'Shows disadvantaged and other (non-disadvantaged) pupils, not boys: DfE publishes these
    LA figures only by disadvantage.'
    """
    if chosen in shown:
        return None
    text = f"Shows {names(shown)}, not {names([chosen])}: {reason}."
    if offer:
        text += f" Choose {_names_or(offer)} in the sidebar to match."
    return text


def _names_or(groups: Sequence[str]) -> str:
    labels = [f"“{PUPIL_GROUP_LABELS.get(g, g)}”" for g in groups]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def year_note(chosen: str, shown: str, what: str) -> str | None:
    """The notice for a figure whose data do not reach the chosen year: None when they do.

    >>> year_note("2024/25", "2018/19", "School census figures")
    'School census figures are for 2018/19, the nearest year loaded to 2024/25 (the sidebar).'
    """
    if chosen == shown:
        return None
    return f"{what} are for {shown}, the nearest year loaded to {chosen} (the sidebar)."
