"""Performance-table reader: facts checked by hand against the real DfE files and tiny fixtures.

The tiny files under tests/data/performance_tables/ are made up (LA 998/999) so each status
code, encoding quirk and bad row appears exactly once and the expected answer is obvious.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from equity.ingest import performance_meta
from equity.ingest import performance_tables as pt
from equity.ingest.base import IngestError, IngestResult
from equity.ingest.csvfile import read_header, read_text_csv
from equity.schema import MEASURES, REJECTED_SCHEMA, RESULTS_SCHEMA, SCHOOLS_SCHEMA, PupilGroup

#: The performance tables' readers: results (performance_tables) and dictionaries
#: (performance_meta) come in one download, and each file must be claimed by one of them.
FAMILY = (*pt.KINDS, *performance_meta.KINDS)
KIND_BY_NAME = {kind.name: kind for kind in FAMILY}


def detected(path: Path) -> list[str]:
    header = read_header(path)
    return [kind.name for kind in FAMILY if kind.detect(path, header)]


def read(path: Path, year_hint: str | None = None) -> IngestResult:
    (name,) = detected(path)
    result = KIND_BY_NAME[name].read(path, year_hint)
    result.check_accounting()
    return result


def one(results: pl.DataFrame, **where: str) -> dict[str, object]:
    rows = results.filter(*(pl.col(k) == v for k, v in where.items()))
    assert rows.height == 1, f"{where}: {rows.height} rows"
    return rows.row(0, named=True)


@pytest.fixture(scope="module")
def tables(sources: Path) -> Path:
    return sources / "performance-tables"


@pytest.fixture(scope="module")
def tiny(test_data: Path) -> Path:
    return test_data / "performance_tables"


@pytest.fixture(scope="module")
def surrey_ks4(tables: Path) -> IngestResult:
    return read(tables / "2018-2019_936_ks4final.csv")


@pytest.fixture(scope="module")
def tiny_ks4(tiny: Path) -> IngestResult:
    return read(tiny / "2018-2019_999_ks4final.csv")


@pytest.fixture(scope="module")
def tiny_ks2(tiny: Path) -> IngestResult:
    return read(tiny / "2017-2018_998_ks2final.csv")


# --------------------------------------------------------------------------- detection


def test_every_sample_file_is_detected_as_its_kind(tables: Path) -> None:
    files = sorted(tables.glob("*.csv"))
    assert len(files) == 13
    for path in files:
        if "meta" in path.name:
            expected = "performance_meta"
        elif path.name.endswith("_ks2final.csv"):
            expected = "ks2_performance"
        else:
            expected = "ks4_performance"
        assert detected(path) == [expected], path.name


@pytest.mark.parametrize(
    "name",
    [
        "england_ks4provisional.csv",  # 25 columns, no disadvantage split: another kind's
        "england_ks2final.csv",  # trimmed, LATITUDE/LONGITUDE, no LEA
        "england_ks4final.csv",
        "england_ks5final.csv",
        "england_ks4-pupdest.csv",
        "england_census.csv",
        "england_abs.csv",
    ],
)
def test_national_files_are_left_to_other_kinds(sources: Path, name: str) -> None:
    path = sources / "national-2018-19" / name
    assert detected(path) == [], name


def test_other_folders_are_not_claimed(sources: Path) -> None:
    for path in sorted(sources.glob("*/*.csv")):
        if path.parent.name != "performance-tables":
            assert detected(path) == [], path


def test_detection_uses_contents_not_name(tables: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "results.csv"
    shutil.copy(tables / "2017-2018_850_ks2final.csv", renamed)
    assert detected(renamed) == ["ks2_performance"]
    fake = tmp_path / "2018-2019_936_ks4final.csv"
    fake.write_text("URN,SCHNAME,ATT8SCR\n100001,A school,50\n")
    assert detected(fake) == []


# --------------------------------------------------------------------------- accounting


def test_row_accounting_holds_for_every_performance_file(sources: Path) -> None:
    files = sorted(sources.rglob("*final.csv")) + sorted(sources.rglob("*_meta_*.csv"))
    read_any = 0
    for path in files:
        if not detected(path):
            continue
        result = read(path)
        assert result.rows_read == read_text_csv(path).height
        assert result.rows_read == result.rows_stored + result.rejected.height
        assert result.rejected.schema == pl.Schema(REJECTED_SCHEMA)
        read_any += 1
    assert read_any == 13


def test_real_files_reject_nothing_and_store_every_school(tables: Path) -> None:
    for path in sorted(tables.glob("*final.csv")):
        result = read(path)
        frame = read_text_csv(path)
        school_rows = frame.filter(pl.col("RECTYPE").is_in(["1", "2"])).height
        assert result.rejected.height == 0, path.name
        assert result.schools.height == school_rows, path.name
        assert result.results.schema == pl.Schema(RESULTS_SCHEMA)
        assert result.schools.schema == pl.Schema(SCHOOLS_SCHEMA)


# --------------------------------------------------------------------------- real facts


def test_surrey_la_disadvantaged_attainment8_is_the_published_figure(
    surrey_ks4: IngestResult,
) -> None:
    # 2018-2019_936_ks4final.csv, RECTYPE 4 row: ATT8SCR_FSM6CLA1A = 35.5, TFSM6CLA1A = 1580
    row = one(
        surrey_ks4.results,
        entity="936",
        measure="ks4_attainment8",
        pupil_group="disadvantaged",
    )
    assert row["entity_kind"] == "la"
    assert row["la_code"] == "936"
    assert row["published"] is True
    assert row["value"] == pytest.approx(35.5)
    assert row["original"] == "35.5"
    assert row["pupils"] == 1580
    assert row["academic_year"] == "2018/19"
    assert row["key_stage"] == "ks4"
    other = one(surrey_ks4.results, entity="936", measure="ks4_attainment8", pupil_group="other")
    assert other["value"] == pytest.approx(53.0)  # published as "53"
    assert other["pupils"] == 8808


def test_england_is_the_state_funded_row_only(surrey_ks4: IngestResult) -> None:
    england = surrey_ks4.results.filter(pl.col("entity_kind") == "england")
    assert england["entity"].unique().to_list() == ["970"]
    assert england["la_code"].unique().to_list() == ["970"]
    assert england.group_by("measure", "pupil_group").len()["len"].max() == 1
    # RECTYPE 7 (state-funded): 46.7 on 542,621 pupils; RECTYPE 5 (all schools) 44.7 not kept
    a8 = one(england, measure="ks4_attainment8", pupil_group="all")
    assert a8["value"] == pytest.approx(46.7)
    assert a8["pupils"] == 542621
    dis = one(england, measure="ks4_progress8", pupil_group="disadvantaged")
    assert dis["value"] == pytest.approx(-0.45)
    assert any("all-schools" in note for note in surrey_ks4.notes)


def test_ks2_england_row_is_rectype_5_even_when_it_comes_first(tables: Path) -> None:
    # 2016-17 lists RECTYPE 5 (state-funded, TELIG 599,728) before 4 (all, 604,552)
    result = read(tables / "2016-2017_936_ks2final.csv")
    pupils = one(result.results, entity="970", measure="pupils", pupil_group="all")
    assert pupils["value"] == 599728
    hants = read(tables / "2018-2019_850_ks2final.csv").results
    la = one(hants, entity="850", measure="ks2_rwm_expected_pct", pupil_group="disadvantaged")
    assert (la["value"], la["original"], la["pupils"]) == (49.0, "49%", 3263)
    eng = one(hants, entity="970", measure="ks2_rwm_expected_pct", pupil_group="disadvantaged")
    assert eng["value"] == 51.0
    assert eng["pupils"] == 197488


def test_school_rows_are_schools_with_their_la(surrey_ks4: IngestResult) -> None:
    schools = surrey_ks4.results.filter(pl.col("entity_kind") == "school")
    assert schools["la_code"].unique().to_list() == ["936"]
    assert not schools["published"].any()
    assert schools["entity"].str.contains(r"^\d{6}$").all()
    assert surrey_ks4.la_codes == ["936"]


def test_status_codes_are_never_numbers(sources: Path) -> None:
    for path in sorted((sources / "performance-tables").glob("*final.csv")):
        results = read(path).results
        coded = results.filter(pl.col("status") != "value")
        assert coded["value"].null_count() == coded.height, path.name
        supp = results.filter(pl.col("original") == "SUPP")
        assert supp.height > 0
        assert (supp["status"] == "suppressed").all()
        assert not results["status"].str.starts_with("unknown").any(), path.name
        valued = results.filter(pl.col("status") == "value")
        assert valued["value"].null_count() == 0


def test_measures_and_groups_use_the_shared_vocabulary(tables: Path) -> None:
    for path in sorted(tables.glob("*final.csv")):
        results = read(path).results
        assert set(results["measure"].unique()) <= set(MEASURES)
        assert set(results["pupil_group"].unique()) <= {g.value for g in PupilGroup}


def test_columns_a_year_lacks_are_skipped_not_invented(tables: Path) -> None:
    old = read(tables / "2016-2017_936_ks4final.csv").results
    new = read(tables / "2018-2019_936_ks4final.csv").results
    assert "ks4_ebacc_aps" not in set(old["measure"])  # EBACCAPS first appears in 2017/18
    assert "pct_sen" not in set(old["measure"])  # PSEN_ALL first appears in 2018/19
    assert {"ks4_ebacc_aps", "pct_sen"} <= set(new["measure"])
    ks2_old = read(tables / "2016-2017_850_ks2final.csv").results
    assert "pct_sen" not in set(ks2_old["measure"])


def test_header_case_changes_are_followed(tables: Path) -> None:
    # KS2 writes TNotFSM6CLA1A, KS4 TNOTFSM6CLA1A: both give the "other" group's count
    ks2 = read(tables / "2018-2019_936_ks2final.csv").results
    assert one(ks2, entity="936", measure="pupils", pupil_group="other")["value"] == 10334
    rwm_other = one(ks2, entity="936", measure="ks2_rwm_expected_pct", pupil_group="other")
    assert rwm_other["pupils"] == 10334


def test_progress8_pupils_come_from_p8pup(surrey_ks4: IngestResult, tables: Path) -> None:
    frame = read_text_csv(tables / "2018-2019_936_ks4final.csv")
    la = frame.filter(pl.col("RECTYPE") == "4").row(0, named=True)
    row = one(
        surrey_ks4.results, entity="936", measure="ks4_progress8", pupil_group="disadvantaged"
    )
    assert row["pupils"] == int(la["P8PUP_FSM6CLA1A"])


def test_schools_table_from_real_file(surrey_ks4: IngestResult) -> None:
    schools = surrey_ks4.schools
    assert schools["urn"].is_unique().all()
    assert set(schools["phase"]) == {"secondary"}
    special = schools.filter(pl.col("is_special"))
    assert special.height == 36  # RECTYPE 2 rows in the file
    independent = schools.filter(pl.col("school_type") == "Other independent school")
    assert independent.height == 37
    assert not independent["is_state_funded"].any()
    assert schools["postcode"].null_count() == 0
    assert schools["lat"].null_count() == schools.height


# --------------------------------------------------------------------------- tiny KS4 file


def test_tiny_ks4_bom_and_accounting(tiny_ks4: IngestResult) -> None:
    assert tiny_ks4.kind == "ks4_performance"
    assert tiny_ks4.rows_read == 9
    assert tiny_ks4.rows_stored == 7  # 4 schools, LA, England (state), England (all: read)
    assert tiny_ks4.rejected.sort("row").select("row", "reason").rows() == [
        (4, "school row (RECTYPE 1) has no usable URN ('')"),
        (9, "unknown RECTYPE '9' for a KS4 file"),
    ]
    assert set(tiny_ks4.rejected["source"]) == {"2018-2019_999_ks4final.csv"}


def test_a_repeated_la_or_england_row_is_rejected_not_stored_twice(
    tiny: Path, tmp_path: Path
) -> None:
    """Two LA rows for one LA would give the LA two published figures per measure."""
    lines = (tiny / "2018-2019_999_ks4final.csv").read_text(encoding="utf-8-sig").splitlines()
    la_row = next(line for line in lines if line.startswith("4,999,"))
    england_row = next(line for line in lines if line.startswith("7,"))
    copy = tmp_path / "2018-2019_999_ks4final.csv"
    copy.write_text("\n".join([*lines, la_row.replace(",362,", ",999,"), england_row]) + "\n")
    result = read(copy)
    assert result.rejected.sort("row").select("row", "reason").rows()[-2:] == [
        (10, "a second LA row for LA 999 (the first is stored)"),
        (11, "a second England row of RECTYPE 7 (the first is stored)"),
    ]
    la = result.results.filter(pl.col("entity_kind") == "la")
    assert la.select("measure", "pupil_group").is_duplicated().sum() == 0
    assert one(la, measure="pupils", pupil_group="all")["value"] == 362  # the first row


def test_tiny_ks4_status_codes(tiny_ks4: IngestResult) -> None:
    results = tiny_ks4.results
    supp = one(results, entity="100001", measure="ks4_attainment8", pupil_group="disadvantaged")
    assert (supp["status"], supp["value"], supp["original"]) == ("suppressed", None, "SUPP")
    assert supp["pupils"] == 30
    ne = one(results, entity="100002", measure="ks4_attainment8", pupil_group="all")
    assert (ne["status"], ne["value"]) == ("not_entered", None)
    np_ = one(results, entity="100002", measure="ks4_progress8", pupil_group="all")
    assert (np_["status"], np_["value"]) == ("not_published", None)
    new = one(results, entity="100003", measure="ks4_basics_94_pct", pupil_group="all")
    assert (new["status"], new["value"], new["pupils"]) == ("new", None, None)
    lowcov = one(results, entity="100005", measure="ks4_progress8", pupil_group="all")
    assert (lowcov["status"], lowcov["value"], lowcov["pupils"]) == ("low_coverage", None, 3)
    blank = one(results, entity="100005", measure="pct_disadvantaged", pupil_group="all")
    assert (blank["status"], blank["value"], blank["original"]) == ("missing", None, "")
    pct = one(results, entity="100005", measure="ks4_basics_94_pct", pupil_group="all")
    assert (pct["status"], pct["value"], pct["original"]) == ("value", 71.4, "71.4%")
    # a suppressed count leaves the value row's pupils unknown, never 0
    special = one(results, entity="100002", measure="pupils", pupil_group="disadvantaged")
    assert (special["status"], special["value"]) == ("suppressed", None)


def test_tiny_ks4_aggregates(tiny_ks4: IngestResult) -> None:
    results = tiny_ks4.results
    la = one(results, entity="999", measure="ks4_attainment8", pupil_group="disadvantaged")
    assert (la["entity_kind"], la["value"], la["pupils"], la["published"]) == (
        "la",
        38.5,
        60,
        True,
    )
    england = results.filter(pl.col("entity_kind") == "england")
    assert one(england, measure="ks4_attainment8", pupil_group="all")["value"] == 46.7
    assert 44.7 not in england["value"].to_list()
    assert set(results["entity"]) == {"100001", "100002", "100003", "100005", "999", "970"}


def test_tiny_ks4_schools(tiny_ks4: IngestResult) -> None:
    schools = {row["urn"]: row for row in tiny_ks4.schools.iter_rows(named=True)}
    assert sorted(schools) == ["100001", "100002", "100003", "100005"]
    assert schools["100001"]["name"] == "Alpha Academy"
    assert schools["100001"]["school_type"] == "Academy converter"
    assert schools["100001"]["is_state_funded"] is True
    assert schools["100001"]["pupils"] == 900
    assert schools["100002"]["is_special"] is True
    assert schools["100001"]["is_special"] is False
    assert schools["100003"]["pupils"] is None  # TOTPUPS "NEW"
    assert schools["100005"]["name"] == "Delta College, Upper School"
    assert schools["100005"]["is_state_funded"] is False
    assert schools["100005"]["postcode"] == "DD1 1DD"
    assert {row["la_code"] for row in schools.values()} == {"999"}


# --------------------------------------------------------------------------- tiny KS2 file


def test_tiny_ks2_windows_encoding_and_mixed_case(tiny_ks2: IngestResult) -> None:
    assert tiny_ks2.kind == "ks2_performance"
    assert tiny_ks2.rows_read == tiny_ks2.rows_stored == 6
    names = dict(tiny_ks2.schools.select("urn", "name").iter_rows())
    assert names["200001"] == "St Mary\u2019s C of E Primary"
    assert set(tiny_ks2.schools["phase"]) == {"primary"}
    results = tiny_ks2.results
    other = one(results, entity="200001", measure="ks2_rwm_expected_pct", pupil_group="other")
    assert (other["value"], other["pupils"]) == (75.0, 24)
    zero = one(results, entity="200002", measure="ks2_rwm_expected_pct", pupil_group="all")
    assert (zero["status"], zero["value"]) == ("value", 0.0)  # a real 0% stays 0
    na = one(results, entity="200003", measure="pct_disadvantaged", pupil_group="all")
    assert (na["status"], na["value"]) == ("not_applicable", None)


def test_tiny_ks2_aggregates(tiny_ks2: IngestResult) -> None:
    results = tiny_ks2.results
    la = one(results, entity="998", measure="ks2_reading_progress", pupil_group="disadvantaged")
    assert (la["entity_kind"], la["value"], la["published"]) == ("la", -0.9, True)
    eng = one(results, entity="970", measure="pupils", pupil_group="all")
    assert eng["value"] == 644967  # RECTYPE 5, not 4
    progress = one(results, entity="970", measure="ks2_reading_progress", pupil_group="all")
    assert progress["status"] == "missing"
    assert tiny_ks2.academic_years == ["2017/18"]


# --------------------------------------------------------------------------- years


def test_year_from_file_name_beats_hint(tiny: Path) -> None:
    result = read(tiny / "2018-2019_999_ks4final.csv", year_hint="2016/17")
    assert result.academic_years == ["2018/19"]


def test_year_hint_when_the_name_has_none(tiny: Path, tmp_path: Path) -> None:
    path = tmp_path / "my_la_ks4final.csv"
    shutil.copy(tiny / "2018-2019_999_ks4final.csv", path)
    assert read(path, year_hint="2018-19").academic_years == ["2018/19"]
    assert read(path, year_hint="2018/19").academic_years == ["2018/19"]


def test_no_year_is_an_error_that_says_how_to_fix_it(tiny: Path, tmp_path: Path) -> None:
    path = tmp_path / "ks4final.csv"
    shutil.copy(tiny / "2018-2019_999_ks4final.csv", path)
    with pytest.raises(IngestError, match=r"2018-2019_352_ks4final\.csv"):
        read(path)


def test_name_and_prior_year_columns_disagreeing_is_noted(tables: Path, tmp_path: Path) -> None:
    path = tmp_path / "2016-2017_936_ks4final.csv"
    shutil.copy(tables / "2018-2019_936_ks4final.csv", path)
    notes = read(path).notes
    assert any("2018" in note and "check the file" in note for note in notes)
    assert not any("check the file" in n for n in read(tables / "2018-2019_936_ks4final.csv").notes)


# --------------------------------------------------------------------------- scale
# Speed is measured by `python3 -m benchmarks` (ratios), never asserted in a timed test.


def test_an_all_england_sized_ks4_file_is_read_whole(tables: Path, tmp_path: Path) -> None:
    frame = read_text_csv(tables / "2018-2019_936_ks4final.csv")
    schools = frame.filter(pl.col("RECTYPE").is_in(["1", "2"]))
    big = pl.concat([schools] * 43)
    big = big.with_columns(pl.int_range(100000, 100000 + big.height).cast(pl.String).alias("URN"))
    big = pl.concat([big, frame.filter(~pl.col("RECTYPE").is_in(["1", "2"]))])
    path = tmp_path / "2018-2019_england_ks4final.csv"
    big.write_csv(path)
    assert big.height > 5500 and big.width > 500
    result = read(path)
    assert result.schools.height == schools.height * 43
    assert result.rows_read == result.rows_stored + result.rejected.height


def test_la_rows_count_state_funded_schools_like_the_england_row(tables: Path) -> None:
    # Why England = state-funded: Surrey's LA cohort (10,388) matches its state-funded
    # schools (10,138 mainstream + 257 special), not all schools (independents add 3,095).
    frame = read_text_csv(tables / "2018-2019_936_ks4final.csv").with_columns(
        pl.col("TPUP").cast(pl.Int64, strict=False)
    )
    schools = frame.filter(pl.col("RECTYPE").is_in(["1", "2"]))
    funded = schools.filter(~pl.col("NFTYPE").is_in(["IND", "INDSPEC", "NMSS"]))["TPUP"].sum()
    la = frame.filter(pl.col("RECTYPE") == "4")["TPUP"].item()
    assert abs(la - funded) < 0.01 * la
    assert schools["TPUP"].sum() - la > 3000
