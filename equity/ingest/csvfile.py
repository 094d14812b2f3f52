"""Reading a CSV as text, whatever its encoding, with one clear error when it cannot be read.

Every column comes in as a string: typing happens in `cells.py`, so that a status code in
a numeric column is kept, never coerced away by a CSV reader's type guess.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from equity.ingest.base import IngestError

#: Encodings tried in order. cp1252 is what Excel on Windows writes ("Save as CSV").
_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
HEADER_PEEK_BYTES = 64 * 1024


def decode(raw: bytes, name: str) -> str:
    if b"\x00" in raw[:4096]:
        raise IngestError(f"{name}: looks like a binary file (an Excel workbook?), not a CSV")
    for encoding in _ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(f"{name}: cannot be decoded as UTF-8 or Windows-1252 text")


def read_header(path: Path) -> list[str]:
    """The header row's column names, BOM and padding removed ([] when there is none)."""
    with path.open("rb") as handle:
        raw = handle.read(HEADER_PEEK_BYTES)
    if not raw.strip():
        return []
    try:
        text = decode(raw, path.name)
    except IngestError:
        return []
    first_line = text.splitlines()[0] if text.splitlines() else ""
    try:
        row = next(csv.reader([first_line]))
    except (csv.Error, StopIteration):
        return []
    return [cell.strip().lstrip("\ufeff").strip('"') for cell in row]


def read_text_csv(path: Path) -> pl.DataFrame:
    """The whole file as a frame of strings, header cleaned, rows of any length kept.

    Raises IngestError for an empty file, a binary file, or a file with no header.
    """
    raw = path.read_bytes()
    if not raw.strip():
        raise IngestError(f"{path.name}: the file is empty")
    text = decode(raw, path.name)
    try:
        frame = pl.read_csv(
            io.StringIO(text),
            infer_schema=False,
            truncate_ragged_lines=True,
            raise_if_empty=True,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, pl.exceptions.ShapeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise IngestError(f"{path.name}: not a readable CSV ({first})") from exc
    except pl.exceptions.DuplicateError as exc:
        raise IngestError(f"{path.name}: the header repeats a column name") from exc
    renamed = {c: c.strip().lstrip("\ufeff").strip() for c in frame.columns}
    if len(set(renamed.values())) != len(renamed):
        raise IngestError(f"{path.name}: the header repeats a column name")
    return frame.rename(renamed)
