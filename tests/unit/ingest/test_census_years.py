"""The census reader on every year's header (performance-downloads/): facts off the CSVs.

School 105560 (Manchester): Jan 2018 NOR 1758, PNUMFSM 21.5, NUMFSMEVER 797.5, PNUMFSMEVER
46.8; Jan 2021 NOR 1823, NUMFSM 598, NUMFSMEVER 763, PNUMFSMEVER "41.9%"; Jan 2023 NOR 1822,
NUMFSM 753, NUMFSMEVER 800, NORFSMEVER 1773, PNUMFSMEVER "45.1%".
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equity.ingest import census
from equity.ingest.base import IngestResult
from equity.ingest.registry import read_file

from .dfe_files import one

YEARS = {
    "2017-2018": ("2017/18", 23556, 2),
    "2020-2021": ("2020/21", 24416, 3),
    "2022-2023": ("2022/23", 24436, 3),
    "2023-2024": ("2023/24", 24447, 3),
}


@pytest.fixture(scope="module")
def downloads(sources: Path) -> Path:
    return sources / "performance-downloads"


@pytest.fixture(scope="module")
def by_year(downloads: Path) -> dict[str, IngestResult]:
    return {folder: read_file(downloads / folder / "england_census.csv") for folder in YEARS}


@pytest.mark.parametrize("folder", sorted(YEARS))
def test_year_from_the_folder_and_national_rows_rejected(
    by_year: dict[str, IngestResult], folder: str
) -> None:
    year, rows, national = YEARS[folder]
    result = by_year[folder]
    assert result.kind == "school_census"
    assert result.academic_years == [year]
    assert result.rows_read == rows
    # January 2018 also lists URN 141353 twice: the second row is rejected as a duplicate.
    assert result.rejected.height == national + (folder == "2017-2018")
    national_rows = result.rejected.filter(pl.col("reason").str.starts_with("England total for"))
    assert national_rows.height == national
    assert not result.results["status"].str.starts_with("unknown:").any()


def test_january_2018_has_no_school_type_and_only_the_fsm_share(
    by_year: dict[str, IngestResult],
) -> None:
    result = by_year["2017-2018"]
    assert result.schools["school_type"].null_count() == result.schools.height
    # The phase its establishment number implies (4271: a secondary range), nothing more.
    school = one(result.schools, urn="105560")
    assert (school["phase"], school["is_state_funded"]) == ("secondary", True)
    assert one(result.schools, urn="100001")["phase"] is None  # ESTAB 6005, independent range
    res = result.results.filter(pl.col("entity") == "105560")
    assert one(res, measure="pct_fsm")["value"] == 21.5
    assert one(res, measure="pct_fsm")["pupils"] == 1758
    assert res.filter((pl.col("measure") == "pupils") & (pl.col("pupil_group") == "fsm")).is_empty()
    ever = one(res, measure="pct_ever_fsm")
    assert (ever["value"], ever["pupils"]) == (46.8, 1704)  # 797.5 x 100 / 46.8
    assert any("No SCHOOLTYPE" in note for note in result.notes)


def test_january_2021_shares_carry_percent_and_are_of_nor(
    by_year: dict[str, IngestResult],
) -> None:
    result = by_year["2020-2021"]
    res = result.results.filter(pl.col("entity") == "105560")
    ever = one(res, measure="pct_ever_fsm")
    assert (ever["value"], ever["original"], ever["pupils"]) == (41.9, "41.9%", 1821)
    fsm = one(res, measure="pct_fsm")
    assert (fsm["value"], fsm["pupils"], fsm["original"]) == (32.8, 1823, "598/1823")
    assert any("series break" in note for note in result.notes)


def test_from_2023_the_denominator_is_published(by_year: dict[str, IngestResult]) -> None:
    res = by_year["2022-2023"].results.filter(pl.col("entity") == "105560")
    ever = one(res, measure="pct_ever_fsm")
    assert (ever["value"], ever["pupils"]) == (45.1, 1773)  # NORFSMEVER, not 800/45.1%
    assert one(res, measure="pct_fsm")["value"] == 41.3  # 753 / 1822
    # Estab (not ESTAB) and the misspelt PNUMUNCLF read like any other year.
    jan24 = by_year["2023-2024"]
    assert jan24.schools.height == 24444
    assert set(jan24.schools["school_type"].drop_nulls()) >= {
        "State-funded primary",
        "State-funded secondary",
    }


def test_state_funded_ap_schools_have_a_phase(by_year: dict[str, IngestResult]) -> None:
    ap = by_year["2023-2024"].schools.filter(pl.col("school_type") == "State-funded AP school")
    assert ap.height > 0
    assert set(ap["phase"]) == {"other"} and ap["is_state_funded"].all()


@settings(max_examples=60, deadline=None)
@given(
    nor=st.integers(min_value=0, max_value=3000),
    fsm=st.one_of(st.integers(min_value=0, max_value=3000), st.sampled_from(["NA", "NP", "x"])),
)
def test_pct_fsm_is_numfsm_over_nor_or_no_value(
    tmp_path_factory: pytest.TempPathFactory, nor: int, fsm: int | str
) -> None:
    """Any NOR and NUMFSM: a share only when both are numbers and NOR > 0, never 0 for a
    school with no pupils, and a status code stays a status."""
    if isinstance(fsm, int):
        fsm = min(fsm, nor)
    folder = tmp_path_factory.mktemp("census") / "2019-2020"
    folder.mkdir()
    path = folder / "england_census.csv"
    path.write_text(
        "URN,LA,SCHOOLTYPE,NOR,NUMFSM,NUMFSMEVER,PNUMFSMEVER\n"
        f"100000,352,State-funded primary,{nor},{fsm},5,10.0\n"
    )
    result = census.read_census(path, "2019/20")
    row = one(result.results, measure="pct_fsm")
    if isinstance(fsm, str):
        assert row["value"] is None and row["status"] != "value"
    elif nor == 0:
        assert (row["value"], row["status"]) == (None, "missing")
    else:
        assert abs(row["value"] - fsm * 100 / nor) <= 0.05 + 1e-9  # to one decimal
        assert row["pupils"] == nor
    ever = one(result.results, measure="pct_ever_fsm")
    assert ever["pupils"] == 50  # 5 x 100 / 10.0
