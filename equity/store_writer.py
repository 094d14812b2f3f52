"""Writing the store: one transaction per ingest, writers in turn, recovery and vacuum.

Why this shape (see `equity/store_layout.py` for the layout):

- One ingest = one logical commit. `Transaction` writes each file's rows as new Parquet
  files as soon as the file is read (so a large batch never sits in memory), and commits
  at the end: every changed data table (one Delta commit each), then the catalogue.
  Readers follow the catalogue only, so they see the store before or after, never between.
- Writers take turns: a transaction holds an exclusive `fcntl.flock` on `<store>/.lock`
  from start to end, whether the other writer is a thread or another process. Readers
  never lock.
- A killed writer leaves files nobody lists and perhaps data-table commits the catalogue
  does not record. The next transaction (and `vacuum`) first puts each data table back in
  line with the catalogue; `vacuum` then deletes unlisted files and scratch files.
- Each commit's metadata records the ingest (source, kind, sha256, rows, time, whether it
  replaced a stored copy): `history()` lists it from the catalogue's Delta history.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import threading
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

import polars as pl

if TYPE_CHECKING:  # deltalake loads only when writing: readers never need it
    pass

from equity import school_merge
from equity.ingest import aggregates
from equity.ingest.base import IngestResult
from equity.store_delta import (
    Written,
    commit_catalogue,
    fsync,
    sync_table,
    write_catalogue_file,
)
from equity.store_layout import (
    CATALOGUE,
    CATALOGUE_SCHEMA,
    CORE_TABLES,
    LOCK,
    MANIFEST_SCHEMA,
    META_KEY,
    MIRROR,
    delta_tables,
    layer_key,
    log_version,
    read_catalogue,
    recorded_versions,
    source_slug,
    table_of,
    write_atomic,
    write_scratch,
)

#: Test hook: `EQUITY_STORE_FAULT=<point>` kills the writing process (SIGKILL, no clean-up)
#: when it reaches that point of a commit, so tests can prove what a crash leaves.
FAULT_ENV: Final = "EQUITY_STORE_FAULT"
FAULT_POINTS: Final = ("files-written", "table-committed", "tables-committed", "catalogue")


def _fault(point: str) -> None:
    if os.environ.get(FAULT_ENV) == point:
        os.kill(os.getpid(), 9)


@contextmanager
def store_lock(store: Path) -> Iterator[None]:
    """Hold the store's writer lock (blocking until the writer before has finished).

    `flock` locks belong to the open file, so two threads of one process exclude each
    other as two processes do. (Windows, which has no fcntl: msvcrt's byte lock.)
    """
    store.mkdir(parents=True, exist_ok=True)
    with open(store / LOCK, "a+b") as handle:
        if sys.platform == "win32":  # pragma: no cover - Linux and macOS run the tests
            import msvcrt

            while True:
                try:
                    handle.seek(0)
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:  # LK_LOCK gives up after ten seconds: keep waiting
                    continue
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
            return
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@dataclass
class Transaction:
    """Changes to one store, applied together by `commit` (see the module docstring).

    Use through `transaction(store)`; `put` and `remove` may be called any number of
    times; nothing is visible to readers until the context exits without an exception.
    """

    store: Path
    operation: str = "ingest"
    catalogue: dict[str, dict[str, object]] = field(default_factory=dict)
    written: list[Written] = field(default_factory=list)
    events: list[dict[str, object]] = field(default_factory=list)
    #: Table -> file names the catalogue listed when the transaction began (after recovery,
    #: what each Delta table holds): only tables whose listing changes get a commit.
    before: dict[str, set[str]] = field(default_factory=dict)
    #: The fsync of each written file, run in the background while the ingest goes on
    #: (the disk's wait, 5-15 ms a file, was spent idle); all done before anything commits.
    syncs: list[tuple[str, Future[None]]] = field(default_factory=list)
    pool: ThreadPoolExecutor | None = None
    #: The catalogue rows and version (`layer_key`) the transaction began from: a
    #: `.merged/` file of that version whose inputs this commit leaves alone is reused.
    previous: list[dict[str, object]] = field(default_factory=list)
    previous_key: str | None = None

    # ------------------------------------------------------------------ changes

    def put(self, result: IngestResult, sha256: str) -> bool:
        """Stage `result` as the store's whole content from `result.source`; True when it
        replaces a stored copy of that source."""
        slug = source_slug(result.source)
        tables: dict[str, pl.DataFrame] = {}
        for name, schema in CORE_TABLES.items():
            frame = getattr(result, name)
            if frame.height:
                tables[name] = _conform(frame, schema)
        for name, frame in result.extra.items():
            if frame.height:
                tables[f"extra/{name}"] = _conform(frame, None)
        years, la_codes = None, None
        mark = len(self.written)
        # The results (most of the bytes: ~0.1 s to encode for a national file) are
        # written on another core while the summaries are worked out from them.
        results_file = (
            self.pool.submit(self._encode, tables["results"], self._name("results", slug))
            if self.pool is not None and "results" in tables
            else None
        )
        try:
            if result.results.height:
                # Written with the results so that every results file has its summaries.
                tables.update(aggregates.derived(tables["results"], result.kind))
                years, la_codes = _catalogue_codes(tables[aggregates.SUMMARY_TABLE], result)
            files = [
                self._staged(results_file.result())
                if table == "results" and results_file is not None
                else self._write(frame, table, slug)
                for table, frame in tables.items()
            ]
        except BaseException:  # a full disk half way: this file's rows are not staged
            # Written but not staged yet: delete it here (a failed write deleted its own).
            encoded = _finished(results_file)
            if encoded is not None and encoded not in {w.relative for w in self.written[mark:]}:
                (self.store / encoded).unlink(missing_ok=True)
            dropped = {w.relative for w in self.written[mark:]}
            for relative, future in self.syncs:
                if relative in dropped and not future.cancel():
                    future.exception()  # let a running fsync finish before the unlink
            self.syncs = [(r, f) for r, f in self.syncs if r not in dropped]
            for written in self.written[mark:]:
                (self.store / written.relative).unlink(missing_ok=True)
            del self.written[mark:]
            raise
        replaced = result.source in self.catalogue
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.catalogue[result.source] = {
            "source": result.source,
            "kind": result.kind,
            "sha256": sha256,
            "rows_read": result.rows_read,
            "rows_stored": result.rows_stored,
            "rows_rejected": result.rejected.height,
            "suppressed_cells": result.suppressed_cells,
            "academic_years": result.academic_years if years is None else years,
            "la_codes": result.la_codes if la_codes is None else la_codes,
            "notes": list(result.notes),
            "ingested_at": now,
            "files": files,
        }
        self.events.append(
            {
                "action": "replace" if replaced else "add",
                "source": result.source,
                "kind": result.kind,
                "sha256": sha256,
                "rows_read": result.rows_read,
                "rows_stored": result.rows_stored,
                "at": now,
            }
        )
        return replaced

    def remove(self, source: str) -> bool:
        """Stage the removal of everything stored from `source`; False if there is none."""
        if self.catalogue.pop(source, None) is None:
            return False
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.events.append({"action": "remove", "source": source, "at": now})
        return True

    def _write(self, frame: pl.DataFrame, table: str, slug: str) -> str:
        return self._staged(self._encode(frame, self._name(table, slug)))

    @staticmethod
    def _name(table: str, slug: str) -> str:
        return f"{table}/{slug}-{uuid.uuid4().hex[:12]}.parquet"

    def _encode(self, frame: pl.DataFrame, relative: str) -> Written:
        """Write `frame` as the Parquet file `relative` (deleted again if that fails)."""
        path = self.store / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("wb") as out:
                frame.write_parquet(out, compression="zstd", statistics=True)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        os.chmod(path, 0o644)
        info = path.stat()
        return Written(relative, info.st_size, int(info.st_mtime * 1000), frame.height)

    def _staged(self, written: Written) -> str:
        """Stage a written file: listed for the commit, its fsync started."""
        self.written.append(written)
        path = self.store / written.relative
        if self.pool is None:  # a Transaction made by hand, not by `transaction`
            fsync(path)
        else:
            self.syncs.append((written.relative, self.pool.submit(fsync, path)))
        return written.relative

    def _settle(self) -> BaseException | None:
        """Wait for every background fsync; the first failure of a file still staged."""
        pending, self.syncs = self.syncs, []
        staged = {w.relative for w in self.written}
        failures = [(r, f.exception()) for r, f in pending]
        return next((e for r, e in failures if e is not None and r in staged), None)

    def wait(self) -> None:
        """Wait for the background fsyncs; the first failure (a full disk) is raised after
        the files this transaction wrote are deleted, so nothing half-durable is committed."""
        failure = self._settle()
        if failure is not None:
            self.discard()
            raise failure

    # ------------------------------------------------------------------ commit

    def commit(self) -> None:
        """Commit the changed data tables, then the catalogue, then the mirror."""
        self.wait()  # every data file on disk (fsync'd) before any commit refers to it
        if not self.events:
            return
        _fault("files-written")
        wanted = _listing(self.catalogue.values())
        versions = recorded_versions(self.store)
        known = {w.relative: w for w in self.written}
        meta = {META_KEY: json.dumps({"operation": self.operation, "events": self.events})}
        frame = _catalogue_frame(self.catalogue.values())
        # The catalogue's file is written now and flushed to disk while the tables commit.
        catalogue_file = write_catalogue_file(self.store, frame, sync=self.pool is None)
        synced = None if self.pool is None else self.pool.submit(fsync, catalogue_file)
        # The `.merged/` read-aheads of the new version are made meanwhile too (scratch
        # files, put in place under the new version's name once it is committed).
        pool = self.pool
        merged = [] if pool is None else [
            pool.submit(self._prepare_merged, frame, (name,)) for name in school_merge.NAMES
        ]  # fmt: skip
        # So is the mirror's file (its fsync was ~10-20 ms on the critical path): renamed
        # into place only after the catalogue commit, as before.
        manifest, store = frame.select(list(MANIFEST_SCHEMA)), self.store
        mirror = None if self.pool is None else self.pool.submit(write_scratch, manifest, store)
        prepared = None
        try:
            self._commit_tables(wanted, versions, known, meta)
            if synced is not None:
                synced.result()
            commit_catalogue(
                self.store, frame, versions, self.operation, self.events, catalogue_file.name
            )
            _fault("catalogue")
            if mirror is None:
                write_atomic(manifest, self.store / MIRROR)
            else:
                os.replace(mirror.result(), self.store / MIRROR)
            key = layer_key(self.store)
            prepared = (
                school_merge.joined([future.result() for future in merged])
                if merged
                else self._prepare_merged(frame, school_merge.NAMES)
            )
            if key is not None and prepared is not None:
                # A read-ahead only: without it readers merge the schools themselves.
                with contextlib.suppress(OSError):
                    school_merge.install(prepared, key)
        finally:  # scratch files not put in place (a failed commit) are deleted
            if mirror is not None and (left := _finished_scratch(mirror)) is not None:
                left.unlink(missing_ok=True)
            if prepared is None:
                prepared = school_merge.joined([_finished_prepared(f) for f in merged])
            if prepared is not None:
                school_merge.discard(prepared)
        for written in self.written:  # a file read twice in one batch: the first copy
            table = table_of(written.relative)
            if written.relative[len(table) + 1 :] not in wanted.get(table, set()):
                (self.store / written.relative).unlink(missing_ok=True)

    def _commit_tables(
        self,
        wanted: dict[str, set[str]],
        versions: dict[str, int],
        known: dict[str, Written],
        meta: dict[str, str],
    ) -> None:
        """Commit each data table whose listing changes (recording its new version)."""
        names = set(wanted) | set(self.before)
        changed = {
            t
            for t in names
            if wanted.get(t, set()) != self.before.get(t, set())
            or (wanted.get(t) and t not in versions)  # an old-layout store's first commit
        }
        order = sorted(changed)

        def commit(table: str) -> int | None:
            return sync_table(self.store, table, wanted.get(table, set()), known, meta)

        if self.pool is None or len(order) < 2:
            outcomes: Iterable[int | None] = map(commit, order)
        else:
            # Each table is its own Delta log: they commit side by side (delta-rs lets go
            # of the GIL; ~2 ms each, 5-6 tables a file). All finish before any failure is
            # raised, so nothing still writes when a failed transaction cleans up.
            futures = [self.pool.submit(commit, table) for table in order]
            wait(futures)
            outcomes = (future.result() for future in futures)
        for table, version in zip(order, outcomes, strict=True):
            if version is not None:
                versions[table] = version
            _fault("table-committed")
        _fault("tables-committed")

    def _prepare_merged(
        self, frame: pl.DataFrame, names: tuple[str, ...]
    ) -> school_merge.Prepared | None:
        """`school_merge.prepare` of `names` for the catalogue `frame`; None when it fails
        (a read-ahead only: readers then compute the tables themselves)."""
        try:
            return school_merge.prepare(self.store, frame, self.previous, self.previous_key, names)
        except (OSError, pl.exceptions.PolarsError):
            return None

    def discard(self) -> None:
        """Delete the files this transaction wrote (nothing refers to them)."""
        self._settle()  # (Windows cannot delete a file another thread has open)
        for written in self.written:
            (self.store / written.relative).unlink(missing_ok=True)
        self.written.clear()


@contextmanager
def transaction(store: Path, operation: str = "ingest") -> Iterator[Transaction]:
    """A `Transaction` on `store`, holding its writer lock throughout; committed when the
    block ends normally, discarded when it raises. A store folder this call had to create
    is removed again when nothing was committed (a failed first ingest leaves no store)."""
    created = not store.exists()
    # Loads deltalake while the files are read (a cold CLI run paid ~0.3 s for it at the
    # commit). Joined before returning: a thread still inside delta-rs when the interpreter
    # exits can crash it.
    warm = threading.Thread(target=_warm_up, args=(store,))
    warm.start()
    try:
        with store_lock(store), ThreadPoolExecutor(6, thread_name_prefix="equity-sync") as pool:
            recover(store)
            current = read_catalogue(store)
            tx = Transaction(store, operation, pool=pool)
            tx.catalogue = {row["source"]: row for row in current.iter_rows(named=True)}
            tx.before = _listing(tx.catalogue.values())
            tx.previous, tx.previous_key = list(tx.catalogue.values()), layer_key(store)
            try:
                yield tx
            except BaseException:
                tx.discard()
                _drop_if_unused(store, created)
                raise
            tx.commit()
            if not tx.events:
                _drop_if_unused(store, created)
    finally:
        warm.join()


def _warm_up(store: Path) -> None:
    """Import deltalake and start delta-rs's runtime, off the main thread."""
    try:
        from deltalake import DeltaTable

        DeltaTable.is_deltatable(str(store / CATALOGUE))
    except Exception:  # noqa: BLE001 - only a head start: the commit imports them anyway
        return


def _finished_scratch(future: Future[Path]) -> Path | None:
    """The scratch file a background `write_scratch` wrote, waiting for it (None if none)."""
    if future.cancel() or future.exception() is not None:
        return None
    return future.result()


def _finished_prepared(
    future: Future[school_merge.Prepared | None],
) -> school_merge.Prepared | None:
    """What a background `_prepare_merged` made, waiting for it (None if nothing)."""
    if future.cancel() or future.exception() is not None:
        return None
    return future.result()


def _finished(future: Future[Written] | None) -> str | None:
    """The file a background write wrote, waiting for it; None if it wrote none (never
    started, or failed: a failed write deletes its own file)."""
    if future is None or future.cancel() or future.exception() is not None:
        return None
    return future.result().relative


def _drop_if_unused(store: Path, created: bool) -> None:
    """Remove a store folder this writer created and left holding nothing but its lock."""
    if created and {p.name for p in store.iterdir()} <= {LOCK}:
        shutil.rmtree(store, ignore_errors=True)


# --------------------------------------------------------------------------- helpers


def _conform(frame: pl.DataFrame, schema: dict[str, pl.DataType] | None) -> pl.DataFrame:
    """`frame` with the table's columns and types (a Delta table has one schema), or for an
    extra table with its own columns, columns of no type written as text."""
    if schema is not None:
        missing = [pl.lit(None, dtype=t).alias(c) for c, t in schema.items() if c not in frame]
        return frame.with_columns(missing).select(pl.col(c).cast(t) for c, t in schema.items())
    nulls = [c for c, t in frame.schema.items() if t == pl.Null]
    return frame.with_columns(pl.col(nulls).cast(pl.String)) if nulls else frame


def _catalogue_codes(summary: pl.DataFrame, result: IngestResult) -> tuple[list[str], list[str]]:
    """`result.academic_years` and `result.la_codes`, read from the results' summary (a few
    hundred rows) instead of scanning the results again: the summary groups every result
    row by entity kind, LA code and academic year, so it holds the same years and the same
    LA codes of school rows (tests/unit/test_store_transactions.py checks they agree)."""
    years = summary.get_column("academic_year").drop_nulls().unique().to_list()
    school_codes = summary.filter(pl.col("entity_kind") == "school").get_column("la_code")
    codes = set(school_codes.to_list()) | set(result.schools.get_column("la_code").to_list())
    return sorted(years), sorted(c for c in codes if c)


def _listing(rows: object) -> dict[str, set[str]]:
    """Table -> the file names (relative to the table folder) the catalogue rows list."""
    out: dict[str, set[str]] = {}
    for row in rows:  # type: ignore[attr-defined]
        for relative in row["files"] or []:
            table = table_of(relative)
            out.setdefault(table, set()).add(relative[len(table) + 1 :])
    return out


def _catalogue_frame(rows: object) -> pl.DataFrame:
    frame = pl.DataFrame(list(rows), schema=CATALOGUE_SCHEMA)  # type: ignore[call-overload]
    return frame.sort("source")


# --------------------------------------------------------------------------- recovery


def recover(store: Path) -> list[str]:
    """Put every data table back in line with the catalogue (call with the lock held).

    A table whose version differs from what the latest catalogue commit records was
    committed by a writer that died before its catalogue commit: it gets a commit that
    makes its active files those the catalogue lists. Returns the tables repaired.
    """
    if layer_key(store) is None:
        return []
    versions = recorded_versions(store)
    wanted = _listing(read_catalogue(store).iter_rows(named=True))
    repaired = []
    meta = {META_KEY: json.dumps({"operation": "recover", "events": []})}
    for table in delta_tables(store):
        if log_version(store / table) == versions.get(table):
            continue
        if sync_table(store, table, wanted.get(table, set()), {}, meta) is not None:
            repaired.append(table)
    if repaired:
        for table in repaired:
            versions[table] = log_version(store / table)  # type: ignore[assignment]
        frame = read_catalogue(store)
        commit_catalogue(store, frame, versions, "recover", [])
        write_atomic(frame.select(list(MANIFEST_SCHEMA)), store / MIRROR)
    return repaired


# --------------------------------------------------------------------------- public writes


def write_result(store: Path, result: IngestResult, sha256: str) -> bool:
    """Replace everything `store` holds from `result.source` with this result, in one
    commit; True when a stored copy was replaced."""
    with transaction(store) as tx:
        return tx.put(result, sha256)


def remove_source(store: Path, source: str, *, keep_manifest: bool = False) -> None:
    """Remove a source's rows from every table and its catalogue row, in one commit.

    (`keep_manifest` is accepted for callers of the old store and has no effect: a source
    is listed exactly when its rows are stored.)
    """
    del keep_manifest
    with transaction(store, "remove") as tx:
        tx.remove(source)


__all__ = [
    "CATALOGUE_SCHEMA",
    "FAULT_ENV",
    "Transaction",
    "recover",
    "remove_source",
    "store_lock",
    "transaction",
    "write_result",
]
