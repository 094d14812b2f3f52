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
