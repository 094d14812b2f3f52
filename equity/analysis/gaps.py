"""Data for the Attainment gaps page: small frames, already aggregated, one per chart.

The published LA, region and England figures come from `queries.published_rows` (LAIT
first); gaps from `equity.metrics.gaps`. School figures come only from the performance
tables' school rows, with their status and cohort kept so that a suppressed cell stays a
word on screen and a small cohort is flagged rather than hidden.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import polars as pl

from equity import headline, kinds, queries
from equity.metrics.gaps import gap_table, group_mean
from equity.schema import (
    ENGLAND_CODE,
    GM_GROUP_CODE,
    GREATER_MANCHESTER,
    HEADLINE_MEASURES,
    PHASE_KEY_STAGE,
    is_gm,
)
from equity.store import Store

#: Pupil groups LAIT publishes for LAs, regions and England (of those the filter offers).
LA_GROUPS: Final = ("all", "disadvantaged", "other")
#: Fewer disadvantaged pupils than this and a school's figure is flagged as a small cohort.
SMALL_COHORT: Final = 10
#: Statuses that mean the school has a result for the group, even if DfE withheld it.
HAS_RESULT: Final = ("value", "suppressed", "low_coverage", "not_entered")
METRICS: Final = ("gap_national", "gap_within", "group_value")
NORTH_WEST: Final = "981"
GM_MEAN_SERIES: Final = headline.GM_MEAN_LABEL


def metric_value(metric: str) -> pl.Expr:
    if metric not in METRICS:
        raise ValueError(f"unknown metric '{metric}': use one of {', '.join(METRICS)}")
    return pl.col(metric)


def area_region(store: Store, la_code: str) -> str | None:
    """The region an area is compared with (North West for the GM group)."""
    return NORTH_WEST if la_code == GM_GROUP_CODE else headline.region_code_of(store, la_code)


def area_summary(store: Store, la_code: str, phase: str, year: str) -> pl.DataFrame:
    """Disadvantaged, other and both gaps for the area and its comparators in one year.

    Rows: the selected LA (or the GM mean for the group), the GM mean (GM and its LAs
    only: comparators follow the area), the region, England.
    """
    table = _headline(store, la_code, phase).filter(pl.col("academic_year") == year)
    roles = ["gm_mean", "england"] if la_code == GM_GROUP_CODE else ["selected", "gm_mean"]
    # headline_gaps has no GM rows for an LA outside GM, so "gm_mean" matches nothing there.
    keep = table.filter(pl.col("role").is_in([*roles, "region", "england"]))
    if la_code == GM_GROUP_CODE:
        region = _region_rows(store, NORTH_WEST, phase, year)
        keep = pl.concat([keep, region], how="diagonal_relaxed")
    order = {"selected": 0, "gm_mean": 1, "region": 2, "england": 3}
    return (
        keep.with_columns(
            pl.col("role").replace_strict(order, default=9, return_dtype=pl.Int64).alias("__order")
        )
        .sort("__order", "measure")
        .drop("__order")
    )


@functools.lru_cache(maxsize=16)
def _headline(store: Store, la_code: str, phase: str) -> pl.DataFrame:
    """The area's published figures and gaps in every year (headline.headline_gaps), held
    per store and area: the page's summary (one year) and its trend (every year) are both
    drawn from it in one rerun, so the query runs once, not twice."""
    return headline.headline_gaps(store, la_code, phase)


def _region_rows(store: Store, region: str, phase: str, year: str) -> pl.DataFrame:
    measures = list(HEADLINE_MEASURES[phase])
    rows = queries.published_rows(store, [region, ENGLAND_CODE], measures, [year], LA_GROUPS)
    table = gap_table(rows.select("entity", "academic_year", "measure", "pupil_group", "value"))
    return table.filter(pl.col("entity") == region).with_columns(
        pl.lit(_area_name(store, region)).alias("area"), pl.lit("region").alias("role")
    )


def _area_name(store: Store, code: str) -> str:
    """Any area's name (LA, region or England) from the areas table; `queries.la_name`
    knows LAs only, and a region named "LA 981" on screen says nothing."""
    match = store.areas().filter(pl.col("la_code") == code)
    return str(match["name"][0]) if match.height else queries.la_name(store, code)


def las_in_year(store: Store, year: str) -> list[str]:
    """LAs that existed that year: LAIT has at least one figure for them (any measure).

    Old codes (Dorset before 2019, Northamptonshire before 2021, Cumbria before 2023) and
    codes not yet created have no figures, so the comparison lists only real authorities.
    """
    return list(_las_in_year(store, year))


@functools.lru_cache(maxsize=16)
def _las_in_year(store: Store, year: str) -> tuple[str, ...]:
    """las_in_year, held per store and year: a filter over every published row, the same
    for whichever LA is selected."""
    # The year first, on its own: one comparison over every published row (some 250,000,
    # held in many chunks at national scale) leaves a tenth for the rest; one combined
    # predicate over all of them took five times as long.
    return tuple(
        store.published()
        .lazy()
        .filter(pl.col("academic_year") == year)
        .filter((pl.col("entity_kind") == "la") & (pl.col("status") == "value"))
        .select(pl.col("entity").unique().sort())
        .collect()["entity"]
        .to_list()
    )


def la_ranking(
    store: Store, la_code: str, phase: str, year: str, measure: str, group: str
) -> pl.DataFrame:
    """Every LA of that year with its published figures and gaps, plus England, the region
    and (for GM and its LAs only) the GM mean as reference rows.

    Columns: entity, area, role (selected, gm_la, other_la, england, region, gm_mean),
    disadvantaged, other, all, group_value (the chosen group when LAIT publishes it),
    england_other, gap_within, gap_national. Values stay null where not published.
    """
    del phase  # the measure fixes the key stage; kept so the cache key names the phase
    region = area_region(store, la_code)
    in_gm = is_gm(la_code)
    role = headline.area_role(la_code, region, group_members="gm_la", gm_comparators=in_gm)
    group_value = pl.col(group) if group in LA_GROUPS else pl.lit(None, dtype=pl.Float64)
    rows = _ranking_rows(store, year, measure, region)
    if not in_gm:  # comparators follow the area: no GM reference line outside GM
        rows = rows.filter(pl.col("entity") != GM_MEAN_SERIES)
    return (
        rows.with_columns(
            role.alias("role"),
            group_value.alias("group_value"),
            pl.lit(year).alias("academic_year"),
        )
        .select(
            "entity",
            "area",
            "role",
            "academic_year",
            "measure",
            "disadvantaged",
            "other",
            "all",
            "group_value",
            "england_other",
            "gap_within",
            "gap_national",
        )
        .sort("area")
    )


@functools.lru_cache(maxsize=64)
def _ranking_rows(store: Store, year: str, measure: str, region: str | None) -> pl.DataFrame:
    """The ranking's rows before the roles: every LA of the year, England, the region and
    the GM mean, named. They do not depend on the selected LA (only its region does), so
    they are worked out once per store, year, measure and region; the roles are a
    `with_columns` per LA."""
    las = las_in_year(store, year)
    entities = [*las, ENGLAND_CODE, *([region] if region else [])]
    rows = queries.published_rows(store, entities, [measure], [year], LA_GROUPS)
    table = gap_table(rows.select("entity", "academic_year", "measure", "pupil_group", "value"))
    present = set(table["entity"].to_list())
    missing = [e for e in las if e not in present]
    if missing:  # an LA of that year with no row for this measure: keep it, unpublished
        table = pl.concat(
            [table, pl.DataFrame({"entity": missing}).with_columns(measure=pl.lit(measure))],
            how="diagonal_relaxed",
        )
    gm = group_mean(table, list(GREATER_MANCHESTER), GM_MEAN_SERIES)
    names = dict(store.areas().select("la_code", "name").iter_rows())
    return pl.concat([table, gm], how="diagonal_relaxed").with_columns(
        pl.col("entity").replace_strict(names, default=pl.col("entity")).alias("area")
    )


def gap_trend(store: Store, la_code: str, phase: str, measure: str, group: str) -> pl.DataFrame:
    """Every published year of the area, the GM mean (inside GM), the region (outside GM)
    and England.

    Columns: academic_year, series, role, disadvantaged, other, group_value, gap_within,
    gap_national. Years with no figure stay as rows with nulls, so gaps show as gaps.
    """
    table = _headline(store, la_code, phase).filter(pl.col("measure") == measure)
    in_gm = is_gm(la_code)
    roles = ["england"] + (["gm_mean"] if in_gm else ["region"])
    if la_code != GM_GROUP_CODE:
        roles.append("selected")
    group_value = pl.col(group) if group in LA_GROUPS else pl.lit(None, dtype=pl.Float64)
    order = {"selected": 0, "gm_mean": 1, "region": 2, "england": 3}
    return (
        table.filter(pl.col("role").is_in(roles))
        .with_columns(
            pl.col("area").alias("series"),
            group_value.alias("group_value"),
            pl.col("role").replace_strict(order, default=9, return_dtype=pl.Int64).alias("__o"),
        )
        .sort("__o", "academic_year")
        .select(
            "academic_year",
            "series",
            "role",
            "disadvantaged",
            "other",
            "group_value",
            "gap_within",
            "gap_national",
        )
    )


# --------------------------------------------------------------------------- schools


def performance_kind(phase: str) -> str:
    return kinds.PERFORMANCE_BY_STAGE[PHASE_KEY_STAGE[phase]]


def school_years(store: Store, la_codes: tuple[str, ...], phase: str) -> list[str]:
    """Years with school-level results (performance tables) for any of the LAs (from the
    per-source summaries, Store.summary)."""
    by_la = _school_years_by_la(store, phase)
    return sorted({year for code in la_codes for year in by_la.get(code, ())})


@functools.lru_cache(maxsize=4)
def _school_years_by_la(store: Store, phase: str) -> Mapping[str, tuple[str, ...]]:
    """Each LA's years with performance-table school rows, read once per store and phase
    (choosing another LA is then a lookup); read-only, as every caller shares it."""
    rows = (
        store.summary()
        .filter((pl.col("entity_kind") == "school") & (pl.col("kind") == performance_kind(phase)))
        .group_by("la_code")
        .agg(pl.col("academic_year").unique())
    )
    return MappingProxyType(
        {code: tuple(years) for code, years in rows.iter_rows() if code is not None}
    )


def _cell(rows: pl.DataFrame, measure: str, group: str, prefix: str) -> pl.DataFrame:
    """One group's value, status and cohort per school; the cohort is the value row's
    pupils, else the file's own pupil count for the group (never derived from a rate)."""
    value = rows.filter((pl.col("measure") == measure) & (pl.col("pupil_group") == group))
    count = rows.filter((pl.col("measure") == "pupils") & (pl.col("pupil_group") == group))
    return (
        value.select(
            "entity",
            pl.col("value").alias(prefix),
            pl.col("status").alias(f"{prefix}_status"),
            pl.col("pupils").alias("__p"),
        )
        .join(
            count.select("entity", pl.col("value").cast(pl.Int64).alias("__c")),
            on="entity",
            how="full",
            coalesce=True,
        )
        .select(
            "entity",
            prefix,
            pl.col(f"{prefix}_status").fill_null("missing"),
            pl.coalesce("__p", "__c").alias(f"{prefix}_pupils"),
        )
    )


def england_other(store: Store, measure: str, year: str) -> float | None:
    # Asked with the ranking's groups (LA_GROUPS), then narrowed: the group is part of the
    # key the best source is chosen by, so this is the same row, and the ranked rows of the
    # measure are the ones the page's LA ranking already read (one ranking, not two).
    rows = queries.published_rows(store, [ENGLAND_CODE], [measure], [year], LA_GROUPS).filter(
        pl.col("pupil_group") == "other"
    )
    values = rows["value"].drop_nulls()
    return float(values[0]) if values.len() else None


@functools.lru_cache(maxsize=8)
def _school_rows(
    store: Store, phase: str, year: str, measure: str, groups: tuple[str, ...]
) -> pl.DataFrame:
    """Every school's rows of `measure` and of its pupil counts for these groups in one
    year, all LAs: read once per store, year, measure and groups (some 30,000 rows for KS4,
    100,000 for KS2 at national scale), so choosing another LA is a filter in memory."""
    return (
        store.results_of([performance_kind(phase)], [year])
        .filter(
            (pl.col("entity_kind") == "school")
            & (pl.col("academic_year") == year)
            & pl.col("measure").is_in([measure, "pupils"])
            & pl.col("pupil_group").is_in(list(groups))
        )
        .select("entity", "la_code", "measure", "pupil_group", "value", "pupils", "status")
        .collect()
    )


def school_results(
    store: Store, la_codes: tuple[str, ...], phase: str, year: str, measure: str, group: str
) -> pl.DataFrame:
    """Each school's disadvantaged and other results for one year and measure, with cohorts.

    Columns: urn, school, la_code, disadvantaged(_status, _pupils), other(_status, _pupils),
    gap_within (other minus disadvantaged in the school), gap_national (England's other
    pupils minus the school's disadvantaged), small_cohort, has_split (False for schools
    with no split published, e.g. independent schools), and `chosen`(_status, _pupils) for
    the filter's group when it is neither disadvantaged nor other.
    """
    groups = [
        "disadvantaged",
        "other",
        *([group] if group not in ("disadvantaged", "other") else []),
    ]
    rows = _school_rows(store, phase, year, measure, tuple(groups)).filter(
        pl.col("la_code").is_in(list(la_codes))
    )
    schools = rows.select("entity", "la_code").unique("entity")
    for group_name in groups:
        prefix = group_name if group_name in ("disadvantaged", "other") else "chosen"
        schools = schools.join(
            _cell(rows, measure, group_name, prefix), on="entity", how="left"
        ).with_columns(pl.col(f"{prefix}_status").fill_null("missing"))
    national = england_other(store, measure, year)
    names = store.schools().select("urn", pl.col("name").alias("school"))
    return (
        schools.join(names, left_on="entity", right_on="urn", how="left")
        .rename({"entity": "urn"})
        .with_columns(
            pl.col("school").fill_null("(name not in the loaded files)"),
            (pl.col("other") - pl.col("disadvantaged")).alias("gap_within"),
            (pl.lit(national, dtype=pl.Float64) - pl.col("disadvantaged")).alias("gap_national"),
            (pl.col("disadvantaged_pupils") < SMALL_COHORT).alias("small_cohort"),
            (
                pl.col("disadvantaged_status").is_in(HAS_RESULT)
                | pl.col("other_status").is_in(HAS_RESULT)
            ).alias("has_split"),
        )
        .sort("school", "urn")
    )


#: How a school's missing split reads: DfE left the cells blank, or marked them.
_UNLISTED_STATUS: Final = {
    "missing": "blank cells in DfE's file",
    "not_published": "cells marked not published (NP) by DfE",
}


def unlisted_summary(store: Store, frame: pl.DataFrame) -> str | None:
    """Why the schools of `school_results` without a split (has_split False) are not listed,
    worked out from the data: how many, what DfE's file has for them and their school types
    (from the loaded school lists). None when every school is listed.

    Computed rather than assumed: "mostly independent schools" was once said of four
    academies and a community school whose rows were blank."""
    unlisted = frame.filter(~pl.col("has_split"))
    if unlisted.is_empty():
        return None
    statuses = unlisted.group_by("disadvantaged_status").len().sort("len", descending=True)
    how = "; ".join(
        f"{count} with {_UNLISTED_STATUS.get(status, status.replace('_', ' ') + ' cells')}"
        for status, count in statuses.iter_rows()
    )
    types = (
        unlisted.join(store.schools().select("urn", "school_type"), on="urn", how="left")
        .with_columns(pl.col("school_type").fill_null("type not in the loaded files"))
        .group_by("school_type")
        .len()
        .sort(["len", "school_type"], descending=[True, False])
    )
    by_type = ", ".join(f"{kind} {count}" for kind, count in types.iter_rows())
    noun = "school is" if unlisted.height == 1 else "schools are"
    return (
        f"{unlisted.height} further {noun} not listed: DfE's file has no results split by "
        f"disadvantage for them ({how}). By school type: {by_type}."
    )


def unlisted_summary_of(
    store: Store, la_codes: tuple[str, ...], phase: str, year: str, measure: str
) -> str | None:
    """`unlisted_summary` of the schools `school_results` gives for these LAs and year (the
    filter's group does not change which schools have a disadvantage split)."""
    frame = school_results(store, la_codes, phase, year, measure, "disadvantaged")
    return unlisted_summary(store, frame)
