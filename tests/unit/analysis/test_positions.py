"""An area's rows by row numbers (equity/analysis/positions.py) are the filter's rows."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equity.analysis.positions import positions, rows_of

CODES = ["350", "351", "352", "999"]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.sampled_from([*CODES, None]), max_size=40),
    st.lists(st.sampled_from([*CODES, "123"]), max_size=5),
)
def test_rows_of_is_the_filter(column: list[str | None], wanted: list[str]) -> None:
    frame = pl.DataFrame(
        {"la_code": column, "n": list(range(len(column)))},
        schema={"la_code": pl.String, "n": pl.Int64},
    )
    found = rows_of(frame, positions(frame["la_code"]), wanted)
    expected = frame.filter(pl.col("la_code").is_in(wanted))
    assert found.schema == expected.schema
    assert found.equals(expected)


@pytest.mark.parametrize("wanted", [(), ("123",)])
def test_no_rows_keeps_the_columns(wanted: tuple[str, ...]) -> None:
    frame = pl.DataFrame({"la_code": ["350"], "n": [1]})
    found = rows_of(frame, positions(frame["la_code"]), wanted)
    assert found.height == 0 and found.schema == frame.schema
