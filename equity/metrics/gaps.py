"""Disadvantage gaps, measured the two ways DfE and the research literature use.

- Within the area: other pupils in the same area minus disadvantaged pupils.
- Against other pupils nationally: England's other pupils minus the area's disadvantaged
  pupils. This is the comparison DfE's performance tables make, because the area's own
  other pupils may themselves be above or below the national picture.

A gap is positive when disadvantaged pupils trail (points of Attainment 8 / Progress 8,
percentage points for KS2). It is null whenever either side is missing or suppressed.
"""

from __future__ import annotations

import polars as pl

from equity.schema import ENGLAND_CODE

GAP_COLUMNS = ("disadvantaged", "other", "all", "england_other", "gap_within", "gap_national")


def wide_groups(rows: pl.DataFrame) -> pl.DataFrame:
    """Long published rows -> one row per (entity, year, measure) with a column per group."""
    keys = ["entity", "academic_year", "measure"]
    if rows.is_empty():
        return pl.DataFrame(
            schema={
                **{k: pl.String for k in keys},
                "disadvantaged": pl.Float64,
                "other": pl.Float64,
                "all": pl.Float64,
            }
        )
    wide = rows.pivot(on="pupil_group", index=keys, values="value", aggregate_function="first")
    for group in ("disadvantaged", "other", "all"):
        if group not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(group))
    return wide.select(*keys, "disadvantaged", "other", "all")


def gap_table(rows: pl.DataFrame, england: str = ENGLAND_CODE) -> pl.DataFrame:
    """Both gaps for every entity, year and measure in `rows` (which must include England)."""
    wide = wide_groups(rows)
    national_other = wide.filter(pl.col("entity") == england).select(
        "academic_year", "measure", pl.col("other").alias("england_other")
    )
    return wide.join(national_other, on=["academic_year", "measure"], how="left").with_columns(
        (pl.col("other") - pl.col("disadvantaged")).alias("gap_within"),
        (pl.col("england_other") - pl.col("disadvantaged")).alias("gap_national"),
    )


def group_mean(table: pl.DataFrame, members: list[str], label: str) -> pl.DataFrame:
    """An unweighted mean of member areas' figures (LAIT publishes no cohort sizes per LA).

    Null when any member's figure is missing, so a mean never silently covers fewer areas.
    """
    part = table.filter(pl.col("entity").is_in(members))
    numeric = [c for c in GAP_COLUMNS if c in table.columns and c != "england_other"]
    return (
        part.group_by("academic_year", "measure")
        .agg(
            *(
                pl.when(pl.col(c).null_count() == 0).then(pl.col(c).mean()).otherwise(None).alias(c)
                for c in numeric
            ),
            pl.col("england_other").first(),
            pl.len().alias("members"),
        )
        .with_columns(pl.lit(label).alias("entity"))
        .filter(pl.col("members") == len(members))
        .drop("members")
        .select(table.columns)
    )
