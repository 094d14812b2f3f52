"""Reading a CSV as text, whatever its encoding, with one clear error when it cannot be read.

Every column comes in as a string: typing happens in `cells.py`, so that a status code in
a numeric column is kept, never coerced away by a CSV reader's type guess.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from equity.ingest.base import IngestError, first_line

#: Encodings tried in order. cp1252 is what Excel on Windows writes ("Save as CSV").
_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
HEADER_PEEK_BYTES = 64 * 1024


_SAVE_AS_CSV = "save it as CSV (UTF-8) and load that"


def _utf16_without_bom(head: bytes) -> bool:
    """Mostly-ASCII UTF-16 text: every other byte is zero (little- or big-endian)."""
    half = len(head) // 2
    if half < 4:
        return False
    even, odd = head[0 : 2 * half : 2].count(0), head[1 : 2 * half : 2].count(0)
    return max(even, odd) >= 0.3 * half and min(even, odd) <= 0.05 * half


def binary_problem(head: bytes, name: str) -> str | None:
    """Why a file that should be CSV text is not (an Excel workbook, UTF-16...), or None.

    `head` is the file's first few KB. The messages say what to do in Excel, where these
    files almost always come from.
    """
    if head.startswith(b"PK\x03\x04"):
        if b"[Content_Types].xml" in head or b"xl/" in head:
            return f"{name}: looks like an Excel workbook (.xlsx): {_SAVE_AS_CSV}"
        return (
            f"{name}: looks like a zip archive (or an Excel workbook) with a .csv name: "
            f"rename a zip to .zip, or open a workbook in Excel and {_SAVE_AS_CSV}"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return f"{name}: looks like an Excel 97-2003 workbook (.xls): {_SAVE_AS_CSV}"
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return f"{name}: is UTF-32 text, which Equity Explorer does not read: {_SAVE_AS_CSV}"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(head[:4096]):
        return (
            f"{name}: is UTF-16 text (Excel's 'Unicode Text'), which Equity Explorer does not "
            f"read: {_SAVE_AS_CSV}"
        )
    if head.startswith(b"PAR1"):
        return f"{name}: looks like a Parquet file with another name: name it .parquet"
    if b"\x00" in head[:4096]:
        return f"{name}: looks like a binary file, not CSV text: DfE downloads are CSV files"
    return None


def decode(raw: bytes, name: str) -> str:
    return decode_with(raw, name)[0]


def decode_with(raw: bytes, name: str) -> tuple[str, str]:
    """(text, the encoding that read it); IngestError for binary or undecodable files."""
    problem = binary_problem(raw[:4096], name)
    if problem is not None:
        raise IngestError(problem)
    for encoding in _ENCODINGS:
        try:
            return raw.decode(encoding), encoding
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


@dataclass(frozen=True)
class TextCsv:
    """A CSV file decoded, checked and with its header parsed, ready to read columns from.

    Opening costs one decode check and a header parse; `read` then parses only the columns
    asked for (polars skips the rest), which is most of a 500-column DfE performance table.
    """

    name: str
    #: The file as UTF-8 bytes (re-encoded when it was Windows-1252 or Latin-1).
    data: bytes
    #: Column name as published, BOM and padding removed -> the name exactly as the file
    #: spells it (polars selects by that); in file order.
    spelled: dict[str, str]
    #: (fields, inside a quote) of a last row the file's end cut short, cut from `data`.
    cut: tuple[int, bool] | None = None

    @property
    def header(self) -> list[str]:
        """Column names as published, BOM and padding removed, in file order."""
        return list(self.spelled)

    def read(self, columns: Iterable[str] | None = None) -> pl.DataFrame:
        """Every row, as strings, of `columns` in that order (all, in file order, when None).

        Names the header lacks are skipped; when none is left the first column is read, so
        the rows are still counted.
        """
        chosen = None if columns is None else [c for c in columns if c in self.spelled]
        if chosen == []:
            chosen = self.header[:1]
        try:
            frame = pl.read_csv(
                self.data,
                infer_schema=False,
                truncate_ragged_lines=True,
                raise_if_empty=True,
                columns=None if chosen is None else [self.spelled[c] for c in chosen],
            )
        except (
            pl.exceptions.ComputeError,
            pl.exceptions.NoDataError,
            pl.exceptions.ShapeError,
        ) as exc:
            raise IngestError(f"{self.name}: not a readable CSV ({first_line(exc)})") from exc
        ledger = _LEDGER.get()
        if ledger is not None and self.cut is not None:
            fields, open_quote = self.cut
            row = TruncatedRow(self.name, frame.height + 1, fields, len(self.header), open_quote)
            ledger.append(row)
        cleaned = {raw: name for name, raw in self.spelled.items()}
        return frame.rename({c: cleaned[c] for c in frame.columns})


def open_text_csv(path: Path) -> TextCsv:
    """The file decoded and its header parsed.

    Raises IngestError for an empty file, a binary file, a file with no header, or a
    header that repeats a name.
    """
    raw = path.read_bytes()
    if not raw or raw.isspace():  # (not raw.strip(): that copies the whole file)
        raise IngestError(f"{path.name}: the file is empty")
    cut = None
    if raw.isascii() and raw.endswith((b"\n", b"\r")):
        # Plain ASCII ending in a line break (most DfE files): valid UTF-8 without a BOM
        # and no cut-off last row, so decoding it would only copy 10 MB to learn nothing.
        problem = binary_problem(raw[:4096], path.name)
        if problem is not None:
            raise IngestError(problem)
        data = raw
    else:
        text, encoding = decode_with(raw, path.name)
        if _LEDGER.get() is not None:
            text, cut = _cut_truncated_end(text)
        # A file that was UTF-8 already is handed to polars as it is: no second copy.
        data = raw if encoding == _ENCODINGS[0] and cut is None else text.encode("utf-8")
    try:
        names = pl.read_csv(
            _header_bytes(data), infer_schema=False, n_rows=0, raise_if_empty=True
        ).columns
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, pl.exceptions.ShapeError) as exc:
        raise IngestError(f"{path.name}: not a readable CSV ({first_line(exc)})") from exc
    except pl.exceptions.DuplicateError as exc:
        raise IngestError(f"{path.name}: the header repeats a column name") from exc
    spelled = {name.strip().lstrip("\ufeff").strip(): name for name in names}
    if len(spelled) != len(names):
        raise IngestError(f"{path.name}: the header repeats a column name")
    return TextCsv(path.name, data, spelled, cut)


def _header_bytes(data: bytes) -> bytes:
    """The start of `data` up to a line break after the header: polars would otherwise
    look through the whole file to read one row of names."""
    end = data.find(b"\n", 0, HEADER_PEEK_BYTES)
    while end != -1 and data.count(b'"', 0, end) % 2:  # a line break inside a quoted name
        end = data.find(b"\n", end + 1, HEADER_PEEK_BYTES)
    return data if end == -1 else data[: end + 1]


def read_text_csv(path: Path) -> pl.DataFrame:
    """The whole file as a frame of strings, header cleaned, rows of any length kept.

    Raises IngestError for an empty file, a binary file, or a file with no header.
    """
    return open_text_csv(path).read()


# --------------------------------------------------------------------------- truncated end


@dataclass(frozen=True)
class TruncatedRow:
    """The last row of a CSV cut off mid-row (an incomplete download or copy)."""

    name: str
    row: int  # 1-based data-row number (header excluded)
    fields: int
    width: int
    open_quote: bool

    @property
    def reason(self) -> str:
        where = (
            "inside a quoted field"
            if self.open_quote
            else f"after {self.fields} of the header's {self.width} fields"
        )
        return f"truncated row: the file ends mid-row, {where} (an incomplete download?)"


_LEDGER: ContextVar[list[TruncatedRow] | None] = ContextVar("equity_truncated", default=None)


@contextmanager
def truncated_rows() -> Iterator[list[TruncatedRow]]:
    """While open, `read_text_csv` keeps a file's cut-off last row from its reader.

    The registry opens it around every reader, so each file kind treats a truncated file
    alike: the rows before the cut are read, and the registry adds the cut row to the
    result as a rejected row. (Rows merely shorter than the header are normal: DfE leaves
    out trailing blank fields, and writes only the name columns for a new school.)
    """
    token = _LEDGER.set([])
    try:
        ledger = _LEDGER.get()
        assert ledger is not None
        yield ledger
    finally:
        _LEDGER.reset(token)


def _cut_truncated_end(text: str) -> tuple[str, tuple[int, bool] | None]:
    """`text` without a last row that the file's end cut short, and (fields, open quote).

    Only a file that does not end with a line break can end mid-row. DfE files often do
    not, and their rows often have fewer fields than the header (trailing blanks left
    out), so the last record counts as cut when it ends inside a quoted field, or has
    fewer fields than the header and than any other row of the file has.
    """
    if not text or text.endswith(("\n", "\r")) or _ends_with_a_whole_row(text):
        return text, None
    return _cut_by_parsing(text)


def _cut_by_parsing(text: str) -> tuple[str, tuple[int, bool] | None]:
    """`_cut_truncated_end` the slow, sure way: every record parsed to count its fields."""
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(lines)
    starts: list[int] = []
    fields: list[int] = []
    try:
        line = 0
        for row in reader:
            starts.append(line)
            fields.append(len(row))
            line = reader.line_num
    except csv.Error:
        return text, None
    if len(fields) < 2:  # the header alone
        return text, None
    last = "".join(lines[starts[-1] :])
    open_quote = last.count('"') % 2 == 1
    usual = fields[-1] >= fields[0] or fields[-1] in set(fields[1:-1])
    if usual and not open_quote:
        return text, None
    return "".join(lines[: starts[-1]]), (fields[-1], open_quote)


def _ends_with_a_whole_row(text: str) -> bool:
    """True when the last line is plainly a complete row: every quote in the file opens or
    closes a whole quoted field, none is in the last line, and it has at least the header's
    fields. Checked with a few C-speed counts, so a complete 10 MB file need not be parsed
    row by row to learn that."""
    last_break = max(text.rfind("\n"), text.rfind("\r"))
    last = text[last_break + 1 :]
    if last_break < 0 or '"' in last or not _quotes_are_whole_fields(text):
        return False
    try:
        header_fields = len(next(csv.reader(_lines(text))))
    except (csv.Error, StopIteration):
        return False
    return last.count(",") + 1 >= header_fields


def _lines(text: str) -> Iterator[str]:
    """`text`'s lines, with their breaks, one at a time (csv.reader reads only what it needs)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


_QUOTED_FIELD = re.compile(r'"(?:[^"]|"")*"')
_FIELD_ENDS = (",", "\n", "\r")


def _quotes_are_whole_fields(text: str) -> bool:
    """Every quote in `text` is part of a quoted field that starts and ends at a field
    boundary (doubled inside it, as CSV escapes one). A stray quote (`a"b`) makes a reader's
    idea of what is quoted uncertain, so it answers False."""
    quotes = 0
    for match in _QUOTED_FIELD.finditer(text):
        start, end = match.span()
        if start and text[start - 1] not in _FIELD_ENDS:
            return False
        if end < len(text) and text[end] not in _FIELD_ENDS:
            return False
        quotes += text.count('"', start, end)
    return quotes == text.count('"')
