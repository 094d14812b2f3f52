"""The Similar schools page's data: one context row per school, its family, its odds.

Why these sources: the January 2019 school census is the only context file that covers
every school in England (so GM and England pools are possible); outcomes come from
whatever the store holds for the phase: KS4 provisional 2018/19 and KS4 destinations
(all England), the trimmed KS2 file (all England, all pupils only), and the performance
tables split by disadvantage where they are loaded (Hampshire and Surrey). The school
universe is the census's state-funded mainstream schools of the phase, so special
schools and schools closed before January 2019 are not in any family.

Results rows of the trimmed national files (kind `school_locations`) carry no LA code;
every column here is joined on URN to the census row, which does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final

import polars as pl

from equity.analysis import census as census_analysis
from equity.metrics.families import Family, find_family
from equity.metrics.odds import OddsFit, beating_the_odds
from equity.queries import CENSUS_TYPES
from equity.schema import GREATER_MANCHESTER
from equity.store import Store


@dataclass(frozen=True)
class Column:
    """One measure of one pupil group from one kind of file, as a context-table column."""

    key: str
    kind: str  # file kind; "performance" means the phase's ks2/ks4_performance
    measure: str
    group: str = "all"


def _census(key: str, measure: str) -> Column:
    return Column(key, "school_census", measure)


def _perf(key: str, measure: str, group: str = "all") -> Column:
    """Performance tables: the page's year, as the files split results by disadvantage."""
    return Column(key, "performance", measure, group)


_COMMON: Final = (
    _census("fsm6", "pct_ever_fsm"),
    _census("eal", "pct_eal"),
    _census("sen", "pct_sen"),
    _census("pupils", "pupils"),
    _perf("disadvantaged", "pct_disadvantaged"),
    _perf("cohort_eal", "pct_eal"),
    _perf("cohort", "pupils"),
    _perf("n_dis", "pupils", "disadvantaged"),
    _perf("n_other", "pupils", "other"),
)
COLUMNS: Final[dict[str, tuple[Column, ...]]] = {
    "secondary": (
        *_COMMON,
        _perf("prior", "ks4_prior_attainment"),
        _perf("a8_dis", "ks4_attainment8", "disadvantaged"),
        _perf("a8_other", "ks4_attainment8", "other"),
        _perf("p8_dis", "ks4_progress8", "disadvantaged"),
        _perf("p8_other", "ks4_progress8", "other"),
        Column("a8_all", "ks4_provisional", "ks4_attainment8", "all"),
        Column("p8_all", "ks4_provisional", "ks4_progress8", "all"),
        Column("p8_lower", "ks4_provisional", "ks4_progress8_ci_lower", "all"),
        Column("p8_upper", "ks4_provisional", "ks4_progress8_ci_upper", "all"),
        Column("ks4_pupils", "ks4_provisional", "pupils", "all"),
        Column("dest_dis", "ks4_destinations", "ks4_sustained_destination_pct", "disadvantaged"),
        Column("dest_other", "ks4_destinations", "ks4_sustained_destination_pct", "other"),
        Column("dest_n_dis", "ks4_destinations", "pupils", "disadvantaged"),
        Column("dest_n_other", "ks4_destinations", "pupils", "other"),
    ),
    "primary": (
        *_COMMON,
        _perf("rwm_dis", "ks2_rwm_expected_pct", "disadvantaged"),
        _perf("rwm_other", "ks2_rwm_expected_pct", "other"),
        Column("read_prog", "school_locations", "ks2_reading_progress", "all"),
        Column("writ_prog", "school_locations", "ks2_writing_progress", "all"),
        Column("mat_prog", "school_locations", "ks2_maths_progress", "all"),
    ),
}


@dataclass(frozen=True)
class Feature:
    key: str  # also the context-table column and the URL spelling
    label: str
    short: str  # for sentences: "compared on % ever-FSM, % EAL, ..."
    source: str  # "census" or "performance"
    decimals: int = 1


FEATURES: Final[dict[str, Feature]] = {
    f.key: f
    for f in (
        Feature("fsm6", "% ever eligible for FSM (last six years)", "% ever-FSM", "census"),
        Feature("eal", "% English as an additional language", "% EAL", "census"),
        Feature("sen", "% special educational needs", "% SEN", "census"),
        Feature("pupils", "Pupils on roll", "pupils on roll", "census", 0),
        Feature(
            "disadvantaged",
            "% disadvantaged in the tested cohort",
            "% disadvantaged in the tested cohort",
            "performance",
        ),
        Feature("cohort", "Pupils in the tested cohort", "cohort size", "performance", 0),
        Feature(
            "prior",
            "Cohort's KS2 prior attainment (average point score)",
            "KS2 prior attainment",
            "performance",
        ),
    )
}
#: Fewer pupils than this and one pupil moves a percentage by 10 points or more: flagged.
SMALL_COHORT: Final = 10
DEFAULT_FEATURES: Final = ("fsm6", "eal", "sen", "pupils")
POOLS: Final[dict[str, str]] = {
    "la": "The school's own LA",
    "gm": "Greater Manchester (10 LAs)",
    "england": "All loaded schools (England)",
}


@dataclass(frozen=True)
class Context:
    """Every candidate school of a phase with its context and outcome columns."""

    phase: str
    year: str  # the results year asked for
    frame: pl.DataFrame  # urn, name, la_code, la_name, <key>, <key>_status per Column
    years: dict[str, str] = field(default_factory=dict)  # kind -> academic year used


def _kind_years(store: Store, phase: str, year: str) -> dict[str, str]:
    """Which academic year each kind of file contributes: the page's year where the kind has
    it, else its newest year before the page's, else its newest (performance: the page's
    only). Census and destinations now span several years, so "newest" alone would judge a
    2018/19 family on a January 2024 census."""
    stage = "ks4" if phase == "secondary" else "ks2"
    found = (
        store.summary()
        .filter(pl.col("entity_kind") == "school")
        .group_by("kind")
        .agg(pl.col("academic_year").unique())
    )
    years: dict[str, str] = {}
    for kind, available in found.iter_rows():
        wanted = sorted(y for y in available if y)
        if kind == f"{stage}_performance":
            if year in wanted:
                years["performance"] = year
        elif wanted:
            earlier = [y for y in wanted if y <= year]
            years[kind] = earlier[-1] if earlier else wanted[-1]
    return years


def _universe(store: Store, phase: str, census_year: str | None) -> pl.DataFrame:
    """State-funded mainstream schools of the phase in that year's census (types placed as
    `equity.analysis.census.school_types` places them), named from the best file."""
    if census_year is None:
        rows = pl.DataFrame(schema={"urn": pl.String, "la_code": pl.String})
    else:
        rows = (
            census_analysis.school_types(store, census_year)
            .filter(pl.col("school_type") == CENSUS_TYPES[phase])
            .select("urn", "la_code")
            .unique("urn", keep="first")
        )
    names = store.schools().select("urn", "name")
    areas = store.areas().select("la_code", pl.col("name").alias("la_name"))
    return (
        rows.join(names, on="urn", how="left")
        .join(areas, on="la_code", how="left")
        .with_columns(
            pl.col("name").fill_null(pl.lit("Unnamed school, URN ") + pl.col("urn")),
            pl.col("la_name").fill_null(pl.lit("LA ") + pl.col("la_code")),
        )
        .select("urn", "name", "la_code", "la_name")
    )


def context_table(store: Store, phase: str, year: str) -> Context:
    """One row per candidate school: context features, outcomes and their statuses."""
    kinds = {c.kind for c in COLUMNS[phase]}
    years = {k: y for k, y in _kind_years(store, phase, year).items() if k in kinds}
    stage = "ks4" if phase == "secondary" else "ks2"
    wanted = []
    for column in COLUMNS[phase]:
        kind = f"{stage}_performance" if column.kind == "performance" else column.kind
        used = years.get(column.kind)
        if used is not None:
            wanted.append((column, kind, used))
    frame = _universe(store, phase, years.get("school_census"))
    if wanted:
        keys = pl.DataFrame(
            {
                "kind": [k for _, k, _ in wanted],
                "academic_year": [y for _, _, y in wanted],
                "measure": [c.measure for c, _, _ in wanted],
                "pupil_group": [c.group for c, _, _ in wanted],
                "field": [c.key for c, _, _ in wanted],
            }
        ).lazy()
        # Where two files give a cohort (KS4 destinations releases), the latest release wins:
        # a release is ordered by the newest year it holds.
        release = store.manifest().select(
            "source", pl.col("academic_years").list.max().alias("__release")
        )
        long = (
            store.results_of({k for _, k, _ in wanted})
            .filter(pl.col("entity_kind") == "school")
            .join(keys, on=["kind", "academic_year", "measure", "pupil_group"], how="inner")
            .join(release.lazy(), on="source", how="left")
            .sort("__release", descending=True, nulls_last=True, maintain_order=True)
            .select(pl.col("entity").alias("urn"), "field", "value", "status")
            .unique(["urn", "field"], keep="first", maintain_order=True)
            .collect()
        )
        for column, _, _ in wanted:
            part = long.filter(pl.col("field") == column.key).select(
                "urn",
                pl.col("value").alias(column.key),
                pl.col("status").alias(f"{column.key}_status"),
            )
            frame = frame.join(part, on="urn", how="left")
    for column in COLUMNS[phase]:
        if column.key not in frame.columns:
            frame = frame.with_columns(
                pl.lit(None, dtype=pl.Float64).alias(column.key),
                pl.lit(None, dtype=pl.String).alias(f"{column.key}_status"),
            )
    # A value is only a value when its status says so: never a stray number beside "SUPP".
    frame = frame.with_columns(
        pl.when(pl.col(f"{c.key}_status") == "value").then(pl.col(c.key)).alias(c.key)
        for c in COLUMNS[phase]
    )
    return Context(phase=phase, year=year, frame=frame.sort("urn"), years=years)


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


def pool_frame(context: Context, urn: str, pool: str) -> tuple[pl.DataFrame, str]:
    """The candidate schools for `pool` (the chosen school always among them) and a label."""
    frame = context.frame
    mine = frame.filter(pl.col("urn") == urn)
    if mine.is_empty():
        raise KeyError(urn)
    la_code, la_name = mine["la_code"][0], mine["la_name"][0]
    if pool == "la":
        return frame.filter(pl.col("la_code") == la_code), f"{la_name} ({la_code})"
    if pool == "gm":
        in_gm = pl.col("la_code").is_in(list(GREATER_MANCHESTER)) | (pl.col("urn") == urn)
        return frame.filter(in_gm), POOLS["gm"]
    return frame, POOLS["england"]


def family_for(
    context: Context, urn: str, pool: str, features: tuple[str, ...], size: int
) -> FamilyResult:
    """Form the family and attach every member's name, LA and outcomes."""
    candidates, label = pool_frame(context, urn, pool)
    family = find_family(candidates, urn, features, size)
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
    return FamilyResult(family, pool, label, candidates.height, table)


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
            "Sustained education, apprenticeship or employment after KS4 (%)",
            "ks4_destinations",
            {"disadvantaged": "dest_dis", "other": "dest_other"},
            {"disadvantaged": "dest_n_dis", "other": "dest_n_other"},
            0,
        ),
        Outcome(
            "a8_all", "Attainment 8, all pupils (provisional)", "ks4_provisional", {"all": "a8_all"}
        ),
        Outcome(
            "p8_all",
            "Progress 8, all pupils (provisional)",
            "ks4_provisional",
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
            "school_locations",
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


ODDS: Final[dict[str, tuple[OddsSpec, ...]]] = {
    "secondary": (
        OddsSpec(
            "a8_dis",
            "Disadvantaged pupils' Attainment 8",
            "a8_dis",
            ("disadvantaged", "prior", "cohort_eal", "sen"),
            "n_dis",
            "performance",
        ),
        OddsSpec(
            "dest_dis",
            "Disadvantaged pupils in sustained destinations (%)",
            "dest_dis",
            ("fsm6", "eal", "sen"),
            "dest_n_dis",
            "ks4_destinations",
        ),
        OddsSpec(
            "a8_all",
            "All pupils' Attainment 8 (no split by disadvantage)",
            "a8_all",
            ("fsm6", "eal", "sen"),
            "ks4_pupils",
            "ks4_provisional",
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
