"""Disadvantage gaps on a hand-made example: within the area and against national others."""

from __future__ import annotations

import polars as pl
import pytest

from equity.metrics.gaps import gap_table, group_mean


def _rows(values: dict[tuple[str, str], float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "entity": [e for e, _ in values],
            "academic_year": ["2018/19"] * len(values),
            "measure": ["ks4_attainment8"] * len(values),
            "pupil_group": [g for _, g in values],
            "value": list(values.values()),
        }
    )


ROWS = _rows(
    {
        ("352", "disadvantaged"): 35.0,
        ("352", "other"): 45.0,
        ("351", "disadvantaged"): 30.0,
        ("351", "other"): None,  # suppressed: no within-area gap
        ("970", "disadvantaged"): 36.0,
        ("970", "other"): 50.0,
    }
)


def test_gaps_by_hand() -> None:
    table = gap_table(ROWS).sort("entity")
    manchester = table.filter(pl.col("entity") == "352").row(0, named=True)
    # within: 45 - 35 = 10; national: England other 50 - 35 = 15
    assert manchester["gap_within"] == pytest.approx(10.0)
    assert manchester["gap_national"] == pytest.approx(15.0)
    bury = table.filter(pl.col("entity") == "351").row(0, named=True)
    assert bury["gap_within"] is None  # never computed from a missing side
    assert bury["gap_national"] == pytest.approx(20.0)


def test_group_mean_needs_every_member() -> None:
    table = gap_table(ROWS)
    mean = group_mean(table, ["352", "351"], "GM").row(0, named=True)
    assert mean["disadvantaged"] == pytest.approx(32.5)
    assert mean["gap_national"] == pytest.approx(17.5)
    assert mean["gap_within"] is None  # Bury's is missing, so no mean is claimed
    assert group_mean(table, ["352", "999"], "GM").is_empty()
