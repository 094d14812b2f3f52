"""components/concentration: the takeaways' arithmetic on hand-made series."""

from __future__ import annotations

import polars as pl

from components.concentration.school_years import highlighted
from components.concentration.trend import trend_takeaway, verdict


def test_verdict_compares_the_change_with_twice_the_noise() -> None:
    assert verdict(-0.03, 0.01).endswith("larger than the year-to-year noise")  # 3.0x
    assert "3.0 times" in verdict(-0.03, 0.01)
    assert verdict(0.015, 0.01).endswith(
        "about the size of the year-to-year noise, not clearly more"
    )
    assert verdict(0.02, 0.01).endswith("not clearly more")  # exactly 2x is not more than 2x
    assert verdict(0.005, 0.01).endswith("within the year-to-year noise")  # 0.5x
    assert "cannot be measured" in verdict(0.01, None)


def test_trend_takeaway_skips_the_other_basis_and_names_the_censuses() -> None:
    rows = [
        ("2017/18", "Area", 0.200),
        ("2018/19", "Area", 0.190),
        ("2020/21", "Area", 0.500),  # another basis: never an end
        ("2023/24", "Area", 0.150),
        ("2017/18", "England LA median", 0.160),
        ("2023/24", "England LA median", 0.140),
    ]
    tidy = pl.DataFrame(rows, schema=["academic_year", "series", "value"], orient="row")
    summary = {
        "first": "2017/18",
        "last": "2023/24",
        "noise": 0.004,
        "comparable": ["2017/18", "2018/19", "2023/24"],
    }
    text = trend_takeaway(tidy, "Area", "gorard", summary)
    # 0.150 - 0.200 = -0.050 = 12.5 x 0.004.
    assert text.startswith(
        "Area's Gorard segregation index fell from 0.200 (January 2018 census) to 0.150 "
        "(January 2024 census), -0.050 (less concentrated): 12.5 times"
    )
    assert "larger than the year-to-year noise" in text
    assert text.endswith("The England LA median went from 0.160 to 0.140.")


def test_trend_takeaway_with_one_comparable_census_says_so() -> None:
    tidy = pl.DataFrame(
        {"academic_year": ["2020/21", "2023/24"], "series": ["New LA"] * 2, "value": [0.1, 0.2]}
    )
    summary = {"first": "2017/18", "last": "2023/24", "noise": 0.004, "comparable": ["2023/24"]}
    assert "too few censuses on one ever-FSM basis" in trend_takeaway(
        tidy, "New LA", "gorard", summary
    )


def test_highlighted_takes_the_largest_rises_and_falls_of_big_enough_schools() -> None:
    movers = pl.DataFrame(
        {
            "urn": ["1", "2", "3", "4", "5", "6"],
            "name": ["A", "B", "C", "D", "E", "A"],
            "pct_change": [9.0, 5.0, 1.0, -4.0, -8.0, 30.0],
            "small": [False, False, False, False, False, True],
        }
    )
    chosen = highlighted(movers)
    # The small school (30 points) is left out; two rises (9, 5) and two falls (-8, -4).
    assert chosen["urn"].to_list() == ["1", "2", "5", "4"]
    assert chosen["direction"].to_list() == ["rise", "rise", "fall", "fall"]
    assert chosen["label"].to_list() == ["A", "B", "E", "D"]  # "A" no longer shared
