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

from equity.store import Store

DEST_KIND: Final = "ks4_destinations"
SUSTAINED: Final = "ks4_sustained_destination_pct"
GROUPS: Final = ("all", "disadvantaged", "other")
_KEY: Final = ["entity", "academic_year", "measure", "pupil_group"]


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
    files = releases(store)
    if files.is_empty():
        return pl.DataFrame()
    rows = (
        store.results_of([DEST_KIND])
        .select(*_KEY, "entity_kind", "la_code", "value", "pupils", "status", "published", "source")
        .join(files.lazy(), on="source")
        .sort("release", descending=True)
        .unique(_KEY, keep="first", maintain_order=True)
        .collect()
    )
    return rows


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
    rows = latest_release(store)
    out: dict[str, Any] = dict.fromkeys(GROUPS)
    out["source"] = None
    if rows.is_empty():
        return out
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
    rows = latest_release(store)
    if rows.is_empty():
        return pl.DataFrame()
    years = sorted(rows["academic_year"].unique().to_list())[-cohorts:]
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
