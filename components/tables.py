"""Table helpers: CSV bytes of exactly what is shown, and sizes people can read.

`csv_bytes` is the app's only CSV writer: every CSV download goes through it (a test
checks that no other module writes CSV), so every download is safe to open in a
spreadsheet (`neutralised`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Final

import polars as pl

#: Significant digits kept in a float column whose decimals nobody gave: enough for any
#: published figure, index or coordinate here, and no binary noise (37.60000000000001).
SIGNIFICANT: Final = 6


#: What a spreadsheet reads as the start of a formula (OWASP's CSV injection list).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def csv_bytes(frame: pl.DataFrame, decimals: Mapping[str, int] | None = None) -> bytes:
    """UTF-8 with BOM so Excel opens names with accents correctly; floats rounded; text
    that a spreadsheet would run as a formula neutralised (`neutralised`).

    A float column named in `decimals` (a measure's published decimals, say) is rounded to
    that many places, half away from zero as DfE rounds; any other float column to
    SIGNIFICANT significant digits, never into its whole part (1234567.8 -> 1234568).
    """
    safe = neutralised(rounded(frame, decimals))
    return b"\xef\xbb\xbf" + safe.write_csv().encode("utf-8")


def neutral_text(text: str) -> str:
    """`text` with a single quote in front when it starts like a formula (OWASP's rule)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every text cell (and column name) that starts with =, +, -, @, tab or
    carriage return prefixed with a single quote, so a school name such as
    `=HYPERLINK(...)` is shown as text in Excel, LibreOffice or Sheets instead of run.

    Only text is changed: numeric columns keep their numbers (a negative gap stays -5.2),
    while "-5" in a text column is text and gets the quote like any other label.
    Categorical and enum columns are text to a spreadsheet too, so they are cast to text.
    """
    starts = "^[" + "".join(re.escape(c) for c in FORMULA_STARTS) + "]"
    columns = [
        pl.col(name)
        .cast(pl.String)
        .pipe(lambda c: pl.when(c.str.contains(starts)).then(pl.lit("'") + c).otherwise(c))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)
    ]
    safe = frame.with_columns(columns) if columns else frame
    names = {name: neutral_text(name) for name in safe.columns if neutral_text(name) != name}
    return safe.rename(names) if names else safe


def rounded(frame: pl.DataFrame, decimals: Mapping[str, int] | None = None) -> pl.DataFrame:
    """`frame` with every float column rounded as csv_bytes writes it."""
    places = dict(decimals or {})
    columns = [
        pl.col(name).round(places[name], mode="half_away_from_zero")
        if name in places
        else pl.Series(name, [significant(v) for v in frame[name].to_list()], dtype=dtype)
        for name, dtype in frame.schema.items()
        if dtype.is_float()
    ]
    return frame.with_columns(columns) if columns else frame


def significant(value: float | None, digits: int = SIGNIFICANT) -> float | None:
    """`value` to `digits` significant digits (exactly, at any magnitude), but whole numbers
    from 10 ** (digits - 1) up to the unit, half away from zero."""
    if value is None or not math.isfinite(value):
        return value
    if abs(value) >= 10 ** (digits - 1):
        return math.copysign(math.floor(abs(value) + 0.5), value)
    return float(f"{value:.{digits - 1}e}")


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def status_text(value: float | None, status: str | None, decimals: int = 1) -> str:
    """A cell as a reader should see it: the number, or why there is none."""
    labels = {
        "suppressed": "suppressed",
        "not_published": "not published",
        "not_applicable": "n/a",
        "not_entered": "no pupils entered",
        "low_coverage": "low coverage",
        "new": "new school",
        "missing": "no data",
    }
    if value is not None and status in (None, "value"):
        return f"{value:.{decimals}f}"
    return labels.get(status or "missing", str(status))
