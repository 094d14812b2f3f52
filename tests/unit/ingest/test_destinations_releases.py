"""The destinations reader on all five releases: cohort years and the `_yy` suffix chain.

Manchester's LA row (RECTYPE "LA", LEA 352), COHORT by column, read off each CSV:
  2017-2018: COHORT 4715, _17 4695, _16 4485
  2018-2019: COHORT 4576, _18 4715, _17 4695
  2020-2021: COHORT 4993, _19 4735, _18 4576
  2022-2023: COHORT 5743, _21 5483, _20 4993
  2023-2024: COHORT 6268, _22 5743, _21 5483
so 4715, 4576, 4735, 4993, 5483, 5743, 6268 are the cohorts 2015/16 ... 2021/22.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equity.ingest.base import IngestResult
from equity.ingest.registry import read_file

RELEASES = {
    "performance-downloads/2017-2018": {"2015/16": 4715, "2014/15": 4695, "2013/14": 4485},
    "national-2018-19": {"2016/17": 4576, "2015/16": 4715, "2014/15": 4695},
    "performance-downloads/2020-2021": {"2018/19": 4993, "2017/18": 4735, "2016/17": 4576},
    "performance-downloads/2022-2023": {"2020/21": 5743, "2019/20": 5483, "2018/19": 4993},
    "performance-downloads/2023-2024": {"2021/22": 6268, "2020/21": 5743, "2019/20": 5483},
}


@pytest.fixture(scope="module")
def releases(sources: Path) -> dict[str, IngestResult]:
    return {f: read_file(sources / f / "england_ks4-pupdest.csv") for f in RELEASES}


@pytest.mark.parametrize("folder", sorted(RELEASES))
def test_each_release_gives_its_cohort_and_the_two_before(
    releases: dict[str, IngestResult], folder: str
) -> None:
    result = releases[folder]
    manchester = result.results.filter(
        (pl.col("entity") == "352")
        & (pl.col("entity_kind") == "la")
        & (pl.col("measure") == "pupils")
        & (pl.col("pupil_group") == "all")
    )
    assert dict(manchester.select("academic_year", "value").iter_rows()) == RELEASES[folder]
    assert result.academic_years == sorted(RELEASES[folder])


def test_destination_kinds_only_for_the_release_cohort(
    releases: dict[str, IngestResult],
) -> None:
    result = releases["performance-downloads/2023-2024"]
    kinds = result.results.filter(pl.col("measure").str.starts_with("ks4_destination_"))
    assert set(kinds["academic_year"]) == {"2021/22"}
    la = kinds.filter((pl.col("entity") == "352") & (pl.col("pupil_group") == "all"))
    shares = dict(la.select("measure", "value").iter_rows())
    # Education + apprenticeship + employment = the sustained 89%, give or take rounding.
    sustained = (
        shares["ks4_destination_education_pct"]
        + shares["ks4_destination_apprenticeship_pct"]
        + shares["ks4_destination_employment_pct"]
    )
    assert abs(sustained - 89) <= 2
    total = sustained + shares["ks4_destination_not_sustained_pct"]
    assert abs(total + shares["ks4_destination_unknown_pct"] - 100) <= 3


def test_sp_cells_are_suppressed_never_numbers(releases: dict[str, IngestResult]) -> None:
    rows = releases["national-2018-19"].results.filter(pl.col("original") == "SP")
    assert rows.height > 0
    assert set(rows["status"]) == {"suppressed"}
    assert rows["value"].null_count() == rows.height


@settings(max_examples=40, deadline=None)
@given(
    start=st.integers(min_value=2012, max_value=2030), label=st.integers(min_value=10, max_value=95)
)
def test_earlier_columns_are_the_two_cohorts_before_whatever_their_suffix(
    tmp_path_factory: pytest.TempPathFactory, start: int, label: int
) -> None:
    """Any download year and any pair of consecutive suffixes (no release's suffixes follow
    one rule): the file's own cohort is two years before the download, the larger suffix one
    cohort earlier, the smaller two."""
    folder = tmp_path_factory.mktemp("dest") / f"{start}-{start + 1}"
    folder.mkdir()
    newer, older = f"{label:02d}", f"{label - 1:02d}"
    header = (
        "RECTYPE,LEA,URN,COHORT,OVERALL_DESTPER,"
        f"COHORT_{newer},OVERALL_DESTPER_{newer},COHORT_{older},OVERALL_DESTPER_{older}"
    )
    path = folder / "england_ks4-pupdest.csv"
    path.write_text(f"{header}\n1,352,100000,30,90%,20,80%,10,70%\n")
    result = read_file(path)
    pupils = result.results.filter(pl.col("measure") == "pupils")
    got = dict(pupils.select("academic_year", "value").iter_rows())

    def year(first: int) -> str:
        return f"{first}/{(first + 1) % 100:02d}"

    later_than_release = 2000 + label > start + 1
    expected = {year(start - 2): 30}
    if not later_than_release:
        expected[year(start - 3)] = 20
    if 2000 + label - 1 <= start + 1:
        expected[year(start - 4)] = 10
    assert got == expected
