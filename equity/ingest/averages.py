"""England's GCSE averages (england_gcse_alevel_averages.csv, one row).

England ("970", published) ``ks4_attainment8`` (GCSEATT8), ``ks4_basics_95_pct``
(GCSEENGMAT5) and ``ks4_ebacc_aps`` (EBACCSCORE). The values match the state-funded final
figures, the same population as RECTYPE 7 of the provisional file.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.cells import MeasureColumn
from equity.ingest.dfe_common import (
    ENGLAND,
    KS4,
    all_blank,
    file_year,
    header_columns,
    ingest_result,
    mark_duplicates,
    melt,
    read_upper,
)
from equity.schema import ENGLAND_CODE


def _detect_averages(path: Path, header: list[str]) -> bool:
    cols = header_columns(header)
    return bool({"GCSEATT8", "GCSEENGMAT5"} & cols) and "URN" not in cols


_AVERAGE_COLUMNS = [
    MeasureColumn("GCSEATT8", "ks4_attainment8", "all", KS4),
    MeasureColumn("GCSEENGMAT5", "ks4_basics_95_pct", "all", KS4),
    MeasureColumn("EBACCSCORE", "ks4_ebacc_aps", "all", KS4),
]


def read_averages(path: Path, year_hint: str | None) -> IngestResult:
    """England's final averages: the benchmark a school or an LA is read against."""
    frame = read_upper(path, set(), "national averages")
    if not {"GCSEATT8", "GCSEENGMAT5"} & set(frame.columns):
        raise IngestError(f"{path.name}: not a national averages file: no GCSEATT8 column")
    year, notes = file_year(path, year_hint, "the performance-tables year, e.g. 2018-19")
    frame = frame.with_columns(
        pl.lit(ENGLAND_CODE).alias("__entity"),
        pl.lit(ENGLAND).alias("__kind"),
        pl.lit(ENGLAND_CODE).alias("__la"),
        pl.when(all_blank(frame, [c.column for c in _AVERAGE_COLUMNS]))
        .then(pl.lit("row with every figure blank"))
        .otherwise(None)
        .alias("__reason"),
    )
    frame = mark_duplicates(frame)
    kept = frame.filter(pl.col("__reason").is_null())
    results = [melt(kept, _AVERAGE_COLUMNS, year, path.name)]
    notes.append(f"England averages for {year}: state-funded schools, final figures.")
    return ingest_result(path, "national_averages", frame, results, None, notes)


KINDS: list[FileKind] = [
    FileKind(
        "national_averages",
        "England's GCSE and A level averages (one row)",
        (".csv",),
        _detect_averages,
        read_averages,
    ),
]
