"""equity.analysis.census: five census years, facts read off the real CSVs by hand.

School 105560 (Manchester, state-funded secondary) in the census files:
  Jan 2018: NOR 1758, PNUMFSM 21.5, NUMFSMEVER 797.5, PNUMFSMEVER 46.8 (no SCHOOLTYPE)
  Jan 2019: NOR 1812, NUMFSM 454, NUMFSMEVER 769, PNUMFSMEVER 43.7
  Jan 2021: NOR 1823, NUMFSM 598, NUMFSMEVER 763, PNUMFSMEVER 41.9% (a share of NOR)
  Jan 2023: NOR 1822, NUMFSM 753, NUMFSMEVER 800, NORFSMEVER 1773, PNUMFSMEVER 45.1%
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from equity.analysis import census
from equity.metrics import segregation
from equity.schema import GREATER_MANCHESTER
from equity.store import Store


@pytest.fixture(scope="module")
def series(embedded_store: Store) -> pl.DataFrame:
    return census.school_census_series(embedded_store, "105560")


def test_census_years_are_the_five_januaries(embedded_store: Store) -> None:
    years = census.census_years(embedded_store)["academic_year"].unique().sort().to_list()
    assert years == ["2017/18", "2018/19", "2020/21", "2022/23", "2023/24"]


def test_one_school_over_four_censuses(series: pl.DataFrame) -> None:
    by_year = {row["academic_year"]: row for row in series.iter_rows(named=True)}
    assert sorted(by_year) == ["2017/18", "2018/19", "2020/21", "2022/23"]  # closed by 2024
    jan18, jan19, jan21, jan23 = (by_year[y] for y in sorted(by_year))
    # January 2018 publishes the FSM share only; its type comes from the January 2019 census.
    assert jan18["pct_fsm"] == 21.5 and jan18["nor"] == 1758
    assert jan18["ever_fsm"] == 797.5 and jan18["ever_fsm_base"] == 1704  # 797.5 / 46.8%
    assert jan18["school_type"] == "State-funded secondary"
    assert jan18["placed_from"] == "census 2018/19"
    assert jan19["pct_fsm"] == 25.1 and jan19["ever_fsm_base"] == 1760  # 454/1812; 769/43.7%
    assert jan21["pct_fsm"] == 32.8 and jan21["ever_fsm_base"] == 1821  # about NOR (1823)
    assert jan23["pct_fsm"] == 41.3 and jan23["ever_fsm_base"] == 1773  # NORFSMEVER
    assert jan23["pct_ever_fsm"] == 45.1 and jan23["placed_from"] == "census 2022/23"


def test_placement_of_the_2018_census_is_reported(embedded_store: Store) -> None:
    (note,) = census.placement_notes(embedded_store)
    assert note.startswith("census 2017/18: 23553 schools without a school type")
    types = census.school_types(embedded_store, "2017/18")
    unplaced = types.filter(pl.col("placed_from").is_null()).height
    assert f"{unplaced} could not be placed" in note
    by_estab = types.filter(pl.col("placed_from") == "estab number").height
    assert f"{by_estab} as state-funded primary or secondary by their establishment" in note
    # Closed before January 2019 (no later census) and outside the GIAS extracts: most are
    # placed by their establishment number, the rest (nursery, PRU, 6xxx, ...) are not.
    assert 0 < unplaced < by_estab < types.height // 10


def test_segregation_for_every_la_in_one_call(embedded_store: Store) -> None:
    table = census.segregation_by_la(embedded_store, "2023/24", "secondary")
    assert table.height >= 150
    manchester = table.filter(pl.col("la_code") == "352").row(0, named=True)
    counts = census.census_counts(embedded_store, ["352"], "2023/24", "secondary")
    assert manchester["schools"] == counts.height == 32
    assert manchester["ever_fsm"] == counts["f"].sum()
    assert 0 < manchester["gorard"] < manchester["dissimilarity"] < 1


def test_comparable_census_years_leave_out_january_2021() -> None:
    years = ["2017/18", "2018/19", "2020/21", "2022/23", "2023/24"]
    assert census.comparable_years(years) == ["2017/18", "2018/19", "2022/23", "2023/24"]


def test_england_rate_is_the_sum_over_every_la(embedded_store: Store) -> None:
    rates = census.england_rates(embedded_store, "secondary")
    assert rates["academic_year"].to_list() == [
        "2017/18",
        "2018/19",
        "2020/21",
        "2022/23",
        "2023/24",
    ]
    by_la = census.segregation_by_la(embedded_store, "2023/24", "secondary")
    row = rates.filter(pl.col("academic_year") == "2023/24").row(0, named=True)
    assert row["ever_fsm"] == by_la["ever_fsm"].sum()
    assert row["pct_ever_fsm"] == pytest.approx(
        100 * by_la["ever_fsm"].sum() / by_la["pupils"].sum()
    )
    assert row["gorard_median"] == pytest.approx(by_la["gorard"].median())
    # All pupils on roll as the January 2021 denominator: England's rate dips by ~3 points.
    jan21 = rates.filter(pl.col("academic_year") == "2020/21")["pct_ever_fsm"][0]
    assert jan21 < row["pct_ever_fsm"] - 2


def test_movers_compare_the_first_and_last_comparable_years(embedded_store: Store) -> None:
    """Chorlton High School (139148): Jan 2018 NUMFSMEVER 608 of 608 x 100 / 41 = 1483
    pupils (41.0%); Jan 2024 436 of NORFSMEVER 1530 (28.5%)."""
    movers = census.school_share_changes(embedded_store, ["352"], "secondary")
    chorlton = movers.filter(pl.col("urn") == "139148").row(0, named=True)
    assert (chorlton["first_year"], chorlton["last_year"]) == ("2017/18", "2023/24")
    assert chorlton["pct_first"] == pytest.approx(608 * 100 / 1483)
    assert chorlton["pct_last"] == pytest.approx(436 * 100 / 1530)
    assert chorlton["pct_change"] == pytest.approx(chorlton["pct_last"] - chorlton["pct_first"])
    changes = movers["share_change"].abs().to_list()
    assert changes == sorted(changes, reverse=True)
    assert "2020/21" not in set(movers["first_year"]) | set(movers["last_year"])


# --------------------------------------------------------------------------- over time

FIVE = ["2017/18", "2018/19", "2020/21", "2022/23", "2023/24"]


def test_census_label_names_the_january() -> None:
    assert census.census_label("2023/24") == "January 2024 census"
    assert census.census_label("2017/18") == "January 2018 census"


@pytest.mark.parametrize(
    ("year", "nearest"),
    [
        ("2018/19", "2018/19"),  # a census year is itself
        ("2015/16", "2017/18"),
        ("2016/17", "2017/18"),
        ("2019/20", "2020/21"),  # one year from 2018/19 and 2020/21: the later
        ("2021/22", "2022/23"),  # one year from 2020/21 and 2022/23: the later
        ("2024/25", "2023/24"),
    ],
)
def test_nearest_census_year(year: str, nearest: str) -> None:
    assert census.nearest_census_year(FIVE, year) == nearest


def test_no_census_has_no_nearest() -> None:
    assert census.nearest_census_year([], "2018/19") is None


def test_change_span_and_one_year_pairs_never_cross_the_january_2021_basis() -> None:
    assert census.change_span(FIVE) == ("2017/18", "2023/24")
    assert census.one_year_pairs(FIVE) == [("2017/18", "2018/19"), ("2022/23", "2023/24")]
    # January 2021 alone with January 2023: one comparable year, no span, no pair.
    assert census.change_span(["2020/21", "2022/23"]) is None
    assert census.one_year_pairs(["2020/21", "2022/23"]) == []


@pytest.fixture
def toy_series() -> pl.DataFrame:
    """Three LAs over four comparable censuses (A also in January 2021, to be ignored) and
    one (C) in January 2024 only."""
    rows = [
        ("A", "2017/18", 0.20),
        ("A", "2018/19", 0.21),
        ("A", "2020/21", 0.90),
        ("A", "2022/23", 0.23),
        ("A", "2023/24", 0.25),
        ("B", "2017/18", 0.30),
        ("B", "2018/19", 0.27),
        ("B", "2022/23", 0.33),
        ("B", "2023/24", 0.28),
        ("D", "2017/18", 0.10),
        ("D", "2018/19", 0.10),
        ("D", "2022/23", 0.03),
        ("D", "2023/24", 0.07),
        ("C", "2023/24", 0.50),
    ]
    return pl.DataFrame(rows, schema=["la_code", "academic_year", "gorard"], orient="row")


def test_index_changes_rank_the_largest_rise_first(toy_series: pl.DataFrame) -> None:
    changes = census.index_changes(toy_series, "gorard", "2017/18", "2023/24")
    # A: 0.25 - 0.20 = +0.05; B: 0.28 - 0.30 = -0.02; D: 0.07 - 0.10 = -0.03; C left out.
    assert changes["la_code"].to_list() == ["A", "B", "D"]
    assert changes["change"].to_list() == pytest.approx([0.05, -0.02, -0.03])
    assert changes["rank"].to_list() == [1, 2, 3]
    assert changes.row(0, named=True)["first_value"] == pytest.approx(0.20)


def test_typical_change_is_the_median_absolute_one_year_change(toy_series: pl.DataFrame) -> None:
    # |one-year changes|: 2018->2019 A 0.01, B 0.03, D 0.00; 2023->2024 A 0.02, B 0.05,
    # D 0.04. Sorted 0, .01, .02, .03, .04, .05: median (0.02 + 0.03) / 2 = 0.025.
    noise = census.typical_change(toy_series, "gorard", census.one_year_pairs(FIVE))
    assert noise == pytest.approx(0.025)
    assert census.typical_change(toy_series, "gorard", []) is None


def test_area_series_of_one_la_is_its_segregation_row(embedded_store: Store) -> None:
    series = census.area_series(embedded_store, ["352"], "secondary")
    assert series["academic_year"].to_list() == FIVE
    for row in series.iter_rows(named=True):
        by_la = census.segregation_by_la(embedded_store, row["academic_year"], "secondary")
        own = by_la.filter(pl.col("la_code") == "352").row(0, named=True)
        for key in ("schools", "pupils", "ever_fsm", "gorard", "dissimilarity", "isolation"):
            assert row[key] == pytest.approx(own[key])


def _area_series_year_by_year(store: Store, la_codes: list[str], phase: str) -> pl.DataFrame:
    """area_series as it was: one select of the indices a census year."""
    parts = []
    for year in census.census_years(store)["academic_year"].unique().sort().to_list():
        counts = census.census_counts(store, la_codes, year, phase)
        if not counts.is_empty():
            parts.append(
                counts.select(segregation.index_exprs()).with_columns(
                    pl.lit(year).alias("academic_year")
                )
            )
    if not parts:
        return pl.DataFrame(schema=census._AREA_SCHEMA)
    return (
        pl.concat(parts)
        .rename({"disadvantaged": "ever_fsm"})
        .with_columns((pl.col("ever_fsm") * 100 / pl.col("pupils")).alias("pct_ever_fsm"))
        .select(list(census._AREA_SCHEMA))
        .cast(census._AREA_SCHEMA)  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("phase", ["secondary", "primary"])
@pytest.mark.parametrize("la_codes", [["352"], ["350"], list(GREATER_MANCHESTER), ["999"]])
def test_area_series_is_the_year_by_year_figures_exactly(
    embedded_store: Store, la_codes: list[str], phase: str
) -> None:
    """One group_by over the years gives the very figures (not just close ones) of one
    select a year. (Also checked on the national benchmark store, 61 areas x 2 phases.)"""
    ours = census.area_series(embedded_store, la_codes, phase)
    assert ours.equals(_area_series_year_by_year(embedded_store, la_codes, phase))
    assert ours.height or la_codes == ["999"]


def test_school_series_keeps_only_the_years_a_school_is_counted(embedded_store: Store) -> None:
    """105560 (see the module docstring): counted 2018-2023, closed by January 2024."""
    rows = census.school_series(embedded_store, ["352"], "secondary")
    school = rows.filter(pl.col("urn") == "105560")
    assert school["academic_year"].to_list() == FIVE[:4]
    jan18 = school.row(0, named=True)
    assert (jan18["ever_fsm"], jan18["pupils"]) == (797.5, 1704)
    assert jan18["pct_ever_fsm"] == pytest.approx(797.5 * 100 / 1704)
    jan23 = school.row(3, named=True)
    assert (jan23["ever_fsm"], jan23["pupils"]) == (800, 1773)
    assert rows.filter(pl.col("pupils") <= 0).is_empty()  # no pupils: missing, never 0


def test_movers_carry_the_counts_behind_each_end(embedded_store: Store) -> None:
    """Chorlton High School (139148): 608 of 1483 in January 2018, 436 of 1530 in 2024."""
    movers = census.school_share_changes(embedded_store, ["352"], "secondary")
    row = movers.filter(pl.col("urn") == "139148").row(0, named=True)
    assert (row["ever_fsm_first"], row["pupils_first"]) == (608, 1483)
    assert (row["ever_fsm_last"], row["pupils_last"]) == (436, 1530)


@given(
    starts=st.sets(st.integers(2010, 2030), min_size=1, max_size=8),
    target=st.integers(2005, 2035),
)
def test_nearest_census_year_is_never_beaten(starts: set[int], target: int) -> None:
    """Any loaded censuses, any year: the answer is loaded, no census is nearer, and of two
    equally near the later is taken."""

    def name(start: int) -> str:
        return f"{start}/{(start + 1) % 100:02d}"

    years = [name(s) for s in starts]
    found = census.nearest_census_year(years, name(target))
    assert found in years
    distance = abs(int(found[:4]) - target)
    assert all(abs(s - target) >= distance for s in starts)
    assert all(s <= int(found[:4]) for s in starts if abs(s - target) == distance)
