"""The school census reader (equity/ingest/census.py), 2018/19 and tiny files."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from equity.ingest import census as census_kind
from equity.ingest import (
    dfe_common,
)
from equity.ingest.base import IngestError, IngestResult
from equity.schema import (
    GREATER_MANCHESTER,
)

from .dfe_files import (
    detected,
    one,
    read,
    reasons,
)

# --------------------------------------------------------------------------- school census


def test_census_covers_greater_manchester(census: IngestResult) -> None:
    gm = census.schools.filter(pl.col("la_code").is_in(list(GREATER_MANCHESTER)))
    assert gm.height == 1208
    assert sorted(gm["la_code"].unique()) == sorted(GREATER_MANCHESTER)
    assert one(gm.group_by("la_code").len(), la_code="358")["len"] == 102  # Trafford


def test_census_accounting_and_national_rows(census: IngestResult) -> None:
    assert census.rows_read == 23942
    assert census.rows_stored == 23939
    assert census.schools.height == 23939
    assert census.rejected.height == 3
    assert all("England total for State-funded" in r for r in census.rejected["reason"])
    assert census.academic_years == ["2018/19"]
    assert not census.results["published"].any()
    assert set(census.results["key_stage"].unique()) == {"census"}


def test_census_values_of_one_trafford_school(census: IngestResult) -> None:
    """URN 106283 (Trafford): NOR 451, NUMFSMEVER 27 (6.5%), SEN support 62 + EHC plan 4."""
    rows = census.results.filter(pl.col("entity") == "106283")
    assert one(rows, measure="pupils", pupil_group="fsm6")["value"] == 27
    assert one(rows, measure="pct_ever_fsm", pupil_group="all")["value"] == 6.5
    assert one(rows, measure="pupils", pupil_group="fsm")["value"] == 11
    assert one(rows, measure="pupils", pupil_group="all")["value"] == 451
    assert one(rows, measure="pupils", pupil_group="girls")["value"] == 221
    assert one(rows, measure="pupils", pupil_group="eal")["value"] == 88
    assert one(rows, measure="pct_eal", pupil_group="all")["value"] == 19.5
    sen = one(rows, measure="pct_sen", pupil_group="all")
    assert (sen["value"], sen["original"], sen["pupils"]) == (14.6, "13.7+0.9", 451)
    assert one(rows, measure="pct_sen_ehcp", pupil_group="all")["value"] == 0.9
    assert one(rows, measure="pupils", pupil_group="sen")["value"] == 66
    assert rows["la_code"].unique().to_list() == ["358"]
    school = one(census.schools, urn="106283")
    assert school["name"] is None
    assert (school["phase"], school["is_state_funded"], school["pupils"]) == ("primary", True, 451)


def test_census_na_cells_are_not_applicable(census: IngestResult) -> None:
    """URN 100001 (independent): FSM and EAL are NA in the file."""
    fsm = one(census.results, entity="100001", measure="pupils", pupil_group="fsm6")
    assert (fsm["value"], fsm["status"], fsm["original"]) == (None, "not_applicable", "NA")
    # SEN support is 58 but the EHC plan count is 0 here: the sum is a real value.
    assert one(census.results, entity="100001", measure="pupils", pupil_group="sen")["value"] == 58
    pru = one(census.schools, urn="103769")  # a PRU whose whole row is NA
    assert pru["pupils"] is None
    assert (pru["phase"], pru["is_state_funded"]) == ("other", True)


def test_census_phases_and_funding(census: IngestResult) -> None:
    by_type = {
        row["school_type"]: (row["phase"], row["is_special"], row["is_state_funded"])
        for row in census.schools.unique("school_type").iter_rows(named=True)
    }
    assert by_type == {
        "State-funded primary": ("primary", False, True),
        "State-funded secondary": ("secondary", False, True),
        "State-funded special school": ("special", True, True),
        "Non-maintained special school": ("special", True, False),
        "State-funded nursery": ("nursery", False, True),
        "Pupil referral unit": ("other", False, True),
        "Independent school": ("other", False, False),
    }


def test_census_pct_sen_never_exceeds_100(census: IngestResult) -> None:
    """URN 106166 publishes 6.3 + 93.8: two rounded shares that add to 100.1."""
    sen = census.results.filter(pl.col("measure") == "pct_sen")
    assert sen["value"].max() == 100.0
    row = one(sen, entity="106166")
    assert (row["value"], row["original"]) == (100.0, "6.3+93.8")


def test_census_without_a_year_says_how_to_name_it(real: Path) -> None:
    with pytest.raises(IngestError, match=r"england_census\.csv.*2018-19") as error:
        census_kind.read_census(real / "england_census.csv", None)
    assert "folder" in str(error.value)
    assert "2018-19_england_census.csv" in str(error.value)


def test_tiny_census_rows(tiny: Path) -> None:
    result = read(tiny / "census_small.csv")
    assert (result.rows_read, result.rows_stored) == (9, 5)
    assert reasons(result) == {
        6: "duplicate URN",
        7: "bad URN 'ABC'",
        8: "missing URN",
        9: "England total for State-funded primary only: the results table has no phase, "
        "so it would read as all schools",
    }
    # The first 100000 (LA 350) wins over the duplicate in LA 351.
    assert one(result.schools, urn="100000")["la_code"] == "350"
    res = result.results
    assert one(res, entity="100000", measure="pct_sen")["value"] == 17.0
    assert one(res, entity="100000", measure="pupils", pupil_group="sen")["value"] == 34
    assert one(res, entity="100000", measure="pct_ever_fsm")["value"] == 25.5
    # NA + a number carries NA's status; a number + NA likewise.
    independent = one(res, entity="100001", measure="pct_sen")
    assert (independent["value"], independent["status"]) == (None, "not_applicable")
    assert independent["original"] == "10+NA"
    assert one(res, entity="100002", measure="pct_sen")["value"] == 100.0
    pru = res.filter(pl.col("entity") == "100003")
    assert pru["value"].null_count() == pru.height
    assert set(pru["status"]) == {"not_applicable"}
    assert one(result.schools, urn="100004")["is_state_funded"] is False


def test_year_from_the_file_name_beats_a_missing_or_other_hint(tiny: Path, tmp_path: Path) -> None:
    named = tmp_path / "2017-18_census.csv"
    shutil.copy(tiny / "census_small.csv", named)
    assert read(named, None).academic_years == ["2017/18"]
    result = read(named, "2018-19")
    assert result.academic_years == ["2017/18"]
    assert any("file name" in note for note in result.notes)
    assert dfe_common.year_from_name("england_census_201819.csv") == "2018/19"
    assert dfe_common.year_from_name("england_census_850.csv") is None


def test_excel_resaved_census_still_reads(tiny: Path, tmp_path: Path) -> None:
    """Lower-case headers, URN 100000.0 and LA 5: a spreadsheet's habits, not new data."""
    text = (tiny / "census_small.csv").read_text()
    header, first, *_ = text.splitlines()
    row = first.replace("100000,350,", "100000.0,5,")
    path = tmp_path / "resaved.csv"
    path.write_text(header.lower() + "\n" + row + "\n", encoding="cp1252")
    assert detected(path) == ["school_census"]
    result = read(path)
    assert one(result.schools, urn="100000")["la_code"] == "005"
