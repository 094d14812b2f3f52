"""The store: Delta Lake tables of every ingested file's rows, read through one catalogue.

Why: re-ingesting a download replaces exactly its own rows, a failed or killed ingest never
changes what readers see, writers in threads or processes take turns, and a user's own
store can sit beside the embedded one (layers) without copying it. Readers scan lazily and
merge the layers. The layout and its guarantees: `equity/store_layout.py` (on disk, and
how a layer's catalogue is read), `equity/store_writer.py` (transactions, recovery),
`equity/store_delta.py` (the Delta commits, through delta-rs) and
`equity/store_vacuum.py` (vacuum, history).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from equity import school_merge
from equity.ingest import aggregates
from equity.schema import AREAS_SCHEMA, REJECTED_SCHEMA, RESULTS_SCHEMA, SCHOOLS_SCHEMA, empty_frame
from equity.store_layout import (
    CATALOGUE_SCHEMA,
    MANIFEST_SCHEMA,
    layer_key,
    read_catalogue,
    source_slug,
    table_of,
)
from equity.store_vacuum import HISTORY_SCHEMA, VacuumReport, history, vacuum
from equity.store_writer import remove_source, transaction, write_result

ROOT: Final = Path(__file__).resolve().parents[1]
EMBEDDED_STORE: Final = ROOT / "data" / "store"
EMBEDDED_SOURCES: Final = ROOT / "data" / "sources"
STORE_ENV: Final = "EQUITY_STORE"
USER_STORE_ENV: Final = "EQUITY_USER_STORE"

__all__ = [
    "CATALOGUE_SCHEMA",
    "EMBEDDED_SOURCES",
    "EMBEDDED_STORE",
    "HISTORY_SCHEMA",
    "MANIFEST_SCHEMA",
    "SCHOOL_SOURCE_PRIORITY",
    "STORE_ENV",
    "USER_STORE_ENV",
    "Store",
    "VacuumReport",
    "default_store_path",
    "history",
    "layer_version",
    "read_manifest",
    "remove_source",
    "source_slug",
    "transaction",
    "user_store_path",
    "vacuum",
    "write_result",
]

_CORE_TABLES: Final[dict[str, dict[str, pl.DataType]]] = {
    "results": RESULTS_SCHEMA,
    "schools": SCHOOLS_SCHEMA,
    "areas": AREAS_SCHEMA,
    "rejected": REJECTED_SCHEMA,
}

SCHOOL_SOURCE_PRIORITY: Final = school_merge.SCHOOL_SOURCE_PRIORITY


def default_store_path() -> Path:
    override = os.environ.get(STORE_ENV)
    return Path(override).expanduser() if override else EMBEDDED_STORE


def user_store_path() -> Path:
    """Where uploads go: never the embedded store, so a fresh clone always has its data."""
    override = os.environ.get(USER_STORE_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "equity-explorer" / "store"


def read_manifest(store: Path) -> pl.DataFrame:
    """One store folder's manifest (MANIFEST_SCHEMA: one row per source file), latest
    version, either layout; empty when there is no store there."""
    return read_catalogue(store).select(list(MANIFEST_SCHEMA))


def layer_version(store: Path) -> str:
    """What changes whenever the store folder is written (its catalogue version): a cheap
    cache key for answers computed from it ("" when there is no store)."""
    key = layer_key(store)
    return f"{store}:{key}" if key else ""


@dataclass(frozen=True)
class Store:
    """Read access over one or more store folders ("layers"); later layers win per source.

    `stamp` names each layer's catalogue version at opening, and every read follows those
    versions, so merged views can be cached per instance: a store written after opening
    is a different `Store` when reopened, and an open one never sees half of a write.
    """

    layers: tuple[Path, ...]
    stamp: str = ""
    #: Each layer's catalogue version (store_layout.layer_key) as of `open`.
    keys: tuple[str, ...] = ()

    @classmethod
    def open(cls, *paths: Path) -> Store:
        found = [(p, layer_key(p)) for p in dict.fromkeys(paths)]
        existing = tuple(p for p, key in found if key is not None)
        keys = tuple(key for _, key in found if key is not None)
        stamp = "|".join(f"{p}:{key}" for p, key in zip(existing, keys, strict=True))
        return cls(existing, stamp, keys)

    def catalogue(self) -> pl.DataFrame:
        """The winning catalogue row of every source (CATALOGUE_SCHEMA plus `layer`, the
        index of the layer it comes from): the last layer that lists a source wins it."""
        return _merged_catalogue(self)

    def history(self, limit: int | None = None) -> pl.DataFrame:
        """What each layer's commits record (store_writer.HISTORY_SCHEMA plus `layer`, its
        index in `layers`), newest first: one row per file added, replaced or removed, with
        checksum, rows and time. For the Data page's "what was loaded when"."""
        frames = [
            history(layer, limit).with_columns(pl.lit(index, dtype=pl.Int64).alias("layer"))
            for index, layer in enumerate(self.layers)
        ]
        if not frames:
            return empty_frame({**HISTORY_SCHEMA, "layer": pl.Int64()})
        return pl.concat(frames).sort("committed_at", "version", descending=True)

    # ------------------------------------------------------------------ raw tables

    def _file_sources(self, table: str) -> list[tuple[Path, str]]:
        """(file, source) of each source's files for `table`, from the layer that wins the
        source (for every table alike: a user's copy with no rows for some table hides the
        built-in copy's rows there too). Files no catalogue lists are never read."""
        return list(_table_files(self).get(table, ()))

    def _files(self, table: str) -> list[Path]:
        return [path for path, _ in self._file_sources(table)]

    def scan(self, table: str, schema: dict[str, pl.DataType] | None = None) -> pl.LazyFrame:
        files = self._files(table)
        if not files:
            return (empty_frame(schema) if schema else pl.DataFrame()).lazy()
        return pl.scan_parquet(files, missing_columns="insert", extra_columns="ignore")

    def results(self) -> pl.LazyFrame:
        """Every result row, with the kind of file it came from (for source preferences)."""
        kinds = self.manifest().select("source", "kind").lazy()
        return self.scan("results", RESULTS_SCHEMA).join(kinds, on="source", how="left")

    def rejected(self) -> pl.DataFrame:
        return self.scan("rejected", REJECTED_SCHEMA).collect()

    def extra(self, name: str) -> pl.DataFrame:
        return self.scan(f"extra/{name}").collect()

    def extra_of(self, name: str, source: str) -> pl.DataFrame | None:
        """The `extra/<name>` rows of one source (from the layer that wins it), or None when
        that source has none."""
        files = [p for p, s in self._file_sources(f"extra/{name}") if s == source]
        return pl.read_parquet(files) if files else None

    # ------------------------------------------------------------------ merged views

    def areas(self) -> pl.DataFrame:
        return _merged_areas(self)

    def schools(self) -> pl.DataFrame:
        return _merged_schools(self)

    def manifest(self) -> pl.DataFrame:
        return _merged_manifest(self)

    # ------------------------------------------------------------------ narrow reads

    def results_of(self, kinds: Iterable[str], years: Iterable[str] | None = None) -> pl.LazyFrame:
        """`results()` for the sources of these file kinds only (and, given `years`, only
        sources whose manifest lists one of them); other files are not opened."""
        wanted = self.manifest().filter(pl.col("kind").is_in(sorted(set(kinds))))
        if years is not None:
            listed = pl.col("academic_years").list.set_intersection(sorted(set(years)))
            wanted = wanted.filter(listed.list.len() > 0)
        sources = set(wanted["source"].to_list())
        files = [path for path, source in self._file_sources("results") if source in sources]
        if not files:
            return empty_frame({**RESULTS_SCHEMA, "kind": pl.String()}).lazy()
        # `kind` by a lookup of the row's source, not a join: a query that never reads
        # `kind` then drops it (projection pushdown), where a join cost every row a hash
        # probe, some 30 ms of CPU over a phase's performance files at national scale. Every
        # row's source is one of `sources`, so each gets its kind as the join gave it, and
        # the rows keep the files' order (a join did not promise to).
        # No filter on `source`: every file `_file_sources` lists holds only the rows of the
        # source it is listed under (one file per source and table, in both layouts), so a
        # filter kept every row and decoded the column for nothing (some 10 ms of CPU per
        # phase's performance files at national scale, on each first read).
        kind_of = dict(wanted.select("source", "kind").iter_rows())
        return pl.scan_parquet(
            files, missing_columns="insert", extra_columns="ignore"
        ).with_columns(
            pl.col("source")
            .replace_strict(kind_of, default=None, return_dtype=pl.String)
            .alias("kind")
        )

    def published(self) -> pl.DataFrame:
        """Every published (DfE aggregate) result row with its `kind`, read once per store."""
        return _published(self)

    def summary(self) -> pl.DataFrame:
        """Result rows and figures per source, entity kind, LA, year and key stage, with the
        source's `kind` (equity/ingest/aggregates.py; no scan of the results)."""
        return _summary(self)

    def school_years(self) -> pl.DataFrame:
        """Each school with result rows, per source, LA code and year, with `kind` (read on
        each call, not held: some 700,000 rows at national scale, needed only by answers
        that are themselves cached)."""
        return _summary_table(self, "school_years")


@functools.lru_cache(maxsize=8)
def _merged_catalogue(store: Store) -> pl.DataFrame:
    keys = store.keys or tuple(layer_key(layer) or "" for layer in store.layers)
    frames = [
        read_catalogue(layer, key or None).with_columns(pl.lit(index).alias("layer"))
        for index, (layer, key) in enumerate(zip(store.layers, keys, strict=True))
    ]
    if not frames:
        return empty_frame({**CATALOGUE_SCHEMA, "layer": pl.Int32()})
    merged = pl.concat(frames, how="vertical_relaxed")
    return merged.unique(subset="source", keep="last", maintain_order=True).sort("source")


@functools.lru_cache(maxsize=8)
def _table_files(store: Store) -> dict[str, tuple[tuple[Path, str], ...]]:
    """Table -> (file, source) of every file the winning catalogue rows list, by source."""
    out: dict[str, list[tuple[Path, str]]] = {}
    catalogue = store.catalogue()
    for source, layer, files in catalogue.select("source", "layer", "files").iter_rows():
        for relative in files or []:
            out.setdefault(table_of(relative), []).append((store.layers[layer] / relative, source))
    return {
        table: tuple(sorted(pairs, key=lambda p: (p[1], str(p[0])))) for table, pairs in out.items()
    }


@functools.lru_cache(maxsize=8)
def _merged_manifest(store: Store) -> pl.DataFrame:
    return store.catalogue().select(list(MANIFEST_SCHEMA))


@functools.lru_cache(maxsize=8)
def _merged_areas(store: Store) -> pl.DataFrame:
    """One row per area code: names from LAIT, ONS codes from the LA code list."""
    raw = store.scan("areas", AREAS_SCHEMA).collect()
    if raw.is_empty():
        return empty_frame(AREAS_SCHEMA)
    return (
        raw.group_by("la_code", maintain_order=True)
        .agg(pl.col(c).drop_nulls().first() for c in AREAS_SCHEMA if c != "la_code")
        .sort("la_code")
    )


@functools.lru_cache(maxsize=8)
def _merged_schools(store: Store) -> pl.DataFrame:
    """One row per URN, each field from the most authoritative file that has it
    (equity/school_merge.py): a one-folder store reads the copy its last commit wrote."""
    if len(store.layers) == 1 and store.keys and store.keys[0].startswith("v"):
        written = school_merge.read_merged(store.layers[0], store.keys[0])
        if written is not None:
            return written
    return school_merge.merge(
        store._file_sources("schools"), school_merge.source_ranks(store.manifest())
    )


# --------------------------------------------------------------------------- narrow reads


def _derived_or_stale(store: Store, table: str) -> tuple[list[Path], list[Path]]:
    """(the `table` files of the sources that have one, the results files of those that
    do not): a store written before the summaries existed has only results."""
    have = {source for _, source in store._file_sources(table)}
    written = [path for path, _ in store._file_sources(table)]
    stale = [path for path, source in store._file_sources("results") if source not in have]
    return written, stale


@functools.lru_cache(maxsize=2)
def _published(store: Store) -> pl.DataFrame:
    """The published rows of every results file, with `kind`: from the `published` tables
    written at ingest, else filtered from the results file."""
    written, stale = _derived_or_stale(store, aggregates.PUBLISHED_TABLE)
    # Read in parallel (collect_all), not one file after another: about 60 files at national
    # scale, on the cold start's way to the sidebar's default year (58 -> 35 ms).
    frames = pl.collect_all([pl.scan_parquet(path) for path in written]) if written else []
    if stale:
        frames.append(
            pl.scan_parquet(stale, missing_columns="insert", extra_columns="ignore")
            .filter(pl.col("published"))
            .collect()
        )
    present = [frame for frame in frames if frame.height]
    if not present:
        return empty_frame({**RESULTS_SCHEMA, "kind": pl.String()})
    kinds = store.manifest().select("source", "kind")
    merged = pl.concat(present, how="diagonal_relaxed").select(list(RESULTS_SCHEMA))
    # One chunk: held for the process and filtered on every query, and a selective filter
    # over ~60 chunks was about 4x slower than over one (11 ms to rechunk, once).
    return merged.join(kinds, on="source", how="left", maintain_order="left").rechunk()


@functools.lru_cache(maxsize=4)
def _summary(store: Store) -> pl.DataFrame:
    return _summary_table(store, "summary")


def _summary_table(store: Store, table: str) -> pl.DataFrame:
    """One per-source summary table (equity/ingest/aggregates.py) over every results file
    read: the file written at ingest where there is one, otherwise computed from results."""
    written, stale = _derived_or_stale(store, table)
    computed = []
    if stale:
        key = tuple((path, path.stat().st_mtime_ns) for path in stale)
        computed = [_computed_summaries(key)[table]]
    schema = (
        aggregates.SUMMARY_SCHEMA
        if table == aggregates.SUMMARY_TABLE
        else aggregates.SCHOOL_YEARS_SCHEMA
    )
    frames = [empty_frame(schema), *computed]
    if written:
        frames.append(pl.read_parquet(written).select(list(schema)))
    kinds = store.manifest().select("source", "kind")
    return pl.concat(frames).join(kinds, on="source", how="left")


@functools.lru_cache(maxsize=8)
def _computed_summaries(files: tuple[tuple[Path, int], ...]) -> dict[str, pl.DataFrame]:
    """The summaries of results files that have none written (stores built before them),
    computed in one scan; each file's modification time is part of the cache key."""
    paths = [path for path, _ in files]
    summary, schools = aggregates.summarise(
        pl.scan_parquet(paths, missing_columns="insert", extra_columns="ignore")
    )
    return {aggregates.SUMMARY_TABLE: summary, aggregates.SCHOOL_YEARS_TABLE: schools}
