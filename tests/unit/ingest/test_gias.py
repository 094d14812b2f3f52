"""GIAS extracts: schools, map positions, census % FSM and which census year it is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from equity.ingest import gias, lait
from equity.ingest.base import IngestError, IngestResult
from equity.ingest.csvfile import read_header, read_text_csv
from equity.schema import RESULTS_SCHEMA, SCHOOLS_SCHEMA


@pytest.fixture(scope="module")
def extract_2022(sources: Path) -> IngestResult:
    return gias.read_gias(sources / "gias" / "20220420_gias.csv")


@pytest.fixture(scope="module")
def extract_2021(sources: Path) -> IngestResult:
    return gias.read_gias(sources / "gias" / "2021-05-07_850_936_gias.csv")


@pytest.fixture(scope="module")
def tiny(test_data: Path) -> IngestResult:
    return gias.read_gias(test_data / "gias" / "20230915_gias_tiny.csv")


def _metres(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    return np.hypot((lat1 - lat2) * 111_320, (lon1 - lon2) * 111_320 * np.cos(np.radians(lat1)))


# --------------------------------------------------------------------------- real files


def test_detects_both_layouts(sources: Path) -> None:
    for name in ("20220420_gias.csv", "2021-05-07_850_936_gias.csv"):
        path = sources / "gias" / name
        assert gias.KINDS[0].detect(path, read_header(path)), name
    other = sources / "lait" / "la_codes.csv"
    assert not gias.KINDS[0].detect(other, read_header(other))


def test_2022_extract_accounting(extract_2022: IngestResult) -> None:
    extract_2022.check_accounting()
    assert (extract_2022.rows_read, extract_2022.rows_stored) == (1096, 728)
    reasons = extract_2022.rejected["reason"].unique().to_list()
    assert reasons == ["closed before the extract date (not in current school lists)"]
    assert extract_2022.schools.schema == pl.Schema(SCHOOLS_SCHEMA)
    assert extract_2022.results.schema == pl.Schema(RESULTS_SCHEMA)
    assert extract_2022.schools["urn"].is_unique().all()
    assert set(extract_2022.schools["la_code"]) == {"850", "936"}
    assert set(extract_2022.schools["phase"]) == {"primary", "all-through"}
    assert extract_2022.schools["is_state_funded"].all()


def test_2022_extract_positions_match_a_known_school(
    sources: Path, extract_2022: IngestResult
) -> None:
    schools = extract_2022.schools
    assert schools["lat"].null_count() == 0
    assert schools["lat"].is_between(50.7, 51.5).all()
    assert schools["lon"].is_between(-1.96, 0.06).all()
    known = read_text_csv(sources / "national-2018-19" / "england_ks2final.csv").select(
        pl.col("URN").alias("urn"),
        pl.col("LATITUDE").cast(pl.Float64, strict=False).alias("known_lat"),
        pl.col("LONGITUDE").cast(pl.Float64, strict=False).alias("known_lon"),
    )
    joined = schools.join(known, on="urn").drop_nulls(["known_lat"])
    assert joined.height > 500
    distance = _metres(
        joined["lat"].to_numpy(),
        joined["lon"].to_numpy(),
        joined["known_lat"].to_numpy(),
        joined["known_lon"].to_numpy(),
    )
    # St Mark's CofE Primary, Basingstoke (Hampshire, URN 131450).
    st_marks = joined["urn"].to_list().index("131450")
    assert distance[st_marks] < 100
    # Many schools sit exactly where the 2018-19 file put them; the rest moved by site or
    # postcode changes, but never by the ~130 m a missing datum shift would cause.
    assert np.mean(distance < 10) > 0.1
    assert np.median(distance) < 100


def test_2022_extract_census_is_january_2021(extract_2022: IngestResult) -> None:
    results = extract_2022.results
    assert extract_2022.academic_years == ["2020/21"]
    fsm = results.filter(pl.col("measure") == "pct_fsm")
    assert fsm.height == 728
    alton = fsm.filter(pl.col("entity") == "115850").row(0, named=True)
    assert (alton["value"], alton["status"], alton["original"]) == (21.7, "value", "21.7")
    assert alton["key_stage"] == "census" and not alton["published"]
    # New academies with no census yet: kept, as missing, never 0.
    missing = fsm.filter(pl.col("status") == "missing")
    assert missing.height == 11 and missing["value"].null_count() == 11
    pupils = results.filter(pl.col("measure") == "pupils")
    assert (pupils.drop_nulls("value")["value"] == pupils.drop_nulls("value")["pupils"]).all()


def test_census_years_agree_with_lait(
    sources: Path, extract_2021: IngestResult, extract_2022: IngestResult
) -> None:
    """Pupil-weighted school % FSM reproduces LAIT's LA figure for the year we assign."""
    weights = extract_2022.results.filter(pl.col("measure") == "pupils").select(
        "entity", pl.col("value").alias("pupils")
    )
    panel = lait.read_panel(sources / "lait" / "bds_long_0.parquet").results.filter(
        pl.col("measure") == "pct_fsm_primary"
    )
    for extract, year, other_year in (
        (extract_2021, "2019/20", "2020/21"),
        (extract_2022, "2020/21", "2019/20"),
    ):
        fsm = extract.results.filter(pl.col("measure") == "pct_fsm")
        assert set(fsm["academic_year"]) == {year}
        means = (
            fsm.join(weights, on="entity")
            .drop_nulls(["value", "pupils"])
            .group_by("la_code")
            .agg(((pl.col("value") * pl.col("pupils")).sum() / pl.col("pupils").sum()).alias("m"))
        )
        for la, mean in means.iter_rows():
            lait_value = panel.filter((pl.col("entity") == la) & (pl.col("academic_year") == year))
            lait_other = panel.filter(
                (pl.col("entity") == la) & (pl.col("academic_year") == other_year)
            )
            assert abs(mean - lait_value["value"][0]) < 0.3, (la, year)
            assert abs(mean - lait_other["value"][0]) > 1.0, (la, other_year)


def test_2021_extract_without_coordinates(extract_2021: IngestResult) -> None:
    extract_2021.check_accounting()
    assert (extract_2021.rows_read, extract_2021.rows_stored) == (729, 729)
    schools = extract_2021.schools
    assert schools["lat"].null_count() == 729
    assert schools["school_type"].unique().sort().to_list() == [
        "Academies",
        "Free Schools",
        "Local authority maintained schools",
    ]
    assert set(extract_2021.results["measure"]) == {"pct_fsm"}  # no NumberOfPupils column
    assert any("previous January's census" in note for note in extract_2021.notes)


# --------------------------------------------------------------------------- tiny file


def test_tiny_rows(tiny: IngestResult) -> None:
    tiny.check_accounting()
    assert (tiny.rows_read, tiny.rows_stored) == (12, 9)
    assert dict(tiny.rejected.select("row", "reason").iter_rows()) == {
        4: "closed before the extract date (not in current school lists)",
        7: "no URN",
        8: "repeats URN 200001 (first kept)",
    }
    # The closed row 4 does not shadow the open row 5 with the same URN.
    delta = tiny.schools.filter(pl.col("urn") == "200004").row(0, named=True)
    assert delta["name"] == "Delta Primary"


def test_tiny_school_fields(tiny: IngestResult) -> None:
    s = {row["urn"]: row for row in tiny.schools.iter_rows(named=True)}
    assert s["200001"]["phase"] == "primary" and not s["200001"]["is_special"]
    assert s["200002"]["phase"] == "special" and s["200002"]["is_special"]
    assert s["200003"]["phase"] == "secondary"  # middle deemed secondary
    assert s["200005"]["phase"] == "other" and not s["200005"]["is_state_funded"]
    assert s["200005"]["lat"] is None and s["200005"]["pupils"] is None
    assert s["200006"]["phase"] == "16 plus"
    assert s["200007"]["phase"] == "nursery"
    # A special academy sits in the Academies group: its type name says special.
    assert s["200008"]["is_special"] and s["200008"]["is_state_funded"]
    assert s["200008"]["phase"] == "secondary"
    assert s["200009"]["phase"] == "other" and not s["200009"]["is_special"]  # PRU
    assert s["200001"]["school_type"] == "Community school"
    assert s["200001"]["postcode"] == "SO14 1AA"
    assert s["200001"]["pupils"] == 210
    lat, lon = s["200001"]["lat"], s["200001"]["lon"]
    assert 50.8 < lat < 51.0 and -1.5 < lon < -1.3  # E 445000, N 115000: Southampton


def test_tiny_census_results(tiny: IngestResult) -> None:
    fsm = {
        row["entity"]: row
        for row in tiny.results.filter(pl.col("measure") == "pct_fsm").iter_rows(named=True)
    }
    assert fsm["200001"]["academic_year"] == "2022/23"  # CensusDate 19-01-2023
    assert fsm["200002"]["status"] == "suppressed" and fsm["200002"]["value"] is None
    assert fsm["200007"]["status"] == "suppressed"  # "x"
    # No CensusDate: the September 2023 extract already shows January 2023's census.
    assert fsm["200005"]["academic_year"] == "2022/23"
    assert fsm["200005"]["status"] == "missing"
    assert "200004" in fsm and fsm["200004"]["value"] == 18.3


def test_year_hint_and_undated_files(test_data: Path, tmp_path: Path) -> None:
    path = test_data / "gias" / "gias_no_dates.csv"
    with_hint = gias.read_gias(path, "2019/20")
    assert with_hint.academic_years == ["2019/20"]
    statuses = dict(with_hint.results.select("entity", "status").iter_rows())
    assert statuses == {"300001": "value", "300002": "not_entered"}
    without = gias.read_gias(path, None)
    without.check_accounting()
    assert without.results.height == 0 and without.schools.height == 2
    assert any("not stored" in note for note in without.notes)


def test_not_a_gias_file(test_data: Path) -> None:
    with pytest.raises(IngestError, match="missing columns"):
        gias.read_gias(test_data / "lait" / "la_codes_tiny.csv")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2021, 5, 7), "2019/20"),
        (date(2022, 4, 20), "2020/21"),
        (date(2022, 7, 1), "2021/22"),
        (date(2023, 9, 15), "2022/23"),
        (date(2024, 1, 2), "2022/23"),
    ],
)
def test_census_year_of_extract(day: date, expected: str) -> None:
    assert gias.census_year_of_extract(day) == expected


def test_census_dates_and_names() -> None:
    assert gias.academic_year_of_census(date(2021, 1, 21)) == "2020/21"
    assert gias.academic_year_of_census(date(2021, 10, 7)) == "2021/22"
    assert gias.date_in_name("20220420_gias.csv") == date(2022, 4, 20)
    assert gias.date_in_name("2021-05-07_850_936_gias.csv") == date(2021, 5, 7)
    assert gias.date_in_name("gias.csv") is None
    assert gias.date_in_name("20221399_gias.csv") is None
    frame = pl.DataFrame({"d": ["21-01-2021", "07-10-2021", "", None, "31-02-2021"]})
    years = frame.select(gias.census_year_expr(pl.col("d"), "%d-%m-%Y"))["d"].to_list()
    assert years == ["2020/21", "2021/22", None, None, None]


def test_academic_year_expr_matches_schema() -> None:
    from equity.schema import academic_year_from_end

    ends = list(range(1995, 2035))
    got = pl.select(gias.academic_year_expr(pl.lit(pl.Series(ends))))
    assert got.to_series().to_list() == [academic_year_from_end(y) for y in ends]
