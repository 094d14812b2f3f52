"""Census and destinations over time, for every school in England (the School trends
page's intake views and their movers).

Two series, each on one basis and never joined with the other: the January school census
(a school's % ever-FSM and % FSM, 2017/18-2023/24, every school) and the KS4 destination
measures (disadvantaged and other pupils' sustained destinations by the cohort's KS4 year,
every secondary). The census counts ever-FSM pupils, not DfE's "disadvantaged" (which
includes looked-after children), so the census series is labelled ever-FSM throughout.

Split from `equity.analysis.school_trends` (which keeps the performance-table series and
movers) so each module has one job.
"""

from __future__ import annotations

import functools
from typing import Final

import polars as pl

from equity import queries
from equity.analysis import destinations
from equity.analysis.positions import Positions, positions, rows_of
from equity.analysis.school_trends import (
    MIN_COHORT,
    SCHOOL,
    area_series,
    group_label,
    school_options,
)
from equity.schema import ENGLAND_CODE
from equity.store import Store

#: Destination cohorts a trend shows: the latest seven (2015/16-2021/22 as shipped), the
#: span every school has in at least one release.
TREND_COHORTS: Final = 7
CENSUS_MEASURES: Final = ("pct_ever_fsm", "pct_fsm")
CENSUS_LABELS: Final[dict[str, str]] = {"pct_ever_fsm": "% ever-FSM", "pct_fsm": "% FSM"}
_TREND_SCHEMA: Final = pl.Schema(
    {
        "academic_year": pl.String,
        "series": pl.String,
        "level": pl.String,
        "measure": pl.String,
        "group": pl.String,
        "value": pl.Float64,
        "status": pl.String,
        "pupils": pl.Int64,
    }
)


@functools.lru_cache(maxsize=2)
def _phase_census_rows(store: Store, phase: str) -> pl.DataFrame:
    """urn, la_code, academic_year, name: every state-funded school of the phase in every
    census year, oldest census first (a stable sort, so a year's rows keep their order),
    with its name; held once per store and phase.

    Why: `census_schools` filtered every census year's types (all types, some 170,000 rows
    at national scale) and joined the names on each new Authority, some 7 ms; narrowing the
    area's rows out of this frame (about a sixth of that) leaves only the group_by."""
    from equity.analysis import census as census_analysis

    wanted = census_analysis.CENSUS_TYPES[phase]
    years = census_analysis.census_years(store)["academic_year"].unique().to_list()
    names = store.schools().select("urn", "name")
    return (
        census_analysis.all_school_types(store)
        .filter(pl.col("academic_year").is_in(years) & (pl.col("school_type") == wanted))
        .select("urn", "la_code", "academic_year")
        .sort("academic_year", maintain_order=True)
        .join(names, on="urn", how="left", maintain_order="left")
    )


@functools.lru_cache(maxsize=16)
def census_schools(store: Store, la_codes: tuple[str, ...], phase: str) -> pl.DataFrame:
    """The area's state-funded schools of the phase in any census year: urn, name, la_code,
    census_years (how many censuses list it with that type), latest (its latest census).

    Held per store, area and phase (a few hundred rows): the picker and the default
    school both ask for it on each new Authority, and the second ask is then free. The
    area's rows of England's table (`_england_census_schools`) unless a school listed
    under two LAs (or none) touches the area; then the area's rows are grouped."""
    table, mixed_las = _england_census_schools(store, phase)
    if mixed_las.isdisjoint(la_codes):
        found = rows_of(table, _census_schools_of_la(store, phase), la_codes)
    else:
        found = _grouped_schools(
            _phase_census_rows(store, phase).filter(pl.col("la_code").is_in(list(la_codes)))
        )
    if found.is_empty():
        return pl.DataFrame(
            schema={
                "urn": pl.String,
                "name": pl.String,
                "la_code": pl.String,
                "census_years": pl.UInt32,
                "latest": pl.String,
            }
        )
    return found


@functools.lru_cache(maxsize=2)
def _census_schools_of_la(store: Store, phase: str) -> Positions:
    """Each LA's rows of `_england_census_schools`' table (equity/analysis/positions.py)."""
    return positions(_england_census_schools(store, phase)[0]["la_code"])


@functools.lru_cache(maxsize=2)
def _england_census_schools(store: Store, phase: str) -> tuple[pl.DataFrame, frozenset[str]]:
    """(`census_schools` of every school whose census rows all name one LA, in its order;
    the LAs of the other schools' rows), once per store and phase.

    Why: a school's row comes only from its own rows, so for a school under one LA an
    area's answer holds its row, unchanged, exactly when that LA is in the area; on each
    new Authority a filter of this table replaces the area's group_by. Schools whose LA
    changed between censuses (boundary changes) would count differently per area: an area
    they touch is grouped from its own rows."""
    rows = _phase_census_rows(store, phase)
    spread = rows.group_by("urn").agg(
        ((pl.col("la_code").n_unique() > 1) | pl.col("la_code").is_null().any()).alias("mixed")
    )
    mixed = spread.filter(pl.col("mixed"))["urn"].implode()
    mixed_las = frozenset(rows.filter(pl.col("urn").is_in(mixed))["la_code"].drop_nulls().to_list())
    return _grouped_schools(rows.filter(~pl.col("urn").is_in(mixed))), mixed_las


def _grouped_schools(found: pl.DataFrame) -> pl.DataFrame:
    """`census_schools`' columns from `_phase_census_rows`' rows (oldest census first)."""
    return (
        found.group_by("urn")
        .agg(
            pl.col("la_code").last(),
            pl.col("academic_year").n_unique().alias("census_years"),
            pl.col("academic_year").last().alias("latest"),
            pl.col("name").first(),
        )
        .with_columns(pl.col("name").fill_null(pl.lit("Unnamed school, URN ") + pl.col("urn")))
        .select("urn", "name", "la_code", "census_years", "latest")
        .sort(pl.col("name").str.to_lowercase(), "urn")
    )


def school_labels(store: Store, la_codes: tuple[str, ...], phase: str) -> dict[str, str]:
    """URN -> "Name (URN n)" of every school the School trends picker offers: the area's
    state-funded schools of the phase in any loaded census, then any school with
    performance-table results (a URN in both keeps its census name), ordered by name
    (case-insensitive), then URN.

    One answer per store, area and phase (the page holds it with `data.shared`), so a
    rerun does not stack, sort and label the two lists again."""
    census = census_schools(store, la_codes, phase)
    results = school_options(store, la_codes, phase)
    # In Python where every name and URN is ASCII text (Python's and polars' lower case
    # and order agree there): three polars queries fewer on each new Authority.
    names: dict[str, str] = {}
    for urn, name in [*census.select("urn", "name").rows(), *results.select("urn", "name").rows()]:
        names.setdefault(urn, name)
    if all(
        isinstance(u, str) and isinstance(n, str) and (u + n).isascii() for u, n in names.items()
    ):
        ordered = sorted(names.items(), key=lambda pair: (pair[1].lower(), pair[0]))
        return {urn: f"{name} (URN {urn})" for urn, name in ordered}
    both = pl.concat(
        [census.select("urn", "name"), results.select("urn", "name")], how="vertical_relaxed"
    ).unique("urn", keep="first", maintain_order=True)
    by_name = both.sort(pl.col("name").str.to_lowercase(), "urn")
    return {urn: f"{name} (URN {urn})" for urn, name in by_name.iter_rows()}


def trend_cohorts(store: Store) -> list[str]:
    """The destination cohorts a trend shows: the latest `TREND_COHORTS` in the store."""
    return destinations.cohort_years(store)[-TREND_COHORTS:]


@functools.lru_cache(maxsize=4)
def _ranking_figures(store: Store, phase: str) -> tuple[pl.DataFrame | None, pl.DataFrame]:
    """What `default_trend_school` ranks an area's schools by, for every school in England,
    once per store and phase: (urn, cohorts: its published disadvantaged sustained-destination
    cohorts among the trend's, or None where the phase or store has none) and (urn, base: its
    ever-FSM denominator in the latest census).

    Why: both are the same for every area; counting England's destinations rows per school
    on each new Authority cost some 4 ms of the default school's 7."""
    from equity.analysis import census as census_analysis

    cohorts = trend_cohorts(store)
    published = None
    if phase == "secondary" and cohorts:  # cohorts: the store has destinations rows
        # Only the rows the ranking reads (destinations.latest_of), not all of England's.
        dest = destinations.latest_of(
            store, (destinations.SUSTAINED,), ("disadvantaged",), tuple(cohorts)
        )
        published = (
            dest.filter(
                (pl.col("entity_kind") == "school")
                & (pl.col("measure") == destinations.SUSTAINED)
                & (pl.col("pupil_group") == "disadvantaged")
                & pl.col("academic_year").is_in(cohorts)
                & pl.col("value").is_not_null()
            )
            .group_by(pl.col("entity").alias("urn"))
            .agg(pl.len().alias("cohorts"))
        )
    latest = max(census_analysis.census_years(store)["academic_year"].to_list())
    # The ever-FSM denominator from the census figures read once per store, not a scan of
    # the census results per LA (some 20 ms on each new LA).
    sizes = census_analysis.ever_fsm_bases(store, latest).select(
        "urn", pl.col("ever_fsm_base").cast(pl.Int64).alias("base")
    )
    return published, sizes


def default_trend_school(store: Store, la_codes: tuple[str, ...], phase: str) -> str | None:
    """The school the page opens on: the area's school in the most censuses, then (for
    secondaries) with the most published disadvantaged sustained-destination cohorts, then
    the most ever-FSM pupils' denominator in its latest census; ties by URN. The point is a
    school that shows the whole series, not a judgement of it."""
    if _england_census_schools(store, phase)[1].isdisjoint(la_codes):
        # The area's schools are England's table's rows of its LAs, unchanged: the first
        # of them in England's order is the first in the area's.
        found = _england_ranking(store, phase).filter(pl.col("la_code").is_in(list(la_codes)))
        return str(found["urn"][0]) if found.height else None
    schools = census_schools(store, la_codes, phase)
    if schools.is_empty():
        return None
    return str(_ranked(store, phase, schools)["urn"][0])


@functools.lru_cache(maxsize=2)
def _england_ranking(store: Store, phase: str) -> pl.DataFrame:
    """`_england_census_schools`' schools in `default_trend_school`'s order (urn, la_code,
    ...), once per store and phase: an area's default is then a filter, not two joins and
    a sort on each new Authority."""
    return _ranked(store, phase, _england_census_schools(store, phase)[0])


def _ranked(store: Store, phase: str, schools: pl.DataFrame) -> pl.DataFrame:
    """`census_schools` rows ranked as `default_trend_school` ranks them (URNs break ties,
    so the order is total)."""
    ranked = schools.select("urn", "la_code", "census_years")
    published, sizes = _ranking_figures(store, phase)
    if published is not None:
        ranked = ranked.join(published, on="urn", how="left")
    else:
        ranked = ranked.with_columns(pl.lit(0, dtype=pl.UInt32).alias("cohorts"))
    return (
        ranked.join(sizes, on="urn", how="left")
        .with_columns(pl.col("cohorts").fill_null(0), pl.col("base").fill_null(0))
        .sort(["census_years", "cohorts", "base", "urn"], descending=[True, True, True, False])
    )


@functools.lru_cache(maxsize=16)
def census_area_rates(store: Store, year: str, phase: str) -> pl.DataFrame:
    """Every LA's and England's census rates in one year for the phase's state-funded
    schools: entity (LA code or "970"), measure, value, pupils.

    % ever-FSM on the census basis (sum F / sum T, equity.analysis.census); % FSM as the
    pupils-on-roll-weighted mean of the schools' published % FSM (NUMFSM / NOR), i.e. the
    area's FSM pupils over its pupils on roll, from schools whose figure is published."""
    from equity.analysis import census as census_analysis

    ever = census_analysis.segregation_by_la(store, year, phase).select(
        pl.col("la_code").alias("entity"),
        pl.lit("pct_ever_fsm").alias("measure"),
        pl.col("pct_ever_fsm").alias("value"),
        pl.col("pupils").cast(pl.Int64),
    )
    england = ever.select(
        pl.lit(ENGLAND_CODE).alias("entity"),
        pl.lit("pct_ever_fsm").alias("measure"),
        # England from the same counts: sum F / sum T over every LA's schools.
        (
            (pl.col("value") * pl.col("pupils")).sum() / pl.col("pupils").sum()
            if ever.height
            else pl.lit(None, dtype=pl.Float64)
        ).alias("value"),
        pl.col("pupils").sum().cast(pl.Int64),
    )
    types = census_analysis.school_types(store, year).filter(
        pl.col("school_type") == census_analysis.CENSUS_TYPES[phase]
    )
    fsm = census_analysis.fsm_rows(store, year).join(types.select("urn", "la_code"), on="urn")
    count = pl.col("value") * pl.col("pupils") / 100
    la_fsm = fsm.group_by(pl.col("la_code").alias("entity")).agg(
        pl.lit("pct_fsm").alias("measure"),
        (count.sum() * 100 / pl.col("pupils").sum()).alias("value"),
        pl.col("pupils").sum().cast(pl.Int64),
    )
    eng_fsm = fsm.select(
        pl.lit(ENGLAND_CODE).alias("entity"),
        pl.lit("pct_fsm").alias("measure"),
        (count.sum() * 100 / pl.col("pupils").sum()).alias("value"),
        pl.col("pupils").sum().cast(pl.Int64),
    )
    frames = [
        ever,
        england.head(1 if ever.height else 0),
        la_fsm,
        eng_fsm.head(1 if fsm.height else 0),
    ]
    return pl.concat(
        [f.select("entity", "measure", "value", "pupils") for f in frames]
    ).with_columns(pl.lit(year).alias("academic_year"))


def school_census_trend(store: Store, urn: str, phase: str) -> pl.DataFrame:
    """One school's % ever-FSM and % FSM in every census that lists it, beside its LA's and
    England's (the phase's state-funded schools, same census). Columns: academic_year,
    series, level (school|la|england), measure, group ("all"), value, status, pupils (the
    share's denominator: ever-FSM base, or pupils on roll for % FSM). A withheld cell keeps
    its status and no value; a school with no pupils has no share (never 0%)."""
    from equity.analysis import census as census_analysis

    rows = census_analysis.school_rates(store, urn)
    if rows.is_empty():
        return pl.DataFrame(schema=_TREND_SCHEMA)
    la_code = str(rows.sort("academic_year")["la_code"][-1])
    la_name = queries.la_name(store, la_code)
    label = pl.col("measure").replace_strict(CENSUS_LABELS, return_dtype=pl.String)
    school = rows.select(
        "academic_year",
        pl.concat_str(pl.lit(f"{SCHOOL}: "), label).alias("series"),
        pl.lit("school").alias("level"),
        "measure",
        pl.lit("all").alias("group"),
        pl.when(pl.col("status") == "value").then(pl.col("value")).alias("value"),
        "status",
        pl.col("pupils").cast(pl.Int64),
    )
    years = sorted(set(rows["academic_year"].to_list()))
    areas = pl.concat([census_area_rates(store, y, phase) for y in years]).filter(
        pl.col("entity").is_in([la_code, ENGLAND_CODE])
    )
    comparators = areas.select(
        "academic_year",
        pl.concat_str(
            pl.when(pl.col("entity") == ENGLAND_CODE)
            .then(pl.lit("England"))
            .otherwise(pl.lit(la_name)),
            pl.lit(": "),
            label,
        ).alias("series"),
        pl.when(pl.col("entity") == ENGLAND_CODE)
        .then(pl.lit("england"))
        .otherwise(pl.lit("la"))
        .alias("level"),
        "measure",
        pl.lit("all").alias("group"),
        "value",
        pl.lit("value").alias("status"),
        "pupils",
    )
    return (
        pl.concat([school, comparators], how="vertical_relaxed")
        .cast(_TREND_SCHEMA)
        .sort("level", "series", "academic_year")
    )


def school_destinations_trend(store: Store, urn: str) -> pl.DataFrame:
    """One school's disadvantaged and other pupils' sustained destinations over the trend
    cohorts, beside its LA's and England's published figures (same release). Every cohort
    is a row for the school, suppressed or missing ones with their status and no value.
    Columns as `school_census_trend` (measure ks4_sustained_destination_pct, pupils = the
    group's cohort size)."""
    cohorts = trend_cohorts(store)
    if not cohorts:
        return pl.DataFrame(schema=_TREND_SCHEMA)
    groups = ["disadvantaged", "other"]
    rows = destinations.latest_of(store, (destinations.SUSTAINED,), tuple(groups), tuple(cohorts))
    mine = rows.filter(
        (pl.col("entity") == urn)
        & (pl.col("measure") == destinations.SUSTAINED)
        & pl.col("pupil_group").is_in(groups)
        & pl.col("academic_year").is_in(cohorts)
    )
    if mine.is_empty():
        return pl.DataFrame(schema=_TREND_SCHEMA)
    la_code = str(mine.sort("academic_year")["la_code"].drop_nulls()[-1])
    la_name = queries.la_name(store, la_code)
    grid = pl.DataFrame({"academic_year": cohorts}).join(
        pl.DataFrame({"pupil_group": groups}), how="cross"
    )
    school = grid.join(
        mine.select("academic_year", "pupil_group", "value", "status", "pupils"),
        on=["academic_year", "pupil_group"],
        how="left",
    ).select(
        "academic_year",
        pl.concat_str(pl.lit(f"{SCHOOL}: "), group_label("pupil_group")).alias("series"),
        pl.lit("school").alias("level"),
        pl.lit(destinations.SUSTAINED).alias("measure"),
        pl.col("pupil_group").alias("group"),
        pl.when(pl.col("status") == "value").then(pl.col("value")).alias("value"),
        pl.col("status").fill_null("missing"),
        "pupils",
    )
    areas = rows.filter(
        pl.col("entity").is_in([la_code, ENGLAND_CODE])
        & pl.col("published")
        & (pl.col("measure") == destinations.SUSTAINED)
        & pl.col("pupil_group").is_in(groups)
        & pl.col("academic_year").is_in(cohorts)
        & (pl.col("entity_kind") != "school")
    )
    comparators = areas.select(
        "academic_year",
        *area_series(la_name),
        pl.lit(destinations.SUSTAINED).alias("measure"),
        pl.col("pupil_group").alias("group"),
        pl.when(pl.col("status") == "value").then(pl.col("value")).alias("value"),
        "status",
        "pupils",
    )
    return (
        pl.concat([school, comparators], how="vertical_relaxed")
        .cast(_TREND_SCHEMA)
        .sort("level", "series", "academic_year")
    )


_MOVER_SCHEMA: Final = pl.Schema(
    {
        "urn": pl.String,
        "name": pl.String,
        "first_year": pl.String,
        "value_first": pl.Float64,
        "pupils_first": pl.Int64,
        "last_year": pl.String,
        "value_last": pl.Float64,
        "pupils_last": pl.Int64,
        "change": pl.Float64,
    }
)


def census_movers(store: Store, la_codes: tuple[str, ...], phase: str) -> pl.DataFrame:
    """The area's state-funded schools of the phase whose % ever-FSM moved most between the
    first and last census years they appear in on one basis (January 2021 is left out: its
    denominator differs, equity.analysis.census.comparable_years). Census basis: F / T x 100,
    with T (the ever-FSM denominator) as the pupil count. Columns as _MOVER_SCHEMA, largest
    absolute change first."""
    from equity.analysis import census as census_analysis

    years = census_analysis.comparable_years(
        census_analysis.census_years(store)["academic_year"].unique().to_list()
    )
    parts = []
    for year in years:
        counts = census_analysis.census_counts(store, list(la_codes), year, phase)
        parts.append(
            counts.select(
                "urn",
                pl.lit(year).alias("academic_year"),
                (pl.col("f") * 100 / (pl.col("f") + pl.col("n"))).alias("value"),
                (pl.col("f") + pl.col("n")).round(0).cast(pl.Int64).alias("pupils"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=_MOVER_SCHEMA)
    long = pl.concat(parts).sort("academic_year")
    return _movers_of(store, long)


def destination_movers(
    store: Store, la_codes: tuple[str, ...], min_cohort: int = MIN_COHORT
) -> pl.DataFrame:
    """The area's schools whose disadvantaged pupils' sustained destinations moved most
    between the first and last trend cohorts they have a published figure for with at least
    `min_cohort` disadvantaged pupils. Columns as _MOVER_SCHEMA."""
    cohorts = trend_cohorts(store)
    if not cohorts:
        return pl.DataFrame(schema=_MOVER_SCHEMA)
    rows = destinations.latest_of(
        store, (destinations.SUSTAINED,), ("disadvantaged",), tuple(cohorts)
    )
    long = rows.filter(
        (pl.col("entity_kind") == "school")
        & pl.col("la_code").is_in(list(la_codes))
        & (pl.col("measure") == destinations.SUSTAINED)
        & (pl.col("pupil_group") == "disadvantaged")
        & pl.col("academic_year").is_in(cohorts)
        & (pl.col("status") == "value")
        & pl.col("value").is_not_null()
        & (pl.col("pupils") >= min_cohort)
    ).select(pl.col("entity").alias("urn"), "academic_year", "value", "pupils")
    return _movers_of(store, long.sort("academic_year"))


def _movers_of(store: Store, long: pl.DataFrame) -> pl.DataFrame:
    """First and last year per school (rows sorted by year), the change, names."""
    names = store.schools().select("urn", "name")
    return (
        long.group_by("urn")
        .agg(
            pl.col("academic_year").first().alias("first_year"),
            pl.col("value").first().alias("value_first"),
            pl.col("pupils").first().alias("pupils_first"),
            pl.col("academic_year").last().alias("last_year"),
            pl.col("value").last().alias("value_last"),
            pl.col("pupils").last().alias("pupils_last"),
        )
        .filter(pl.col("first_year") != pl.col("last_year"))
        .with_columns((pl.col("value_last") - pl.col("value_first")).alias("change"))
        .join(names, on="urn", how="left")
        .with_columns(pl.col("name").fill_null(pl.lit("Unnamed school, URN ") + pl.col("urn")))
        .select(list(_MOVER_SCHEMA))
        .cast(_MOVER_SCHEMA)
        .sort(pl.col("change").abs(), "urn", descending=[True, False])
    )
