"""Families of similar schools: a hand-worked example and the properties any family keeps."""

from __future__ import annotations

import math
import random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equity.metrics.families import FamilyError, find_family

# Five schools, two features.
#   URN     x   y
#   100001  0  10
#   100002  2  10
#   100003  4  20
#   100004  6  30
#   100005  8  30
# x: mean 4, population sd sqrt((16 + 4 + 0 + 4 + 16) / 5) = sqrt(8) = 2.828427
# y: mean 20, population sd sqrt((100 + 100 + 0 + 100 + 100) / 5) = sqrt(80) = 8.944272
# z_x = (x - 4) / sqrt(8):  -1.414214, -0.707107, 0, 0.707107, 1.414214
# z_y = (y - 20) / sqrt(80): -1.118034, -1.118034, 0, 1.118034, 1.118034
# From 100003 (z = 0, 0):
#   100002 and 100004: sqrt(4/8 + 100/80) = sqrt(1.75) = 1.322876 (a tie: URN order)
#   100001 and 100005: sqrt(16/8 + 100/80) = sqrt(3.25) = 1.802776 (a tie: URN order)
# From 100001 (-1.414214, -1.118034):
#   100002: sqrt(0.707107^2 + 0) = sqrt(0.5) = 0.707107
#   100003: sqrt(2 + 1.25) = sqrt(3.25) = 1.802776
#   100004: sqrt(2.121320^2 + 2.236068^2) = sqrt(4.5 + 5) = sqrt(9.5) = 3.082207
#   100005: sqrt(2.828427^2 + 2.236068^2) = sqrt(8 + 5) = sqrt(13) = 3.605551
HAND = pl.DataFrame(
    {
        "urn": ["100001", "100002", "100003", "100004", "100005"],
        "x": [0.0, 2.0, 4.0, 6.0, 8.0],
        "y": [10.0, 10.0, 20.0, 30.0, 30.0],
    }
)


def test_hand_calculated_z_scores_and_distances() -> None:
    family = find_family(HAND, "100003", ["x", "y"], size=4)
    assert family.means == {"x": 4.0, "y": 20.0}
    assert family.sds["x"] == pytest.approx(math.sqrt(8))
    assert family.sds["y"] == pytest.approx(math.sqrt(80))
    members = family.members
    assert members["urn"].to_list() == ["100002", "100004", "100001", "100005"]
    assert members["rank"].to_list() == [1, 2, 3, 4]
    assert members["distance"].to_list() == pytest.approx(
        [1.322876, 1.322876, 1.802776, 1.802776], abs=1e-6
    )
    assert members["z_x"].to_list() == pytest.approx(
        [-0.707107, 0.707107, -1.414214, 1.414214], abs=1e-6
    )
    assert members["z_y"].to_list() == pytest.approx(
        [-1.118034, 1.118034, -1.118034, 1.118034], abs=1e-6
    )
    assert family.chosen["z_x"][0] == 0 and family.chosen["z_y"][0] == 0


def test_hand_calculated_family_of_an_extreme_school() -> None:
    family = find_family(HAND, "100001", ["x", "y"], size=3)
    assert family.members["urn"].to_list() == ["100002", "100003", "100004"]
    assert family.members["distance"].to_list() == pytest.approx(
        [math.sqrt(0.5), math.sqrt(3.25), math.sqrt(9.5)]
    )


def test_one_feature_changes_the_family() -> None:
    # On x alone 100004 (|z| 0.707) is as near as 100002; on y alone 100002 is identical to 100001.
    assert find_family(HAND, "100001", ["y"], size=1).members["urn"].to_list() == ["100002"]
    on_x = find_family(HAND, "100003", ["x"], size=2).members
    assert on_x["urn"].to_list() == ["100002", "100004"]
    assert on_x["distance"].to_list() == pytest.approx([0.707107, 0.707107], abs=1e-6)


def test_schools_missing_a_feature_leave_the_pool_and_are_counted() -> None:
    extra = pl.DataFrame({"urn": ["100006", "100007"], "x": [4.0, None], "y": [None, None]})
    family = find_family(pl.concat([HAND, extra]), "100003", ["x", "y"], size=10)
    # The pool (and so every z-score) is exactly the five complete schools.
    assert family.pool_size == 5
    assert family.members.height == 4
    assert family.means == {"x": 4.0, "y": 20.0}
    assert family.excluded["urn"].to_list() == ["100006", "100007"]
    assert family.exclusion_counts() == {"x": 1, "y": 2}
    # On x alone, 100006 (x = 4, the same as 100003) is back and nearest.
    on_x = find_family(pl.concat([HAND, extra]), "100003", ["x"], size=1)
    assert on_x.members["urn"].to_list() == ["100006"]
    assert on_x.members["distance"][0] == 0


def test_errors_say_why() -> None:
    with pytest.raises(FamilyError, match="not in the candidate pool"):
        find_family(HAND, "999999", ["x"])
    gap = HAND.with_columns(
        pl.when(pl.col("urn") == "100003").then(None).otherwise(pl.col("y")).alias("y")
    )
    with pytest.raises(FamilyError, match="no value for: y"):
        find_family(gap, "100003", ["x", "y"])
    with pytest.raises(FamilyError, match="at least one feature"):
        find_family(HAND, "100003", [])
    with pytest.raises(FamilyError, match="appear once"):
        find_family(pl.concat([HAND, HAND.head(1)]), "100003", ["x"])


def test_a_feature_every_school_shares_cannot_separate_them() -> None:
    flat = HAND.with_columns(pl.lit(7.0).alias("y"))
    family = find_family(flat, "100003", ["x", "y"], size=4)
    assert family.members["z_y"].to_list() == [0.0, 0.0, 0.0, 0.0]
    assert family.members["distance"].to_list() == pytest.approx(
        [0.707107, 0.707107, 1.414214, 1.414214], abs=1e-6
    )


# --------------------------------------------------------------------------- properties

_values = st.one_of(st.none(), st.integers(-500, 500).map(float))


@st.composite
def pools(draw: st.DrawFn) -> tuple[pl.DataFrame, str, list[str], int]:
    n = draw(st.integers(1, 25))
    urns = draw(st.lists(st.integers(100000, 999999).map(str), min_size=n, max_size=n, unique=True))
    features = ["a", "b", "c"][: draw(st.integers(1, 3))]
    columns = {f: draw(st.lists(_values, min_size=n, max_size=n)) for f in features}
    chosen = draw(st.integers(0, n - 1))
    for f in features:  # the chosen school always has every feature
        if columns[f][chosen] is None:
            columns[f][chosen] = 0.0
    frame = pl.DataFrame(
        {"urn": urns, **columns}, schema={"urn": pl.String, **dict.fromkeys(features, pl.Float64)}
    )
    return frame, urns[chosen], features, draw(st.integers(1, 30))


@settings(max_examples=150, deadline=None)
@given(pools(), st.randoms(use_true_random=False))
def test_family_properties(
    case: tuple[pl.DataFrame, str, list[str], int], rng: random.Random
) -> None:
    frame, urn, features, size = case
    family = find_family(frame, urn, features, size)
    members = family.members
    # The school itself is never in its own family.
    assert urn not in members["urn"].to_list()
    # Size respected: min(k, pool - 1), the pool being the schools with every feature.
    complete = frame.drop_nulls(features).height
    assert family.pool_size == complete
    assert members.height == min(size, complete - 1)
    assert family.excluded.height == frame.height - complete
    # Nearest first, ties by URN.
    keys = list(zip(members["distance"].to_list(), members["urn"].to_list(), strict=True))
    assert keys == sorted(keys)
    # Deterministic and invariant to row order.
    again = find_family(frame, urn, features, size)
    assert again.members.equals(members)
    order = list(range(frame.height))
    rng.shuffle(order)
    shuffled = find_family(frame[order], urn, features, size)
    assert shuffled.members.equals(members)
    assert shuffled.chosen.equals(family.chosen)


def test_weights_scale_each_features_squared_difference() -> None:
    """From the worked example: school 100003 (z 0, 0) to 100002 (z -0.707107, -1.118034)
    with weights x 1, y 0.25: sqrt(1 x 0.5 + 0.25 x 1.25) = sqrt(0.8125) = 0.901388; to
    100004 (0.707107, 1.118034) the same; to 100001 (-1.414214, -1.118034):
    sqrt(2 + 0.3125) = 1.520691."""
    schools = pl.DataFrame(
        {
            "urn": ["100001", "100002", "100003", "100004", "100005"],
            "x": [0.0, 2.0, 4.0, 6.0, 8.0],
            "y": [10.0, 10.0, 20.0, 30.0, 30.0],
        }
    )
    family = find_family(schools, "100003", ["x", "y"], size=4, weights={"x": 1.0, "y": 0.25})
    distances = dict(zip(family.members["urn"], family.members["distance"], strict=True))
    assert distances["100002"] == pytest.approx(math.sqrt(0.8125), abs=1e-6)
    assert distances["100004"] == pytest.approx(math.sqrt(0.8125), abs=1e-6)
    assert distances["100001"] == pytest.approx(math.sqrt(2 + 0.3125), abs=1e-6)
    assert family.weights == {"x": 1.0, "y": 0.25}
    # Weight 0 on y: only x counts, so 100002 and 100004 tie at 0.707107 (URN breaks it).
    only_x = find_family(schools, "100003", ["x", "y"], size=2, weights={"y": 0.0})
    assert only_x.members["urn"].to_list() == ["100002", "100004"]
    assert only_x.members["distance"].to_list() == pytest.approx([0.707107] * 2, abs=1e-6)


@pytest.mark.parametrize("weights", [{"x": -1.0}, {"x": float("nan")}, {"x": 0.0, "y": 0.0}])
def test_bad_weights_are_refused(weights: dict[str, float]) -> None:
    schools = pl.DataFrame({"urn": ["1", "2", "3"], "x": [1.0, 2.0, 3.0], "y": [1.0, 5.0, 2.0]})
    with pytest.raises(FamilyError):
        find_family(schools, "1", ["x", "y"], size=2, weights=weights)
