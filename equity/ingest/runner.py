"""Ingest many paths (files, folders, zips) into a store, with an honest per-file report.

Shared by the CLI and the app's upload page so that both accept and refuse exactly the
same files. A file that cannot be read is reported and skipped; the store is written only
for files that were read completely, so bad input never loses or corrupts stored data.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Final

import polars as pl

from equity.ingest.base import IngestError, IngestResult
from equity.ingest.registry import IGNORED_NAMES, read_file, year_hint_for
from equity.store import write_result

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
            lines.append(
                f"OK       {outcome.path}: {result.kind}, {years}; rows read {result.rows_read}, "
                f"stored {result.rows_stored}, rejected {result.rejected.height}; "
                f"schools {result.schools['urn'].n_unique()}; "
                f"suppressed or not published cells {result.suppressed_cells}"
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


def _expand(path: Path, workdir: Path) -> Iterator[tuple[Path, str, str | None]]:
    """Yield (file, label, year hint) for every data file under `path`."""
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            if IGNORED_NAMES.search(child.name) or child.suffix.lower() not in DATA_SUFFIXES:
                continue
            yield from _expand(child, workdir)
        return
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                members = _safe_members(archive, path.name)
                target = Path(tempfile.mkdtemp(dir=workdir))
                for member in members:
                    member_path = PurePosixPath(member.filename)
                    if IGNORED_NAMES.search(member_path.name):
                        continue
                    out = target.joinpath(*member_path.parts)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(member) as src, out.open("wb") as dst:
                        dst.write(src.read(MAX_FILE_BYTES + 1))
                    hint = year_hint_for(Path(member.filename)) or year_hint_for(path)
                    yield out, f"{path.name}/{member.filename}", hint
        except zipfile.BadZipFile as exc:
            raise IngestError(f"{path.name}: not a readable zip archive") from exc
        return
    yield path, path.name, year_hint_for(path)


def ingest_paths(paths: Iterable[Path], store: Path) -> IngestReport:
    """Read every file under `paths`; write each fully read file to `store`."""
    report = IngestReport()
    with tempfile.TemporaryDirectory(prefix="equity-ingest-") as tmp:
        workdir = Path(tmp)
        for path in paths:
            if not path.exists():
                report.outcomes.append(FileOutcome(str(path), error=f"{path}: no such file"))
                continue
            try:
                expanded = list(_expand(path, workdir))
            except IngestError as exc:
                report.outcomes.append(FileOutcome(str(path), error=str(exc)))
                continue
            for file, label, hint in expanded:
                report.outcomes.append(_ingest_one(file, label, hint, store))
    return report


def _ingest_one(file: Path, label: str, hint: str | None, store: Path) -> FileOutcome:
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise IngestError(f"{file.name}: larger than {MAX_FILE_BYTES // 1_000_000} MB")
        result = read_file(file, hint)
    except IngestError as exc:
        return FileOutcome(label, error=str(exc))
    except (pl.exceptions.PolarsError, ValueError, OSError, UnicodeError) as exc:
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        return FileOutcome(label, error=f"{file.name}: could not be read ({first_line})")
    write_result(store, result, sha256_of(file))
    return FileOutcome(label, result=result)
