"""equity.analysis.destinations: seven cohorts from five releases, facts off the CSVs.

Cedar Mount Academy (138097, Manchester) in the 2023-2024 destinations file: disadvantaged
pupils 83% of 99 (2021/22), 80% of 95 (_22 = 2020/21), 85% of 86 (_21 = 2019/20).
"""

from __future__ import annotations

import polars as pl
import pytest

from equity.analysis import destinations
from equity.store import Store


def test_manchester_la_cohorts_follow_the_suffix_chain(embedded_store: Store) -> None:
    """SOURCES.md: Manchester's LA COHORT for 2015/16 ... 2021/22 across five releases."""
    rows = destinations.latest_release(embedded_store).filter(
        (pl.col("entity") == "352")
        & (pl.col("measure") == "pupils")
        & (pl.col("pupil_group") == "all")
        & (pl.col("academic_year") >= "2015/16")
    )
    chain = dict(rows.select("academic_year", "value").iter_rows())
    assert chain == {
        "2015/16": 4715,
        "2016/17": 4576,
        "2017/18": 4735,
        "2018/19": 4993,
        "2019/20": 5483,
        "2020/21": 5743,
        "2021/22": 6268,
    }


def test_latest_release_wins_and_differences_are_counted(embedded_store: Store) -> None:
    # Manchester's disadvantaged 2015/16 cohort: 2505 in 2017-2018's own columns, 2504 in
    # 2018-2019's _18 columns; the later release is kept and the cell counted as differing.
    rows = destinations.latest_release(embedded_store).filter(
        (pl.col("entity") == "352")
        & (pl.col("academic_year") == "2015/16")
        & (pl.col("measure") == "pupils")
        & (pl.col("pupil_group") == "disadvantaged")
    )
    assert rows["value"].to_list() == [2504]
    diffs = destinations.release_differences(embedded_store)
    cohort = diffs.filter(pl.col("academic_year") == "2015/16").row(0, named=True)
    assert (cohort["earlier"], cohort["later"]) == ("2015/16", "2016/17")
    assert 0 < cohort["differ"] < cohort["cells"]
    assert any("2015/16" in line for line in destinations.release_notes(embedded_store))


def test_one_school_has_seven_consecutive_cohorts(embedded_store: Store) -> None:
    rows = destinations.school_destination_series(embedded_store, "138097").filter(
        (pl.col("measure") == "ks4_sustained_destination_pct")
        & (pl.col("pupil_group") == "disadvantaged")
    )
    years = rows["academic_year"].to_list()
    wanted = ["2015/16", "2016/17", "2017/18", "2018/19", "2019/20", "2020/21", "2021/22"]
    assert set(wanted) <= set(years)
    latest = rows.filter(pl.col("academic_year") == "2021/22").row(0, named=True)
    assert (latest["value"], latest["pupils"], latest["release"]) == (83, 99, "2021/22")


def test_pooled_disadvantaged_destinations_over_three_cohorts(embedded_store: Store) -> None:
    pooled = destinations.pooled_disadvantaged(embedded_store).filter(
        (pl.col("urn") == "138097") & (pl.col("group") == "disadvantaged")
    )
    row = pooled.row(0, named=True)
    assert row["cohorts_used"] == 3 and row["pooled_pupils"] == 99 + 95 + 86
    assert row["pooled_pct"] == pytest.approx((99 * 83 + 95 * 80 + 86 * 85) / 280)
    assert (row["first_cohort"], row["last_cohort"]) == ("2019/20", "2021/22")


def test_suppressed_cohorts_are_left_out_of_the_pool(embedded_store: Store) -> None:
    latest = destinations.latest_release(embedded_store)
    hidden = latest.filter(
        (pl.col("entity_kind") == "school")
        & (pl.col("measure") == "ks4_sustained_destination_pct")
        & (pl.col("pupil_group") == "disadvantaged")
        & (pl.col("academic_year") == "2021/22")
        & (pl.col("status") == "suppressed")
    )
    assert hidden.height > 0 and hidden["value"].null_count() == hidden.height
    pooled = destinations.pooled_disadvantaged(embedded_store).filter(
        pl.col("urn").is_in(hidden["entity"].to_list()) & (pl.col("group") == "disadvantaged")
    )
    assert (pooled["last_cohort"] < "2021/22").all()
