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
A school census file also gets `census_wide/`: one row per school and census year with the
ever-FSM count, its denominator, NOR, % ever-FSM and % FSM (`census_wide`), the figures
every census-basis index starts from (equity/analysis/census.py), so a page reads some
25,000 rows per census instead of picking them out of its 300,000 result rows.
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
#: Written for school census files only (not one of TABLES, which every results file has).
CENSUS_TABLE: Final = "census_wide"
#: The file kind whose results get a CENSUS_TABLE (equity.kinds.SCHOOL_CENSUS).
CENSUS_KIND: Final = "school_census"

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


CENSUS_WIDE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "academic_year": pl.String(),
    "entity": pl.String(),
    "la_code": pl.String(),
    "ever_fsm": pl.Float64(),  # value of pupils|fsm6 (NUMFSMEVER)
    "ever_fsm_base": pl.Float64(),  # pupils of pct_ever_fsm|all (the ever-FSM denominator)
    "nor": pl.Float64(),  # value of pupils|all
    "pct_ever_fsm": pl.Float64(),
    "pct_ever_fsm_status": pl.String(),
    "pct_fsm": pl.Float64(),
    "pct_fsm_status": pl.String(),
    "pct_fsm_pupils": pl.Int64(),  # pupils of pct_fsm|all (NOR, its denominator)
}

#: (measure, pupil group) -> {result column: wide column}: what `census_wide` picks.
_CENSUS_PICKS: Final[dict[tuple[str, str], dict[str, str]]] = {
    ("pupils", "fsm6"): {"value": "ever_fsm"},
    ("pct_ever_fsm", "all"): {
        "pupils": "ever_fsm_base",
        "value": "pct_ever_fsm",
        "status": "pct_ever_fsm_status",
    },
    ("pupils", "all"): {"value": "nor"},
    ("pct_fsm", "all"): {
        "value": "pct_fsm",
        "status": "pct_fsm_status",
        "pupils": "pct_fsm_pupils",
    },
}


def census_wide(results: pl.LazyFrame) -> pl.DataFrame:
    """One row per (academic_year, school entity) of census result rows (CENSUS_WIDE_SCHEMA),
    in the order each first appears: la_code from its first row, each figure from the first
    row of its (measure, pupil group); a school without such a row has null there (missing,
    never 0). Written at ingest per census file; computed the same way from the results of
    a store written before it existed."""
    keys = ["academic_year", "entity"]
    wanted = pl.lit(False)
    for measure, group in _CENSUS_PICKS:
        wanted = wanted | ((pl.col("measure") == measure) & (pl.col("pupil_group") == group))
    rows = (
        results.filter((pl.col("entity_kind") == "school") & wanted)
        .select(*keys, "la_code", "measure", "pupil_group", "value", "pupils", "status")
        .collect()
    )
    wide = rows.select(*keys, "la_code").unique(keys, keep="first", maintain_order=True)
    for (measure, group), columns in _CENSUS_PICKS.items():
        picked = (
            rows.filter((pl.col("measure") == measure) & (pl.col("pupil_group") == group))
            .unique(keys, keep="first", maintain_order=True)
            .select(*keys, *(pl.col(field).alias(name) for field, name in columns.items()))
        )
        wide = wide.join(picked, on=keys, how="left", maintain_order="left")
    return wide.select(list(CENSUS_WIDE_SCHEMA)).cast(dict(CENSUS_WIDE_SCHEMA))  # type: ignore[arg-type]


def summarise(
    results: pl.LazyFrame, constant: dict[str, str] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(summary, school_years) of result rows (see the module docstring).

    `constant`: key columns known to hold one value in every row (`constant_keys`): they
    are left out of the grouping and added back as that value, which gives the same rows
    (hashing ~300,000 rows on three fewer text keys halves the time of a national file).
    """
    fill = [pl.lit(v, dtype=pl.String).alias(k) for k, v in (constant or {}).items()]
    keys = ["source", "entity_kind", "la_code", "academic_year", "key_stage"]
    summary = (
        results.group_by([k for k in keys if k not in (constant or {})])
        .agg(
            pl.len().cast(pl.Int64).alias("rows"),
            (pl.col("status") == "value").sum().cast(pl.Int64).alias("figures"),
        )
        .with_columns(fill)
        .sort(keys, nulls_last=True)
        .select(list(SUMMARY_SCHEMA))
    )
    schools = (
        results.filter(pl.col("entity_kind") == "school")
        .select([c for c in SCHOOL_YEARS_SCHEMA if c not in (constant or {})])
        .unique()
        .with_columns(fill)
        .select(list(SCHOOL_YEARS_SCHEMA))
        .sort("la_code", "academic_year", "entity", nulls_last=True)
    )
    summary_frame, schools_frame = pl.collect_all([summary, schools])
    return (
        summary_frame.cast(dict(SUMMARY_SCHEMA)),  # type: ignore[arg-type]
        schools_frame.cast(dict(SCHOOL_YEARS_SCHEMA)),  # type: ignore[arg-type]
    )


#: Key columns a file's result rows often share (one file, one year, one key stage).
_MAYBE_CONSTANT: Final = ("source", "academic_year", "key_stage")


def constant_keys(results: pl.DataFrame) -> dict[str, str]:
    """The columns of `_MAYBE_CONSTANT` that hold one non-null value in every row of
    `results`, with that value ({} for no rows)."""
    if results.is_empty():
        return {}
    row = results.select(
        *(pl.col(c).first().alias(c) for c in _MAYBE_CONSTANT),
        *(pl.col(c).eq_missing(pl.col(c).first()).all().alias(f"__{c}") for c in _MAYBE_CONSTANT),
    ).row(0, named=True)
    return {c: row[c] for c in _MAYBE_CONSTANT if row[f"__{c}"] and row[c] is not None}


def fresh(results_file: Path, table: str) -> Path | None:
    """The `table` summary of `results_file` when it exists and is not older than it."""
    path = results_file.parent.parent / table / results_file.name
    try:
        if path.stat().st_mtime_ns >= results_file.stat().st_mtime_ns:
            return path
    except OSError:
        return None
    return None


def derived(results: pl.DataFrame, kind: str | None = None) -> dict[str, pl.DataFrame]:
    """The three tables of one results file, by table name (empty ones included: an empty
    file still says "nothing published here" and keeps the summary fresh), and for a
    school census file (`kind`) its CENSUS_TABLE."""
    summary, schools = summarise(results.lazy(), constant_keys(results))
    tables = {
        SUMMARY_TABLE: summary,
        SCHOOL_YEARS_TABLE: schools,
        PUBLISHED_TABLE: results.filter(pl.col("published")),
    }
    if kind == CENSUS_KIND:
        tables[CENSUS_TABLE] = census_wide(results.lazy())
    return tables
