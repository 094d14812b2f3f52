"""The one list of file kinds the ingest knows. Adding a DfE format = one module + one line.

Detection looks at the header (and for some kinds the first rows), never only at the name,
so a renamed download is still recognised and a foreign CSV is refused with a reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from equity.ingest import boundaries, gias, lait, national, performance_tables, trafford
from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.csvfile import read_header

KINDS: tuple[FileKind, ...] = (
    *performance_tables.KINDS,
    *national.KINDS,
    *lait.KINDS,
    *gias.KINDS,
    *trafford.KINDS,
    *boundaries.KINDS,
)

#: Files that ship beside the data but are not data (kept out of the "unusable" list).
IGNORED_NAMES = re.compile(r"(?i)^(readme|sources|series-breaks|licen[cs]e)[^/]*$|\.topo\.json$")

_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d{2})[-_]?(20\d{2}|\d{2})(?!\d)")


def year_hint_for(path: Path) -> str | None:
    """An academic year written in the file's folder names (e.g. national-2018-19)."""
    from equity.schema import parse_academic_year

    for part in reversed(path.parent.parts):
        match = _YEAR_IN_NAME.search(part)
        if match:
            try:
                return parse_academic_year(f"{match.group(1)}-{match.group(2)}")
            except ValueError:
                continue
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


def read_file(path: Path, year_hint: str | None = None) -> IngestResult:
    """Detect the file's kind and read it; IngestError with a clear reason otherwise."""
    if not path.is_file():
        raise IngestError(f"{path.name}: no such file")
    kind = detect(path)
    if kind is None:
        raise IngestError(
            f"{path.name}: not a file kind Equity Explorer knows (expected a DfE performance "
            "table, school census, GIAS extract, LAIT panel or ONS boundary file)"
        )
    hint = year_hint if year_hint is not None else year_hint_for(path)
    result = kind.read(path, hint)
    result.check_accounting()
    return result
