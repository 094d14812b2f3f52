"""School absence (england_abs.csv): overall and persistent absence for every school.

Key stage "absence": ``absence_overall_pct`` (PERCTOT) and ``absence_persistent_pct``
(PPERSABS10). SOURCES.md calls this file 2017-18, but its own England rows (primary 4.0%,
secondary 5.5%, special 10.1%) are the figures DfE published for 2018/19 (2017/18 was 4.2%
primary and 10.2% special, per the "Pupil absence in schools in England 2018/19" release), so
there is nothing to justify overriding the folder's year: the file's year comes from the
folder or file name like every other kind, and a note records the discrepancy. Its "NAT"
rows are per school type and rejected: the results table has no phase.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from equity.ingest.base import FileKind, IngestResult
from equity.ingest.cells import MeasureColumn
from equity.ingest.dfe_common import (
    file_year,
    header_columns,
    ingest_result,
    melt,
    optional,
    read_upper,
    school_list,
    urn_expr,
)


def _detect_absence(path: Path, header: list[str]) -> bool:
    return {"URN", "PERCTOT", "PPERSABS10"} <= header_columns(header)


_ABSENCE_COLUMNS = [
    MeasureColumn("PERCTOT", "absence_overall_pct", "all", "absence"),
    MeasureColumn("PPERSABS10", "absence_persistent_pct", "all", "absence"),
]


def read_absence(path: Path, year_hint: str | None) -> IngestResult:
    """Absence takes its year like every kind here; the module docstring says why."""
    frame = read_upper(path, {"URN", "PERCTOT", "PPERSABS10"}, "school absence")
    year, notes = file_year(path, year_hint, "the academic year the absence covers")
    national = pl.format(
        "England total for one school type ({}) only: the results table has no phase, so "
        "it would read as all schools",
        optional(frame, "ESTAB").fill_null("?"),
    )
    is_national = (optional(frame, "LA").str.to_uppercase() == "NAT") & urn_expr("URN").is_null()
    frame = school_list(frame, pl.when(is_national).then(national).otherwise(None))
    kept = frame.filter(pl.col("__reason").is_null())
    results = [melt(kept, _ABSENCE_COLUMNS, year, path.name)]
    notes.append(
        f"Absence stored as {year}, the year of its folder or file name, as the file does not "
        "state one. SOURCES.md calls the 2018-19 bundle's absence 2017-18, but that file's "
        "England rows (primary 4.0%, secondary 5.5%, special 10.1%) match DfE's 2018/19 "
        "release, not 2017/18's (primary 4.2%, special 10.2%)."
    )
    return ingest_result(path, "school_absence", frame, results, None, notes)


KINDS: list[FileKind] = [
    FileKind(
        "school_absence",
        "School absence: overall and persistent absence rates for every school",
        (".csv",),
        _detect_absence,
        read_absence,
    ),
]
