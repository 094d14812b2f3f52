"""Small per-source summaries of the results table, written at ingest, read instead of scans.

Questions such as "which years are loaded", "which LAs have KS4 school results" or "how many
schools per LA, year and file kind" need only a few thousand numbers, but answering them
from `results/` means scanning every stored row (15 million at national scale). So with
each source's results the ingest writes three small tables of the same source:

- `summary/`: rows and published figures (status "value") per entity kind,
  LA code, academic year and key stage;
- `school_years/`: each school (entity) with its LA code and academic year,
  once, for exact distinct-school counts across files and key stages;
- `published/`: the file's published rows (DfE's LA, region and England
  aggregates), a few thousand of its rows, read for every LA figure on every page.

All three are derived from the results alone and committed with them in the same
transaction (equity/store_writer.py); a store written before this module existed has
none, and `Store.summary()` computes them in memory from its results files instead
(`fresh` says whether such an old store's summary file is still current).
This module is a floor under the store: it imports nothing of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

SUMMARY_TABLE: Final = "summary"
SCHOOL_YEARS_TABLE: Final = "school_years"
PUBLISHED_TABLE: Final = "published"
TABLES: Final = (SUMMARY_TABLE, SCHOOL_YEARS_TABLE, PUBLISHED_TABLE)

SUMMARY_SCHEMA: Final[dict[str, pl.DataType]] = {
    "source": pl.String(),
    "entity_kind": pl.String(),
    "la_code": pl.String(),
    "academic_year": pl.String(),
    "key_stage": pl.String(),
    "rows": pl.Int64(),
    "figures": pl.Int64(),
}
SCHOOL_YEARS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "source": pl.String(),
    "la_code": pl.String(),
    "academic_year": pl.String(),
    "entity": pl.String(),
}


def summarise(results: pl.LazyFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(summary, school_years) of result rows (see the module docstring)."""
    keys = ["source", "entity_kind", "la_code", "academic_year", "key_stage"]
    summary = (
        results.group_by(keys)
        .agg(
            pl.len().cast(pl.Int64).alias("rows"),
            (pl.col("status") == "value").sum().cast(pl.Int64).alias("figures"),
        )
        .sort(keys, nulls_last=True)
        .select(list(SUMMARY_SCHEMA))
    )
    schools = (
        results.filter(pl.col("entity_kind") == "school")
        .select(list(SCHOOL_YEARS_SCHEMA))
        .unique()
        .sort("la_code", "academic_year", "entity", nulls_last=True)
    )
    summary_frame, schools_frame = pl.collect_all([summary, schools])
    return (
        summary_frame.cast(dict(SUMMARY_SCHEMA)),  # type: ignore[arg-type]
        schools_frame.cast(dict(SCHOOL_YEARS_SCHEMA)),  # type: ignore[arg-type]
    )


def fresh(results_file: Path, table: str) -> Path | None:
    """The `table` summary of `results_file` when it exists and is not older than it."""
    path = results_file.parent.parent / table / results_file.name
    try:
        if path.stat().st_mtime_ns >= results_file.stat().st_mtime_ns:
            return path
    except OSError:
        return None
    return None


def derived(results: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The three tables of one results file, by table name (empty ones included: an empty
    file still says "nothing published here" and keeps the summary fresh)."""
    summary, schools = summarise(results.lazy())
    return {
        SUMMARY_TABLE: summary,
        SCHOOL_YEARS_TABLE: schools,
        PUBLISHED_TABLE: results.filter(pl.col("published")),
    }
