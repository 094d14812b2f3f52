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

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final

import polars as pl

from equity.analysis import census as census_analysis
from equity.analysis import destinations
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
#: Default weights in the family distance (equity.metrics.families): every feature is
#: standardised first, so a weight is how much one standard deviation of that feature
#: counts. Size gets half the weight of disadvantage so that a school's number of pupils
#: never outweighs its intake (two schools of equal size but very different % ever-FSM are
#: not "similar"); the user can change every weight on the page.
DEFAULT_WEIGHTS: Final[dict[str, float]] = {
    "fsm6": 1.0,
    "eal": 1.0,
    "sen": 1.0,
    "pupils": 0.5,
    "disadvantaged": 1.0,
    "cohort": 0.5,
    "prior": 1.0,
}
WEIGHT_MAX: Final = 5.0
#: Destination cohorts pooled for a school's disadvantaged and other pupils' outcome.
POOLED_COHORTS: Final = 3
#: Pooled destination columns joined to the context table (not read per year).
POOLED_COLUMNS: Final = ("dest_dis", "dest_other", "dest_n_dis", "dest_n_other", "dest_cohorts_dis")
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


def census_year_options(store: Store) -> list[str]:
    """The census years a family can be built from, newest first."""
    years = census_analysis.census_years(store)["academic_year"].unique().to_list()
    return sorted(years, reverse=True)


def context_table(store: Store, phase: str, year: str, census_year: str | None = None) -> Context:
    """One row per candidate school: context features, outcomes and their statuses.

    `census_year`: the January census the context (and the universe of schools) comes
    from; None takes the page year's census (or the newest before it). Secondary schools
    also get disadvantaged and other pupils' sustained destinations pooled over the latest
    `POOLED_COHORTS` cohorts (`_pooled_destinations`)."""
    kinds = {c.kind for c in COLUMNS[phase]}
    years = {k: y for k, y in _kind_years(store, phase, year).items() if k in kinds}
    if census_year is not None and census_year in census_year_options(store):
        years["school_census"] = census_year
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
    if phase == "primary":
        frame = frame.join(
            primary_kinds(store, frame, years.get("school_locations")), on="urn", how="left"
        )
    if phase == "secondary":
        pooled, span = _pooled_destinations(store)
        frame = frame.join(pooled, on="urn", how="left").with_columns(
            pl.col(f"{c}_status").fill_null("missing")
            for c in ("dest_dis", "dest_other", "dest_n_dis", "dest_n_other")
        )
        if span:
            years["ks4_destinations"] = span
    return Context(phase=phase, year=year, frame=frame.sort("urn"), years=years)


#: Kinds of state-funded primary school a family keeps apart unless the user mixes them:
#: an infant school (no Year 6) and a junior school (no Reception to Year 2) serve
#: different age ranges from a full primary, so their intakes and results are not alike.
PRIMARY_KINDS: Final[dict[str, str]] = {
    "primary": "primary schools",
    "infant": "infant schools (or no KS2 results yet)",
    "junior": "junior schools",
    "all-through": "all-through schools",
}
_INFANT = r"\binfants?'?(\s|$)"
_JUNIOR = r"\bjuniors?'?(\s|$)"


def primary_kinds(store: Store, frame: pl.DataFrame, ks2_year: str | None) -> pl.DataFrame:
    """urn, primary_kind for the primary context frame. The store keeps no age range, so
    the kind is read from what it has, in this order: GIAS's phase "all-through";
    "junior" when the name says Junior and not Infant ("Junior and Infant" schools are full
    primaries); "infant" when the name says Infant and not Junior, or when a school that was
    a state-funded primary in the census of the KS2 file's year (`ks2_year`) has no row in
    that file (no Year 6: infant schools, whose names the census does not give, and
    primaries too new to have reached Year 6 then); else "primary". A school that opened
    or took a new URN (an academy conversion) after the KS2 file's year is judged by its
    name alone, so an unnamed infant school with a new URN counts as a primary."""
    gias = store.schools().select("urn", pl.col("phase").alias("__gias_phase"))
    then = (
        census_analysis.school_types(store, ks2_year)
        .filter(pl.col("school_type") == CENSUS_TYPES["primary"])
        .select("urn", pl.lit(True).alias("__open"))
        .unique("urn")
        if ks2_year and ks2_year in census_year_options(store)
        else pl.DataFrame(schema={"urn": pl.String, "__open": pl.Boolean})
    )
    name = pl.col("name").str.to_lowercase()
    infant, junior = name.str.contains(_INFANT), name.str.contains(_JUNIOR)
    status = [
        f"{c}_status"
        for c in ("read_prog", "writ_prog", "mat_prog")
        if f"{c}_status" in frame.columns
    ]
    has_row = pl.any_horizontal(pl.col(c).is_not_null() for c in status) if status else pl.lit(True)
    no_ks2 = pl.col("__open").fill_null(False) & ~has_row
    return (
        frame.select("urn", "name", *status)
        .join(gias, on="urn", how="left")
        .join(then, on="urn", how="left")
        .select(
            "urn",
            pl.when(pl.col("__gias_phase") == "all-through")
            .then(pl.lit("all-through"))
            .when(junior & ~infant)
            .then(pl.lit("junior"))
            .when((infant & ~junior) | no_ks2)
            .then(pl.lit("infant"))
            .otherwise(pl.lit("primary"))
            .alias("primary_kind"),
        )
    )


def _pooled_destinations(store: Store) -> tuple[pl.DataFrame, str]:
    """Per school, disadvantaged and other pupils' sustained destinations pooled over the
    latest `POOLED_COHORTS` cohorts (destinations.pooled_disadvantaged: the cohort-weighted
    mean of the published percentages, suppressed cohorts left out, never read as 0) and
    the pooled cohort size; the status is "value" when at least one cohort was published,
    else "suppressed" when every cohort of the group was withheld, else "missing". Returns
    the frame and the span ("2019/20 to 2021/22")."""
    pooled = destinations.pooled_disadvantaged(store, POOLED_COHORTS)
    schema = {
        "urn": pl.String,
        **{c: pl.Float64 for c in POOLED_COLUMNS},
        **{f"{c}_status": pl.String for c in POOLED_COLUMNS},
    }
    if pooled.is_empty():
        return pl.DataFrame(schema=schema), ""
    cohorts = pooled["cohorts_asked"][0].split(", ")
    span = f"{cohorts[0]} to {cohorts[-1]}" if len(cohorts) > 1 else cohorts[0]
    rows = destinations.latest_release(store).filter(
        (pl.col("entity_kind") == "school")
        & (pl.col("measure") == destinations.SUSTAINED)
        & pl.col("academic_year").is_in(cohorts)
        & pl.col("pupil_group").is_in(["disadvantaged", "other"])
    )
    withheld = (
        rows.group_by(pl.col("entity").alias("urn"), pl.col("pupil_group").alias("group"))
        .agg((pl.col("status") == "suppressed").all().alias("all_suppressed"))
        .filter(pl.col("all_suppressed"))
    )
    out = None
    for group, tag in (("disadvantaged", "dis"), ("other", "other")):
        part = pooled.filter(pl.col("group") == group).select(
            "urn",
            pl.col("pooled_pct").alias(f"dest_{tag}"),
            pl.col("pooled_pupils").cast(pl.Float64).alias(f"dest_n_{tag}"),
            pl.col("cohorts_used").cast(pl.Float64).alias(f"dest_cohorts_{tag}"),
        )
        hidden = withheld.filter(pl.col("group") == group).select("urn")
        keyed = part.join(hidden, on="urn", how="full", coalesce=True).with_columns(
            pl.when(pl.col(f"dest_{tag}").is_not_null())
            .then(pl.lit("value"))
            .otherwise(pl.lit("suppressed"))
            .alias(f"dest_{tag}_status")
        )
        keyed = keyed.with_columns(
            pl.col(f"dest_{tag}_status").alias(f"dest_n_{tag}_status"),
            pl.col(f"dest_{tag}_status").alias(f"dest_cohorts_{tag}_status"),
        )
        out = keyed if out is None else out.join(keyed, on="urn", how="full", coalesce=True)
    assert out is not None
    return out.drop("dest_cohorts_other", "dest_cohorts_other_status").select(list(schema)), span


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


#: Secondary: pooled destinations first (every secondary has them; a GM school too).
ODDS: Final[dict[str, tuple[OddsSpec, ...]]] = {
    "secondary": (
        OddsSpec(
            "dest_dis",
            "Disadvantaged pupils in sustained destinations (%, latest three cohorts pooled)",
            "dest_dis",
            ("fsm6", "eal", "sen"),
            "dest_n_dis",
            "ks4_destinations",
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
