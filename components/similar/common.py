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
from equity import kinds
from equity.analysis import similar

SIZE_MIN, SIZE_MAX, SIZE_DEFAULT = 5, 50, 20
#: Every family size the page offers, smallest first.
SIZES = tuple(range(SIZE_MIN, SIZE_MAX + 1))


SMALL_COHORT = similar.SMALL_COHORT


SCHOOL_KEY, SIZE_KEY, POOL_KEY, CHOSEN_KEY = (
    "similar_school",
    "similar_size",
    "similar_pool",
    "similar_pooled",
)


URL_KEYS = ("school", "family_size", "pool", "features", "weights", "census", "mix")


URL_GROUP = "similar"  # urlstate's name for this page's link values


FEATURE_KEY = "similar_feature_"


WEIGHT_KEY = "similar_weight_"


#: Plain session state holding each feature's tick and weight: the inputs (FEATURE_KEY,
#: WEIGHT_KEY) are drawn only on request, and Streamlit forgets an input's value on a run
#: that does not draw it.
KEPT_FEATURE_KEY = "similar_kept_feature_"
KEPT_WEIGHT_KEY = "similar_kept_weight_"


CENSUS_KEY = "similar_census"


MIX_KEY = "similar_mix_kinds"


CHOSEN_COLOUR = ROLE_COLOURS["selected"]


THIS_SCHOOL = "(this school)"


DEFAULT_SCHOOL_TEXT = "the area's largest school with published results is shown"


#: Streamlit fits the whole chart (title, axes, legend) into the height a spec declares, so
#: each builder adds this much to the height its rows need.
DECORATION = 170


FAMILY_COLOUR = ROLE_COLOURS["other_la"]


ROW_LABELS = {"reading": "Reading", "writing": "Writing", "maths": "Maths"}


SOURCES = {
    kinds.SCHOOL_CENSUS: "DfE school census, January {year} (england_census.csv)",
    kinds.KS4_PROVISIONAL: "DfE KS4 provisional results {year} (england_ks4provisional.csv)",
    kinds.KS4_DESTINATIONS: "DfE KS4 destination measures for pupils who finished KS4 in {year}, "
    "pooled (england_ks4-pupdest.csv of each release, the latest release giving a cohort)",
    kinds.SCHOOL_LOCATIONS: "DfE KS2 final results {year} (england_ks2final.csv)",
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
    #: (feature, weight) for each chosen feature, in the features' order.
    weights: tuple[tuple[str, float], ...] = ()
    #: The January census the family is built from ("2023/24").
    census: str = ""
    #: Primary: let infant, junior, all-through and full primary schools share a family.
    mix_kinds: bool = False

    def weight_map(self) -> dict[str, float]:
        return dict(self.weights)


def source_line(context: similar.Context, kind: str) -> str:
    year = context.years.get(kind, "")
    if kinds.kind(kind).year_meaning == kinds.JANUARY_CENSUS and year:  # "January 2019"
        year = f"20{year[-2:]}"
    return SOURCES[kind].format(year=year)


def load_context(selection: Filters, census_year: str | None = None) -> similar.Context:
    """Every school's context for the phase and year from that census (None: the newest),
    held once per store version and shared, not copied, per rerun (data.shared): it is
    only read, and unpickling some 25,000 rows on every rerun cost more than the page's own
    work on it."""
    if census_year is None:
        census_year = census_default()
    return data.shared(similar.context_table, selection.phase, selection.year, census_year or "")


def census_options() -> list[str]:
    """Census years a family can be built from, newest first."""
    return data.cached(similar.census_year_options)


def census_default() -> str | None:
    """The newest census in the store (the page's default)."""
    options = census_options()
    return options[0] if options else None


def census_label(year: str) -> str:
    """'January 2024 (2023/24)'."""
    return f"January 20{year[-2:]} ({year})" if year else "no census loaded"


def weight_text(weight: float) -> str:
    """1.0 -> '1', 0.5 -> '0.5', 1.25 -> '1.25': as a link writes it."""
    return f"{weight:.2f}".rstrip("0").rstrip(".")


def weights_sentence(weights: dict[str, float]) -> str:
    """'% ever-FSM × 1, % EAL × 1, % SEN × 1, pupils on roll × 0.5': each feature's weight in
    the distance, as the page and its link give it."""
    return ", ".join(f"{similar.FEATURES[f].short} × {weight_text(w)}" for f, w in weights.items())


def pool_where(result: similar.FamilyResult) -> str:
    """'in Surrey (936)', 'in Greater Manchester (10 LAs)', 'loaded across England', with
    the primary kind the pool is kept to ('junior schools in Surrey (936)')."""
    where = "loaded across England" if result.pool == "england" else f"in {result.pool_label}"
    if result.kind:
        return f"({similar.PRIMARY_KINDS[result.kind]} only) {where}"
    return where


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
