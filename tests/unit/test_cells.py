"""Cell parsing: numbers become numbers, every status code stays a status, never a zero."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from equity.ingest.cells import count_expr, status_expr, value_expr
from equity.schema import STATUS_CODES, parse_academic_year


def _parse(cells: list[str | None]) -> pl.DataFrame:
    frame = pl.DataFrame({"c": cells}, schema={"c": pl.String})
    return frame.select(value_expr("c").alias("value"), status_expr("c").alias("status"))


@pytest.mark.parametrize(
    ("cell", "value", "status"),
    [
        ("47%", 47.0, "value"),
        ("17.60%", 17.6, "value"),
        (" 1,234 ", 1234.0, "value"),
        ("-0.25", -0.25, "value"),
        ("SUPP", None, "suppressed"),
        ("c", None, "suppressed"),
        ("x", None, "suppressed"),
        ("NE", None, "not_entered"),
        ("NP", None, "not_published"),
        ("-", None, "not_published"),
        ("LOWCOV", None, "low_coverage"),
        ("NEW", None, "new"),
        ("NA", None, "not_applicable"),
        ("z", None, "not_applicable"),
        ("", None, "missing"),
        (None, None, "missing"),
        ("DNS", None, "unknown:DNS"),
    ],
)
def test_cells(cell: str | None, value: float | None, status: str) -> None:
    row = _parse([cell]).row(0, named=True)
    assert row["value"] == value
    assert row["status"] == status


def test_every_status_code_is_a_status_not_a_number() -> None:
    parsed = _parse(list(STATUS_CODES))
    assert parsed["value"].null_count() == parsed.height
    assert "value" not in parsed["status"].to_list()


def test_counts_are_whole_pupils() -> None:
    frame = pl.DataFrame({"c": ["12", "SUPP", "3.0"]})
    assert frame.select(count_expr("c"))["c"].to_list() == [12, None, 3]


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9))
def test_any_number_round_trips(number: float) -> None:
    row = _parse([repr(number)]).row(0, named=True)
    assert row["status"] == "value"
    assert row["value"] == pytest.approx(number)


@pytest.mark.parametrize("text", ["2018-19", "2018-2019", "2018/19", "201819", " 2018/2019 "])
def test_academic_year_spellings(text: str) -> None:
    assert parse_academic_year(text) == "2018/19"


@pytest.mark.parametrize("text", ["2018", "2018-20", "19-20", "hello", "1999/2001"])
def test_bad_academic_years_raise(text: str) -> None:
    with pytest.raises(ValueError, match="not an academic year"):
        parse_academic_year(text)


def test_numbers_too_large_for_a_float_are_not_values() -> None:
    row = _parse(["1e400"]).row(0, named=True)
    assert row["value"] is None
    assert row["status"].startswith("unknown:")
