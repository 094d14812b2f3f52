"""Where ever-FSM pupils concentrate, over the census years: each LA's segregation indices
per January census, an area beside its comparators and the England LA median, which LAs
moved most, and each school's % ever-FSM over time with the schools that moved most.

The same one basis as equity/analysis/concentration.py (the school census: NUMFSMEVER
over NORFSMEVER or the denominator PNUMFSMEVER implies, state-funded schools of the
phase), apart from it because a year's figures and their change over the years are two
questions the page's sections ask separately.
"""

from __future__ import annotations

import functools
from typing import Any, Final

import polars as pl

from equity import queries
from equity.analysis import census
from equity.analysis.concentration import SEGREGATION_COLUMNS, catalogue_of
from equity.schema import ENGLAND_CODE, GM_GROUP_CODE, GREATER_MANCHESTER
from equity.store import Store


def census_years(store: Store) -> list[str]:
    """The census years loaded, oldest first."""
    return sorted(set(census.census_years(store)["academic_year"].to_list()))


def la_series(store: Store, phase: str) -> pl.DataFrame:
    """`census.segregation_series` with each LA's name, region and GM flag (every LA at
    once, worked out once per store and phase: each LA's trend and the ranking filter it)."""
    return _la_series(store, phase)


@functools.lru_cache(maxsize=4)
def _la_series(store: Store, phase: str) -> pl.DataFrame:
    series = census.segregation_series(store, phase)
    if series.is_empty():
        return series
    catalogue = catalogue_of(store).select("la_code", "name", "region")
    return series.join(catalogue, on="la_code", how="left").with_columns(
        pl.col("name").fill_null(pl.col("la_code")),
        pl.col("la_code").is_in(list(GREATER_MANCHESTER)).alias("is_gm"),
    )


def comparator_las(store: Store, la_code: str) -> tuple[str, list[str]]:
    """(what they are, LA codes): for Greater Manchester or a GM LA the other GM LAs (all
    ten for GM itself); for any other LA the other LAs of its region."""
    if la_code == GM_GROUP_CODE or la_code in GREATER_MANCHESTER:
        return "Greater Manchester", [c for c in GREATER_MANCHESTER if c != la_code]
    regions, members = _regions(store)
    region = regions.get(la_code)
    if region is None:
        return "its region", []
    return str(region), sorted(c for c in members[region] if c != la_code)


@functools.lru_cache(maxsize=4)
def _regions(store: Store) -> tuple[dict[str, str | None], dict[str, list[str]]]:
    """(each LA's region, as its first catalogue row gives it; each region's LA codes),
    once per store: `comparator_las` looks an LA up instead of filtering the catalogue."""
    regions: dict[str, str | None] = {}
    members: dict[str, list[str]] = {}
    for code, region in catalogue_of(store).select("la_code", "region").iter_rows():
        if code is not None:
            regions.setdefault(code, region)
        if code is not None and region is not None:
            members.setdefault(region, []).append(code)
    return regions, members


TREND_COLUMNS: Final = (
    "academic_year",
    "series",
    "role",
    "la_code",
    "schools",
    "pupils",
    "ever_fsm",
    "pct_ever_fsm",
    *SEGREGATION_COLUMNS,
)


def trend(store: Store, la_code: str, phase: str) -> pl.DataFrame:
    """The three indices per census year for the chosen area (role "selected"; GM's ten LAs
    pooled as one area), its comparators (role "comparator": the other GM LAs, or its
    region's LAs) and the England LA median (role "england": the median LA's index each
    year, not an index of England's schools). Columns: TREND_COLUMNS."""
    series = la_series(store, phase)
    if series.is_empty():
        return pl.DataFrame(schema=dict.fromkeys(TREND_COLUMNS, pl.String))
    own = (
        _own_series(store, la_code, phase)
        .with_columns(
            pl.lit(
                queries.la_name(store, la_code)
                if la_code != GM_GROUP_CODE
                else "Greater Manchester"
            ).alias("series"),
            pl.lit("selected").alias("role"),
            pl.lit(la_code).alias("la_code"),
        )
        .select(TREND_COLUMNS)
    )
    every_la, median = _trend_parts(store, phase)
    _, codes = comparator_las(store, la_code)
    others = every_la.filter(pl.col("la_code").is_in(codes))
    schema = own.schema
    # The parts are made in the own series' types (`_trend_parts`), so the casts are
    # usually no-ops, and are then left out (each is a query of its own).
    parts = [own, *(p if p.schema == schema else p.cast(schema) for p in (others, median))]
    return pl.concat(parts).sort("role", "series", "academic_year")


@functools.lru_cache(maxsize=4)
def _trend_parts(store: Store, phase: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`trend`'s rows that are the same for every area, once per store and phase: every
    LA's rows as a comparator (an area's comparators are a filter of them) and the England
    LA median, both with TREND_COLUMNS in the types an area's own rows have."""
    schema = {
        column: pl.String()
        if column in ("series", "role", "la_code")
        else census.AREA_SCHEMA[column]
        for column in TREND_COLUMNS
    }
    every_la = (
        la_series(store, phase)
        .with_columns(pl.col("name").alias("series"), pl.lit("comparator").alias("role"))
        .select(TREND_COLUMNS)
        .cast(schema)  # type: ignore[arg-type]
    )
    median = _england_median(store, phase).select(TREND_COLUMNS).cast(schema)  # type: ignore[arg-type]
    return every_la, median


def _own_series(store: Store, la_code: str, phase: str) -> pl.DataFrame:
    """`census.area_series` of the area: for one LA its rows of the per-LA series (the same
    figures, worked out once per store for every LA: the group_by over each LA's schools is
    the one area_series does; tests/unit/test_concentration_equality.py checks every LA),
    for Greater Manchester its ten LAs' schools pooled."""
    codes = queries.member_las(la_code)
    own = _series_by_la(store, phase).get(codes[0]) if len(codes) == 1 else None
    return own if own is not None else census.area_series(store, codes, phase)


@functools.lru_cache(maxsize=4)
def _series_by_la(store: Store, phase: str) -> dict[str, pl.DataFrame]:
    """la_code -> that LA's rows of `census.segregation_series` as `area_series` gives
    them (oldest year first, its columns and types), once per store and phase."""
    series = census.segregation_series(store, phase)
    if series.is_empty():
        return {}
    parts = series.partition_by("la_code", as_dict=True, maintain_order=True)
    return {
        str(key[0]): part.sort("academic_year", maintain_order=True)
        .select(list(census.AREA_SCHEMA))
        .cast(census.AREA_SCHEMA)  # type: ignore[arg-type]
        for key, part in parts.items()
    }


@functools.lru_cache(maxsize=4)
def _england_median(store: Store, phase: str) -> pl.DataFrame:
    """`trend`'s England LA median rows (the same for every area): once per store and phase."""
    series = la_series(store, phase)
    return (
        series.group_by("academic_year")
        .agg(
            pl.len().cast(pl.UInt32).alias("schools"),  # LAs, for the table
            *(pl.col(c).median() for c in SEGREGATION_COLUMNS),
        )
        .with_columns(
            pl.lit("England LA median").alias("series"),
            pl.lit("england").alias("role"),
            pl.lit(ENGLAND_CODE).alias("la_code"),
            pl.lit(None, dtype=pl.Float64).alias("pupils"),
            pl.lit(None, dtype=pl.Float64).alias("ever_fsm"),
            pl.lit(None, dtype=pl.Float64).alias("pct_ever_fsm"),
        )
    )


def change_summary(store: Store, phase: str, index: str) -> dict[str, Any]:
    """What a change in `index` is measured against: the span (first and last comparable
    census years), the one-year pairs and the noise (`census.typical_change`: the median
    absolute one-year change over every LA and pair)."""
    years = census_years(store)
    span = census.change_span(years)
    pairs = census.one_year_pairs(years)
    series = census.segregation_series(store, phase)
    noise = census.typical_change(series, index, pairs) if not series.is_empty() else None
    return {
        "first": span[0] if span else None,
        "last": span[1] if span else None,
        "pairs": [list(p) for p in pairs],
        "noise": noise,
        "las": series["la_code"].n_unique() if not series.is_empty() else 0,
    }


def change_ranking(store: Store, phase: str, index: str) -> pl.DataFrame:
    """Every LA's change of `index` from the first to the last comparable census year:
    la_code, name, region, is_gm, first_value, last_value, change, rank (1 = largest rise).
    LAs without both years (codes that began or ended in between) are left out."""
    summary = change_summary(store, phase, index)
    if summary["first"] is None:
        return pl.DataFrame()
    series = la_series(store, phase)
    changes = census.index_changes(series, index, summary["first"], summary["last"])
    names = series.select("la_code", "name", "region", "is_gm").unique("la_code")
    return changes.join(names, on="la_code", how="left").sort(
        "change", "la_code", descending=[True, False]
    )


def school_lines(store: Store, la_code: str, phase: str) -> pl.DataFrame:
    """Each state-funded school of the phase in the area, per census year it is counted in
    (`census.school_series`), with its name: urn, name, la_code, academic_year, ever_fsm,
    pupils, pct_ever_fsm."""
    lines = census.school_series(store, queries.member_las(la_code), phase)
    names = store.schools().select("urn", "name")
    return lines.join(names, on="urn", how="left").select(
        "urn",
        pl.col("name").fill_null(pl.col("urn")),
        "la_code",
        "academic_year",
        "ever_fsm",
        "pupils",
        "pct_ever_fsm",
    )


#: Fewer pupils counted than this at either end and a school's % ever-FSM moves by more
#: than 3 points per pupil: such schools are flagged `small` and listed after the others.
MOVER_MIN_PUPILS: Final = 30


def movers(store: Store, la_code: str, phase: str) -> pl.DataFrame:
    """`census.school_share_changes` for the area's schools with names and `small` (fewer
    than MOVER_MIN_PUPILS pupils counted at either end): schools that are not small first,
    each group by the size of the move of the school's own % ever-FSM (the share of its
    pupils who are ever-FSM), largest first."""
    changes = census.school_share_changes(store, queries.member_las(la_code), phase)
    if changes.is_empty():
        return changes
    names = store.schools().select("urn", "name")
    return (
        changes.join(names, on="urn", how="left")
        .with_columns(
            pl.col("name").fill_null(pl.col("urn")),
            (pl.min_horizontal("pupils_first", "pupils_last") < MOVER_MIN_PUPILS).alias("small"),
        )
        .sort("small", pl.col("pct_change").abs(), "urn", descending=[False, True, False])
    )
