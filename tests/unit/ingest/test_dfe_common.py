"""Detection and the store contract, for all six all-England kinds (equity/ingest/dfe_common.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from equity.ingest import (
    ks4_provisional,
)
from equity.schema import (
    MEASURES,
    REJECTED_SCHEMA,
    RESULTS_SCHEMA,
    SCHOOLS_SCHEMA,
    PupilGroup,
)

from .dfe_files import (
    KINDS,
    REAL_FILES,
    TINY_FILES,
    detected,
    read,
)

# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(("name", "kind"), sorted(REAL_FILES.items()))
def test_each_real_file_is_claimed_by_its_own_detector_only(
    real: Path, name: str, kind: str
) -> None:
    assert detected(real / name) == [kind]


@pytest.mark.parametrize(("name", "kind"), sorted(TINY_FILES.items()))
def test_each_tiny_file_is_claimed_by_its_own_detector_only(
    tiny: Path, name: str, kind: str
) -> None:
    assert detected(tiny / name) == [kind]


def test_no_national_detector_claims_the_other_sources(sources: Path) -> None:
    """The full KS4 performance tables share ATT8SCR/P8MEA/P8CILOW with the provisional file."""
    others = [
        p
        for p in sorted(sources.rglob("*.csv"))
        if "national-2018-19" not in p.parts
        and "national" not in p.parent.name
        # later years of the same kinds; their meta (column dictionaries) stay in
        and not ("performance-downloads" in p.parts and not p.parent.name.startswith("meta"))
    ]
    assert any("ks4final" in p.name for p in others)
    claimed = {p.name: detected(p) for p in others}
    assert {name: kinds for name, kinds in claimed.items() if kinds} == {}


def test_detection_reads_the_header_not_the_name(tiny: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "england_census.csv"
    shutil.copy(tiny / "absence_small.csv", renamed)
    assert detected(renamed) == ["school_absence"]


def test_kinds_are_registered_once_each() -> None:
    assert [k.name for k in KINDS] == [
        "school_census",
        "ks4_provisional",
        "ks4_destinations",
        "school_absence",
        "school_locations",
        "national_averages",
    ]
    assert all(k.suffixes == (".csv",) for k in KINDS)


# --------------------------------------------------------------------------- every real file


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_files_keep_the_store_contract(real: Path, name: str) -> None:
    result = read(real / name)
    assert result.rows_read == result.rows_stored + result.rejected.height
    assert dict(result.results.schema) == RESULTS_SCHEMA
    assert dict(result.schools.schema) == SCHOOLS_SCHEMA
    assert dict(result.rejected.schema) == REJECTED_SCHEMA
    known = set(MEASURES) | set(ks4_provisional.NEW_MEASURES)
    assert set(result.results["measure"].unique()) <= known
    assert set(result.results["pupil_group"].unique()) <= {str(g) for g in PupilGroup}
    assert not result.results["status"].str.starts_with("unknown:").any()
    # A number only ever comes with status "value"; every other status has no number.
    statuses = result.results.select(
        (pl.col("value").is_not_null() == (pl.col("status") == "value")).all()
    ).item()
    assert statuses
    # "NA" is a status, never a zero.
    na = result.results.filter(pl.col("original") == "NA")
    assert na["value"].null_count() == na.height
    assert set(na["status"].unique()) <= {"not_applicable"}
    assert result.rejected["reason"].null_count() == 0
    assert result.schools["urn"].is_duplicated().sum() == 0
    assert result.notes
