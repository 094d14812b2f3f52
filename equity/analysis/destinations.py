"""KS4 destinations across releases: one figure per entity, cohort, group and measure.

Every release (one destinations file) is its own source and holds three cohorts: its own
and the two before it. Where two releases give the same cohort, the latest release wins
(DfE recalculates earlier cohorts on its newest basis); `release_differences` counts the
cells on which they disagree, for the ingest report. A release is ordered by its own cohort,
the latest academic year it stores.
"""

from __future__ import annotations

import functools
from typing import Any, Final

import polars as pl

from equity import kinds
from equity.store import Store

DEST_KIND: Final = kinds.KS4_DESTINATIONS
SUSTAINED: Final = "ks4_sustained_destination_pct"
GROUPS: Final = ("all", "disadvantaged", "other")
_KEY: Final = ["entity", "academic_year", "measure", "pupil_group"]
_COLUMNS: Final = ["entity_kind", "la_code", "value", "pupils", "status", "published", "source"]


def releases(store: Store) -> pl.DataFrame:
    """source, release (the release's own cohort), one row per destinations file."""
    return (
        store.manifest()
        .filter(pl.col("kind") == DEST_KIND)
        .select("source", pl.col("academic_years").list.max().alias("release"))
        .sort("release", "source")
    )


@functools.lru_cache(maxsize=2)  # some 60 MB for all of England
def latest_release(store: Store) -> pl.DataFrame:
    """Every destinations result row from the latest release that gives its cohort (all
    entities, cohorts, groups and measures), with the `release` it came from."""
    return _latest(store, None, None, None)


def latest_of(
    store: Store,
    measures: tuple[str, ...] | None = None,
    groups: tuple[str, ...] | None = None,
    years: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """`latest_release` narrowed to these measures, pupil groups and cohorts (None: all),
    with the same rows as filtering `latest_release` would give (newest release first).

    Why: a page that needs one measure of a few cohorts (Similar's pooled destinations,
    School trends' default school) should not resolve the whole of England's destinations
    (some 660,000 rows, a quarter of a second) on its first visit. Narrowing by these key
    columns before resolving releases is exact, because the latest release is chosen per
    (entity, cohort, measure, group); a filter on any other column (LA, value, status)
    must come after, as a school's row in an older release may differ there."""
    if measures is None and groups is None and years is None:
        return latest_release(store)
    return _latest(
        store,
        None if measures is None else tuple(sorted(set(measures))),
        None if groups is None else tuple(sorted(set(groups))),
        None if years is None else tuple(sorted(set(years))),
    )


@functools.lru_cache(maxsize=16)
def _latest(
    store: Store,
    measures: tuple[str, ...] | None,
    groups: tuple[str, ...] | None,
    years: tuple[str, ...] | None,
) -> pl.DataFrame:
    """The latest release's rows for these key values (None: all), read once per store.
    Only files that hold one of the cohorts are opened, and the key filters are pushed
    into the parquet scan."""
    files = releases(store)
    if files.is_empty():
        return pl.DataFrame()
    scan = store.results_of([DEST_KIND], years)
    keep = [
        pl.col(column).is_in(list(values))
        for column, values in (
            ("measure", measures),
            ("pupil_group", groups),
            ("academic_year", years),
        )
        if values is not None
    ]
    if keep:
        scan = scan.filter(pl.all_horizontal(keep))
    rows = (
        scan.select(*_KEY, *_COLUMNS)
        .join(files.lazy(), on="source")
        .sort("release", descending=True)
        .unique(_KEY, keep="first", maintain_order=True)
        .collect()
    )
    return rows


def cohort_years(store: Store) -> list[str]:
    """Every cohort (academic year) any destinations release gives, oldest first: the
    cohorts of `latest_release`, read off the manifest (each file lists its rows' years)
    rather than off the rows."""
    listed = (
        store.manifest()
        .filter(pl.col("kind") == DEST_KIND)
        .select(pl.col("academic_years").explode().drop_nulls().unique())
    )
    return sorted(listed.to_series().to_list())


def release_differences(store: Store) -> pl.DataFrame:
    """academic_year (cohort), earlier, later (releases), cells, differ: for each cohort two
    releases both give, how many cells they share and on how many value or status differ."""
    files = releases(store)
    if files.height < 2:
        return pl.DataFrame(
            schema={
                "academic_year": pl.String,
                "earlier": pl.String,
                "later": pl.String,
                "cells": pl.UInt32,
                "differ": pl.UInt32,
            }
        )
    rows = (
        store.results_of([DEST_KIND])
        .join(files.lazy(), on="source")
        .select(*_KEY, "value", "status", "release")
        .collect()
    )
    pairs = rows.join(rows, on=_KEY, suffix="_b").filter(pl.col("release") < pl.col("release_b"))
    differs = (pl.col("status") != pl.col("status_b")) | (
        pl.col("value").is_not_null()
        & pl.col("value_b").is_not_null()
        & ((pl.col("value") - pl.col("value_b")).abs() > 1e-9)
    )
    return (
        pairs.group_by(
            "academic_year",
            pl.col("release").alias("earlier"),
            pl.col("release_b").alias("later"),
        )
        .agg(pl.len().alias("cells"), differs.sum().cast(pl.UInt32).alias("differ"))
        .sort("academic_year", "earlier", "later")
    )


def release_notes(store: Store) -> list[str]:
    """Ingest-report lines: per cohort given by two releases, the cells that differ."""
    return [
        f"KS4 destinations cohort {year}: the {_download(later)} download's figures replace "
        f"the {_download(earlier)} download's; {differ} of {cells} shared cells differ "
        "(latest release kept)."
        for year, earlier, later, cells, differ in release_differences(store).iter_rows()
    ]


def _download(release: str) -> str:
    """The download (performance-tables) year of a release, two years after its cohort."""
    start = int(release[:4]) + 2
    return f"{start}-{(start + 1) % 100:02d}"


def school_destination_series(store: Store, urn: str) -> pl.DataFrame:
    """One school's destinations by cohort: academic_year, pupil_group, measure, value,
    status, pupils (cohort size), release. Suppressed cells keep their status, no value."""
    rows = latest_release(store)
    if rows.is_empty():
        return rows
    return (
        rows.filter(pl.col("entity") == urn)
        .select("academic_year", "pupil_group", "measure", "value", "status", "pupils", "release")
        .sort("academic_year", "measure", "pupil_group")
    )


def la_destinations(store: Store, entity: str, cohort: str) -> dict[str, Any]:
    """The published sustained-destination figure per group (all, disadvantaged, other) for
    an LA (or "970", England) and cohort, from the latest release's aggregate row (None where
    not published), and under "source" the file it came from."""
    out: dict[str, Any] = dict.fromkeys(GROUPS)
    out["source"] = None
    if not releases(store).height:
        return out
    rows = latest_of(store, (SUSTAINED,), None, (cohort,))
    part = rows.filter(
        (pl.col("entity") == entity)
        & (pl.col("academic_year") == cohort)
        & (pl.col("measure") == SUSTAINED)
        & pl.col("published")
    )
    for group, value, source in part.select("pupil_group", "value", "source").iter_rows():
        out[group] = None if value is None else float(value)
        out["source"] = source
    return out


def pooled_disadvantaged(store: Store, cohorts: int = 3) -> pl.DataFrame:
    """Per school, disadvantaged and other pupils' sustained destinations pooled over the
    latest `cohorts` cohorts in the store: urn, group, cohorts_used, pooled_pupils,
    pooled_pct (cohort-weighted mean of the published percentages) and the first and last
    cohort. A cohort counts only when both its percentage and its size are published, so a
    suppressed cohort is left out (and `cohorts_used` says so), never read as 0."""
    years = cohort_years(store)[-cohorts:]
    if not years:  # no release, or none with rows: there is nothing to pool
        return pl.DataFrame()
    rows = latest_of(store, (SUSTAINED,), ("disadvantaged", "other"), tuple(years))
    usable = rows.filter(
        (pl.col("entity_kind") == "school")
        & (pl.col("measure") == SUSTAINED)
        & pl.col("pupil_group").is_in(["disadvantaged", "other"])
        & pl.col("academic_year").is_in(years)
        & pl.col("value").is_not_null()
        & pl.col("pupils").is_not_null()
        & (pl.col("pupils") > 0)
    )
    return (
        usable.group_by(pl.col("entity").alias("urn"), pl.col("pupil_group").alias("group"))
        .agg(
            pl.len().alias("cohorts_used"),
            pl.col("pupils").sum().alias("pooled_pupils"),
            ((pl.col("value") * pl.col("pupils")).sum() / pl.col("pupils").sum()).alias(
                "pooled_pct"
            ),
            pl.col("academic_year").min().alias("first_cohort"),
            pl.col("academic_year").max().alias("last_cohort"),
        )
        .with_columns(pl.lit(", ".join(years)).alias("cohorts_asked"))
        .sort("urn", "group")
    )


#: Fewer disadvantaged pupils than this in a school's cohort: one pupil moves its figure a lot.
SMALL_DEST_COHORT: Final = 10


def download_of(release: str) -> str:
    """The performance-tables download year ("2023-24") that holds a release's own cohort."""
    return _download(release)


def school_destination_cohorts(store: Store, la_codes: tuple[str, ...]) -> list[str]:
    """The cohorts (KS4 years, oldest first) with school-level sustained destinations for
    any of these LAs, so a page can say which cohort it shows and why."""
    if not releases(store).height:
        return []
    found = latest_of(store, (SUSTAINED,)).filter(
        (pl.col("entity_kind") == "school")
        & (pl.col("measure") == SUSTAINED)
        & pl.col("la_code").is_in(list(la_codes))
    )["academic_year"]
    return sorted(found.unique().to_list())


def school_destination_gaps(
    store: Store, la_codes: tuple[str, ...], cohort: str | None
) -> pl.DataFrame:
    """One row per state-funded mainstream school of these LAs for one cohort (None: the
    latest with school rows): urn, school, la_code, cohort, release, download,
    disadvantaged / other / all (% sustained destination) each with _status and _pupils
    (cohort size), gap_within (other minus disadvantaged, null unless both are published)
    and small_cohort (fewer than SMALL_DEST_COHORT disadvantaged pupils, null if unknown).

    Why from destinations: they are the one school-level KS4 file split by disadvantage for
    every school in England. Special schools (RECTYPE 2 / GIAS) and non-state schools are
    left out, so the comparison is between like schools. A suppressed cell keeps its status
    and no value: it is never read as 0 or worked out from the other groups."""
    cohorts = school_destination_cohorts(store, la_codes)
    if cohort is None:
        cohort = cohorts[-1] if cohorts else None
    if cohort is None or cohort not in cohorts:
        return _empty_gaps()
    rows = latest_of(store, (SUSTAINED,), None, (cohort,)).filter(
        (pl.col("entity_kind") == "school")
        & (pl.col("measure") == SUSTAINED)
        & (pl.col("academic_year") == cohort)
        & pl.col("la_code").is_in(list(la_codes))
    )
    info = store.schools().select(
        "urn", pl.col("name").alias("school"), "is_special", "is_state_funded"
    )
    mainstream = info.filter(
        pl.col("is_special").fill_null(value=False)
        | ~pl.col("is_state_funded").fill_null(value=True)
    )["urn"]
    rows = rows.filter(~pl.col("entity").is_in(mainstream.implode()))
    schools = rows.select(
        pl.col("entity").alias("urn"), "la_code", pl.col("release").alias("release")
    ).unique("urn", keep="first")
    for group in GROUPS:
        cell = rows.filter(pl.col("pupil_group") == group).select(
            pl.col("entity").alias("urn"),
            pl.col("value").cast(pl.Float64).alias(group),
            pl.col("status").alias(f"{group}_status"),
            pl.col("pupils").cast(pl.Int64).alias(f"{group}_pupils"),
        )
        schools = schools.join(cell, on="urn", how="left").with_columns(
            pl.col(f"{group}_status").fill_null("missing")
        )
    names = info.select("urn", "school").unique("urn", keep="first")
    return (
        schools.join(names, on="urn", how="left")
        .with_columns(
            pl.col("school").fill_null(pl.lit("Unnamed school, URN ") + pl.col("urn")),
            pl.lit(cohort).alias("cohort"),
            _download_expr(pl.col("release")).alias("download"),
            (pl.col("other") - pl.col("disadvantaged")).alias("gap_within"),
            (pl.col("disadvantaged_pupils") < SMALL_DEST_COHORT).alias("small_cohort"),
        )
        .select(list(_GAPS_SCHEMA))
        .sort("school", "urn")
    )


_GAPS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "urn": pl.String(),
    "school": pl.String(),
    "la_code": pl.String(),
    "cohort": pl.String(),
    "release": pl.String(),
    "download": pl.String(),
    **{
        name: dtype
        for group in GROUPS
        for name, dtype in (
            (group, pl.Float64()),
            (f"{group}_status", pl.String()),
            (f"{group}_pupils", pl.Int64()),
        )
    },
    "gap_within": pl.Float64(),
    "small_cohort": pl.Boolean(),
}


def _download_expr(release: pl.Expr) -> pl.Expr:
    """`_download` as an expression: "2021/22" -> "2023-24"."""
    start = release.str.slice(0, 4).cast(pl.Int32) + 2
    return start.cast(pl.String) + "-" + ((start + 1) % 100).cast(pl.String).str.zfill(2)


def _empty_gaps() -> pl.DataFrame:
    return pl.DataFrame(schema=_GAPS_SCHEMA)
