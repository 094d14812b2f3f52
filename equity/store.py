"""The columnar store: one Parquet file per source file and table, plus a manifest.

Why one file per source: re-ingesting a download replaces exactly its own rows, a failed
read never touches what is already stored, and a user's own store can sit beside the
embedded one (layers) without copying it. Readers scan lazily and merge the layers.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import polars as pl

from equity.ingest.base import IngestResult
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
SCHOOL_SOURCE_PRIORITY: Final[dict[str, int]] = {
    "gias": 1,
    "school_list": 2,
    "ks4_performance": 3,
    "ks2_performance": 3,
    "ks4_provisional": 4,
    "school_census": 5,
    "school_locations": 6,
    "ks4_destinations": 7,
}


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


def source_slug(source: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", source).strip("._") or "source"
    return stem[:120]


def _write_atomic(frame: pl.DataFrame, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(handle)
    try:
        frame.write_parquet(tmp_name, compression="zstd", statistics=True)
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def read_manifest(store: Path) -> pl.DataFrame:
    path = store / "manifest.parquet"
    if not path.is_file():
        return empty_frame(MANIFEST_SCHEMA)
    return pl.read_parquet(path)


def write_result(store: Path, result: IngestResult, sha256: str) -> None:
    """Replace everything the store holds from `result.source` with this result."""
    slug = source_slug(result.source)
    tables: dict[str, pl.DataFrame] = {
        "results": result.results,
        "schools": result.schools,
        "areas": result.areas,
        "rejected": result.rejected,
    }
    for name, frame in result.extra.items():
        tables[f"extra/{name}"] = frame
    remove_source(store, result.source, keep_manifest=True)
    for name, frame in tables.items():
        if frame.height:
            _write_atomic(frame, store / name / f"{slug}.parquet")
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
    manifest = read_manifest(store).filter(pl.col("source") != result.source)
    _write_atomic(pl.concat([manifest, row]).sort("source"), store / "manifest.parquet")


def remove_source(store: Path, source: str, *, keep_manifest: bool = False) -> None:
    slug = source_slug(source)
    for path in store.glob(f"**/{slug}.parquet"):
        path.unlink()
    if not keep_manifest and (store / "manifest.parquet").is_file():
        manifest = read_manifest(store).filter(pl.col("source") != source)
        _write_atomic(manifest, store / "manifest.parquet")


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
        """Each source's file for `table`, the latest layer's copy when layers overlap."""
        chosen: dict[str, Path] = {}
        for layer in self.layers:
            for path in sorted((layer / table).glob("*.parquet")):
                chosen[path.name] = path
        return [chosen[name] for name in sorted(chosen)]

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
