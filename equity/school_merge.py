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

A commit that leaves a file's inputs alone (a KS4 file leaves the census and GIAS files,
which alone decide the census types) does not compute it again: the previous version's
file gets the new version's name too (a hard link, `prepare` and `install`). Files that
must be computed are made while the commit's Delta tables are written, and named for the
new version once its catalogue commit exists, so a reader never finds a file named for a
version it does not describe.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

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
    if raw["urn"].null_count() == 0 and raw["urn"].is_unique().all():
        # Each URN in one row (a store of one file describing schools): that row is its
        # merged row, and its source the only one listing it.
        return raw.select(list(SCHOOLS_SCHEMA)).sort("urn")
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


@dataclass
class Prepared:
    """The `.merged/` files of one commit, made before its catalogue commit and put in
    place (named for the new version) after it: `staged` are scratch files written and
    fsync'd in the store's scratch spelling (vacuum deletes them if the writer dies first),
    `reused` the previous version's files whose inputs the commit did not change."""

    layer: Path
    staged: dict[str, Path] = field(default_factory=dict)
    reused: dict[str, Path] = field(default_factory=dict)


#: (source, kind, academic years, schools files) of one catalogue row.
_Input = tuple[str, str, tuple[str, ...], tuple[str, ...]]
#: Which `.merged/` file: its path for a layer and version.
_TARGETS: Final = {"schools": merged_path, "census-types": types_path}
NAMES: Final = tuple(_TARGETS)


def _inputs(rows: Iterable[Mapping[str, Any]], kinds_read: set[str] | None) -> list[_Input]:
    """What a `.merged/` file is computed from, as comparable values: each source's kind,
    academic years and `schools` files (of every source with such files, or of the kinds
    in `kinds_read`: the census and GIAS for the census types). The file names are unique
    per write, so a source read again counts as changed even when its rows are the same."""
    from equity.store_layout import table_of

    out: list[_Input] = []
    for row in rows:
        files = tuple(sorted(f for f in row["files"] or [] if table_of(f) == "schools"))
        if kinds_read is None and not files:
            continue
        if kinds_read is not None and row["kind"] not in kinds_read:
            continue
        out.append((row["source"], row["kind"], tuple(row["academic_years"] or []), files))
    return sorted(out)


def _typing_kinds() -> set[str]:
    return {census_types.CENSUS_KIND, kinds.GIAS}


def prepare(
    layer: Path,
    catalogue: pl.DataFrame,
    previous: Iterable[Mapping[str, Any]] = (),
    previous_key: str | None = None,
    names: Sequence[str] = NAMES,
) -> Prepared:
    """The merged schools and census school types of `catalogue` (the rows a commit is
    about to make current, with files), ready for `install` (`names`: which of the two;
    a writer makes them side by side, then `joined`).

    `previous` are the catalogue rows of version `previous_key` (what the store holds as
    the commit begins, writer lock held): a file of that version whose inputs (`_inputs`)
    are the same in `catalogue` is reused as it is, not computed again. Placing the census
    types cost ~0.3 s at national scale on every commit, census or not.
    """
    from equity.store_layout import write_scratch

    rows = list(catalogue.iter_rows(named=True))
    before = list(previous)
    prepared = Prepared(layer)
    try:
        for name in names:
            kinds_read = None if name == "schools" else _typing_kinds()
            if previous_key is not None and previous_key.startswith("v"):
                old = _TARGETS[name](layer, previous_key)
                if _inputs(before, kinds_read) == _inputs(rows, kinds_read) and old.is_file():
                    prepared.reused[name] = old
                    continue
            made = _schools_of if name == "schools" else _types_of
            prepared.staged[name] = write_scratch(made(layer, catalogue), layer / MERGED_DIR)
    except BaseException:
        discard(prepared)
        raise
    return prepared


def install(prepared: Prepared, key: str) -> None:
    """Put `prepared`'s files in place for catalogue version `key` (a rename, or a hard
    link to a reused file: the same bytes under the new version's name, no copy), then
    delete older versions' copies. A reused file that cannot be linked is left out: its
    reader computes the table instead."""
    layer = prepared.layer
    targets = {name: target(layer, key) for name, target in _TARGETS.items()}
    try:
        for name, scratch in prepared.staged.items():
            os.replace(scratch, targets[name])
        for name, old in prepared.reused.items():
            if old != targets[name]:
                with contextlib.suppress(OSError):
                    targets[name].unlink(missing_ok=True)
                    os.link(old, targets[name])
    finally:
        discard(prepared)
    keep = set(targets.values())
    for old in (layer / MERGED_DIR).glob("*.parquet"):
        if old not in keep:
            old.unlink(missing_ok=True)


def joined(parts: Sequence[Prepared | None]) -> Prepared | None:
    """One `Prepared` of the parts made separately (None when none was made)."""
    made = [part for part in parts if part is not None]
    if not made:
        return None
    whole = Prepared(made[0].layer)
    for part in made:
        whole.staged.update(part.staged)
        whole.reused.update(part.reused)
    return whole


def discard(prepared: Prepared) -> None:
    """Delete `prepared`'s scratch files not put in place (a commit that failed)."""
    for scratch in prepared.staged.values():
        scratch.unlink(missing_ok=True)
    prepared.staged.clear()


def _schools_of(layer: Path, catalogue: pl.DataFrame) -> pl.DataFrame:
    return merge(_schools_pairs(layer, catalogue), source_ranks(catalogue))


def _schools_pairs(layer: Path, catalogue: pl.DataFrame) -> list[tuple[Path, str]]:
    from equity.store_layout import table_of

    return sorted(
        (
            (layer / relative, source)
            for source, files in catalogue.select("source", "files").iter_rows()
            for relative in files or []
            if table_of(relative) == "schools"
        ),
        key=lambda p: (p[1], str(p[0])),
    )


def _types_of(layer: Path, catalogue: pl.DataFrame) -> pl.DataFrame:
    wanted = census_types.typing_sources(catalogue)
    typing = [path for path, source in _schools_pairs(layer, catalogue) if source in wanted]
    rows = (
        pl.scan_parquet(typing, schema=SCHOOLS_SCHEMA, missing_columns="insert")
        .select(census_types.TYPING_COLUMNS)
        .collect()
        if typing
        else census_types.empty_rows()
    )
    gias = catalogue.filter(pl.col("kind") == kinds.GIAS)["source"].to_list()
    return census_types.place(rows, census_types.census_files(catalogue), gias)


def write_merged(
    layer: Path,
    key: str,
    catalogue: pl.DataFrame,
    previous: Iterable[Mapping[str, Any]] = (),
    previous_key: str | None = None,
) -> None:
    """Write `layer`'s merged schools and census school types for catalogue version `key`
    (`catalogue`: that version's rows, with files; `previous`, `previous_key`: see
    `prepare`), then delete older versions' copies."""
    install(prepare(layer, catalogue, previous, previous_key), key)
