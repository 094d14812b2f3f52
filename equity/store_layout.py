"""The store's layout on disk and how one layer's catalogue is read: the floor under the
store's reader (`equity/store.py`) and writer (`equity/store_writer.py`).

A store folder holds Delta Lake tables (delta-rs, `deltalake`), one per table name:

- `results/`, `schools/`, `areas/`, `rejected/`: the rows every file kind returns;
- `summary/`, `school_years/`, `published/`: small per-source summaries of the results
  (`equity/ingest/aggregates.py`), read instead of scans;
- `extra/<name>/`: tables a file kind owns outright (boundaries, dictionaries);
- `catalogue/`: one row per source file (the manifest columns below) plus `files`, the
  data files of that source in every table, as paths relative to the store folder.

Each source's rows sit in their own Parquet file(s) per table, named after the source
plus a random suffix, so a replacement never overwrites a file a reader may have open.

The catalogue is the commit point across tables. A writer commits every data table it
changed first, then the catalogue; readers read the latest catalogue version and only the
files it lists. A writer killed before its catalogue commit therefore changes nothing a
reader sees; the next writer (or `vacuum`) puts every table back to what the catalogue
records (its commit metadata keeps each table's version), and `vacuum` deletes the files
nobody lists. Beside the tables, `manifest.parquet` mirrors the catalogue's manifest
columns after each commit (so tools that stat or read it keep working), and `.lock` is the
file writers lock (fcntl) so that writers in threads and processes take turns.

Stores written before the Delta layout (one Parquet file per source and table plus
`manifest.parquet`, no `catalogue/`) are read as they are, and converted on the first
write: their files are adopted into Delta tables in place.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Final

import polars as pl

from equity.ingest import aggregates
from equity.schema import AREAS_SCHEMA, REJECTED_SCHEMA, RESULTS_SCHEMA, SCHOOLS_SCHEMA
from equity.schema import empty_frame as empty_frame

CATALOGUE: Final = "catalogue"
#: A Delta log entry's name: ASCII digits only (str.isdigit would take "²").
_LOG_ENTRY: Final = re.compile(r"[0-9]+\.json")
MIRROR: Final = "manifest.parquet"
LOCK: Final = ".lock"
#: Prefix of the scratch folders and files a writer keeps inside the store (vacuum clears).
SCRATCH: Final = ".tmp-"
#: Key of this project's entry in each Delta commit's metadata.
META_KEY: Final = "equity"

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
CATALOGUE_SCHEMA: Final[dict[str, pl.DataType]] = {
    **MANIFEST_SCHEMA,
    "files": pl.List(pl.String()),
}

CORE_TABLES: Final[dict[str, dict[str, pl.DataType]]] = {
    "results": RESULTS_SCHEMA,
    "schools": SCHOOLS_SCHEMA,
    "areas": AREAS_SCHEMA,
    "rejected": REJECTED_SCHEMA,
}
DERIVED_TABLES: Final = aggregates.TABLES


def legacy_slug(source: str) -> str:
    """The Parquet name stores written before source_slug added a hash (still readable)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", source).strip("._") or "source"
    return stem[:120]


def source_slug(source: str) -> str:
    """A safe, unique file-name stem for a source: its readable name plus a short stable
    hash of the full name, so 'a b.csv' and 'a_b.csv' (or two year folders' files) never
    share a file."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:10]
    return f"{legacy_slug(source)[:100]}-{digest}"


def write_atomic(frame: pl.DataFrame, target: Path) -> None:
    """Replace `target` in one step (a temp file beside it, flushed, then renamed): a crash
    leaves the old file or the new, never half of one."""
    scratch = write_scratch(frame, target.parent)
    try:
        os.replace(scratch, target)
    finally:
        scratch.unlink(missing_ok=True)


def write_scratch(frame: pl.DataFrame, folder: Path) -> Path:
    """`frame` as a new scratch file in `folder` (named as vacuum knows scratch files),
    flushed to disk: renamed into place later, it is whole or absent after a crash."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=folder, prefix=SCRATCH, suffix=".tmp")
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


# --------------------------------------------------------------------------- Delta logs


def log_version(table: Path) -> int | None:
    """The latest committed version of the Delta table at `table`, from its log's file
    names alone (a directory listing: cheap enough for every page run), or None."""
    try:
        names = os.listdir(table / "_delta_log")
    except OSError:
        return None
    versions = [int(n[:-5]) for n in names if _LOG_ENTRY.fullmatch(n)]
    return max(versions) if versions else None


def is_delta_store(layer: Path) -> bool:
    return log_version(layer / CATALOGUE) is not None


def layer_key(layer: Path) -> str | None:
    """What identifies the layer's current contents: the catalogue's version, or for a store
    in the old layout its manifest's size and time; None when `layer` holds no store."""
    version = log_version(layer / CATALOGUE)
    if version is not None:
        return f"v{version}"
    try:
        info = (layer / MIRROR).stat()
    except OSError:
        return None
    return f"legacy:{info.st_size}:{info.st_mtime_ns}"


def delta_tables(layer: Path) -> list[str]:
    """Names (relative paths) of the Delta data tables in `layer`, catalogue excluded."""
    names = []
    for folder in sorted([*layer.glob("*/_delta_log"), *layer.glob("extra/*/_delta_log")]):
        name = folder.parent.relative_to(layer).as_posix()
        if name != CATALOGUE:
            names.append(name)
    return names


def commit_meta(entry: dict[str, object]) -> dict[str, object] | None:
    """This project's metadata of one Delta history entry, or None."""
    raw = entry.get(META_KEY)
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None
    return raw if isinstance(raw, dict) else None


def recorded_versions(layer: Path) -> dict[str, int]:
    """Each data table's version as the latest catalogue commit records it ({} if none)."""
    version = log_version(layer / CATALOGUE)
    if version is None:
        return {}
    log = layer / CATALOGUE / "_delta_log" / f"{version:020d}.json"
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            action = json.loads(line)
        except ValueError:
            continue
        entry = action.get("commitInfo") if isinstance(action, dict) else None
        meta = commit_meta(entry) if isinstance(entry, dict) else None
        tables = meta.get("tables") if meta is not None else None
        if isinstance(tables, dict):
            return {str(k): int(v) for k, v in tables.items()}
    return {}


# --------------------------------------------------------------------------- catalogue


def read_catalogue(layer: Path, key: str | None = None) -> pl.DataFrame:
    """One layer's catalogue (CATALOGUE_SCHEMA) as of `key` (see layer_key; latest if None).

    Cached per (layer, key): a key names one fixed version of the layer.
    """
    key = key if key is not None else layer_key(layer)
    if key is None:
        return empty_frame(CATALOGUE_SCHEMA)
    return _read_catalogue(layer, key)


@functools.lru_cache(maxsize=32)
def _read_catalogue(layer: Path, key: str) -> pl.DataFrame:
    if key.startswith("legacy:"):
        return _legacy_catalogue(layer)
    files = _catalogue_files(layer / CATALOGUE, int(key[1:]))
    if not files:
        return empty_frame(CATALOGUE_SCHEMA)
    frame = pl.concat([pl.read_parquet(f) for f in files], how="vertical_relaxed")
    return frame.select(list(CATALOGUE_SCHEMA)).sort("source")


def _catalogue_files(table: Path, version: int) -> list[str]:
    """The catalogue's active file(s) at `version`.

    Every catalogue commit this project writes adds the whole catalogue as one file and
    removes all others, so the commit's own log entry names the active file: read it
    without loading deltalake (a cold start saves its import and a log replay). A commit
    of another shape (another tool's) falls back to delta-rs.
    """
    try:
        text = (table / "_delta_log" / f"{version:020d}.json").read_text(encoding="utf-8")
        actions = [json.loads(line) for line in text.splitlines() if line.strip()]
    except (OSError, ValueError):
        actions = []
    adds = [a["add"]["path"] for a in actions if isinstance(a, dict) and "add" in a]
    if len(adds) == 1 and all(
        isinstance(a, dict) and set(a) & {"add", "remove", "commitInfo", "metaData", "protocol"}
        for a in actions
    ):
        return [str(table / adds[0])]
    from deltalake import DeltaTable

    return DeltaTable(str(table), version=version).file_uris()


def _legacy_catalogue(layer: Path) -> pl.DataFrame:
    """A store in the old layout seen as a catalogue: each source's files found by name
    (hashed slug, or the unhashed name when no other source shares it); a summary file
    counts only when it is not older than the source's results file (else it is stale and
    the reader computes the summary from the results)."""
    manifest = pl.read_parquet(layer / MIRROR)
    folders = [p for p in [*layer.glob("*"), *layer.glob("extra/*")] if p.is_dir()]
    present = {
        folder.relative_to(layer).as_posix(): {p.name for p in folder.glob("*.parquet")}
        for folder in folders
        if folder.name != "extra"
    }
    sources = manifest["source"].to_list()
    legacy_count: dict[str, int] = {}
    for source in sources:
        legacy_count[legacy_slug(source)] = legacy_count.get(legacy_slug(source), 0) + 1
    files: list[list[str]] = []
    for source in sources:
        names = [f"{source_slug(source)}.parquet"]
        if legacy_count[legacy_slug(source)] == 1:
            names.append(f"{legacy_slug(source)}.parquet")
        mine: list[str] = []
        results_file: Path | None = None
        for table, held in present.items():
            name = next((n for n in names if n in held), None)
            if name is None:
                continue
            if table == "results":
                results_file = layer / table / name
            mine.append(f"{table}/{name}")
        if results_file is not None:
            mine = [
                f
                for f in mine
                if f.split("/")[0] not in DERIVED_TABLES
                or aggregates.fresh(results_file, f.split("/")[0]) is not None
            ]
        files.append(sorted(mine))
    frame = manifest.with_columns(pl.Series("files", files, dtype=pl.List(pl.String())))
    for name, dtype in CATALOGUE_SCHEMA.items():
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(name))
    return frame.select(list(CATALOGUE_SCHEMA)).sort("source")


def table_of(relative: str) -> str:
    """The table a catalogue file path belongs to ('extra/boundaries/x.parquet' ->
    'extra/boundaries')."""
    return relative.rsplit("/", 1)[0]
