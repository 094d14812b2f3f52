"""The Similar schools page's data: a school's family, its outcomes, its odds.

The context table (one row per school, and why these sources) is built in
`equity.analysis.similar_context`; its names are re-exported here so the page imports one
module.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeVar, cast

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


_MEMO_LOCK = threading.Lock()
_T = TypeVar("_T")


def _memo(context: Context, key: str, make: Callable[[], _T]) -> _T:
    """`make()` once per context (Context.memo): sessions share the context, so two may ask
    at once; the lock makes the second wait for the first's answer rather than redo it."""
    found = context.memo.get(key)
    if found is None:
        with _MEMO_LOCK:
            found = context.memo.get(key)
            if found is None:
                found = make()
                context.memo[key] = found
    return cast(_T, found)


@dataclass(frozen=True)
class _SchoolLists:
    """Every LA's school list and default-school candidates, from one pass over the
    context (per context, not per LA: a rerun for another LA is then a lookup)."""

    #: The schools a head can pick (any census context), by name then URN: all LAs.
    ordered: pl.DataFrame
    #: la_codes -> those LAs' rows of `ordered`, in the same order (filled as asked: one
    #: filter per area and context, not per rerun).
    by_area: dict[tuple[str, ...], pl.DataFrame]
    #: la_code -> its rows' numbers in `ordered` (ascending).
    of_la: dict[str, list[int]]
    #: la_code -> (pupils, urn) of its largest school with a result split by disadvantage,
    #: and of its largest with any result of the phase (default_school's two tiers).
    best_split: dict[str, tuple[float | None, str]]
    best_every: dict[str, tuple[float | None, str]]


def _school_lists(context: Context) -> _SchoolLists:
    def make() -> _SchoolLists:
        outcomes = OUTCOMES[context.phase]
        split = [c for o in outcomes if "disadvantaged" in o.columns for c in o.columns.values()]
        every = [c for o in outcomes for c in o.columns.values()]
        has = [c for c in every if c in context.frame.columns]
        usable = context.frame.filter(
            pl.any_horizontal(pl.col(f).is_not_null() for f in DEFAULT_FEATURES)
        )
        ordered = usable.select("urn", "name", "la_code", "la_name").sort(
            pl.col("name").str.to_lowercase(), "urn"
        )

        def best(columns: list[str]) -> dict[str, tuple[float | None, str]]:
            columns = [c for c in columns if c in has]
            if not columns:
                return {}
            largest = (
                usable.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in columns))
                .sort(["pupils", "urn"], descending=[True, False], nulls_last=True)
                .unique("la_code", keep="first", maintain_order=True)
            )
            return {
                la: (pupils, urn)
                for la, pupils, urn in largest.select("la_code", "pupils", "urn").iter_rows()
            }

        of_la: dict[str, list[int]] = {}
        for index, la_code in enumerate(ordered["la_code"].to_list()):
            of_la.setdefault(la_code, []).append(index)
        return _SchoolLists(
            ordered=ordered,
            by_area={},
            of_la=of_la,
            best_split=best(split),
            best_every=best(every),
        )

    return _memo(context, "school_lists", make)


def school_options(context: Context, la_codes: tuple[str, ...]) -> pl.DataFrame:
    """The authority's schools a head can pick (those with any census context), by name."""
    lists = _school_lists(context)
    found = lists.by_area.get(la_codes)
    if found is None:
        rows = sorted(i for c in set(la_codes) for i in lists.of_la.get(c, []))
        found = lists.ordered[rows]
        lists.by_area[la_codes] = found
    return found


def _largest_first(entry: tuple[float | None, str]) -> tuple[bool, bool, float, str]:
    """The order of `sort(["pupils", "urn"], descending=[True, False], nulls_last=True)`:
    nulls last, NaN (polars' largest float) first, then the most pupils, then the URN."""
    pupils, urn = entry
    if pupils is None:
        return (True, True, 0.0, urn)
    if math.isnan(pupils):
        return (False, False, 0.0, urn)
    return (False, True, -pupils, urn)


def default_school(
    context: Context, la_codes: tuple[str, ...], options: pl.DataFrame | None = None
) -> str | None:
    """The school a page opens on: the authority's largest school (pupils on roll) with a
    published result split by disadvantage, else with any published result of the phase,
    else the first by name; ties by URN. None when the authority has no school.

    Each LA's largest of each kind is worked out once per context (`_school_lists`); an
    authority of several LAs takes the largest of its members' largest.
    `options`: school_options(context, la_codes), when the caller has it already."""
    options = school_options(context, la_codes) if options is None else options
    if options.is_empty():
        return None
    lists = _school_lists(context)
    for tier in (lists.best_split, lists.best_every):
        found = [tier[la] for la in dict.fromkeys(la_codes) if la in tier]
        if found:
            return str(min(found, key=_largest_first)[1])
    return str(options["urn"][0])


@dataclass(frozen=True)
class _Positions:
    """Where each school and each LA's schools sit in context.frame (row numbers, in frame
    order), read off its columns once per context: a rerun for another LA then takes
    rows by number (a gather, no query) instead of filtering the frame."""

    of_urn: dict[str, int]
    of_la: dict[str, list[int]]
    #: primary_kind of each row (all None for secondary, which has no such column).
    kinds: list[str | None]


def _positions(context: Context) -> _Positions:
    def make() -> _Positions:
        frame = context.frame
        of_la: dict[str, list[int]] = {}
        for index, la_code in enumerate(frame["la_code"].to_list()):
            of_la.setdefault(la_code, []).append(index)
        urns = frame["urn"].to_list()
        kinds = (
            frame["primary_kind"].to_list()
            if "primary_kind" in frame.columns
            else [None] * frame.height
        )
        # The frame has one row per URN (context_table); the first wins were one repeated,
        # as a filter's first row did.
        of_urn: dict[str, int] = {}
        for index, urn in enumerate(urns):
            of_urn.setdefault(urn, index)
        return _Positions(of_urn, of_la, kinds)

    return _memo(context, "positions", make)


def school_row(context: Context, urn: str) -> dict[str, Any] | None:
    """The context row of one school (None when it is not in the context)."""
    index = _positions(context).of_urn.get(urn)
    return None if index is None else context.frame.row(index, named=True)


def areas_with_results_by_disadvantage(context: Context) -> tuple[str, ...]:
    """LA codes with performance-table results (split by disadvantage) for the page's year."""

    def make() -> tuple[str, ...]:
        codes = context.frame.filter(pl.col("cohort").is_not_null())["la_code"].unique().sort()
        return tuple(codes.to_list())

    return _memo(context, "areas_with_results", make)


def names_with_results_by_disadvantage(context: Context) -> tuple[str, ...]:
    """LA names (sorted) with performance-table results for the page's year: the data
    note's list, once per context."""

    def make() -> tuple[str, ...]:
        names = context.frame.filter(pl.col("cohort").is_not_null())["la_name"].to_list()
        return tuple(sorted(set(names)))

    return _memo(context, "names_with_results", make)


def la_names_of(context: Context, la_codes: Sequence[str]) -> list[str]:
    """The names (sorted) these LAs' schools carry in the context. The names of every LA
    are read once per context: filtering some 25,000 rows on every rerun for the selected
    LAs was ~2 ms of the Similar schools page's rerun."""

    def make() -> dict[str, tuple[str, ...]]:
        by_la: dict[str, set[str]] = {}
        pairs = context.frame.select("la_code", "la_name").unique().drop_nulls("la_name")
        for la_code, name in pairs.iter_rows():
            by_la.setdefault(la_code, set()).add(name)
        return {la_code: tuple(sorted(names)) for la_code, names in by_la.items()}

    names: dict[str, tuple[str, ...]] = _memo(context, "la_names", make)
    return sorted({name for la_code in la_codes for name in names.get(la_code, ())})


def available_features(context: Context, urn: str) -> tuple[str, ...]:
    """Features this school has a value for (performance-table ones only where loaded)."""
    row = school_row(context, urn)
    if row is None:
        return ()
    return tuple(f for f in FEATURES if f in row and row[f] is not None)


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
    where = _positions(context)
    at = where.of_urn.get(urn)
    if at is None:
        raise KeyError(urn)
    mine = frame.row(at, named=True)
    la_code, la_name = mine["la_code"], mine["la_name"]
    if pool == "la":
        rows, label = where.of_la.get(la_code, []), f"{la_name} ({la_code})"
    elif pool == "gm":
        rows = sorted({at, *(i for c in GREATER_MANCHESTER for i in where.of_la.get(c, []))})
        label = POOLS["gm"]
    else:
        rows, label = list(range(frame.height)), POOLS["england"]
    if "primary_kind" in frame.columns and not mix_kinds:
        # As `(primary_kind == kind) | (urn == urn)` kept them: a null kind matches nothing.
        kind = mine["primary_kind"]
        rows = [i for i in rows if i == at or (kind is not None and where.kinds[i] == kind)]
    elif pool == "england":
        return frame, label
    # Row numbers in frame order: the rows, and their order, a filter kept.
    return frame[rows], label


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
    # The chosen school (rank 0) then the family by rank, as the diagonal concat of the two
    # frames gave them, built from their columns (no query: each was a trip through
    # polars' thread pool, and resolving a lazy plan's schema cost more than the rows).
    chosen_row, members = family.chosen, family.members
    height = members.height
    scored = pl.DataFrame(
        [
            *(pl.concat([chosen_row[c], members[c]]) for c in chosen_row.columns),
            pl.Series("role", ["chosen"] + ["family"] * height, dtype=pl.String),
            pl.concat([pl.Series("rank", [0], dtype=pl.Int64), members["rank"]]),
        ]
    )
    outcome_columns = [
        c for c in context.frame.columns if c not in scored.columns and c not in FEATURES
    ]
    front = ["role", "rank", "urn", "name", "la_code", "la_name", "distance"]
    # Each member's outcomes: the candidates are rows of context.frame (one per URN) and
    # hold every family member, so a member's row is taken by its position there, in rank
    # order: what a left join on URN gave, as a gather (~0.05 ms; the join took ~0.8 ms
    # on each rerun for a new school or authority).
    at = {urn: number for number, urn in enumerate(candidates["urn"].to_list())}
    outcomes = candidates.select(outcome_columns)[[at[urn] for urn in scored["urn"].to_list()]]
    joined = scored.hstack(outcomes)
    table = joined[front + [c for c in joined.columns if c not in front]]
    row = school_row(context, urn)
    kind = (
        str(row["primary_kind"])
        if row is not None and "primary_kind" in candidates.columns and not mix_kinds
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
