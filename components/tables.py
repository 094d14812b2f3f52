"""Table helpers: CSV bytes of exactly what is shown, and sizes people can read."""

from __future__ import annotations

import polars as pl


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8 with BOM so Excel opens names with accents correctly."""
    return b"\xef\xbb\xbf" + frame.write_csv().encode("utf-8")


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
