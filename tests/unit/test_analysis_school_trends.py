"""The School trends page's data, checked by hand against the real store (data/store).

School figures are as published in Surrey's and Hampshire's KS2/KS4 performance tables
(2016/17-2018/19); LA and England figures are LAIT's.
"""

from __future__ import annotations

import polars as pl
import pytest

from equity.analysis import school_trends
from equity.store import Store


@pytest.fixture(scope="module")
def store(embedded_store: Store) -> Store:
    return embedded_store


def _row(frame: pl.DataFrame, **where: str) -> dict[str, object]:
    rows = frame.filter(*(pl.col(k) == v for k, v in where.items()))
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_options_are_schools_with_results(store: Store) -> None:
    options = school_trends.school_options(store, ("936",), "secondary")
    assert _row(options, urn="125257")["name"] == "Reigate School"
    assert options["urn"].n_unique() == options.height
    assert options.filter(pl.col("la_code") != "936").is_empty()
    assert school_trends.school_options(store, ("350",), "secondary").is_empty()


def test_find_school(store: Store) -> None:
    found = school_trends.find_school(store, "125257")
    assert found is not None
    assert (found["name"], found["la_code"], found["la_name"]) == (
        "Reigate School",
        "936",
        "Surrey",
    )
    assert found["key_stages"] == ["ks4"]
    assert school_trends.find_school(store, "999999") is None


def test_school_series_beside_its_la_and_england(store: Store) -> None:
    frame = school_trends.school_series(store, "125257", "secondary", "ks4_attainment8")
    # Reigate School (URN 125257) published results for 2016/17 and 2017/18 only (it became
    # an academy with a new URN in 2018/19), so every series covers those two years.
    assert sorted(set(frame["academic_year"])) == ["2016/17", "2017/18"]
    dis = _row(frame, level="school", group="disadvantaged", academic_year="2017/18")
    assert (dis["value"], dis["pupils"]) == (pytest.approx(37.8), 51)
    assert _row(frame, level="la", group="disadvantaged", academic_year="2016/17")[
        "value"
    ] == pytest.approx(36.9)  # LAIT: Surrey DAP_KS4_ATT8, 2017
    assert _row(frame, level="england", group="other", academic_year="2016/17")[
        "value"
    ] == pytest.approx(49.9)
    assert frame.filter((pl.col("level") == "england") & (pl.col("group") != "other")).is_empty()


def test_suppressed_school_cells_stay_null_with_their_status(store: Store) -> None:
    frame = school_trends.school_series(store, "125457", "secondary", "ks4_attainment8")
    cell = _row(frame, level="school", group="disadvantaged", academic_year="2016/17")
    assert cell["value"] is None
    assert cell["status"] == "suppressed"
    assert cell["pupils"] == 14


def test_movers_by_hand_and_the_cohort_rule(store: Store) -> None:
    frame = school_trends.movers(
        store, ("936",), "secondary", "ks4_attainment8", "2016/17", "2018/19"
    )
    # Weydon School: disadvantaged A8 37.0 (30 pupils) in 2016/17, 52.8 (25) in 2018/19.
    weydon = _row(frame, urn="136531")
    assert weydon["change"] == pytest.approx(52.8 - 37.0)
    assert weydon["eligible"] is True
    # The Park School: 6 disadvantaged pupils in 2016/17, so it is left out of the ranking.
    park = _row(frame, urn="125461")
    assert park["eligible"] is False
    assert park["reason"] == "fewer than 10 disadvantaged pupils in a year"
    # Chart Wood School: suppressed in both years.
    assert _row(frame, urn="125457")["reason"] == "result suppressed in a year"
    eligible = frame.filter(pl.col("eligible"))
    assert (eligible["pupils_first"] >= 10).all() and (eligible["pupils_last"] >= 10).all()
    assert eligible["change"].null_count() == 0


def test_area_trend_without_school_files(store: Store) -> None:
    frame = school_trends.area_group_trend(store, "350", "secondary", "ks4_progress8")
    assert set(frame["level"]) == {"la", "england"}
    # LAIT 2019: England disadvantaged Progress 8 -0.45.
    england = _row(frame, level="england", group="disadvantaged", academic_year="2018/19")
    assert england["value"] == pytest.approx(-0.45)
    assert "2024/25" not in set(frame["academic_year"])  # Progress 8 stops after 2023/24


# ------------------------------------------------------------- census and destinations trends
# Hand-checked against data/sources/performance-downloads (each year's england_census.csv
# and england_ks4-pupdest.csv).
CROMPTON = "137294"  # The Crompton House Church of England Academy, Oldham (353)


def test_census_trend_has_five_censuses_with_their_denominators(store: Store) -> None:
    frame = school_trends.school_census_trend(store, CROMPTON, "secondary")
    school = frame.filter(pl.col("level") == "school")
    ever = school.filter(pl.col("measure") == "pct_ever_fsm")
    assert ever["academic_year"].to_list() == [
        "2017/18",
        "2018/19",
        "2020/21",
        "2022/23",
        "2023/24",
    ]
    # 2023-2024: NUMFSMEVER 294, NORFSMEVER 1614, PNUMFSMEVER 18.2%; NUMFSM 286, NOR 1884.
    jan24 = _row(frame, level="school", measure="pct_ever_fsm", academic_year="2023/24")
    assert (jan24["value"], jan24["pupils"]) == (pytest.approx(18.2), 1614)
    fsm = _row(frame, level="school", measure="pct_fsm", academic_year="2023/24")
    assert (fsm["value"], fsm["pupils"]) == (pytest.approx(15.2), 1884)  # 286 / 1884
    assert set(frame["series"]) >= {"Oldham: % ever-FSM", "England: % FSM"}
    assert "disadvantaged" not in " ".join(frame["series"].to_list())  # one basis: ever-FSM


def test_census_area_rates_are_sums_over_the_phase_schools(store: Store) -> None:
    from equity.analysis import census

    rates = school_trends.census_area_rates(store, "2023/24", "secondary")
    england = _row(rates, entity="970", measure="pct_ever_fsm")
    published = census.england_rates(store, "secondary").filter(
        pl.col("academic_year") == "2023/24"
    )
    assert england["value"] == pytest.approx(published["pct_ever_fsm"][0])
    oldham = census.census_counts(store, ["353"], "2023/24", "secondary")
    f, t = oldham["f"].sum(), (oldham["f"] + oldham["n"]).sum()
    assert _row(rates, entity="353", measure="pct_ever_fsm")["value"] == pytest.approx(100 * f / t)


def test_destinations_trend_has_seven_cohorts_and_keeps_suppression(store: Store) -> None:
    frame = school_trends.school_destinations_trend(store, CROMPTON)
    school = frame.filter(pl.col("level") == "school")
    cohorts = [f"{y}/{(y + 1) % 100:02d}" for y in range(2015, 2022)]
    for group in ("disadvantaged", "other"):
        assert school.filter(pl.col("group") == group)["academic_year"].to_list() == cohorts
    # 2023-2024 release, own cohort 2021/22: COHORT_DIS 26 at 92%, COHORT_NONDIS 201 at 98%.
    dis = _row(frame, level="school", group="disadvantaged", academic_year="2021/22")
    assert (dis["value"], dis["pupils"]) == (pytest.approx(92.0), 26)
    other = _row(frame, level="school", group="other", academic_year="2021/22")
    assert (other["value"], other["pupils"]) == (pytest.approx(98.0), 201)
    # Atherton Community School (Wigan), 2023-2024 release: COHORT_DIS_21 (the 2019/20
    # cohort) 32, OVERALL_DESTPER_DIS_21 SUPP: a status, no value, never 0.
    atherton = school_trends.school_destinations_trend(store, "138233")
    cell = _row(atherton, level="school", group="disadvantaged", academic_year="2019/20")
    assert (cell["value"], cell["status"], cell["pupils"]) == (None, "suppressed", 32)


def test_census_movers_compare_one_basis_with_counts(store: Store) -> None:
    movers = school_trends.census_movers(store, ("352",), "secondary")
    # Our Lady's RC High School: 2017-2018 NUMFSMEVER 495, PNUMFSMEVER 61.4% (T implied
    # 495 x 100 / 61.4 = 806.2, stored as 806); 2023-2024 NUMFSMEVER 412, NORFSMEVER 999.
    row = _row(movers, urn="105576")
    assert (row["first_year"], row["last_year"]) == ("2017/18", "2023/24")
    assert (row["pupils_first"], row["pupils_last"]) == (806, 999)
    assert row["value_first"] == pytest.approx(100 * 495 / 806)
    assert row["change"] == pytest.approx(100 * 412 / 999 - 100 * 495 / 806)
    assert "2020/21" not in set(movers["first_year"]) | set(movers["last_year"])
    assert movers["change"].abs().to_list() == sorted(movers["change"].abs(), reverse=True)


def test_destination_movers_need_ten_pupils_at_both_ends(store: Store) -> None:
    movers = school_trends.destination_movers(store, ("352",))
    # Manchester Academy: 2017-2018 release COHORT_DIS 123 at 88% (2015/16); 2023-2024
    # release COHORT_DIS 158 at 75% (2021/22).
    row = _row(movers, urn="134224")
    assert (row["first_year"], row["value_first"], row["pupils_first"]) == ("2015/16", 88.0, 123)
    assert (row["last_year"], row["value_last"], row["pupils_last"]) == ("2021/22", 75.0, 158)
    assert row["change"] == pytest.approx(-13.0)
    assert (movers["pupils_first"] >= 10).all() and (movers["pupils_last"] >= 10).all()


def test_default_trend_school_shows_the_whole_series(store: Store) -> None:
    from equity.schema import GREATER_MANCHESTER

    urn = school_trends.default_trend_school(store, tuple(GREATER_MANCHESTER), "secondary")
    assert urn == CROMPTON
    schools = school_trends.census_schools(store, tuple(GREATER_MANCHESTER), "secondary")
    assert _row(schools, urn=urn)["census_years"] == 5
