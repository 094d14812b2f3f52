"""Beating the odds: a hand-checked line, residuals that balance, suppression left out."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equity.metrics.odds import OddsError, beating_the_odds

# y = 2 + 3x exactly: the line is recovered, every residual and band is 0, nobody is "above".
EXACT = pl.DataFrame(
    {
        "urn": ["a", "b", "c", "d"],
        "y": [5.0, 8.0, 11.0, 17.0],
        "x": [1.0, 2.0, 3.0, 5.0],
        "n": [10.0, 20.0, 30.0, 40.0],
    }
)

# x = 1..4, y = 2, 3, 5, 6 with cohorts 4, 9, 16, 25.
# mean x 2.5, mean y 4; Sxy = (-1.5)(-2) + (-0.5)(-1) + (0.5)(1) + (1.5)(2) = 7; Sxx = 5
# slope = 7 / 5 = 1.4, intercept = 4 - 1.4 * 2.5 = 0.5
# expected 1.9, 3.3, 4.7, 6.1; residuals 0.1, -0.3, 0.3, -0.1 (sum 0)
# sigma^2 = sum(n r^2) / (N - p) = (4*0.01 + 9*0.09 + 16*0.09 + 25*0.01) / (4 - 2) = 2.54 / 2
# sigma = sqrt(1.27) = 1.126943; band = 1.96 * sigma / sqrt(n): n = 4 -> 1.104404
# R^2 = 1 - 0.2 / Syy, Syy = 4 + 1 + 1 + 4 = 10 -> 0.98
HAND = pl.DataFrame(
    {
        "urn": ["a", "b", "c", "d"],
        "y": [2.0, 3.0, 5.0, 6.0],
        "x": [1.0, 2.0, 3.0, 4.0],
        "n": [4.0, 9.0, 16.0, 25.0],
    }
)


def test_exact_line_is_recovered() -> None:
    fit = beating_the_odds(EXACT, "y", ["x"], "n")
    assert fit.coefficients == pytest.approx({"intercept": 2.0, "x": 3.0})
    assert fit.r_squared == pytest.approx(1.0)
    assert fit.table["residual"].to_list() == pytest.approx([0, 0, 0, 0], abs=1e-9)
    assert fit.table["band"].to_list() == pytest.approx([0, 0, 0, 0], abs=1e-9)
    assert not fit.table["above"].any() and not fit.table["below"].any()
    assert fit.above().is_empty()


def test_hand_checked_fit_and_bands() -> None:
    fit = beating_the_odds(HAND, "y", ["x"], "n")
    assert fit.coefficients == pytest.approx({"intercept": 0.5, "x": 1.4})
    assert fit.table["expected"].to_list() == pytest.approx([1.9, 3.3, 4.7, 6.1])
    assert fit.table["residual"].to_list() == pytest.approx([0.1, -0.3, 0.3, -0.1])
    assert fit.pupil_sigma == pytest.approx(math.sqrt(1.27))
    assert fit.table["band"][0] == pytest.approx(1.104404, abs=1e-6)
    assert fit.table["band"].to_list() == pytest.approx(
        [1.96 * math.sqrt(1.27) / math.sqrt(n) for n in (4, 9, 16, 25)]
    )
    assert fit.r_squared == pytest.approx(0.98)
    assert fit.n_schools == 4


def test_suppressed_outcomes_are_left_out_never_used() -> None:
    status = pl.Series("status", ["value"] * 4)
    clean = HAND.with_columns(status)
    leaked = pl.DataFrame(
        {
            "urn": ["e", "f", "g"],
            # A suppressed cell with a stray number, a missing cell, a school with no row at all.
            "y": [999.0, None, None],
            "x": [2.0, 3.0, 1.0],
            "n": [5.0, 12.0, 8.0],
            "status": ["suppressed", "missing", None],
        }
    )
    fit = beating_the_odds(pl.concat([clean, leaked]), "y", ["x"], "n", status="status")
    assert fit.table["urn"].to_list() == ["a", "b", "c", "d"]
    assert fit.coefficients == pytest.approx({"intercept": 0.5, "x": 1.4})
    assert fit.excluded == {"y missing": 1, "y suppressed": 1, "no y": 1}


def test_missing_predictors_and_cohorts_are_counted() -> None:
    extra = pl.DataFrame({"urn": ["e", "f"], "y": [4.0, 4.0], "x": [None, 2.0], "n": [3.0, 0.0]})
    fit = beating_the_odds(pl.concat([HAND, extra]), "y", ["x"], "n")
    assert fit.n_schools == 4
    assert fit.excluded == {"no x": 1, "no n": 1}


def test_a_school_well_above_is_listed() -> None:
    # Nine schools on the line y = x, one far above it with a large cohort.
    frame = pl.DataFrame(
        {
            "urn": [f"s{i}" for i in range(10)],
            "x": [float(i) for i in range(10)],
            "y": [float(i) + (0.5 if i % 2 else -0.5) for i in range(9)] + [30.0],
            "n": [20.0] * 9 + [200.0],
        }
    )
    fit = beating_the_odds(frame, "y", ["x"], "n")
    assert fit.above()["urn"].to_list() == ["s9"]


def test_too_few_schools() -> None:
    with pytest.raises(OddsError, match="at least 3"):
        beating_the_odds(HAND.head(2), "y", ["x"], "n")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 100), st.integers(0, 60), st.integers(0, 100), st.integers(1, 300)
        ),
        min_size=5,
        max_size=40,
    )
)
def test_residuals_sum_to_zero(rows: list[tuple[int, int, int, int]]) -> None:
    y, x1, x2, n = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    frame = pl.DataFrame(
        {"urn": [f"u{i:03d}" for i in range(len(rows))], "y": y, "x1": x1, "x2": x2, "n": n}
    )
    fit = beating_the_odds(frame, "y", ["x1", "x2"], "n")
    assert sum(fit.table["residual"].to_list()) == pytest.approx(0, abs=1e-6)
    # Every band is symmetric about its residual and wider for smaller cohorts.
    table = fit.table.sort("n")
    assert (table["upper"] - table["residual"] - table["band"]).abs().max() < 1e-9
    assert table["band"].to_list() == sorted(table["band"].to_list(), reverse=True)


def test_slope_standard_errors_and_intervals_by_hand() -> None:
    # HAND: RSS = 0.01 + 0.09 + 0.09 + 0.01 = 0.2, s^2 = 0.2 / (4 - 2) = 0.1, Sxx = 5.
    # se(slope) = sqrt(0.1 / 5) = 0.141421; se(intercept) = sqrt(0.1 (1/4 + 2.5^2 / 5))
    # = sqrt(0.15) = 0.387298; slope interval 1.4 +- 1.96 x 0.141421 = 1.122814 to 1.677186.
    fit = beating_the_odds(HAND, "y", ["x"], "n")
    assert fit.std_errors == pytest.approx({"intercept": 0.387298, "x": 0.141421}, abs=1e-6)
    assert fit.slope_interval("x") == pytest.approx((1.122814, 1.677186), abs=1e-6)
    assert fit.unclear_slopes() == ()
    # Four schools are too few to rank on, however good the line.
    assert fit.weak_reasons() == ("only 4 schools were fitted (fewer than 30)",)


def test_a_line_that_explains_nothing_is_weak() -> None:
    # 40 schools, x = 0..39, y alternating 9, 11: y does not follow x.
    # Sxy = 20 pairs x (+1) = 20; Sxx = 40 (40^2 - 1) / 12 = 5330; Syy = 40.
    # slope = 20 / 5330 = 0.003752; R^2 = 20^2 / (5330 x 40) = 0.001876.
    frame = pl.DataFrame(
        {
            "urn": [f"s{i:02d}" for i in range(40)],
            "x": [float(i) for i in range(40)],
            "y": [11.0 if i % 2 else 9.0 for i in range(40)],
            "n": [30.0] * 40,
        }
    )
    fit = beating_the_odds(frame, "y", ["x"], "n")
    assert fit.coefficients["x"] == pytest.approx(20 / 5330)
    assert fit.r_squared == pytest.approx(400 / (5330 * 40))
    assert fit.unclear_slopes() == ("x",)
    reasons = fit.weak_reasons()
    assert len(reasons) == 2
    assert "explain 0% of the differences" in reasons[0] and "R² 0.00" in reasons[0]
    assert reasons[1] == "no context measure's slope can be told apart from zero"


def test_a_strong_line_on_enough_schools_is_not_weak() -> None:
    # 40 schools on y = 2 + 3x with +-1 noise alternating: R^2 near 1, slope clearly positive.
    frame = pl.DataFrame(
        {
            "urn": [f"s{i:02d}" for i in range(40)],
            "x": [float(i) for i in range(40)],
            "y": [2 + 3 * i + (1.0 if i % 2 else -1.0) for i in range(40)],
            "n": [30.0] * 40,
        }
    )
    fit = beating_the_odds(frame, "y", ["x"], "n")
    assert fit.r_squared > 0.99
    assert fit.weak_reasons() == ()
