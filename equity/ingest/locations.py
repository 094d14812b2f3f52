"""School lists with coordinates (trimmed england_ks2final / ks4final / ks5final.csv).

The schools table with name, postcode, latitude/longitude and phase (Primary, Secondary,
Post16 -> primary, secondary, 16 plus), but no LA code. Result columns ride along as school
rows with a null LA (KS2 READPROG / WRITPROG / MATPROG; KS4 ATT8SCR / P8MEA / PTL2BASICS_95 /
EBACCAPS); KS5 value-added has no canonical measure and is not stored. `source` is the file
name, so these final KS4 figures stay distinguishable from the provisional ones.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from equity.ingest.base import FileKind, IngestResult
from equity.ingest.cells import MeasureColumn, value_expr
from equity.ingest.dfe_common import (
    KS4,
    file_year,
    header_columns,
    ingest_result,
    melt,
    optional,
    read_upper,
    school_list,
    schools_frame,
)


def _detect_locations(path: Path, header: list[str]) -> bool:
    return {"URN", "SCHNAME", "LATITUDE", "LONGITUDE", "PHASE"} <= header_columns(header)


_LOCATION_COLUMNS = [
    MeasureColumn("READPROG", "ks2_reading_progress", "all", "ks2"),
    MeasureColumn("WRITPROG", "ks2_writing_progress", "all", "ks2"),
    MeasureColumn("MATPROG", "ks2_maths_progress", "all", "ks2"),
    MeasureColumn("ATT8SCR", "ks4_attainment8", "all", KS4),
    MeasureColumn("P8MEA", "ks4_progress8", "all", KS4),
    MeasureColumn("PTL2BASICS_95", "ks4_basics_95_pct", "all", KS4),
    MeasureColumn("EBACCAPS", "ks4_ebacc_aps", "all", KS4),
]

_PHASES = {"primary": "primary", "secondary": "secondary", "post16": "16 plus"}


def _coordinates() -> tuple[pl.Expr, pl.Expr]:
    """Latitude and longitude inside England's bounding box, or both null.

    A pair is kept or dropped whole: longitude 0 is Greenwich, so only the pair tells a
    real point from a blank a spreadsheet filled with zeros.
    """
    lat, lon = value_expr("LATITUDE"), value_expr("LONGITUDE")
    inside = lat.is_between(49.0, 56.5) & lon.is_between(-7.0, 2.5)
    return (
        pl.when(inside).then(lat).otherwise(None),
        pl.when(inside).then(lon).otherwise(None),
    )


def read_locations(path: Path, year_hint: str | None) -> IngestResult:
    """The trimmed files are the only source of coordinates for all of England's schools."""
    frame = read_upper(path, {"URN", "SCHNAME", "LATITUDE", "LONGITUDE", "PHASE"}, "school list")
    year, notes = file_year(path, year_hint, "the performance-tables year, e.g. 2018-19")
    source = path.name
    frame = school_list(frame)
    kept = frame.filter(pl.col("__reason").is_null())
    results = [melt(kept, _LOCATION_COLUMNS, year, source)]
    school_type = optional(kept, "SCHTYPE")
    lat, lon = _coordinates()
    phase = optional(kept, "PHASE").str.to_lowercase().str.replace_all(r"[\s_-]", "")
    is_special = (school_type.str.to_lowercase() == "special school").fill_null(False) | (
        optional(kept, "RECTYPE") == "2"
    ).fill_null(False)
    schools = schools_frame(
        kept,
        source,
        urn=pl.col("__entity"),
        name=optional(kept, "SCHNAME"),
        postcode=optional(kept, "PCODE").str.to_uppercase(),
        lat=lat,
        lon=lon,
        phase=phase.replace_strict(_PHASES, default=None, return_dtype=pl.String),
        school_type=school_type,
        is_special=is_special,
        is_state_funded=pl.when(school_type.is_in(["Academy", "Maintained school"]))
        .then(True)
        .when(school_type == "Independent school")
        .then(False)
        .otherwise(None),
    )
    notes.append(
        f"School list stored as {year}. It has no LA code: its schools reach an LA through "
        f"the census, by URN. Its results are final figures with source '{source}', apart "
        "from any provisional ones; KS5 value-added columns are not stored."
    )
    return ingest_result(path, "school_locations", frame, results, schools, notes)


KINDS: list[FileKind] = [
    FileKind(
        "school_locations",
        "School list with coordinates and headline results (trimmed KS2/KS4/KS5 files)",
        (".csv",),
        _detect_locations,
        read_locations,
    ),
]
