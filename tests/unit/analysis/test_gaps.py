"""The Attainment gaps page's data, checked by hand against the real store (data/store).

Figures quoted in comments are DfE's as published: LAIT (bds_long_0.parquet) for LAs and
England, the 2016/17 Surrey KS4 performance table (2016-2017_936_ks4final.csv) for schools.
"""

from __future__ import annotations

import polars as pl
import pytest

from equity.analysis import gaps
from equity.store import Store


@pytest.fixture(scope="module")
def store(embedded_store: Store) -> Store:
    return embedded_store


def _row(frame: pl.DataFrame, **where: str) -> dict[str, object]:
    rows = frame.filter(*(pl.col(k) == v for k, v in where.items()))
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_manchester_national_gap_by_hand(store: Store) -> None:
    # LAIT 2019 (2018/19): Manchester DAP_KS4_ATT8 37.6, NonDAP 48.9; England NonDAP 50.3.
    # Gap to other pupils nationally = 50.3 - 37.6 = 12.7; within Manchester = 48.9 - 37.6 = 11.3.
    summary = gaps.area_summary(store, "352", "secondary", "2018/19")
    row = _row(summary, role="selected", measure="ks4_attainment8")
    assert row["disadvantaged"] == pytest.approx(37.6)
    assert row["england_other"] == pytest.approx(50.3)
    assert row["gap_national"] == pytest.approx(12.7)
    assert row["gap_within"] == pytest.approx(11.3)
    # Progress 8: England other 0.13 - Manchester disadvantaged (-0.38) = 0.51.
    p8 = _row(summary, role="selected", measure="ks4_progress8")
    assert p8["gap_national"] == pytest.approx(0.51)
    assert set(summary["role"]) == {"selected", "gm_mean", "region", "england"}


def test_gm_summary_uses_the_mean_and_the_north_west(store: Store) -> None:
    summary = gaps.area_summary(store, "GM", "primary", "2018/19")
    assert set(summary["area"]) == {"GM (mean of 10 LAs)", "North West", "England"}
    # England KS2 RWM 2018/19: disadvantaged 51%, other 72%: a 21-point gap either way.
    england = _row(summary, role="england")
    assert england["gap_within"] == pytest.approx(21.0)
    assert england["gap_national"] == pytest.approx(21.0)


def test_ranking_lists_every_la_of_the_year(store: Store) -> None:
    frame = gaps.la_ranking(store, "352", "secondary", "2018/19", "ks4_attainment8", "all")
    las = frame.filter(pl.col("role").is_in(["selected", "gm_la", "other_la"]))
    with_gap = las.filter(pl.col("gap_national").is_not_null())
    assert with_gap.height == 150
    assert sorted(las.filter(pl.col("gap_national").is_null())["area"]) == [
        "Bournemouth (Pre LG)",
        "City of London",
        "Dorset (Pre LG)",
        "Poole (Pre LG)",
    ]
    assert las["entity"].n_unique() == las.height
    assert _row(frame, role="selected")["area"] == "Manchester"
    assert frame.filter(pl.col("role") == "gm_la").height == 9
    assert _row(frame, role="england")["gap_national"] == pytest.approx(13.6)  # 50.3 - 36.7
    assert _row(frame, role="region")["area"] == "North West"
    # The chosen group's figure: Manchester all pupils' A8 (LAIT AVG_Attain8_Score) 43.3.
    assert _row(frame, role="selected")["group_value"] == pytest.approx(43.3)


def test_ranking_for_a_group_lait_does_not_publish(store: Store) -> None:
    frame = gaps.la_ranking(store, "936", "secondary", "2018/19", "ks4_attainment8", "boys")
    assert frame["group_value"].null_count() == frame.height
    assert _row(frame, role="region")["area"] == "South East"


def test_gap_trend_keeps_gap_years_as_nulls(store: Store) -> None:
    frame = gaps.gap_trend(store, "352", "primary", "ks2_rwm_expected_pct", "disadvantaged")
    manchester = frame.filter(pl.col("series") == "Manchester")
    assert manchester["academic_year"].to_list() == [
        f"{y}/{(y + 1) % 100:02d}" for y in range(2015, 2025)
    ]
    gap_years = manchester.filter(pl.col("academic_year").is_in(["2019/20", "2020/21"]))
    assert gap_years["gap_within"].null_count() == 2
    # 2018/19: Manchester other 68, disadvantaged 55 -> 13 points within.
    assert _row(manchester, academic_year="2018/19")["gap_within"] == pytest.approx(13.0)
    assert set(frame["role"]) == {"selected", "gm_mean", "england"}  # no region inside GM


def test_comparators_follow_an_la_outside_greater_manchester(store: Store) -> None:
    # Hampshire (850) is compared with the South East and England, never with GM.
    summary = gaps.area_summary(store, "850", "secondary", "2018/19")
    assert set(summary["role"]) == {"selected", "region", "england"}
    assert set(summary["area"]) == {"Hampshire", "South East", "England"}
    ranking = gaps.la_ranking(store, "850", "secondary", "2018/19", "ks4_attainment8", "all")
    assert not ranking.filter(pl.col("role").is_in(["gm_la", "gm_mean"])).height
    # 154 LAs of 2018/19 (150 published, 4 not: see above) less Hampshire itself.
    assert ranking.filter(pl.col("role") == "other_la").height == 153
    trend = gaps.gap_trend(store, "850", "secondary", "ks4_attainment8", "disadvantaged")
    assert set(trend["role"]) == {"selected", "region", "england"}
    assert "GM (mean of 10 LAs)" not in set(trend["series"])


def test_surrey_school_results_by_hand(store: Store) -> None:
    frame = gaps.school_results(store, ("936",), "secondary", "2016/17", "ks4_attainment8", "boys")
    # Reigate School (125257), 2016/17: disadvantaged 35.1 (50 pupils), other 50.9 (187).
    reigate = _row(frame, urn="125257")
    assert reigate["disadvantaged"] == pytest.approx(35.1)
    assert reigate["disadvantaged_pupils"] == 50
    assert reigate["other_pupils"] == 187
    assert reigate["gap_within"] == pytest.approx(50.9 - 35.1)
    # England's other pupils, 2016/17 A8 per LAIT: 49.9.
    assert reigate["gap_national"] == pytest.approx(49.9 - 35.1)
    assert reigate["small_cohort"] is False
    assert reigate["chosen"] == pytest.approx(43.9)  # boys' A8, as the filter asked
    # Chart Wood School (125457): disadvantaged A8 'SUPP' in the file, 14 pupils.
    chart_wood = _row(frame, urn="125457")
    assert chart_wood["disadvantaged"] is None
    assert chart_wood["disadvantaged_status"] == "suppressed"
    assert chart_wood["disadvantaged_pupils"] == 14
    assert chart_wood["gap_within"] is None  # never back-calculated
    # Carwarden House (141147): 6 disadvantaged pupils, flagged as a small cohort.
    assert _row(frame, urn="141147")["small_cohort"] is True
    # Independent schools publish no split: kept out of the table by has_split.
    assert (
        frame.filter(~pl.col("has_split"))["disadvantaged"].null_count()
        == frame.filter(~pl.col("has_split")).height
    )


def test_school_years_only_where_files_are_loaded(store: Store) -> None:
    assert gaps.school_years(store, ("936",), "secondary") == ["2016/17", "2017/18", "2018/19"]
    assert gaps.school_years(store, ("350",), "secondary") == []
    assert gaps.england_other(store, "ks4_attainment8", "2016/17") == pytest.approx(49.9)


def test_unlisted_schools_are_explained_from_the_data(store: Store) -> None:
    # Hampshire KS2 2018/19: five schools have blank disadvantage cells; by GIAS type three
    # sponsor-led academies, one free school and one community school (not independents).
    frame = gaps.school_results(
        store, ("850",), "primary", "2018/19", "ks2_rwm_expected_pct", "disadvantaged"
    )
    text = gaps.unlisted_summary(store, frame)
    assert text is not None
    assert text.startswith("5 further schools are not listed")
    assert "(5 with blank cells in DfE's file)" in text
    assert "Academy sponsor led 3" in text and "Community school 1" in text
    assert "independent" not in text
    assert gaps.unlisted_summary(store, frame.filter(pl.col("has_split"))) is None
