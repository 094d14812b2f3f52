"""One row per URN from every file that describes schools, and the copy written at ingest.

Several files describe the same school (GIAS, performance tables, the census, location
files); `Store.schools()` takes each field from the most authoritative file that has it.
Merging some 400,000 rows at national scale cost ~0.2 s on the first page that asked, so
each commit to a store folder also writes that folder's merged table,
`.merged/schools-<catalogue version>.parquet` (a dot folder: not a Delta table, left alone
by vacuum), and a store of one folder reads it. A store of several folders (a user's layer
over the built-in one), or a folder written before this file existed, merges in memory
with the same function, so both give the same frame. The commit writes the census school
types of every census year the same way (`.merged/census-types-<version>.parquet`,
`equity.census_types.place`), read by `equity.analysis.census`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

import polars as pl

from equity import census_types, kinds
from equity.kinds import school_priority
from equity.schema import SCHOOLS_SCHEMA, empty_frame

#: Which kind's description of a school wins when several files describe it (low first):
#: GIAS is the register of schools; performance tables name the school as results show it;
#: the census knows every school but has no names; trimmed national files add coordinates.
SCHOOL_SOURCE_PRIORITY: Final[dict[str, int]] = school_priority()
MERGED_DIR: Final = ".merged"
_UNRANKED: Final = (9, "")


def merged_path(layer: Path, key: str) -> Path:
    """Where the merged schools of `layer` at catalogue version `key` are written."""
    return layer / MERGED_DIR / f"schools-{key}.parquet"


def source_ranks(manifest: pl.DataFrame) -> dict[str, tuple[int, str]]:
    """source -> (its kind's school priority, 9 when it has none; the latest academic year
    it lists, "" when none): the order in which files describe a school (low rank first,
    then latest year first). `manifest` needs source, kind and academic_years."""
    ranked = manifest.select(
        "source",
        pl.col("kind")
        .replace_strict(SCHOOL_SOURCE_PRIORITY, default=9, return_dtype=pl.Int64)
        .alias("rank"),
        pl.col("academic_years").list.max().fill_null("").alias("year"),
    )
    return {source: (rank, year) for source, rank, year in ranked.iter_rows()}


def merge(files: Sequence[tuple[Path, str]], ranks: dict[str, tuple[int, str]]) -> pl.DataFrame:
    """One row per URN (SCHOOLS_SCHEMA, sorted by URN), each field the first non-null value
    in the files read in rank order, `source` every file's source that lists the URN
    ("; "-joined, sorted). `files` are (file, source) in (source, file) order.

    The ranking is worked out once per source, not once per school row, and the files are
    read in that order (two stable sorts: latest year first, then rank; ties keep the
    (source, file) order), so the rows need no sort.
    """
    if not files:
        return empty_frame(SCHOOLS_SCHEMA)
    by_year = sorted(files, key=lambda pair: ranks.get(pair[1], _UNRANKED)[1], reverse=True)
    ordered = sorted(by_year, key=lambda pair: ranks.get(pair[1], _UNRANKED)[0])
    raw = pl.scan_parquet(
        [path for path, _ in ordered],
        schema=SCHOOLS_SCHEMA,
        missing_columns="insert",
        extra_columns="ignore",
    ).collect()
    if raw.is_empty():
        return empty_frame(SCHOOLS_SCHEMA)
    fields = [c for c in SCHOOLS_SCHEMA if c not in {"urn", "source"}]
    names = sorted({source for _, source in ordered})
    bits = {name: 1 << index for index, name in enumerate(names)}
    if len(names) > 63:  # too many for one bit each: join the names per URN (slower)
        sources = pl.col("source").unique().sort().str.join("; ").alias("source")
    else:
        sources = (
            pl.col("source")
            .replace_strict(bits, return_dtype=pl.Int64)
            .bitwise_or()
            .alias("__sources")
        )
    merged = raw.group_by("urn").agg(*(pl.col(c).first(ignore_nulls=True) for c in fields), sources)
    if "__sources" in merged.columns:
        # Each URN's set of sources as a bit mask; the few distinct sets are named once.
        masks = merged["__sources"].drop_nulls().unique().to_list()
        joined = {mask: "; ".join(n for n in names if mask & bits[n]) for mask in masks}
        merged = merged.with_columns(
            pl.col("__sources").replace_strict(joined, return_dtype=pl.String).alias("source")
        )
    return merged.select(list(SCHOOLS_SCHEMA)).sort("urn")


def read_merged(layer: Path, key: str) -> pl.DataFrame | None:
    """The merged schools written for `layer` at version `key`, or None when there is none
    (an older store, a commit whose writer stopped before writing it, or a newer commit
    that has replaced it since)."""
    try:
        return pl.read_parquet(merged_path(layer, key)).select(list(SCHOOLS_SCHEMA))
    except (OSError, pl.exceptions.PolarsError):
        return None


def types_path(layer: Path, key: str) -> Path:
    """Where the census school types (`equity.census_types.place`) of `layer` at catalogue
    version `key` are written."""
    return layer / MERGED_DIR / f"census-types-{key}.parquet"


def read_types(layer: Path, key: str) -> pl.DataFrame | None:
    """The census school types written for `layer` at version `key`, or None."""
    try:
        return pl.read_parquet(types_path(layer, key)).select(list(census_types.TYPES_SCHEMA))
    except (OSError, pl.exceptions.PolarsError):
        return None


def write_merged(layer: Path, key: str, catalogue: pl.DataFrame) -> None:
    """Write `layer`'s merged schools and census school types for catalogue version `key`
    (`catalogue`: that version's rows, with files), then delete older versions' copies."""
    from equity.store_layout import table_of, write_atomic

    pairs = sorted(
        (
            (layer / relative, source)
            for source, files in catalogue.select("source", "files").iter_rows()
            for relative in files or []
            if table_of(relative) == "schools"
        ),
        key=lambda p: (p[1], str(p[0])),
    )
    target = merged_path(layer, key)
    write_atomic(merge(pairs, source_ranks(catalogue)), target)
    wanted = census_types.typing_sources(catalogue)
    typing = [path for path, source in pairs if source in wanted]
    rows = (
        pl.scan_parquet(typing, schema=SCHOOLS_SCHEMA, missing_columns="insert")
        .select(census_types.TYPING_COLUMNS)
        .collect()
        if typing
        else census_types.empty_rows()
    )
    gias = catalogue.filter(pl.col("kind") == kinds.GIAS)["source"].to_list()
    types = types_path(layer, key)
    write_atomic(census_types.place(rows, census_types.census_files(catalogue), gias), types)
    for old in target.parent.glob("*.parquet"):
        if old not in (target, types):
            old.unlink(missing_ok=True)
