"""The one list of file kinds the ingest knows. Adding a DfE format = one module + one line.

Detection looks at the header (and for some kinds the first rows), never only at the name,
so a renamed download is still recognised and a foreign CSV is refused with a reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import polars as pl

from equity.ingest import (
    absence,
    averages,
    boundaries,
    census,
    destinations,
    gias,
    ks4_provisional,
    lait,
    locations,
    performance_tables,
    trafford,
)
from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.csvfile import TruncatedRow, binary_problem, read_header, truncated_rows
from equity.schema import REJECTED_SCHEMA

KINDS: tuple[FileKind, ...] = (
    *performance_tables.KINDS,
    *census.KINDS,
    *ks4_provisional.KINDS,
    *destinations.KINDS,
    *absence.KINDS,
    *locations.KINDS,
    *averages.KINDS,
    *lait.KINDS,
    *gias.KINDS,
    *trafford.KINDS,
    *boundaries.KINDS,
)

#: Files that ship beside the data but are not data (kept out of the "unusable" list).
IGNORED_NAMES = re.compile(r"(?i)^(readme|sources|series-breaks|licen[cs]e)[^/]*$|\.topo\.json$")

_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d{2})[-_]?(20\d{2}|\d{2})(?!\d)")


def year_in_name(name: str) -> str | None:
    """The academic year a file or folder name writes (2018-2019, 2018-19, 201819), if any."""
    from equity.schema import parse_academic_year

    for match in _YEAR_IN_NAME.finditer(name):
        try:
            return parse_academic_year(f"{match.group(1)}-{match.group(2)}")
        except ValueError:
            continue
    return None


def year_hint_for(path: Path) -> str | None:
    """An academic year written in the file's folder names (e.g. national-2018-19)."""
    for part in reversed(path.parent.parts):
        year = year_in_name(part)
        if year is not None:
            return year
    return None


def header_of(path: Path) -> list[str]:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            return list(pl.read_parquet_schema(path).keys())
        except Exception:  # noqa: BLE001 - any unreadable parquet is simply "no header"
            return []
    if suffix in {".geojson", ".json"}:
        try:
            with path.open("rb") as handle:
                head = handle.read(4096).decode("utf-8", errors="replace")
        except OSError:
            return []
        return ["__geojson__"] if '"FeatureCollection"' in head or '"features"' in head else []
    return read_header(path)


def detect(path: Path) -> FileKind | None:
    header = header_of(path)
    for kind in KINDS:
        if path.suffix.lower() not in kind.suffixes:
            continue
        try:
            if kind.detect(path, header):
                return kind
        except (OSError, ValueError, json.JSONDecodeError, pl.exceptions.PolarsError):
            continue
    return None


#: Suffixes read as CSV text: a workbook or UTF-16 file under these gets its own message.
TEXT_SUFFIXES = (".csv", ".txt")


def read_file(path: Path, year_hint: str | None = None) -> IngestResult:
    """Detect the file's kind and read it; IngestError with a clear reason otherwise.

    A CSV whose end cuts its last row short (fewer fields than the header, or inside a
    quoted field) has that row rejected with a reason, whatever the kind; the rows before
    it are read. A workbook, UTF-16 or binary file named .csv gets a message of its own.
    """
    if not path.is_file():
        raise IngestError(f"{path.name}: no such file")
    if path.suffix.lower() in TEXT_SUFFIXES:
        with path.open("rb") as handle:
            problem = binary_problem(handle.read(4096), path.name)
        if problem is not None:
            raise IngestError(problem)
    if path.suffix.lower() in TEXT_SUFFIXES:
        _refuse_repeated_columns(path)
    kind = detect(path)
    if kind is None:
        raise IngestError(
            f"{path.name}: not a file kind Equity Explorer knows (expected a DfE performance "
            "table, school census, GIAS extract, LAIT panel or ONS boundary file)"
        )
    _refuse_other_stage(path, kind)
    hint = year_hint if year_hint is not None else year_hint_for(path)
    with truncated_rows() as ledger:
        result = kind.read(path, hint)
    cut = next((row for row in ledger if row.name == path.name), None)
    if cut is not None:
        result = _with_truncated_row(result, cut)
    result.check_accounting()
    return result


_STAGE = re.compile(r"(?i)(?<![a-z0-9])ks([245])(?![0-9])|ks([245])(?=final|prov|[-_ ]|$)")


def _stage(text: str) -> str | None:
    match = _STAGE.search(text)
    return f"KS{match.group(1) or match.group(2)}" if match else None


def _refuse_other_stage(path: Path, kind: FileKind) -> None:
    """A file whose name names one key stage and whose content is another's (KS2 results
    saved as ..._ks4final.csv) would silently replace the stored file of that name with
    other data: refuse it, naming both."""
    named, found = _stage(path.name), _stage(kind.name)
    if named and found and named != found:
        raise IngestError(
            f"{path.name}: the name says {named} but the content is a {found} file "
            f"({kind.description}); nothing stored. Rename the file to match its content"
        )


def _refuse_repeated_columns(path: Path) -> None:
    """A header that names a column twice: a reader would use one of the two silently."""
    header = read_header(path)
    counts: dict[str, int] = {}
    for name in header:
        counts[name] = counts.get(name, 0) + 1
    repeated = [name for name, count in counts.items() if name and count > 1]
    if repeated:
        names = ", ".join(dict.fromkeys(repeated))
        raise IngestError(f"{path.name}: the header repeats column(s) {names}; nothing stored")


def _with_truncated_row(result: IngestResult, cut: TruncatedRow) -> IngestResult:
    """The row the reader never saw (cut off by the file's end), as a rejected row."""
    row = pl.DataFrame(
        {"source": [result.source], "row": [cut.row], "reason": [cut.reason]},
        schema=REJECTED_SCHEMA,
    )
    return replace(
        result,
        rows_read=result.rows_read + 1,
        rejected=pl.concat([result.rejected.cast(REJECTED_SCHEMA), row]),  # type: ignore[arg-type]
    )
