"""Looking after a store: `vacuum` (what killed writers left, and old removed files) and
`history` (what each commit did). Both read the Delta logs that `equity/store_writer.py`
writes; vacuum takes the same writer lock, so it never deletes a running writer's files.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import polars as pl

from equity.store_delta import active_files
from equity.store_layout import CATALOGUE, SCRATCH, commit_meta, log_version, read_catalogue
from equity.store_writer import recover, store_lock

#: Removed files younger than this are kept by vacuum: a reader that opened the store
#: before the commit that removed them may still read them.
DEFAULT_RETENTION_HOURS: Final = 24.0


@dataclass(frozen=True)
class VacuumReport:
    repaired: list[str]
    deleted: list[str]


def vacuum(store: Path, retention_hours: float = DEFAULT_RETENTION_HOURS) -> VacuumReport:
    """Clear what writers left: scratch files and folders, Parquet files no table or
    catalogue lists (a killed writer's), and files removed by commits older than
    `retention_hours` (kept that long for readers that opened an older version).

    Works on either layout; on an old-layout store it removes only scratch files and
    Parquet files no source's name matches.
    """
    deleted: list[str] = []
    with store_lock(store):
        repaired = recover(store)
        for path in sorted(store.rglob(f"{SCRATCH}*")) + sorted(store.rglob(".*.tmp")):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            deleted.append(path.relative_to(store).as_posix())
        catalogue = read_catalogue(store)
        listed = {f for files in catalogue["files"].to_list() for f in files or []}
        cutoff = (time.time() - retention_hours * 3600) * 1000
        for table_path in _table_folders(store):
            table = table_path.relative_to(store).as_posix()
            keep = {
                f"{table}/{name}"
                for name in active_files(table_path) | _recently_removed(table_path, cutoff)
            }
            for path in sorted(table_path.glob("*.parquet")):
                relative = f"{table}/{path.name}"
                if relative not in listed and relative not in keep:
                    path.unlink(missing_ok=True)
                    deleted.append(relative)
    return VacuumReport(repaired, deleted)


def _table_folders(store: Path) -> list[Path]:
    folders = [p for p in [*store.glob("*"), *store.glob("extra/*")] if p.is_dir()]
    return [p for p in folders if p.name != "extra" and not p.name.startswith(".")]


def _recently_removed(table_path: Path, cutoff_ms: float) -> set[str]:
    """Files the table's log removed at or after `cutoff_ms` (kept for older readers)."""
    names: set[str] = set()
    for log in sorted((table_path / "_delta_log").glob("*.json")):
        for line in log.read_text(encoding="utf-8").splitlines():
            try:
                action = json.loads(line)
            except ValueError:
                continue
            remove = action.get("remove") if isinstance(action, dict) else None
            if isinstance(remove, dict) and remove.get("deletionTimestamp", 0) >= cutoff_ms:
                names.add(str(remove.get("path")))
    return names


# --------------------------------------------------------------------------- history

HISTORY_SCHEMA: Final[dict[str, pl.DataType]] = {
    "version": pl.Int64(),
    "committed_at": pl.String(),
    "operation": pl.String(),
    "action": pl.String(),
    "source": pl.String(),
    "kind": pl.String(),
    "sha256": pl.String(),
    "rows_read": pl.Int64(),
    "rows_stored": pl.Int64(),
}


def history(store: Path, limit: int | None = None) -> pl.DataFrame:
    """Each change the store's commits record, newest first (HISTORY_SCHEMA): one row per
    file added, replaced or removed, with its checksum and rows. Empty for an old-layout
    store (it kept no history)."""
    from deltalake import DeltaTable

    rows: list[dict[str, object]] = []
    if log_version(store / CATALOGUE) is not None:
        for entry in DeltaTable(str(store / CATALOGUE)).history(limit):
            meta = commit_meta(entry)
            if meta is None:
                continue
            stamp = datetime.fromtimestamp(int(entry.get("timestamp", 0)) / 1000, UTC)
            events = meta.get("events")
            for event in events if isinstance(events, list) else []:
                rows.append(
                    {
                        "version": int(entry.get("version", -1)),
                        "committed_at": stamp.isoformat(timespec="seconds"),
                        "operation": str(meta.get("operation", "")),
                        **{k: event.get(k) for k in HISTORY_SCHEMA if k in event},
                    }
                )
    frame = (
        pl.DataFrame(rows, schema=HISTORY_SCHEMA) if rows else pl.DataFrame(schema=HISTORY_SCHEMA)
    )
    return frame.sort("version", descending=True, maintain_order=True)
