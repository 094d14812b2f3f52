"""queries.school_counts: one count basis for a whole selection, never a mix.

A group of LAs (Greater Manchester) gets KS cohort counts only when every member LA has a
performance file for the year and phase; otherwise every member gets the census. The store
is built from small files written here, so each expected count is worked out by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from equity.ingest.runner import ingest_paths
from equity.queries import school_counts
from equity.store import Store

YEAR = "2018/19"
CENSUS_HEADER = "URN,LA,SCHOOLTYPE,NOR,NUMFSMEVER,PNUMFSMEVER"
# Two state-funded secondaries per LA. f = NUMFSMEVER; n = NUMFSMEVER x 100 / PNUMFSMEVER - f.
CENSUS_ROWS = [
    "200001,350,State-funded secondary,1000,50,25",  # f 50, n 200 - 50 = 150
    "200002,350,State-funded secondary,800,40,10",  # f 40, n 400 - 40 = 360
    "200003,351,State-funded secondary,900,90,30",  # f 90, n 300 - 90 = 210
    "200004,351,State-funded secondary,700,20,20",  # f 20, n 100 - 20 = 80
]
KS4_HEADER = "RECTYPE,LEA,URN,SCHNAME,NFTYPE,TPUP,TFSM6CLA1A,TNOTFSM6CLA1A,ATT8SCR"


def ks4_file(folder: Path, la: str, rows: list[tuple[str, int, int]]) -> Path:
    path = folder / f"2018-2019_{la}_ks4final.csv"
    lines = [KS4_HEADER] + [
        f"1,{la},{urn},School {urn},ACC,{f + n},{f},{n},45.0" for urn, f, n in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    census = tmp_path / "2018-2019" / "england_census.csv"
    census.parent.mkdir()
    census.write_text("\n".join([CENSUS_HEADER, *CENSUS_ROWS]) + "\n", encoding="utf-8")
    return {
        "census": census,
        # KS4 cohorts (differ from the census on purpose): f + n = TPUP.
        "350": ks4_file(tmp_path, "350", [("200001", 30, 170), ("200002", 20, 180)]),
        "351": ks4_file(tmp_path, "351", [("200003", 60, 140), ("200004", 10, 190)]),
    }


def counts_of(store_path: Path, la_codes: list[str]) -> tuple[dict[str, tuple[float, float]], str]:
    counts, basis = school_counts(Store.open(store_path), la_codes, YEAR, "secondary")
    rows = {urn: (f, n) for urn, _la, f, n in counts.sort("urn").iter_rows()}
    return rows, basis.kind


def test_a_group_with_one_member_missing_its_ks4_file_uses_the_census_for_all(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    store = tmp_path / "store"
    ingest_paths([files["census"], files["350"]], store)
    counts, basis = counts_of(store, ["350", "351"])
    assert basis == "census"
    assert counts == {
        "200001": (50, 150),
        "200002": (40, 360),
        "200003": (90, 210),
        "200004": (20, 80),
    }
    _, detail = school_counts(Store.open(store), ["350", "351"], YEAR, "secondary")
    # Plain words on screen; the missing file and DfE's column names in the detail.
    assert "not loaded for every LA here in 2018/19" in detail.description
    assert "NUMFSMEVER" not in detail.description
    assert "no ks4_performance file for 351 in 2018/19" in detail.codes
    # The member that has its file still uses it on its own.
    alone, basis_alone = counts_of(store, ["350"])
    assert basis_alone == "ks4_cohort"
    assert alone == {"200001": (30, 170), "200002": (20, 180)}


def test_a_group_where_every_member_has_its_ks4_file_uses_the_cohorts(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    store = tmp_path / "store"
    ingest_paths([files["census"], files["350"], files["351"]], store)
    counts, basis = counts_of(store, ["350", "351"])
    assert basis == "ks4_cohort"
    assert counts == {
        "200001": (30, 170),
        "200002": (20, 180),
        "200003": (60, 140),
        "200004": (10, 190),
    }


def test_the_primary_phase_is_judged_on_ks2_files(tmp_path: Path, files: dict[str, Path]) -> None:
    """KS4 files for every member say nothing about primary schools: no primary counts."""
    store = tmp_path / "store"
    ingest_paths([files["census"], files["350"], files["351"]], store)
    counts, basis = school_counts(Store.open(store), ["350", "351"], YEAR, "primary")
    assert counts.is_empty() and basis.kind == "none"
