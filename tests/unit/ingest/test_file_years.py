"""The one parser of a year in a file or folder name (equity/ingest/file_years.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from equity.ingest.file_years import year_in_name


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("2018-2019_936_ks4final.csv", "2018/19"),  # DfE's own download name
        ("2018-19", "2018/19"),  # a year folder in a zip
        ("national-2018-19", "2018/19"),
        ("england_census_201819.csv", "2018/19"),
        ("2017_18_census.csv", "2017/18"),
        ("2018-2020_then_2019-20.csv", "2019/20"),  # not a year, so the next pair is read
        ("england_census_850.csv", None),  # an LA code is not a year
        ("100001_2018.csv", None),  # a lone calendar year is not an academic year
        ("12018-19.csv", None),  # inside a longer number
        ("ks4_meta.csv", None),
    ],
)
def test_years_in_names(name: str, year: str | None) -> None:
    assert year_in_name(name) == year


@given(st.integers(min_value=2000, max_value=2098), st.sampled_from(["-", "_", ""]))
def test_any_year_written_either_way_reads_the_same(start: int, separator: str) -> None:
    expected = f"{start}/{(start + 1) % 100:02d}"
    assert year_in_name(f"{start}{separator}{start + 1}_ks2final.csv") == expected
    assert year_in_name(f"x_{start}{separator}{(start + 1) % 100:02d}.csv") == expected
