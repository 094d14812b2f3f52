"""All-England national files: facts checked by hand against the real DfE files and tiny ones.

The tiny files under tests/data/national/ hold a few real rows (Trafford, LA 358) beside
made-up ones, so each status code, aggregate row and bad row appears once and the expected
answer can be read off the file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from equity.ingest import (
    absence,
    averages,
    dfe_common,
    ks4_provisional,
    locations,
)
from equity.ingest import (
    census as census_kind,
)
from equity.ingest import (
    destinations as destinations_kind,
)
from equity.ingest.base import IngestError, IngestResult
from equity.ingest.csvfile import read_header
from equity.schema import (
    GREATER_MANCHESTER,
    MEASURES,
    REJECTED_SCHEMA,
    RESULTS_SCHEMA,
    SCHOOLS_SCHEMA,
    PupilGroup,
)

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


@pytest.fixture(scope="module")
def real(sources: Path) -> Path:
    return sources / "national-2018-19"


@pytest.fixture(scope="module")
def tiny(test_data: Path) -> Path:
    return test_data / "national"


@pytest.fixture(scope="module")
def census(real: Path) -> IngestResult:
    return read(real / "england_census.csv")


@pytest.fixture(scope="module")
def provisional(real: Path) -> IngestResult:
    return read(real / "england_ks4provisional.csv")


@pytest.fixture(scope="module")
def destinations(real: Path) -> IngestResult:
    return read(real / "england_ks4-pupdest.csv")


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


# --------------------------------------------------------------------------- KS4 provisional


def test_provisional_rows_are_marked_provisional(provisional: IngestResult) -> None:
    assert provisional.results["source"].str.contains("provisional").all()
    assert any(note.startswith("PROVISIONAL") for note in provisional.notes)
    named = ks4_provisional.provisional_source("2018-2019_ks4.csv")
    assert named == "2018-2019_ks4.csv (provisional)"


def test_provisional_school_la_and_england(provisional: IngestResult) -> None:
    """Haverstock (100049): A8 42.4, P8 -0.09 (-0.28 to 0.09) from 178 pupils; 43.2% 9-5."""
    res = provisional.results
    school = res.filter(pl.col("entity") == "100049")
    p8 = one(school, measure="ks4_progress8")
    assert (p8["value"], p8["pupils"], p8["la_code"], p8["published"]) == (-0.09, 178, "202", False)
    assert one(school, measure="ks4_progress8_ci_lower")["value"] == -0.28
    assert one(school, measure="ks4_progress8_ci_upper")["value"] == 0.09
    assert one(school, measure="ks4_attainment8")["pupils"] == 199
    basics = one(school, measure="ks4_basics_95_pct")
    assert (basics["value"], basics["original"]) == (43.2, "43.2%")
    england = res.filter(pl.col("entity") == "970")
    assert one(england, measure="ks4_attainment8")["value"] == 46.5  # state-funded, RECTYPE 7
    assert one(england, measure="ks4_progress8")["pupils"] == 513055
    assert england["published"].all()
    assert set(england["entity_kind"]) == {"england"}
    las = res.filter(pl.col("entity_kind") == "la")
    assert las["entity"].n_unique() == 150
    assert las["published"].all()
    assert (las["entity"] == las["la_code"]).all()


def test_provisional_rejects_and_schools(provisional: IngestResult) -> None:
    assert provisional.rows_read == 5652
    assert provisional.schools.height == 4296 + 1199
    rejected = provisional.rejected["reason"].value_counts()
    assert dict(rejected.iter_rows()) == {
        "aggregate row with every figure blank (e.g. an LA with no schools)": 5,
        "England total including independent schools: England is stored once, as the "
        "state-funded total (RECTYPE 7)": 1,
    }
    afifah = one(provisional.schools, urn="134469")
    assert (afifah["school_type"], afifah["is_state_funded"]) == ("IND", False)
    assert one(provisional.schools, urn="100092")["phase"] == "special"
    na = one(provisional.results, entity="134469", measure="ks4_attainment8")
    assert (na["value"], na["status"]) == (None, "not_applicable")


def test_tiny_provisional(tiny: Path) -> None:
    result = read(tiny / "ks4_results_small.csv")
    assert (result.rows_read, result.rows_stored) == (11, 7)
    assert reasons(result) == {
        6: "duplicate URN",
        8: "aggregate row with every figure blank (e.g. an LA with no schools)",
        9: "England total including independent schools: England is stored once, as the "
        "state-funded total (RECTYPE 7)",
        11: "unknown RECTYPE '9'",
    }
    res = result.results
    assert result.results["source"].unique().to_list() == ["ks4_results_small.csv (provisional)"]
    supp = one(res, entity="106166", measure="ks4_attainment8")
    assert (supp["value"], supp["status"]) == (None, "suppressed")
    assert one(res, entity="106167", measure="ks4_progress8")["status"] == "low_coverage"
    assert one(res, entity="106167", measure="ks4_attainment8")["status"] == "not_entered"
    new = res.filter(pl.col("entity") == "147000")
    assert set(new["status"]) == {"missing"}
    assert one(result.schools, urn="147000")["name"] == "Brand New Free School"
    assert one(res, entity="358", measure="ks4_progress8")["value"] == 0.19
    assert one(res, entity="970", measure="ks4_basics_95_pct")["value"] == 43.0
    assert one(result.schools, urn="106167")["is_state_funded"] is False  # NMSS


# --------------------------------------------------------------------------- destinations


def test_destinations_year_is_the_ks4_cohort(destinations: IngestResult) -> None:
    assert destinations.academic_years == ["2014/15", "2015/16", "2016/17"]
    assert any("2016/17" in note and "2019" in note for note in destinations.notes)
    assert set(destinations.results["key_stage"]) == {"destinations"}


def test_destinations_by_disadvantage(destinations: IngestResult) -> None:
    """Haverstock (100049), 2019 measures: 90% of 199, disadvantaged 89% of 123, other 93% of 76."""
    rows = destinations.results.filter(
        (pl.col("entity") == "100049") & (pl.col("academic_year") == "2016/17")
    )
    got = {
        (r["measure"], r["pupil_group"]): (r["value"], r["pupils"], r["original"])
        for r in rows.iter_rows(named=True)
    }
    assert got == {
        ("ks4_sustained_destination_pct", "all"): (90.0, 199, "90%"),
        ("ks4_sustained_destination_pct", "disadvantaged"): (89.0, 123, "89%"),
        ("ks4_sustained_destination_pct", "other"): (93.0, 76, "93%"),
        ("ks4_destination_education_pct", "all"): (88.0, 199, "88%"),
        ("ks4_destination_education_pct", "disadvantaged"): (87.0, 123, "87%"),
        ("ks4_destination_education_pct", "other"): (91.0, 76, "91%"),
        ("ks4_destination_apprenticeship_pct", "all"): (1.0, 199, "1%"),
        ("ks4_destination_apprenticeship_pct", "disadvantaged"): (0.0, 123, "0%"),
        ("ks4_destination_apprenticeship_pct", "other"): (1.0, 76, "1%"),
        ("ks4_destination_employment_pct", "all"): (2.0, 199, "2%"),
        ("ks4_destination_employment_pct", "disadvantaged"): (2.0, 123, "2%"),
        ("ks4_destination_employment_pct", "other"): (1.0, 76, "1%"),
        ("ks4_destination_not_sustained_pct", "all"): (9.0, 199, "9%"),
        ("ks4_destination_not_sustained_pct", "disadvantaged"): (11.0, 123, "11%"),
        ("ks4_destination_not_sustained_pct", "other"): (7.0, 76, "7%"),
        ("ks4_destination_unknown_pct", "all"): (1.0, 199, "1%"),
        ("ks4_destination_unknown_pct", "disadvantaged"): (1.0, 123, "1%"),
        ("ks4_destination_unknown_pct", "other"): (0.0, 76, "0%"),
        ("pupils", "all"): (199.0, None, "199"),
        ("pupils", "disadvantaged"): (123.0, None, "123"),
        ("pupils", "other"): (76.0, None, "76"),
    }
    earlier = destinations.results.filter(
        (pl.col("entity") == "100049") & (pl.col("academic_year") == "2014/15")
    )
    assert one(earlier, measure="ks4_sustained_destination_pct", pupil_group="all")["value"] == 88


def test_destinations_aggregates(destinations: IngestResult) -> None:
    england = destinations.results.filter(
        (pl.col("entity") == "970") & (pl.col("academic_year") == "2016/17")
    )
    pct = england.filter(pl.col("measure") == "ks4_sustained_destination_pct")
    assert dict(pct.select("pupil_group", "value").iter_rows()) == {
        "all": 94.0,
        "disadvantaged": 88.0,
        "other": 96.0,
    }
    assert england["published"].all()
    las = destinations.results.filter(pl.col("entity_kind") == "la")
    assert las["entity"].n_unique() == 148
    assert destinations.rows_read == destinations.rows_stored == 3877
    assert destinations.schools.height == 2955 + 773


def test_tiny_destinations(tiny: Path) -> None:
    result = read(tiny / "destinations_small.csv")
    assert reasons(result) == {3: "bad URN 'XYZ'"}
    res = result.results
    assert (
        one(res, entity="358", academic_year="2016/17", measure="pupils", pupil_group="all")[
            "value"
        ]
        == 2600
    )
    special = one(
        res,
        entity="106166",
        academic_year="2016/17",
        pupil_group="disadvantaged",
        measure="ks4_sustained_destination_pct",
    )
    assert (special["value"], special["status"]) == (None, "suppressed")
    older = one(
        res,
        entity="138614",
        academic_year="2014/15",
        pupil_group="all",
        measure="ks4_sustained_destination_pct",
    )
    assert (older["value"], older["status"]) == (None, "not_applicable")
    assert (
        one(
            res,
            entity="138614",
            academic_year="2015/16",
            pupil_group="other",
            measure="ks4_sustained_destination_pct",
        )["value"]
        == 96.0
    )


def test_destinations_year_from_earlier_columns_when_unnamed(tiny: Path) -> None:
    result = read(tiny / "destinations_small.csv", None)
    assert result.academic_years == ["2014/15", "2015/16", "2016/17"]
    with pytest.raises(IngestError, match="2016/17"):
        read(tiny / "destinations_fractions.csv", None)


def test_destinations_written_as_fractions_become_percent(tiny: Path) -> None:
    result = read(tiny / "destinations_fractions.csv")
    res = result.results.filter(pl.col("measure") == "ks4_sustained_destination_pct")
    row = one(res, entity="138614", pupil_group="disadvantaged")
    assert (row["value"], row["original"]) == (85.0, "0.85")
    assert one(res, entity="138615", pupil_group="all")["value"] == 100.0
    assert one(res, entity="970", pupil_group="other")["value"] == 96.0
    assert one(result.results, entity="138614", measure="pupils", pupil_group="all")["value"] == 160
    assert any("fractions" in note for note in result.notes)
    assert not any("fractions" in n for n in read(tiny / "destinations_small.csv").notes)


# --------------------------------------------------------------------------- absence


def test_absence(real: Path) -> None:
    result = read(real / "england_abs.csv")
    assert (result.rows_read, result.rows_stored) == (21217, 21214)
    assert all(r.startswith("England total for one school type") for r in result.rejected["reason"])
    assert result.academic_years == ["2018/19"]
    assert any("SOURCES.md" in note and "2017-18" in note for note in result.notes)
    res = result.results
    assert one(res, entity="100000", measure="absence_overall_pct")["value"] == 2.6
    trafford = one(res, entity="106283", measure="absence_persistent_pct")
    assert (trafford["value"], trafford["la_code"]) == (5.8, "358")
    persistent = res.filter(pl.col("measure") == "absence_persistent_pct")
    assert (persistent["status"] == "suppressed").sum() == 864
    assert result.schools.height == 0


def test_tiny_absence(tiny: Path) -> None:
    result = read(tiny / "absence_small.csv")
    assert reasons(result) == {
        3: "duplicate URN",
        4: "missing URN",
        5: "England total for one school type (PRI) only: the results table has no phase, "
        "so it would read as all schools",
    }
    supp = one(result.results, entity="106284", measure="absence_persistent_pct")
    assert (supp["value"], supp["status"], supp["original"]) == (None, "suppressed", "SUPP")


# --------------------------------------------------------------------------- locations


def test_ks2_locations(real: Path) -> None:
    result = read(real / "england_ks2final.csv")
    school = one(result.schools, urn="106283")
    assert school["name"] == "Navigation Primary School"
    assert (school["postcode"], school["phase"], school["la_code"]) == ("WA14 1NG", "primary", None)
    assert (school["lat"], school["lon"]) == (53.395316, -2.348109)
    assert result.schools["lat"].null_count() == 0
    res = result.results
    assert set(res["key_stage"]) == {"ks2"}
    assert res["source"].unique().to_list() == ["england_ks2final.csv"]
    assert one(res, entity="106283", measure="ks2_maths_progress")["value"] == 2.2
    assert res["la_code"].null_count() == res.height


def test_ks4_final_and_provisional_stay_apart(real: Path, provisional: IngestResult) -> None:
    final = read(real / "england_ks4final.csv")
    f = one(final.results, entity="100049", measure="ks4_progress8")
    p = one(provisional.results, entity="100049", measure="ks4_progress8")
    assert (f["value"], p["value"]) == (-0.11, -0.09)
    assert f["source"] != p["source"]
    assert one(final.results, entity="100001", measure="ks4_progress8")["status"] == "not_published"
    assert final.schools["phase"].unique().to_list() == ["secondary"]
    assert one(final.schools, urn="100001")["is_state_funded"] is False


def test_ks5_locations_are_schools_only(real: Path) -> None:
    result = read(real / "england_ks5final.csv")
    assert result.results.height == 0
    assert result.schools["phase"].unique().to_list() == ["16 plus"]
    assert result.rows_stored == result.schools.height == 2903


def test_tiny_locations(tiny: Path) -> None:
    ks2 = read(tiny / "locations_ks2_small.csv")
    special = one(ks2.schools, urn="126170")
    assert (special["is_special"], special["name"]) == (True, "Cornfield School, Littlehampton")
    nowhere = one(ks2.schools, urn="141279")  # 0,0 is off Ghana, though 0 alone is Greenwich
    assert (nowhere["lat"], nowhere["lon"]) == (None, None)
    assert one(ks2.results, entity="126170", measure="ks2_maths_progress")["status"] == (
        "low_coverage"
    )
    ks4 = read(tiny / "locations_ks4_small.csv")
    assert reasons(ks4) == {3: "duplicate URN"}
    assert one(ks4.results, entity="100049", measure="ks4_basics_95_pct")["value"] == 43.0


# --------------------------------------------------------------------------- national averages


def test_national_averages(real: Path) -> None:
    result = read(real / "england_gcse_alevel_averages.csv")
    assert (result.rows_read, result.rows_stored) == (1, 1)
    res = result.results
    assert one(res, measure="ks4_attainment8")["value"] == 46.7
    basics = one(res, measure="ks4_basics_95_pct")
    assert (basics["value"], basics["original"]) == (43.0, "43%")
    assert set(res["entity"]) == {"970"}
    assert set(res["entity_kind"]) == {"england"}
    assert res["published"].all()


def test_national_averages_need_a_year(tiny: Path) -> None:
    with pytest.raises(IngestError, match=r"averages_small\.csv"):
        read(tiny / "averages_small.csv", None)
