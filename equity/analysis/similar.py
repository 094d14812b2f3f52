"""The Similar schools page's data: a school's family, its outcomes, its odds.

The context table (one row per school, and why these sources) is built in
`equity.analysis.similar_context`; its names are re-exported here so the page imports one
module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final

import polars as pl

# The context table lives in similar_context; re-exported so callers keep one import.
from equity import kinds as file_kinds
from equity.analysis.similar_context import COLUMNS as COLUMNS
from equity.analysis.similar_context import DEFAULT_FEATURES as DEFAULT_FEATURES
from equity.analysis.similar_context import DEFAULT_WEIGHTS as DEFAULT_WEIGHTS
from equity.analysis.similar_context import FEATURES as FEATURES
from equity.analysis.similar_context import POOLED_COHORTS as POOLED_COHORTS
from equity.analysis.similar_context import POOLED_COLUMNS as POOLED_COLUMNS
from equity.analysis.similar_context import POOLS as POOLS
from equity.analysis.similar_context import PRIMARY_KINDS as PRIMARY_KINDS
from equity.analysis.similar_context import SMALL_COHORT as SMALL_COHORT
from equity.analysis.similar_context import WEIGHT_MAX as WEIGHT_MAX
from equity.analysis.similar_context import Column as Column
from equity.analysis.similar_context import Context as Context
from equity.analysis.similar_context import Feature as Feature
from equity.analysis.similar_context import census_year_options as census_year_options
from equity.analysis.similar_context import context_table as context_table
from equity.analysis.similar_context import primary_kinds as primary_kinds
from equity.metrics.families import Family, find_family
from equity.metrics.odds import OddsFit, beating_the_odds
from equity.schema import GREATER_MANCHESTER

# --------------------------------------------------------------------------- school lists


def school_options(context: Context, la_codes: tuple[str, ...]) -> pl.DataFrame:
    """The authority's schools a head can pick (those with any census context), by name."""
    return (
        context.frame.filter(
            pl.col("la_code").is_in(list(la_codes))
            & pl.any_horizontal(pl.col(f).is_not_null() for f in DEFAULT_FEATURES)
        )
        .select("urn", "name", "la_code", "la_name")
        .sort(pl.col("name").str.to_lowercase(), "urn")
    )


def default_school(
    context: Context, la_codes: tuple[str, ...], options: pl.DataFrame | None = None
) -> str | None:
    """The school a page opens on: the authority's largest school (pupils on roll) with a
    published result split by disadvantage, else with any published result of the phase,
    else the first by name; ties by URN. None when the authority has no school.

    `options`: school_options(context, la_codes), when the caller has it already."""
    options = school_options(context, la_codes) if options is None else options
    if options.is_empty():
        return None
    frame = context.frame.join(options.select("urn"), on="urn", how="semi")
    outcomes = OUTCOMES[context.phase]
    split = [c for o in outcomes if "disadvantaged" in o.columns for c in o.columns.values()]
    every = [c for o in outcomes for c in o.columns.values()]
    for columns in (split, every):
        with_results = frame.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in columns))
        if with_results.height:
            largest = with_results.sort(
                ["pupils", "urn"], descending=[True, False], nulls_last=True
            )
            return str(largest["urn"][0])
    return str(options["urn"][0])


def areas_with_results_by_disadvantage(context: Context) -> tuple[str, ...]:
    """LA codes with performance-table results (split by disadvantage) for the page's year."""
    codes = context.frame.filter(pl.col("cohort").is_not_null())["la_code"].unique().sort()
    return tuple(codes.to_list())


def available_features(context: Context, urn: str) -> tuple[str, ...]:
    """Features this school has a value for (performance-table ones only where loaded)."""
    row = context.frame.filter(pl.col("urn") == urn)
    if row.is_empty():
        return ()
    return tuple(f for f in FEATURES if f in row.columns and row[f][0] is not None)


# --------------------------------------------------------------------------- the family


@dataclass(frozen=True)
class FamilyResult:
    family: Family
    pool: str
    pool_label: str
    #: Schools of the pool before any was excluded for a missing feature.
    candidates: int
    #: The chosen school (role "chosen", rank 0) then its family, with names and outcomes.
    table: pl.DataFrame
    #: The primary kind the pool was kept to (PRIMARY_KINDS), "" when kinds are mixed or
    #: the phase is secondary.
    kind: str = ""
    mix_kinds: bool = False


def pool_frame(
    context: Context, urn: str, pool: str, mix_kinds: bool = False
) -> tuple[pl.DataFrame, str]:
    """The candidate schools for `pool` (the chosen school always among them) and a label.
    A primary pool keeps only schools of the chosen school's kind (PRIMARY_KINDS) unless
    `mix_kinds`."""
    frame = context.frame
    mine = frame.filter(pl.col("urn") == urn)
    if mine.is_empty():
        raise KeyError(urn)
    if "primary_kind" in frame.columns and not mix_kinds:
        kind = mine["primary_kind"][0]
        frame = frame.filter((pl.col("primary_kind") == kind) | (pl.col("urn") == urn))
    la_code, la_name = mine["la_code"][0], mine["la_name"][0]
    if pool == "la":
        return frame.filter(pl.col("la_code") == la_code), f"{la_name} ({la_code})"
    if pool == "gm":
        in_gm = pl.col("la_code").is_in(list(GREATER_MANCHESTER)) | (pl.col("urn") == urn)
        return frame.filter(in_gm), POOLS["gm"]
    return frame, POOLS["england"]


def family_for(
    context: Context,
    urn: str,
    pool: str,
    features: tuple[str, ...],
    size: int,
    weights: Mapping[str, float] | None = None,
    mix_kinds: bool = False,
) -> FamilyResult:
    """Form the family (features weighted by `weights`, DEFAULT_WEIGHTS where not given;
    primary kinds kept apart unless `mix_kinds`) and attach every member's name, LA and
    outcomes."""
    candidates, label = pool_frame(context, urn, pool, mix_kinds)
    chosen = {f: float((weights or {}).get(f, DEFAULT_WEIGHTS.get(f, 1.0))) for f in features}
    family = find_family(candidates, urn, features, size, weights=chosen)
    scored = pl.concat(
        [
            family.chosen.with_columns(
                pl.lit("chosen").alias("role"), pl.lit(0, dtype=pl.Int64).alias("rank")
            ),
            family.members.with_columns(pl.lit("family").alias("role")),
        ],
        how="diagonal",
    )
    outcome_columns = [
        c for c in context.frame.columns if c not in scored.columns and c not in FEATURES
    ]
    table = scored.join(context.frame.select([*outcome_columns, "urn"]), on="urn", how="left")
    front = ["role", "rank", "urn", "name", "la_code", "la_name", "distance"]
    table = table.select(front + [c for c in table.columns if c not in front]).sort("rank")
    kinds = candidates.filter(pl.col("urn") == urn)
    kind = (
        str(kinds["primary_kind"][0])
        if "primary_kind" in candidates.columns and not mix_kinds
        else ""
    )
    return FamilyResult(family, pool, label, candidates.height, table, kind, mix_kinds)


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcome:
    """A result shown for the family: one column per pupil group (or subject), with counts."""

    key: str
    label: str
    kind: str
    columns: dict[str, str]
    counts: dict[str, str] = field(default_factory=dict)
    decimals: int = 1


OUTCOMES: Final[dict[str, tuple[Outcome, ...]]] = {
    "secondary": (
        Outcome(
            "a8",
            "Attainment 8 by disadvantage",
            "performance",
            {"disadvantaged": "a8_dis", "other": "a8_other"},
            {"disadvantaged": "n_dis", "other": "n_other"},
        ),
        Outcome(
            "p8",
            "Progress 8 by disadvantage",
            "performance",
            {"disadvantaged": "p8_dis", "other": "p8_other"},
            {"disadvantaged": "n_dis", "other": "n_other"},
            2,
        ),
        Outcome(
            "dest",
            "Sustained education, apprenticeship or employment after KS4 (%, latest three "
            "cohorts pooled)",
            file_kinds.KS4_DESTINATIONS,
            {"disadvantaged": "dest_dis", "other": "dest_other"},
            {"disadvantaged": "dest_n_dis", "other": "dest_n_other"},
            0,
        ),
        Outcome(
            "a8_all",
            "Attainment 8, all pupils (provisional)",
            file_kinds.KS4_PROVISIONAL,
            {"all": "a8_all"},
        ),
        Outcome(
            "p8_all",
            "Progress 8, all pupils (provisional)",
            file_kinds.KS4_PROVISIONAL,
            {"all": "p8_all"},
            decimals=2,
        ),
    ),
    "primary": (
        Outcome(
            "rwm",
            "Reading, writing and maths: % at the expected standard",
            "performance",
            {"disadvantaged": "rwm_dis", "other": "rwm_other"},
            {"disadvantaged": "n_dis", "other": "n_other"},
            0,
        ),
        Outcome(
            "ks2_progress",
            "KS2 progress scores, all pupils",
            file_kinds.SCHOOL_LOCATIONS,
            {"reading": "read_prog", "writing": "writ_prog", "maths": "mat_prog"},
        ),
    ),
}


def outcomes_with_data(result: FamilyResult, phase: str) -> tuple[Outcome, ...]:
    """Outcomes at least one school of the family (or the chosen one) has a figure for."""
    table = result.table
    return tuple(
        o for o in OUTCOMES[phase] if any(table[c].is_not_null().any() for c in o.columns.values())
    )


def ranked_for(result: FamilyResult, outcome: Outcome, group: str) -> pl.DataFrame:
    """Family and chosen school on one outcome, best first; schools without a figure last.

    Columns: role, urn, name, la_name, value, status, pupils, small_cohort, position.
    """
    column = outcome.columns[group]
    count = outcome.counts.get(group)
    pupils = pl.col(count) if count else pl.lit(None, dtype=pl.Float64)
    value = pl.col(column)
    # One select, then the sort (a rank does not depend on row order): the page asks this
    # for every outcome and group of a ~20-school family, where each step costs more
    # than its work.
    return result.table.select(
        "role",
        "urn",
        "name",
        "la_name",
        value.alias("value"),
        pl.col(f"{column}_status").fill_null("missing").alias("status"),
        pupils.alias("pupils"),
        (pupils < SMALL_COHORT).fill_null(False).alias("small_cohort"),
        pl.when(value.is_not_null())
        .then(value.rank("min", descending=True))
        .cast(pl.Int64)
        .alias("position"),
    ).sort(["value", "urn"], descending=[True, False], nulls_last=True)


# --------------------------------------------------------------------------- beating the odds


@dataclass(frozen=True)
class OddsSpec:
    key: str
    label: str
    outcome: str
    predictors: tuple[str, ...]
    cohort: str
    kind: str


#: Secondary: pooled destinations first (every secondary has them; a GM school too).
ODDS: Final[dict[str, tuple[OddsSpec, ...]]] = {
    "secondary": (
        OddsSpec(
            "dest_dis",
            "Disadvantaged pupils in sustained destinations (%, latest three cohorts pooled)",
            "dest_dis",
            ("fsm6", "eal", "sen"),
            "dest_n_dis",
            file_kinds.KS4_DESTINATIONS,
        ),
        OddsSpec(
            "a8_dis",
            "Disadvantaged pupils' Attainment 8",
            "a8_dis",
            ("disadvantaged", "prior", "cohort_eal", "sen"),
            "n_dis",
            "performance",
        ),
        OddsSpec(
            "a8_all",
            "All pupils' Attainment 8 (no split by disadvantage)",
            "a8_all",
            ("fsm6", "eal", "sen"),
            "ks4_pupils",
            file_kinds.KS4_PROVISIONAL,
        ),
    ),
    "primary": (
        OddsSpec(
            "rwm_dis",
            "Disadvantaged pupils at the expected standard in RWM (%)",
            "rwm_dis",
            ("disadvantaged", "cohort_eal", "sen"),
            "n_dis",
            "performance",
        ),
    ),
}


ODDS_LABELS: Final[dict[str, str]] = {
    "fsm6": "% ever-FSM",
    "eal": "% EAL",
    "sen": "% SEN",
    "disadvantaged": "% disadvantaged",
    "prior": "KS2 prior attainment",
    "cohort_eal": "% EAL",
}


def odds_options(context: Context, urn: str) -> tuple[OddsSpec, ...]:
    """The expectations this school can be placed on (it has the outcome and predictors)."""
    row = context.frame.filter(pl.col("urn") == urn)
    if row.is_empty():
        return ()
    return tuple(
        spec
        for spec in ODDS[context.phase]
        if all(row[c][0] is not None for c in (spec.outcome, *spec.predictors, spec.cohort))
    )


def odds_for(context: Context, spec: OddsSpec) -> OddsFit:
    """The line across every loaded school with the outcome, and each school's residual."""
    fit = beating_the_odds(
        context.frame,
        spec.outcome,
        spec.predictors,
        spec.cohort,
        status=f"{spec.outcome}_status",
    )
    names = context.frame.select("urn", "name", "la_code", "la_name")
    return replace(fit, table=fit.table.join(names, on="urn", how="left"))
