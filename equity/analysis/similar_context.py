"""The Similar schools page's context table: one row per school of the phase, with the
census intake, the results the store holds and pooled destinations, plus the kinds of
primary school a family keeps apart.

Why these sources: the January 2019 school census is the only context file that covers
every school in England (so GM and England pools are possible); outcomes come from
whatever the store holds for the phase: KS4 provisional 2018/19 and KS4 destinations
(all England), the trimmed KS2 file (all England, all pupils only), and the performance
tables split by disadvantage where they are loaded (Hampshire and Surrey). The school
universe is the census's state-funded mainstream schools of the phase, so special
schools and schools closed before January 2019 are not in any family.

Results rows of the trimmed national files (kind `school_locations`) carry no LA code;
every column here is joined on URN to the census row, which does.

Split from `equity.analysis.similar` (families, outcomes, odds), which re-exports these
names so `similar.Context`, `similar.context_table` and the rest keep working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

from equity import kinds as file_kinds
from equity.analysis import census as census_analysis
from equity.analysis import destinations
from equity.queries import CENSUS_TYPES
from equity.store import Store


@dataclass(frozen=True)
class Column:
    """One measure of one pupil group from one kind of file, as a context-table column."""

    key: str
    kind: str  # file kind; "performance" means the phase's ks2/ks4_performance
    measure: str
    group: str = "all"


def _census(key: str, measure: str) -> Column:
    return Column(key, file_kinds.SCHOOL_CENSUS, measure)


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
        Column("a8_all", file_kinds.KS4_PROVISIONAL, "ks4_attainment8", "all"),
        Column("p8_all", file_kinds.KS4_PROVISIONAL, "ks4_progress8", "all"),
        Column("p8_lower", file_kinds.KS4_PROVISIONAL, "ks4_progress8_ci_lower", "all"),
        Column("p8_upper", file_kinds.KS4_PROVISIONAL, "ks4_progress8_ci_upper", "all"),
        Column("ks4_pupils", file_kinds.KS4_PROVISIONAL, "pupils", "all"),
    ),
    "primary": (
        *_COMMON,
        _perf("rwm_dis", "ks2_rwm_expected_pct", "disadvantaged"),
        _perf("rwm_other", "ks2_rwm_expected_pct", "other"),
        Column("read_prog", file_kinds.SCHOOL_LOCATIONS, "ks2_reading_progress", "all"),
        Column("writ_prog", file_kinds.SCHOOL_LOCATIONS, "ks2_writing_progress", "all"),
        Column("mat_prog", file_kinds.SCHOOL_LOCATIONS, "ks2_maths_progress", "all"),
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
    #: Answers derived from `frame` alone (every LA's school list and default school, a
    #: school's row), made on first ask and kept with the context (`equity.analysis.similar`
    #: fills it). The context is held once per store version and shared by every session
    #: (components/similar/common.load_context), so a rerun for another LA looks them up
    #: instead of filtering the frame again. Not a field a caller gives or compares.
    memo: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )


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
        if kind == file_kinds.PERFORMANCE_BY_STAGE[stage]:
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


def _cells(store: Store, wanted: list[tuple[Column, str, str]], urns: pl.Series) -> pl.DataFrame:
    """urn, then <key> and <key>_status per wanted (column, file kind, year): each school of
    `urns` with the cell of that kind, year, measure and group (null where none).

    Where two files give a cohort, the latest release wins: a release is ordered by the
    newest year it holds. Only the files that hold one of the years are opened, and only
    the rows of these schools, years, measures and groups are read (pushed into the parquet
    scan). Reading every census and performance file of the phase, for every school, was
    some 0.5 s.

    One scan per kind and year, reading only the columns a cell needs, each row named by
    its (measure, group) pair; the release order is applied only where two files give the
    same kind and year (a join on four text columns and a sort of every row cost a third
    of the Similar schools page's first visit)."""
    fields: dict[tuple[str, str], dict[tuple[str, str], list[str]]] = {}
    for column, kind, year in wanted:
        pairs = fields.setdefault((kind, year), {})
        pairs.setdefault((column.measure, column.group), []).append(column.key)
    releases = dict(
        store.manifest()
        .select("source", pl.col("academic_years").list.max().alias("__release"))
        .iter_rows()
    )
    wanted_urns = urns.implode()
    scans = []
    for (kind, year), pairs in fields.items():
        measures = sorted({m for m, _ in pairs})
        groups = sorted({g for _, g in pairs})
        name = {f"{m}|{g}": keys for (m, g), keys in pairs.items()}
        scan = (
            store.results_of([kind], [year])
            .filter(
                (pl.col("entity_kind") == "school")
                & (pl.col("academic_year") == year)
                & pl.col("measure").is_in(measures)
                & pl.col("pupil_group").is_in(groups)
                & pl.col("entity").is_in(wanted_urns)
            )
            .select(
                pl.col("entity").alias("urn"),
                pl.concat_str("measure", "pupil_group", separator="|")
                .replace_strict(name, default=None, return_dtype=pl.List(pl.String))
                .alias("field"),
                "value",
                "status",
                "source",
            )
            .drop_nulls("field")
            .explode("field")
        )
        sources = store.manifest().filter(
            (pl.col("kind") == kind) & pl.col("academic_years").list.contains(year)
        )["source"]
        if sources.len() > 1:  # the latest release first, the files' order among equals
            order = {s: releases.get(s) for s in sources.to_list()}
            scan = scan.sort(
                pl.col("source").replace_strict(order, default=None, return_dtype=pl.String),
                descending=True,
                nulls_last=True,
                maintain_order=True,
            )
        scans.append(
            scan.drop("source").unique(["urn", "field"], keep="first", maintain_order=True)
        )
    schema: dict[str, pl.DataType] = {"urn": pl.String()}
    for column, _, _ in wanted:
        schema |= {column.key: pl.Float64(), f"{column.key}_status": pl.String()}
    long = pl.concat(scans).collect() if scans else pl.DataFrame()
    if long.is_empty():
        return pl.DataFrame(schema=schema)
    # One row per school, two columns per cell (one pivot, not a join per column).
    wide = long.pivot(on="field", index="urn", values=["value", "status"], separator="|")
    out = [pl.col("urn")]
    for column, _, _ in wanted:
        if f"value|{column.key}" in wide.columns:
            value, status = pl.col(f"value|{column.key}"), pl.col(f"status|{column.key}")
        else:  # no school has this cell: a column of nulls, as a join would give
            value, status = pl.lit(None), pl.lit(None)
        out += [value.alias(column.key), status.alias(f"{column.key}_status")]
    return wide.select(out).cast(pl.Schema(schema))


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
        years[file_kinds.SCHOOL_CENSUS] = census_year
    stage = "ks4" if phase == "secondary" else "ks2"
    wanted = []
    for column in COLUMNS[phase]:
        kind = (
            file_kinds.PERFORMANCE_BY_STAGE[stage] if column.kind == "performance" else column.kind
        )
        used = years.get(column.kind)
        if used is not None:
            wanted.append((column, kind, used))
    frame = _universe(store, phase, years.get(file_kinds.SCHOOL_CENSUS))
    if wanted:
        frame = frame.join(_cells(store, wanted, frame["urn"]), on="urn", how="left")
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
            primary_kinds(store, frame, years.get(file_kinds.SCHOOL_LOCATIONS)),
            on="urn",
            how="left",
        )
    if phase == "secondary":
        pooled, span = _pooled_destinations(store)
        frame = frame.join(pooled, on="urn", how="left").with_columns(
            pl.col(f"{c}_status").fill_null("missing")
            for c in ("dest_dis", "dest_other", "dest_n_dis", "dest_n_other")
        )
        if span:
            years[file_kinds.KS4_DESTINATIONS] = span
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
    # One lazy plan, one collect: each eager step was a trip through polars' thread pool.
    rows = (
        destinations.latest_of(
            store, (destinations.SUSTAINED,), ("disadvantaged", "other"), tuple(cohorts)
        )
        .lazy()
        .filter(
            (pl.col("entity_kind") == "school")
            & (pl.col("measure") == destinations.SUSTAINED)
            & pl.col("academic_year").is_in(cohorts)
            & pl.col("pupil_group").is_in(["disadvantaged", "other"])
        )
    )
    withheld = (
        rows.group_by(pl.col("entity").alias("urn"), pl.col("pupil_group").alias("group"))
        .agg((pl.col("status") == "suppressed").all().alias("all_suppressed"))
        .filter(pl.col("all_suppressed"))
    )
    out = None
    for group, tag in (("disadvantaged", "dis"), ("other", "other")):
        part = (
            pooled.lazy()
            .filter(pl.col("group") == group)
            .select(
                "urn",
                pl.col("pooled_pct").alias(f"dest_{tag}"),
                pl.col("pooled_pupils").cast(pl.Float64).alias(f"dest_n_{tag}"),
                pl.col("cohorts_used").cast(pl.Float64).alias(f"dest_cohorts_{tag}"),
            )
        )
        hidden = withheld.filter(pl.col("group") == group).select("urn")
        status = (
            pl.when(pl.col(f"dest_{tag}").is_not_null())
            .then(pl.lit("value"))
            .otherwise(pl.lit("suppressed"))
        )
        keyed = part.join(hidden, on="urn", how="full", coalesce=True).with_columns(
            status.alias(f"dest_{tag}_status"),
            status.alias(f"dest_n_{tag}_status"),
            status.alias(f"dest_cohorts_{tag}_status"),
        )
        out = keyed if out is None else out.join(keyed, on="urn", how="full", coalesce=True)
    assert out is not None
    frame = out.drop("dest_cohorts_other", "dest_cohorts_other_status").select(list(schema))
    return frame.collect(), span
