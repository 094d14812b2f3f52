"""KS4 provisional results for every school, LA and England (england_ks4provisional.csv).

Key stage "ks4": ``ks4_attainment8``, ``ks4_progress8`` (pupils P8PUP),
``ks4_progress8_ci_lower`` / ``ks4_progress8_ci_upper`` (P8CILOW / P8CIUPP, the 95% confidence
limits of the adjusted Progress 8 score), ``ks4_basics_94_pct``, ``ks4_basics_95_pct``,
``ks4_ebacc_aps`` and ``pupils`` (TPUP). P8MEA is DfE's headline score, in which extreme
negative pupil scores are capped (2018 methodology); the unadjusted P8MEA_ORIG is not stored.
The figures are provisional, so `source` always contains the word "provisional" and a note
says so: a consumer that also loads final figures for the same schools can tell them apart.
RECTYPE 4 rows are the LA, RECTYPE 7 is England's state-funded total (stored as England,
"970", the figure DfE and LAIT quote); RECTYPE 5 is England including independent schools
and is rejected so that England has one figure per measure.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.cells import MeasureColumn
from equity.ingest.dfe_common import (
    ENGLAND,
    KS4,
    LA,
    SCHOOL,
    file_year,
    header_columns,
    ingest_result,
    melt,
    read_upper,
    rectype_rows,
    secondary_schools,
)

#: Measures this module stores that `schema.MEASURES` does not (yet) define.
NEW_MEASURES: tuple[str, ...] = ("ks4_progress8_ci_lower", "ks4_progress8_ci_upper")


def _detect_ks4_provisional(path: Path, header: list[str]) -> bool:
    """The slim provisional layout, not the 400+ column final file with disadvantage splits."""
    cols = header_columns(header)
    return (
        {"RECTYPE", "URN", "ATT8SCR", "P8MEA"} <= cols
        and bool({"LEA", "LA"} & cols)
        and bool({"P8CILOW", "P8PUP", "TPUP"} & cols)
        and "LATITUDE" not in cols
        and not any("FSM6CLA1A" in c for c in cols)
        and len(cols) <= 60
    )


_KS4_PROVISIONAL_COLUMNS = [
    MeasureColumn("ATT8SCR", "ks4_attainment8", "all", KS4, pupils_column="TPUP"),
    MeasureColumn("P8MEA", "ks4_progress8", "all", KS4, pupils_column="P8PUP"),
    MeasureColumn("P8CILOW", "ks4_progress8_ci_lower", "all", KS4, pupils_column="P8PUP"),
    MeasureColumn("P8CIUPP", "ks4_progress8_ci_upper", "all", KS4, pupils_column="P8PUP"),
    MeasureColumn("PTL2BASICS_94", "ks4_basics_94_pct", "all", KS4, pupils_column="TPUP"),
    MeasureColumn("PTL2BASICS_95", "ks4_basics_95_pct", "all", KS4, pupils_column="TPUP"),
    MeasureColumn("EBACCAPS", "ks4_ebacc_aps", "all", KS4, pupils_column="TPUP"),
    MeasureColumn("TPUP", "pupils", "all", KS4),
]


def provisional_source(name: str) -> str:
    """Provisional rows must be recognisable from `source` alone, whatever the file is called."""
    return name if "provisional" in name.lower() else f"{name} (provisional)"


def read_ks4_provisional(path: Path, year_hint: str | None) -> IngestResult:
    """The only all-England KS4 file with LA codes and Progress 8 confidence limits."""
    frame = read_upper(path, {"RECTYPE", "URN"}, "KS4 provisional results")
    if not {"LEA", "LA"} & set(frame.columns):
        raise IngestError(f"{path.name}: not a KS4 provisional file: no column LEA")
    year, notes = file_year(path, year_hint, "for GCSEs taken in summer 2019 use 2018-19")
    source = provisional_source(path.name)
    frame = rectype_rows(
        frame,
        kinds={"1": SCHOOL, "2": SCHOOL, "": SCHOOL, "4": LA, "7": ENGLAND},
        refused={
            "5": "England total including independent schools: England is stored once, as "
            "the state-funded total (RECTYPE 7)"
        },
        measure_cells=[c.column for c in _KS4_PROVISIONAL_COLUMNS],
    )
    kept = frame.filter(pl.col("__reason").is_null())
    results = [melt(kept, _KS4_PROVISIONAL_COLUMNS, year, source)]
    notes.append(
        f"PROVISIONAL KS4 results for {year}: DfE revises them in the final tables, so their "
        f"rows carry source '{source}'; prefer final figures where both exist. Progress 8 is "
        "the adjusted headline score (P8MEA); its 95% confidence limits are stored as "
        "ks4_progress8_ci_lower / ks4_progress8_ci_upper."
    )
    return ingest_result(
        path, "ks4_provisional", frame, results, secondary_schools(kept, source), notes
    )


KINDS: list[FileKind] = [
    FileKind(
        "ks4_provisional",
        "KS4 provisional results for every school, LA and England (slim 25-column file)",
        (".csv",),
        _detect_ks4_provisional,
        read_ks4_provisional,
    ),
]
