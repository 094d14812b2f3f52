"""Delta Lake commits of the store's tables, through delta-rs: which files a table lists,
what commits a table to a wanted set of files, and the catalogue's own commit.

Why apart from `equity/store_writer.py`: the writer decides *what* a transaction commits and
in which order (lock, fault points, recovery); this module is the one place that speaks the
Delta log, and only through the `deltalake` package (never a hand-written log entry).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # deltalake loads only when writing: readers never need it
    from deltalake import DeltaTable
    from deltalake import Schema as DeltaSchema
    from deltalake.transaction import AddAction

from equity.store_layout import CATALOGUE, META_KEY, log_version


@dataclass
class Written:
    """A data file written by this transaction, not yet committed."""

    relative: str  # path relative to the store
    size: int
    mtime_ms: int
    rows: int


def fsync(path: Path) -> None:
    """Flush `path`'s data to the disk (any open descriptor of a file flushes its data;
    opened for writing, which Windows requires)."""
    with path.open("r+b") as handle:
        os.fsync(handle.fileno())


def active_files(table_path: Path, delta: DeltaTable | None = None) -> set[str]:
    """The table's active file names (relative to its folder); `delta` if already loaded."""
    from deltalake import DeltaTable

    if delta is None:
        if log_version(table_path) is None:
            return set()
        delta = DeltaTable(str(table_path))
    actions = delta.get_add_actions(flatten=True)
    return {str(p) for p in actions.column("path").to_pylist()}


def delta_schema(path: Path) -> DeltaSchema:
    """The Delta schema of a Parquet file, through arro3 (deltalake's own Arrow binding):
    pyarrow is never loaded, which keeps some 40 MB off every ingest's peak memory."""
    from arro3.core import Table
    from deltalake import Schema

    # A column of no type (all null, in a store written before Delta) is declared text:
    # Delta has no null type.
    schema = {
        n: pl.String() if t == pl.Null else t for n, t in pl.read_parquet_schema(path).items()
    }
    return Schema.from_arrow(Table.from_arrow(pl.DataFrame(schema=schema)).schema)


def add_action(table_path: Path, name: str, known: dict[str, Written], table: str) -> AddAction:
    from deltalake.transaction import AddAction

    written = known.get(f"{table}/{name}")
    if written is None:  # a file already there (adopted from an old store, or re-added)
        path = table_path / name
        info = path.stat()
        rows = int(pl.scan_parquet(path).select(pl.len()).collect().item())
        written = Written(f"{table}/{name}", info.st_size, int(info.st_mtime * 1000), rows)
    stats = json.dumps({"numRecords": written.rows})
    return AddAction(name, written.size, {}, written.mtime_ms, True, stats)


def sync_table(
    store: Path,
    table: str,
    wanted: set[str],
    known: dict[str, Written],
    meta: dict[str, str],
) -> int | None:
    """Commit what makes `table`'s active files equal `wanted`; its version after (None
    when the table does not exist and nothing is wanted)."""
    from deltalake import DeltaTable
    from deltalake.transaction import CommitProperties, RemoveAction, create_table_with_add_actions

    path = store / table
    version = log_version(path)
    delta = DeltaTable(str(path)) if version is not None else None
    active = active_files(path, delta) if delta is not None else set()
    if active == wanted:
        return version
    adds = [add_action(path, name, known, table) for name in sorted(wanted - active)]
    now = int(time.time() * 1000)
    removes = [RemoveAction(name, True, now) for name in sorted(active - wanted)]
    properties = CommitProperties(custom_metadata=meta)
    if delta is None:
        schema = delta_schema(path / sorted(wanted)[0])
        create_table_with_add_actions(
            str(path),
            schema,
            adds,
            mode="error",
            commit_properties=properties,
        )
    else:
        delta.create_write_transaction(
            [*adds, *removes],
            "append",
            delta.schema(),
            commit_properties=properties,
        )
    return log_version(path)


def write_catalogue_file(store: Path, frame: pl.DataFrame, *, sync: bool = True) -> Path:
    """A new catalogue file holding `frame` (listed by no commit yet: vacuum deletes it if
    the writer dies before committing it); fsync'd unless `sync` is False."""
    path = store / CATALOGUE
    path.mkdir(parents=True, exist_ok=True)
    file = path / f"catalogue-{uuid.uuid4().hex[:12]}.parquet"
    with file.open("wb") as out:
        frame.write_parquet(out, compression="zstd", statistics=True)
    os.chmod(file, 0o644)
    if sync:
        fsync(file)
    return file


def commit_catalogue(
    store: Path,
    frame: pl.DataFrame,
    versions: dict[str, int],
    operation: str,
    events: list[dict[str, object]],
    name: str | None = None,
) -> None:
    """Commit the catalogue file `name` (written by `write_catalogue_file`; one is written
    when None) as the catalogue's whole content."""
    from deltalake import DeltaTable
    from deltalake.transaction import (
        AddAction,
        CommitProperties,
        RemoveAction,
        create_table_with_add_actions,
    )

    path = store / CATALOGUE
    if name is None:
        name = write_catalogue_file(store, frame).name
    info = (path / name).stat()
    add = AddAction(
        name, info.st_size, {}, int(info.st_mtime * 1000), True,
        json.dumps({"numRecords": frame.height}),
    )  # fmt: skip
    payload = {"operation": operation, "tables": versions, "events": events}
    properties = CommitProperties(custom_metadata={META_KEY: json.dumps(payload)})
    if log_version(path) is None:
        schema = delta_schema(path / name)
        create_table_with_add_actions(
            str(path), schema, [add], mode="error", commit_properties=properties
        )
        return
    delta = DeltaTable(str(path))
    now = int(time.time() * 1000)
    removes = [RemoveAction(p, True, now) for p in sorted(active_files(path, delta))]
    delta.create_write_transaction(
        [add, *removes],
        "append",
        delta.schema(),
        commit_properties=properties,
    )
