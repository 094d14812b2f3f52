"""What every part of the Similar schools page shares: the chosen school and family
(`Choice`), limits and colours, source lines, and the context table held once per store
version."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from components import data
from components.filters import Filters
from components.tables import status_text
from components.theme import ROLE_COLOURS
from equity.analysis import similar

SIZE_MIN, SIZE_MAX, SIZE_DEFAULT = 5, 50, 20


SMALL_COHORT = similar.SMALL_COHORT


SCHOOL_KEY, SIZE_KEY, POOL_KEY, CHOSEN_KEY = (
    "similar_school",
    "similar_size",
    "similar_pool",
    "similar_pooled",
)


URL_KEYS = ("school", "family_size", "pool", "features")


URL_GROUP = "similar"  # urlstate's name for this page's link values


FEATURE_KEY = "similar_feature_"


CHOSEN_COLOUR = ROLE_COLOURS["selected"]


THIS_SCHOOL = "(this school)"


DEFAULT_SCHOOL_TEXT = "the area's largest school with published results is shown"


#: Streamlit fits the whole chart (title, axes, legend) into the height a spec declares, so
#: each builder adds this much to the height its rows need.
DECORATION = 170


FAMILY_COLOUR = ROLE_COLOURS["other_la"]


ROW_LABELS = {"reading": "Reading", "writing": "Writing", "maths": "Maths"}


SOURCES = {
    "school_census": "DfE school census, January {year} (england_census.csv)",
    "ks4_provisional": "DfE KS4 provisional results {year} (england_ks4provisional.csv)",
    "ks4_destinations": "DfE KS4 destination measures (published 2019) for pupils who "
    "finished KS4 in {year} (england_ks4-pupdest.csv)",
    "school_locations": "DfE KS2 final results {year} (england_ks2final.csv)",
    "performance": "DfE performance tables {year}, split by disadvantage (Hampshire and Surrey "
    "files)",
}


@dataclass(frozen=True)
class Choice:
    urn: str
    name: str
    la_code: str
    size: int
    pool: str
    features: tuple[str, ...]


def source_line(context: similar.Context, kind: str) -> str:
    year = context.years.get(kind, "")
    if kind == "school_census" and year:
        year = f"20{year[-2:]}"
    return SOURCES[kind].format(year=year)


def load_context(selection: Filters) -> similar.Context:
    """Every school's context for the phase and year, held once per store version and
    shared, not copied, per rerun (data.shared): it is only read, and unpickling some
    25,000 rows on every rerun cost more than the page's own work on it."""
    return data.shared(similar.context_table, selection.phase, selection.year)


def pool_where(result: similar.FamilyResult) -> str:
    """'in Surrey (936)', 'in Greater Manchester (10 LAs)', 'loaded across England'."""
    return "loaded across England" if result.pool == "england" else f"in {result.pool_label}"


def status_texts(values: pl.Series, statuses: pl.Series, decimals: int) -> list[str]:
    """Each cell as a reader should see it (tables.status_text), from the two columns."""
    return [
        status_text(v, s, decimals)
        for v, s in zip(values.to_list(), statuses.to_list(), strict=True)
    ]


def not_loaded_text(context: similar.Context, choice: Choice) -> str:
    """Where results split by disadvantage are loaded for the year, when not for this LA."""
    stage = "KS2" if context.phase == "primary" else "KS4"
    codes = similar.areas_with_results_by_disadvantage(context)
    names = (
        context.frame.filter(pl.col("la_code").is_in(list(codes)))
        .select("la_name")
        .unique()
        .sort("la_name")["la_name"]
        .to_list()
    )
    if not names:
        return f"No {stage} results split by disadvantage are loaded for {context.year}."
    where = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    la_name = context.frame.filter(pl.col("urn") == choice.urn)["la_name"][0]
    return (
        f"{stage} results split by disadvantage for {context.year} are loaded only for {where} "
        f"(DfE performance tables), not for {la_name}."
    )
