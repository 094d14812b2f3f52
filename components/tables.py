"""Table helpers: CSV bytes of exactly what is shown, and sizes people can read."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

import polars as pl

#: Significant digits kept in a float column whose decimals nobody gave: enough for any
#: published figure, index or coordinate here, and no binary noise (37.60000000000001).
SIGNIFICANT: Final = 6


def csv_bytes(frame: pl.DataFrame, decimals: Mapping[str, int] | None = None) -> bytes:
    """UTF-8 with BOM so Excel opens names with accents correctly; floats rounded.

    A float column named in `decimals` (a measure's published decimals, say) is rounded to
    that many places, half away from zero as DfE rounds; any other float column to
    SIGNIFICANT significant digits, never into its whole part (1234567.8 -> 1234568).
    """
    return b"\xef\xbb\xbf" + rounded(frame, decimals).write_csv().encode("utf-8")


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
