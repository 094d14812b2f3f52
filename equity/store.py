"""The columnar store: one Parquet file per source file and table, plus a manifest.

Why one file per source: re-ingesting a download replaces exactly its own rows, a failed
read never touches what is already stored, and a user's own store can sit beside the
embedded one (layers) without copying it. Readers scan lazily and merge the layers.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import polars as pl

from equity.ingest import aggregates
from equity.ingest.base import IngestResult
from equity.kinds import school_priority
from equity.schema import (
    AREAS_SCHEMA,
    REJECTED_SCHEMA,
    RESULTS_SCHEMA,
    SCHOOLS_SCHEMA,
    empty_frame,
)

ROOT: Final = Path(__file__).resolve().parents[1]
EMBEDDED_STORE: Final = ROOT / "data" / "store"
EMBEDDED_SOURCES: Final = ROOT / "data" / "sources"
STORE_ENV: Final = "EQUITY_STORE"
USER_STORE_ENV: Final = "EQUITY_USER_STORE"

MANIFEST_SCHEMA: Final[dict[str, pl.DataType]] = {
    "source": pl.String(),
    "kind": pl.String(),
    "sha256": pl.String(),
    "rows_read": pl.Int64(),
    "rows_stored": pl.Int64(),
    "rows_rejected": pl.Int64(),
    "suppressed_cells": pl.Int64(),
    "academic_years": pl.List(pl.String()),
    "la_codes": pl.List(pl.String()),
    "notes": pl.List(pl.String()),
    "ingested_at": pl.String(),
}

_CORE_TABLES: Final[dict[str, dict[str, pl.DataType]]] = {
    "results": RESULTS_SCHEMA,
    "schools": SCHOOLS_SCHEMA,
    "areas": AREAS_SCHEMA,
    "rejected": REJECTED_SCHEMA,
}

#: Which kind's description of a school wins when several files describe it (low first):
#: GIAS is the register of schools; performance tables name the school as results show it;
#: the census knows every school but has no names; trimmed national files add coordinates.
SCHOOL_SOURCE_PRIORITY: Final[dict[str, int]] = school_priority()


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


def _legacy_slug(source: str) -> str:
    """The Parquet name stores written before source_slug added a hash (still readable)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", source).strip("._") or "source"
    return stem[:120]


def source_slug(source: str) -> str:
    """A safe, unique Parquet file name for a source: its readable name plus a short stable
    hash of the full name, so 'a b.csv' and 'a_b.csv' (or two year folders' files) never
    share a file."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:10]
    return f"{_legacy_slug(source)[:100]}-{digest}"


def _stage(frame: pl.DataFrame, target: Path) -> Path:
    """Write `frame` to a temp file beside `target` (flushed to disk); the caller renames it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    try:
        os.chmod(tmp_name, 0o644)  # mkstemp's 0600 would hide a shared store from its readers
        with os.fdopen(handle, "wb") as out:
            frame.write_parquet(out, compression="zstd", statistics=True)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return Path(tmp_name)


def _write_atomic(frame: pl.DataFrame, target: Path) -> None:
    """Replace `target` in one step: a crash leaves the old file or the new, never half."""
    tmp = _stage(frame, target)
    try:
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def read_manifest(store: Path) -> pl.DataFrame:
    path = store / "manifest.parquet"
    if not path.is_file():
        return empty_frame(MANIFEST_SCHEMA)
    return pl.read_parquet(path)


def write_result(store: Path, result: IngestResult, sha256: str) -> None:
    """Replace everything the store holds from `result.source` with this result.

    Every new file (tables and manifest) is first written in full beside its target; only
    then are they renamed into place, the source's obsolete tables removed and the manifest
    swapped last. A failure while writing leaves the store as it was.
    """
    slug = source_slug(result.source)
    tables: dict[str, pl.DataFrame] = {
        "results": result.results,
        "schools": result.schools,
        "areas": result.areas,
        "rejected": result.rejected,
    }
    for name, frame in result.extra.items():
        tables[f"extra/{name}"] = frame
    # Written after the results file (so never older than it, see aggregates.fresh), even
    # when empty; a store read before they exist computes them from the results instead.
    derived = aggregates.derived(result.results) if result.results.height else {}
    row = pl.DataFrame(
        {
            "source": [result.source],
            "kind": [result.kind],
            "sha256": [sha256],
            "rows_read": [result.rows_read],
            "rows_stored": [result.rows_stored],
            "rows_rejected": [result.rejected.height],
            "suppressed_cells": [result.suppressed_cells],
            "academic_years": [result.academic_years],
            "la_codes": [result.la_codes],
            "notes": [result.notes],
            "ingested_at": [datetime.now(UTC).isoformat(timespec="seconds")],
        },
        schema=MANIFEST_SCHEMA,
    )
    old_manifest = read_manifest(store)
    manifest = pl.concat([old_manifest.filter(pl.col("source") != result.source), row])
    staged: list[tuple[Path, Path]] = []
    try:
        for name, frame in tables.items():
            if frame.height:
                target = store / name / f"{slug}.parquet"
                staged.append((_stage(frame, target), target))
        for name, frame in derived.items():
            target = store / name / f"{slug}.parquet"
            staged.append((_stage(frame, target), target))
        target = store / "manifest.parquet"
        staged.append((_stage(manifest.sort("source"), target), target))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    *tables_staged, (manifest_tmp, manifest_target) = staged
    obsolete = set(_source_files(store, result.source, old_manifest))
    for tmp, target in tables_staged:
        os.replace(tmp, target)
        obsolete.discard(target)
    for path in obsolete:
        path.unlink(missing_ok=True)
    os.replace(manifest_tmp, manifest_target)


def _source_files(store: Path, source: str, manifest: pl.DataFrame) -> list[Path]:
    """Every Parquet file `store` holds for `source`, in any table, under either slug.

    A file under the legacy (unhashed) slug is the source's only if no other source in the
    manifest has the same legacy slug.
    """
    paths = list(store.glob(f"**/{source_slug(source)}.parquet"))
    legacy = _legacy_slug(source)
    others = [s for s in manifest["source"].to_list() if s != source]
    if legacy not in {_legacy_slug(s) for s in others}:
        paths += [p for p in store.glob(f"**/{legacy}.parquet") if p.parent != store]
    return paths


def remove_source(store: Path, source: str, *, keep_manifest: bool = False) -> None:
    """Remove a source's manifest row (unless told not to), then its files in every table.

    The manifest goes first: readers only open files the manifest lists, so the source
    disappears in one step, and a crash before the files are gone leaves only orphans.
    """
    manifest = read_manifest(store)
    if not keep_manifest and (store / "manifest.parquet").is_file():
        _write_atomic(manifest.filter(pl.col("source") != source), store / "manifest.parquet")
    for path in _source_files(store, source, manifest):
        path.unlink(missing_ok=True)


def _stamp(layers: tuple[Path, ...]) -> str:
    parts = []
    for layer in layers:
        info = (layer / "manifest.parquet").stat()
        parts.append(f"{layer}:{info.st_size}:{info.st_mtime_ns}")
    return "|".join(parts)


@dataclass(frozen=True)
class Store:
    """Read access over one or more store folders ("layers"); later layers win per source.

    `stamp` records the manifests' size and time at opening, so merged views can be cached
    per instance: a store written after opening is a different `Store` when reopened.
    """

    layers: tuple[Path, ...]
    stamp: str = ""

    @classmethod
    def open(cls, *paths: Path) -> Store:
        existing = tuple(p for p in dict.fromkeys(paths) if (p / "manifest.parquet").is_file())
        return cls(existing, _stamp(existing))

    # ------------------------------------------------------------------ raw tables

    def _files(self, table: str) -> list[Path]:
        """Each source's file for `table`, from the layer that wins for that source.

        The winner is chosen per source from the manifests (the last layer that lists the
        source), for every table alike: a user's copy with no rows for some table hides the
        built-in copy's rows there too. Files no manifest lists are not read.
        """
        chosen: list[Path] = []
        for layer, names in zip(self.layers, _owned_files(self), strict=True):
            folder = layer / table
            if names and folder.is_dir():
                chosen += [p for p in folder.glob("*.parquet") if p.name in names]
        return sorted(chosen, key=lambda p: (p.name, str(p)))

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
        files = [
            path for path, source in _file_sources(self) if source is None or source in sources
        ]
        if not files:
            return empty_frame({**RESULTS_SCHEMA, "kind": pl.String()}).lazy()
        return (
            pl.scan_parquet(files, missing_columns="insert", extra_columns="ignore")
            .filter(pl.col("source").is_in(sorted(sources)))
            .join(wanted.select("source", "kind").lazy(), on="source", how="left")
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
def _owned_files(store: Store) -> tuple[frozenset[str], ...]:
    """Per layer, the Parquet file names of the sources that layer wins (see Store._files)."""
    listed = [read_manifest(layer)["source"].to_list() for layer in store.layers]
    owner = {source: index for index, sources in enumerate(listed) for source in sources}
    owned: list[frozenset[str]] = []
    for index, sources in enumerate(listed):
        mine = [s for s in sources if owner[s] == index]
        legacy_count: dict[str, int] = {}
        for source in sources:
            legacy_count[_legacy_slug(source)] = legacy_count.get(_legacy_slug(source), 0) + 1
        names = {f"{source_slug(s)}.parquet" for s in mine}
        # Stores written before slugs were hashed: read a legacy file only when it is
        # unambiguous (no other source of the layer shares its legacy name).
        names |= {f"{_legacy_slug(s)}.parquet" for s in mine if legacy_count[_legacy_slug(s)] == 1}
        owned.append(frozenset(names))
    return tuple(owned)


@functools.lru_cache(maxsize=8)
def _merged_manifest(store: Store) -> pl.DataFrame:
    frames = [read_manifest(layer) for layer in store.layers]
    if not frames:
        return empty_frame(MANIFEST_SCHEMA)
    merged = pl.concat(frames, how="vertical")
    return merged.unique(subset="source", keep="last", maintain_order=True).sort("source")


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
    """One row per URN, each field from the most authoritative file that has it."""
    raw = store.scan("schools", SCHOOLS_SCHEMA).collect()
    if raw.is_empty():
        return empty_frame(SCHOOLS_SCHEMA)
    kinds = store.manifest().select("source", "kind", "academic_years")
    ranked = (
        raw.join(kinds, on="source", how="left")
        .with_columns(
            pl.col("kind")
            .replace_strict(SCHOOL_SOURCE_PRIORITY, default=9, return_dtype=pl.Int64)
            .alias("__rank"),
            pl.col("academic_years").list.max().fill_null("").alias("__year"),
        )
        .sort(["__rank", "__year"], descending=[False, True])
    )
    fields = [c for c in SCHOOLS_SCHEMA if c not in {"urn", "source"}]
    return (
        ranked.group_by("urn", maintain_order=True)
        .agg(
            *(pl.col(c).drop_nulls().first() for c in fields),
            pl.col("source").unique().sort().str.join("; ").alias("source"),
        )
        .select(list(SCHOOLS_SCHEMA))
        .sort("urn")
    )


# --------------------------------------------------------------------------- narrow reads


@functools.lru_cache(maxsize=8)
def _file_sources(store: Store) -> tuple[tuple[Path, str | None], ...]:
    """Each results file with the one source its rows carry (from the Parquet statistics),
    or None when the statistics do not say (such a file is always read)."""
    import pyarrow.parquet as pq

    out: list[tuple[Path, str | None]] = []
    for path in store._files("results"):
        source: str | None = None
        try:
            meta = pq.read_metadata(path)
            column = meta.schema.names.index("source")
            values: set[object] = set()
            for group in range(meta.num_row_groups):
                stats = meta.row_group(group).column(column).statistics
                if stats is None or not stats.has_min_max or stats.min != stats.max:
                    values = set()
                    break
                values.add(stats.min)
            if len(values) == 1:
                source = str(values.pop())
        except (OSError, ValueError):
            source = None
        out.append((path, source))
    return tuple(out)


@functools.lru_cache(maxsize=2)
def _published(store: Store) -> pl.DataFrame:
    """The published rows of every results file, in file order, with `kind`: from the
    `published` tables written at ingest when fresh, else filtered from the results file."""
    files = store._files("results")
    fresh = [aggregates.fresh(path, aggregates.PUBLISHED_TABLE) for path in files]
    stale = [path for path, written in zip(files, fresh, strict=True) if written is None]
    computed: dict[str, pl.DataFrame] = {}
    if stale:
        rows = (
            pl.scan_parquet(
                stale,
                missing_columns="insert",
                extra_columns="ignore",
                include_file_paths="__file",
            )
            .filter(pl.col("published"))
            .collect()
        )
        computed = {
            str(key[0]): part.drop("__file")
            for key, part in rows.partition_by("__file", as_dict=True, maintain_order=True).items()
        }
    frames = [
        pl.read_parquet(written) if written is not None else computed.get(str(path))
        for path, written in zip(files, fresh, strict=True)
    ]
    present = [frame for frame in frames if frame is not None and frame.height]
    kinds = store.manifest().select("source", "kind")
    if not present:
        return empty_frame({**RESULTS_SCHEMA, "kind": pl.String()})
    merged = pl.concat(present, how="diagonal_relaxed").select(list(RESULTS_SCHEMA))
    return merged.join(kinds, on="source", how="left", maintain_order="left")


@functools.lru_cache(maxsize=4)
def _summary(store: Store) -> pl.DataFrame:
    return _summary_table(store, "summary")


def _summary_table(store: Store, table: str) -> pl.DataFrame:
    """One per-source summary table (equity/ingest/aggregates.py) over every results file
    read: the file written at ingest when fresh, otherwise computed from the results file."""
    written: list[Path] = []
    stale: list[tuple[Path, int]] = []
    for path in store._files("results"):
        fresh = aggregates.fresh(path, table)
        if fresh is not None:
            written.append(fresh)
        else:
            stale.append((path, path.stat().st_mtime_ns))
    computed = [_computed_summaries(tuple(stale))[table]] if stale else []
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
