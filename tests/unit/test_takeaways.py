"""Takeaway sentences say what a number is: units, the tile's precision, small cohorts."""

from __future__ import annotations

import polars as pl

from components import overview
from components.school_trends.school import school_takeaway
from components.text import fmt_tile


def test_tiles_carry_units() -> None:
    assert fmt_tile(35.71, "ks4_attainment8") == "35.7 points"
    assert fmt_tile(-0.614, "ks4_progress8") == "-0.61 points"
    assert fmt_tile(61.0, "ks2_rwm_expected_pct") == "61.0% of pupils"
    assert fmt_tile(None, "ks4_progress8") == "not published"


def test_overview_takeaway_uses_the_tiles_precision() -> None:
    # Progress 8 tiles show two decimals (0.51, 0.53): so does the sentence, with its unit.
    row = {"disadvantaged": -0.38, "gap_national": 0.51, "gap_within": 0.53}
    text = overview.takeaway(row, "Manchester", "ks4_progress8")
    assert "0.51 points below other pupils nationally" in text
    assert "was 0.53 points" in text
    assert "scored -0.38 points" in text


def _school(pupils: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "level": ["school", "school"],
            "group": ["disadvantaged", "disadvantaged"],
            "academic_year": ["2017/18", "2018/19"],
            "value": [90.0, 100.0],
            "pupils": [pupils, pupils],
            "status": ["value", "value"],
        }
    )


def test_a_small_cohort_is_cautioned_in_the_sentence_itself() -> None:
    text = school_takeaway(_school(6), "Little School", "ks2_rwm_expected_pct")
    assert text.startswith("In 2018/19, 6 disadvantaged pupils at Little School averaged 100.0%")
    assert "only 6 pupils" in text and "read it with caution" in text
    big = school_takeaway(_school(40), "Big School", "ks2_rwm_expected_pct")
    assert "caution" not in big
