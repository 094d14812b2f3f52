"""Trafford Data Lab school lists and themes tables."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from equity.ingest import lait, lait_la_codes, trafford
from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.csvfile import read_header
from equity.schema import SCHOOLS_SCHEMA


def _kinds(path: Path) -> list[str]:
    return [k.name for k in trafford.KINDS if k.detect(path, read_header(path))]


def _kind(name: str) -> FileKind:
    return next(k for k in trafford.KINDS if k.name == name)


@pytest.fixture(scope="module")
def list_2024(sources: Path) -> IngestResult:
    return trafford.read_school_list(sources / "trafford" / "trafford_schools_2024.csv")


@pytest.fixture(scope="module")
def colleges(sources: Path) -> IngestResult:
    return trafford.read_school_list(sources / "trafford" / "trafford_schools_and_colleges.csv")


def test_detection(sources: Path, test_data: Path) -> None:
    folder = sources / "trafford"
    assert _kinds(folder / "trafford_schools_2024.csv") == ["school_list"]
    assert _kinds(folder / "trafford_schools_and_colleges.csv") == ["school_list"]
    for name in (
        "themes_expected_standard_ks2.csv",
        "themes_grades_5_or_above_ks4.csv",
        "themes_progress_8_score.csv",
    ):
        assert _kinds(folder / name) == ["area_themes"]
    gias_file = sources / "gias" / "20220420_gias.csv"
    assert _kinds(gias_file) == []


def test_2024_list(list_2024: IngestResult) -> None:
    list_2024.check_accounting()
    assert (list_2024.rows_read, list_2024.rows_stored) == (103, 103)
    schools = list_2024.schools
    assert schools.schema == pl.Schema(SCHOOLS_SCHEMA)
    assert set(schools["la_code"]) == {"358"}
    assert any("358 (Trafford)" in note for note in list_2024.notes)
    phases = dict(schools.group_by("phase").len().iter_rows())
    assert phases == {"primary": 74, "secondary": 23, "all-through": 4, "16 plus": 2}
    assert schools["lat"].is_between(53.33, 53.49).all()
    assert schools["lon"].is_between(-2.49, -2.24).all()
    s = {row["urn"]: row for row in schools.iter_rows(named=True)}
    assert s["106167"]["is_special"] and s["106167"]["is_state_funded"]
    assert not s["106377"]["is_state_funded"]  # Bowdon Preparatory: independent
    assert s["106283"]["pupils"] == 444


def test_2024_list_results(list_2024: IngestResult) -> None:
    results = list_2024.results
    assert list_2024.academic_years == ["2023/24"]  # census 2024-01-18
    fsm = {
        r["entity"]: r for r in results.filter(pl.col("measure") == "pct_fsm").iter_rows(named=True)
    }
    assert fsm["106283"]["value"] == 6.4 and fsm["106283"]["la_code"] == "358"
    # Independent schools have no FSM figure: R's NA is kept as missing, never 0.
    bowdon = fsm["106377"]
    assert (bowdon["status"], bowdon["value"], bowdon["original"]) == ("missing", None, "NA")
    # Two schools have no census date: no year, so no result rows for them.
    assert len(fsm) == 101
    assert "130519" not in fsm
    pupils = results.filter(pl.col("measure") == "pupils")
    assert pupils.height == 101 and (pupils["value"] == pupils["pupils"]).all()


def test_colleges_list(colleges: IngestResult, list_2024: IngestResult) -> None:
    colleges.check_accounting()
    assert colleges.rows_stored == 103
    assert set(colleges.schools["la_code"]) == {"358"}
    # Phase derived from the age range agrees with the phase the 2024 list states.
    joined = colleges.schools.select("urn", "phase").join(
        list_2024.schools.select("urn", pl.col("phase").alias("stated")), on="urn"
    )
    assert joined.height == 103
    assert (joined["phase"] == joined["stated"]).all()
    assert colleges.schools["postcode"].null_count() == 0
    assert colleges.schools["pupils"].null_count() == 103  # capacity is not pupils
    # No census date in this file: % FSM is not stored without a year.
    assert colleges.results.height == 0
    assert any("not stored" in note for note in colleges.notes)


def test_tiny_list(test_data: Path) -> None:
    path = test_data / "trafford" / "schools_and_colleges_tiny.csv"
    assert _kinds(path) == ["school_list"]
    result = trafford.read_school_list(path, "2023/24")
    result.check_accounting()
    assert (result.rows_read, result.rows_stored) == (7, 5)
    assert dict(result.rejected.select("row", "reason").iter_rows()) == {
        6: "no URN",
        7: "repeats URN 400001 (first kept)",
    }
    s = {row["urn"]: row for row in result.schools.iter_rows(named=True)}
    assert s["400001"]["phase"] == "primary"
    assert s["400002"]["phase"] == "secondary"
    assert s["400003"]["phase"] == "16 plus" and not s["400003"]["is_state_funded"]
    assert s["400004"]["phase"] == "primary" and not s["400004"]["is_state_funded"]
    assert s["400005"]["phase"] == "all-through" and s["400005"]["is_special"]
    fsm = dict(result.results.select("entity", "status").iter_rows())
    assert fsm == {
        "400001": "value",
        "400002": "value",
        "400003": "missing",
        "400004": "missing",
        "400005": "value",
    }
    assert result.academic_years == ["2023/24"]  # from the folder year


def test_themes_real_files_agree_with_lait(sources: Path) -> None:
    panel = lait.read_panel(sources / "lait" / "bds_long_0.parquet").results
    codes = lait_la_codes.read_la_codes(sources / "lait" / "la_codes.csv").areas
    for name, measure in (
        ("themes_expected_standard_ks2.csv", "ks2_rwm_expected_pct"),
        ("themes_progress_8_score.csv", "ks4_progress8"),
    ):
        result = trafford.read_themes(sources / "trafford" / name)
        result.check_accounting()
        assert (result.rows_read, result.rows_stored) == (96, 96)
        table = result.extra["area_themes"]
        assert set(table["measure"]) == {measure}
        assert table["published"].all() and set(table["pupil_group"]) == {"all"}
        trafford_rows = table.filter(pl.col("ons_code") == "E08000009").drop_nulls("value")
        assert trafford_rows.height >= 5
        la = codes.filter(pl.col("ons_code") == "E08000009")["la_code"][0]
        for year, value in trafford_rows.select("academic_year", "value").iter_rows():
            lait_value = panel.filter(
                (pl.col("entity") == la)
                & (pl.col("academic_year") == year)
                & (pl.col("measure") == measure)
                & (pl.col("pupil_group") == "all")
            )["value"][0]
            assert abs(value - lait_value) < 0.051, (name, year)
        england = table.filter(pl.col("ons_code") == "E92000001")
        assert england["area_name"].unique().to_list() == ["England"]


def test_themes_ks4_basics(sources: Path) -> None:
    result = trafford.read_themes(sources / "trafford" / "themes_grades_5_or_above_ks4.csv")
    table = result.extra["area_themes"]
    assert set(table["measure"]) == {"ks4_basics_95_pct"}
    assert table.filter(pl.col("status") == "missing").height == 2
    assert set(table["academic_year"]) == {f"{y}/{(y + 1) % 100:02d}" for y in range(2017, 2025)}


def test_tiny_themes(test_data: Path) -> None:
    path = test_data / "trafford" / "themes_tiny.csv"
    assert _kinds(path) == ["area_themes"]
    result = trafford.read_themes(path)
    result.check_accounting()
    assert (result.rows_read, result.rows_stored) == (8, 5)
    reasons = dict(result.rejected.select("row", "reason").iter_rows())
    assert reasons[6] == "indicator not recognised: Number of goats per school"
    assert reasons[7] == "period '2018/20' is not an academic year"
    assert reasons[8] == "area_code is not an ONS code"
    table = result.extra["area_themes"]
    measures = dict(
        table.filter(pl.col("academic_year") == "2018/19").select("original", "measure").iter_rows()
    )
    assert measures["77"] == "ks2_rwm_expected_pct"
    assert measures["59.3"] == "ks4_basics_95_pct"
    assert measures["0.53"] == "ks4_progress8"
    gap = table.filter(pl.col("academic_year") == "2019/20").row(0, named=True)
    assert (gap["status"], gap["value"], gap["original"]) == ("missing", None, "NA")


def test_wrong_files_are_refused(test_data: Path) -> None:
    with pytest.raises(IngestError, match="missing columns"):
        trafford.read_themes(test_data / "lait" / "la_codes_tiny.csv")
    with pytest.raises(IngestError, match="not a Trafford school list"):
        trafford.read_school_list(test_data / "trafford" / "themes_tiny.csv")
    assert not _kind("school_list").detect(
        test_data / "trafford" / "themes_tiny.csv",
        read_header(test_data / "trafford" / "themes_tiny.csv"),
    )
