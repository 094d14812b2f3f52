"""notices.school_level_years looks years up in one index per store version
(`coverage_years`) instead of filtering the coverage frame on every rerun: the same years
as the filter it replaced (kept here as the reference), for every LA and kind."""

from __future__ import annotations

import polars as pl

from components import data, notices
from components.filters import Filters


def _before(
    coverage: pl.DataFrame, members: tuple[str, ...], kinds: list[str], anywhere: bool
) -> list[str]:
    mine = coverage.filter(pl.col("kind").is_in(kinds))
    if not anywhere:
        mine = mine.filter(pl.col("la_code").is_in(list(members)))
    return sorted(set(mine["academic_year"].to_list()))


def test_years_are_those_the_filter_gave() -> None:
    coverage = data.school_level_coverage()
    assert coverage.height, "the embedded store has school-level files"
    codes = sorted(set(coverage["la_code"].drop_nulls().to_list()))
    kinds = sorted(set(coverage["kind"].to_list()))
    areas = [(c,) for c in codes] + [tuple(codes[:10]), ("999",)]
    for members in areas:
        selection = Filters(members[0], "secondary", "all", "2018/19", "x", members)
        for wanted in [[k] for k in kinds] + [kinds[:2], ["no-such-kind"]]:
            for anywhere in (False, True):
                got = notices.school_level_years(selection, wanted, anywhere=anywhere)
                assert got == _before(coverage, members, wanted, anywhere), (members, wanted)
