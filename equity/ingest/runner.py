"""Ingest many paths (files, folders, zips) into a store, with an honest per-file report.

Shared by the CLI and the app's upload page so that both accept and refuse exactly the
same files. A file that cannot be read is reported and skipped; the store is written only
for files that were read completely, so bad input never loses or corrupts stored data.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Final

import polars as pl

from equity.ingest.base import IngestError, IngestResult, first_line
from equity.ingest.file_years import year_in_name
from equity.ingest.registry import IGNORED_NAMES, read_file, year_hint_for
from equity.store_layout import SCRATCH
from equity.store_writer import Transaction, transaction

#: Limits that keep a hostile or mistaken archive from filling the disk or memory.
MAX_ZIP_MEMBERS: Final = 500
MAX_ZIP_TOTAL_BYTES: Final = 1_000_000_000
MAX_ZIP_RATIO: Final = 200  # uncompressed / compressed, per member
MAX_FILE_BYTES: Final = 500_000_000
DATA_SUFFIXES: Final = {".csv", ".parquet", ".geojson", ".json", ".zip", ".txt"}


@dataclass
class FileOutcome:
    path: str
    result: IngestResult | None = None
    error: str | None = None
    #: True when the file replaced rows the store already held under the same name.
    replaced: bool = False

    @property
    def ok(self) -> bool:
        return self.result is not None


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def ingested(self) -> list[IngestResult]:
        return [o.result for o in self.outcomes if o.result is not None]

    @property
    def failures(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.error is not None]

    def summary_frame(self) -> pl.DataFrame:
        """One row per file: what was found and what happened to its rows."""
        rows = []
        for outcome in self.outcomes:
            result = outcome.result
            rows.append(
                {
                    "file": outcome.path,
                    "kind": result.kind if result else None,
                    "years": ", ".join(result.academic_years) if result else None,
                    "las": len(result.la_codes) if result else None,
                    "rows_read": result.rows_read if result else None,
                    "rows_stored": result.rows_stored if result else None,
                    "rows_rejected": result.rejected.height if result else None,
                    "schools": result.schools["urn"].n_unique() if result else None,
                    "suppressed_cells": result.suppressed_cells if result else None,
                    "replaced": outcome.replaced if result else None,
                    "problem": outcome.error,
                }
            )
        return pl.DataFrame(rows, infer_schema_length=None)

    def text(self) -> str:
        lines = []
        for outcome in self.outcomes:
            result = outcome.result
            if result is None:
                lines.append(f"SKIPPED  {outcome.error}")
                continue
            years = ", ".join(result.academic_years) or "no year"
            replaced = f" (REPLACES the stored {result.source})" if outcome.replaced else ""
            lines.append(
                f"OK       {outcome.path}: {result.kind}, {years}; rows read {result.rows_read}, "
                f"stored {result.rows_stored}, rejected {result.rejected.height}; "
                f"schools {result.schools['urn'].n_unique()}; "
                f"suppressed or not published cells {result.suppressed_cells}{replaced}"
            )
            reasons = result.rejected.group_by("reason").len().sort("len", descending=True)
            for reason, count in reasons.iter_rows():
                lines.append(f"           rejected {count} row(s): {reason}")
            lines.extend(f"           note: {note}" for note in result.notes)
        ok = len(self.ingested)
        lines.append(f"{ok} file(s) ingested, {len(self.failures)} skipped.")
        return "\n".join(lines)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _safe_members(archive: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > MAX_ZIP_MEMBERS:
        raise IngestError(f"{name}: the archive holds more than {MAX_ZIP_MEMBERS} files")
    total = sum(m.file_size for m in members)
    if total > MAX_ZIP_TOTAL_BYTES:
        raise IngestError(f"{name}: the archive would unpack to more than 1 GB")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1_000_000 and ratio > MAX_ZIP_RATIO:
            raise IngestError(
                f"{name}: {member.filename} is compressed {ratio:.0f} to 1 (a zip bomb?)"
            )
        parts = PurePosixPath(member.filename).parts
        if member.filename.startswith("/") or ".." in parts:
            raise IngestError(f"{name}: unsafe path inside the archive: {member.filename}")
    return members


@dataclass(frozen=True)
class _Found:
    """One file met while expanding the paths given: ready to read, or why it is not."""

    label: str
    source: str = ""
    file: Path | None = None
    hint: str | None = None
    error: str | None = None


#: A folder named for an academic year and nothing else, as in DfE's zips ("2018-2019").
_YEAR_FOLDER: Final = re.compile(r"20\d{2}[-_]?(?:20\d{2}|\d{2})")


def _is_year_folder(name: str) -> bool:
    return bool(_YEAR_FOLDER.fullmatch(name.strip())) and year_in_name(name) is not None


def source_name(relative: PurePosixPath) -> str:
    """The name a file is stored under, from its path inside the folder or zip given.

    The file name, unless the name carries no year and the file sits in a folder named
    for a year (DfE's zip layout: 2017-2018/999_ks4final.csv, 2018-2019/999_ks4final.csv):
    then its path from the innermost such folder, so each year keeps its own rows.
    Folders that only mention a year (national-2018-19) date the file but do not name it.
    """
    parts = relative.parts
    if not parts:
        return ""
    if year_in_name(parts[-1]) is None:
        for index in range(len(parts) - 2, -1, -1):
            if _is_year_folder(parts[index]):
                return "/".join(parts[index:])
    return parts[-1]


#: What a damaged, unsupported or encrypted archive raises from the zip library.
_ZIP_ERRORS: Final = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    OSError,
)


def _zip_problem(archive: str, member: str, exc: BaseException) -> str:
    if isinstance(exc, NotImplementedError):
        why = "it is packed with a compression method this app cannot unpack (e.g. Deflate64)"
    elif isinstance(exc, RuntimeError) and "encrypt" in str(exc).lower():
        why = "it is password-protected"
    elif isinstance(exc, EOFError):
        why = "it is cut short (an incomplete download?)"
    else:
        why = "the archive is damaged"
    return (
        f"{archive}: cannot unpack {member}: {why} ({type(exc).__name__}: {first_line(exc)}). "
        "An archive that is damaged, password-protected or packed in a way this app cannot "
        "unpack: unzip it on your computer and load the CSV files"
    )


def _expand_zip(path: Path, workdir: Path) -> Iterator[_Found]:
    try:
        archive = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        problem = f"{path.name}: not a readable zip archive ({first_line(exc)})"
        yield _Found(path.name, error=problem)
        return
    with archive:
        try:
            members = _safe_members(archive, path.name)
        except IngestError as exc:
            yield _Found(path.name, error=str(exc))
            return
        target = Path(tempfile.mkdtemp(dir=workdir))
        for member in members:
            member_path = PurePosixPath(member.filename)
            if IGNORED_NAMES.search(member_path.name):
                continue
            label = f"{path.name}/{member.filename}"
            out = target.joinpath(*member_path.parts)
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, out.open("wb") as dst:
                    dst.write(src.read(MAX_FILE_BYTES + 1))
            except _ZIP_ERRORS as exc:
                out.unlink(missing_ok=True)
                # Named by the archive: it is what the user has to unzip or fetch again.
                yield _Found(path.name, error=_zip_problem(path.name, member.filename, exc))
                continue
            hint = year_hint_for(Path(member.filename)) or year_hint_for(path)
            yield _Found(label, source_name(member_path), out, hint)


def _expand(path: Path, workdir: Path, root: Path | None = None) -> Iterator[_Found]:
    """Every data file under `path` (a file, folder or zip), each found or refused alone.

    `root` is the folder given by the user: a file inside it is named by its path there.
    """
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            if IGNORED_NAMES.search(child.name) or child.suffix.lower() not in DATA_SUFFIXES:
                continue
            yield from _expand(child, workdir, root or path)
        return
    if path.suffix.lower() == ".zip":
        yield from _expand_zip(path, workdir)
        return
    relative = PurePosixPath(*path.relative_to(root).parts) if root else PurePosixPath(path.name)
    name = source_name(relative)
    yield _Found(name, name, path, year_hint_for(path))


def ingest_paths(paths: Iterable[Path], store: Path) -> IngestReport:
    """Read every file under `paths`; store every fully read file, all in one commit.

    A file that cannot be used (a damaged zip, a foreign CSV, a header with no rows) is
    reported on its own line; the files beside it are still read. The store's writer lock
    is held from start to end, so concurrent ingests into one store take turns; readers
    see the store before or after this ingest, never a part of it (equity/store_writer.py).
    """
    report = IngestReport()
    try:
        # Scratch space inside the store: `vacuum` clears what a killed ingest left.
        with (
            transaction(store) as tx,
            tempfile.TemporaryDirectory(prefix=SCRATCH, dir=store) as tmp,
        ):
            workdir = Path(tmp)
            for path in paths:
                if not path.exists():
                    report.outcomes.append(FileOutcome(str(path), error=f"{path}: no such file"))
                    continue
                for found in _expand(path, workdir):
                    if found.file is None:
                        report.outcomes.append(FileOutcome(found.label, error=found.error))
                        continue
                    report.outcomes.append(
                        _ingest_one(found.file, found.label, found.source, found.hint, tx)
                    )
    except OSError as exc:  # a full disk, a read-only folder: the store is left as it was
        why = exc.strerror or first_line(exc)
        for index, outcome in enumerate(report.outcomes):
            if outcome.result is not None:
                name = Path(outcome.path).name
                problem = f"{name}: read, but not stored in {store} ({why})"
                report.outcomes[index] = FileOutcome(outcome.path, error=problem)
        if not report.outcomes:
            report.outcomes.append(FileOutcome(str(store), error=f"{store}: not writable ({why})"))
    return report


def _renamed(result: IngestResult, file_name: str, source: str) -> IngestResult:
    """The result stored under `source` (its path in the folder or zip) not the bare name."""
    old = result.source
    if source == file_name or not old.startswith(file_name):
        return result
    new = source + old[len(file_name) :]

    def rename(frame: pl.DataFrame) -> pl.DataFrame:
        if "source" not in frame.columns:
            return frame
        column = pl.col("source")
        return frame.with_columns(
            pl.when(column == old).then(pl.lit(new)).otherwise(column).alias("source")
        )

    return replace(
        result,
        source=new,
        results=rename(result.results),
        schools=rename(result.schools),
        areas=rename(result.areas),
        rejected=rename(result.rejected),
        extra={name: rename(frame) for name, frame in result.extra.items()},
    )


def _ingest_one(
    file: Path, label: str, source: str, hint: str | None, tx: Transaction
) -> FileOutcome:
    digest: Future[str] | None = None
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise IngestError(f"{file.name}: larger than {MAX_FILE_BYTES // 1_000_000} MB")
        # The file's hash, on another core while it is read (hashlib lets go of the GIL).
        digest = tx.pool.submit(sha256_of, file) if tx.pool is not None else None
        result = _renamed(read_file(file, hint), file.name, source)
        if result.rows_read == 0:
            kept = (
                " (the rows stored from it before are kept)"
                if result.source in tx.catalogue
                else ""
            )
            raise IngestError(
                f"{file.name}: has no data rows (a header only?): nothing stored{kept}"
            )
    except IngestError as exc:
        return FileOutcome(label, error=str(exc))
    except (pl.exceptions.PolarsError, ValueError, OSError, UnicodeError) as exc:
        return FileOutcome(label, error=f"{file.name}: could not be read ({first_line(exc)})")
    try:
        replaced = tx.put(result, sha256_of(file) if digest is None else digest.result())
    except OSError as exc:  # a full disk: this file's rows are not stored, the rest go on
        why = exc.strerror or first_line(exc)
        problem = f"{file.name}: read, but not stored in {tx.store} ({why})"
        return FileOutcome(label, error=problem)
    return FileOutcome(label, result=result, replaced=replaced)
