"""Segregation indices on a hand-checked example, and the properties any index must keep."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equity.metrics.segregation import indices, segregation_curve

# Three schools: A 10 disadvantaged / 90 other, B 0 / 100, C 30 / 70.
# F = 40, N = 260, T = 300.
# Gorard = 0.5 * (|10/40 - 100/300| + |0 - 100/300| + |30/40 - 100/300|)
#        = 0.5 * (0.08333 + 0.33333 + 0.41667) = 0.41667
# Dissimilarity = 0.5 * (|0.25 - 90/260| + |0 - 100/260| + |0.75 - 70/260|)
#        = 0.5 * (0.09615 + 0.38462 + 0.48077) = 0.48077
# Isolation = (10/40)(10/100) + 0 + (30/40)(30/100) = 0.025 + 0.225 = 0.25
HAND = pl.DataFrame({"f": [10.0, 0.0, 30.0], "n": [90.0, 100.0, 70.0]})


def test_hand_calculated_example() -> None:
    result = indices(HAND)
    assert result["gorard"] == pytest.approx(5 / 12)
    assert result["dissimilarity"] == pytest.approx(0.480769, abs=1e-6)
    assert result["isolation"] == pytest.approx(0.25)


def test_gorard_is_dissimilarity_scaled_by_other_share() -> None:
    # GS = (1 - p) * D with p = F / T = 40 / 300
    result = indices(HAND)
    assert result["gorard"] == pytest.approx((1 - 40 / 300) * result["dissimilarity"])


def test_unusable_rows_are_dropped_and_empty_is_null() -> None:
    with_gaps = pl.concat([HAND, pl.DataFrame({"f": [None, 5.0], "n": [10.0, None]})])
    assert indices(with_gaps) == indices(HAND)
    assert indices(HAND.head(0)) == {"gorard": None, "dissimilarity": None, "isolation": None}


def test_no_disadvantaged_pupils_is_undefined_not_zero() -> None:
    result = indices(pl.DataFrame({"f": [0.0, 0.0], "n": [10.0, 20.0]}))
    assert result["gorard"] is None and result["isolation"] is None


def test_curve_runs_from_origin_to_one_one_in_rate_order() -> None:
    curve = segregation_curve(HAND)
    assert curve.row(0) == (0.0, 0.0, None)
    assert curve["cum_pupils"][-1] == pytest.approx(1.0)
    assert curve["cum_disadvantaged"][-1] == pytest.approx(1.0)
    assert curve["rate"].drop_nulls().to_list() == sorted(curve["rate"].drop_nulls().to_list())


schools = st.lists(
    st.tuples(st.integers(0, 400), st.integers(0, 400)), min_size=1, max_size=40
).filter(lambda rows: sum(f for f, _ in rows) > 0 and sum(n for _, n in rows) > 0)


def _frame(rows: list[tuple[int, int]]) -> pl.DataFrame:
    return pl.DataFrame({"f": [float(f) for f, _ in rows], "n": [float(n) for _, n in rows]})


@settings(max_examples=150, deadline=None)
@given(schools)
def test_indices_lie_in_unit_interval(rows: list[tuple[int, int]]) -> None:
    for value in indices(_frame(rows)).values():
        assert value is not None and -1e-12 <= value <= 1 + 1e-12


@settings(max_examples=100, deadline=None)
@given(schools, st.randoms(use_true_random=False), st.integers(1, 50))
def test_invariant_to_order_and_scale(rows: list[tuple[int, int]], rnd, factor: int) -> None:  # type: ignore[no-untyped-def]
    base = indices(_frame(rows))
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    scaled = [(f * factor, n * factor) for f, n in rows]
    for other in (indices(_frame(shuffled)), indices(_frame(scaled))):
        for key, value in base.items():
            assert other[key] == pytest.approx(value, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 300), min_size=1, max_size=30), st.floats(0.05, 0.95))
def test_even_spread_gives_zero_segregation(sizes: list[int], rate: float) -> None:
    frame = pl.DataFrame({"f": [s * rate for s in sizes], "n": [s * (1 - rate) for s in sizes]})
    result = indices(frame)
    assert result["gorard"] == pytest.approx(0.0, abs=1e-9)
    assert result["dissimilarity"] == pytest.approx(0.0, abs=1e-9)
    assert result["isolation"] == pytest.approx(rate, abs=1e-9)  # isolation = the rate itself


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(1, 300), min_size=1, max_size=10),
    st.lists(st.integers(1, 300), min_size=1, max_size=10),
)
def test_complete_separation_gives_dissimilarity_and_isolation_one(
    disadvantaged_only: list[int], other_only: list[int]
) -> None:
    frame = pl.DataFrame(
        {
            "f": [float(s) for s in disadvantaged_only] + [0.0] * len(other_only),
            "n": [0.0] * len(disadvantaged_only) + [float(s) for s in other_only],
        }
    )
    result = indices(frame)
    assert result["dissimilarity"] == pytest.approx(1.0)
    assert result["isolation"] == pytest.approx(1.0)
    p = sum(disadvantaged_only) / (sum(disadvantaged_only) + sum(other_only))
    assert result["gorard"] == pytest.approx(1 - p)  # GS's maximum is 1 - p
    assert math.isfinite(result["gorard"] or math.nan)
