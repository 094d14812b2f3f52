"""Helpers shared by the all-England DfE file tests: the six kinds, detection and reading.

The tiny files under tests/data/national/ hold a few real rows (Trafford, LA 358) beside
made-up ones, so each status code, aggregate row and bad row appears once and the expected
answer can be read off the file.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from equity.ingest import (
    absence,
    averages,
    ks4_provisional,
    locations,
)
from equity.ingest import census as census_kind
from equity.ingest import destinations as destinations_kind
from equity.ingest.base import IngestResult
from equity.ingest.csvfile import read_header

#: The six all-England kinds, one module each (they were one national.py).
KINDS = [
    *census_kind.KINDS,
    *ks4_provisional.KINDS,
    *destinations_kind.KINDS,
    *absence.KINDS,
    *locations.KINDS,
    *averages.KINDS,
]
KIND_BY_NAME = {kind.name: kind for kind in KINDS}
HINT = "2018/19"

REAL_FILES = {
    "england_census.csv": "school_census",
    "england_ks4provisional.csv": "ks4_provisional",
    "england_ks4-pupdest.csv": "ks4_destinations",
    "england_abs.csv": "school_absence",
    "england_ks2final.csv": "school_locations",
    "england_ks4final.csv": "school_locations",
    "england_ks5final.csv": "school_locations",
    "england_gcse_alevel_averages.csv": "national_averages",
}
TINY_FILES = {
    "census_small.csv": "school_census",
    "ks4_results_small.csv": "ks4_provisional",
    "destinations_small.csv": "ks4_destinations",
    "destinations_fractions.csv": "ks4_destinations",
    "absence_small.csv": "school_absence",
    "locations_ks2_small.csv": "school_locations",
    "locations_ks4_small.csv": "school_locations",
    "averages_small.csv": "national_averages",
}


def detected(path: Path) -> list[str]:
    header = read_header(path)
    return [kind.name for kind in KINDS if kind.detect(path, header)]


def read(path: Path, year_hint: str | None = HINT) -> IngestResult:
    (name,) = detected(path)
    result = KIND_BY_NAME[name].read(path, year_hint)
    result.check_accounting()
    return result


def one(results: pl.DataFrame, **where: str) -> dict[str, object]:
    rows = results.filter(*(pl.col(k) == v for k, v in where.items()))
    assert rows.height == 1, f"{where}: {rows.height} rows"
    return rows.row(0, named=True)


def reasons(result: IngestResult) -> dict[int, str]:
    return dict(result.rejected.select("row", "reason").iter_rows())
