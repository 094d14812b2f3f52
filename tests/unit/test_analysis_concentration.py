"""Concentration analysis on the real store, checked against the raw DfE files by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from equity.analysis import census as census_analysis
from equity.analysis import concentration as conc
from equity.analysis import concentration_trends, outlines
from equity.schema import GREATER_MANCHESTER
from equity.store import Store


@pytest.fixture(scope="module")
def store(embedded_store: Store) -> Store:
    return embedded_store


@pytest.fixture(scope="module")
def census(sources: Path) -> pd.DataFrame:
    raw = pd.read_csv(sources / "national-2018-19" / "england_census.csv", dtype=str)
    raw.columns = [c.lstrip("\ufeff") for c in raw.columns]
    return raw


@pytest.fixture(scope="module")
def by_la(store: Store) -> pl.DataFrame:
    return conc.segregation_by_la(store, "secondary", "2018/19")


def _hand_counts(census: pd.DataFrame, la: str, school_type: str) -> pd.DataFrame:
    """F = NUMFSMEVER; T = pupils counted for FSM = NUMFSMEVER x 100 / PNUMFSMEVER (whole
    pupils), or NOR when PNUMFSMEVER is 0; schools with either figure missing are left out."""
    part = census[(census["LA"] == la) & (census["SCHOOLTYPE"] == school_type)].copy()
    f = pd.to_numeric(part["NUMFSMEVER"], errors="coerce")
    p = pd.to_numeric(part["PNUMFSMEVER"], errors="coerce")
    nor = pd.to_numeric(part["NOR"], errors="coerce")
    t = (f * 100 / p).round(0).where(p > 0, nor)
    out = pd.DataFrame({"urn": part["URN"], "f": f, "t": t}).dropna()
    return out[out["t"] > 0]


def test_manchester_secondary_census_indices_by_hand(
    store: Store, census: pd.DataFrame, by_la: pl.DataFrame
) -> None:
    schools = _hand_counts(census, "352", "State-funded secondary")
    # 32 schools in the census; one (URN 139730) has no ever-FSM figure.
    assert len(schools) == 31
    f, t = schools["f"], schools["t"]
    n = t - f
    gorard = 0.5 * (f / f.sum() - t / t.sum()).abs().sum()
    dissimilarity = 0.5 * (f / f.sum() - n / n.sum()).abs().sum()
    isolation = ((f / f.sum()) * (f / t)).sum()
    assert gorard == pytest.approx(0.10437, abs=1e-5)  # as computed when the page was built

    row = by_la.filter((pl.col("la_code") == "352") & (pl.col("basis") == "census")).row(
        0, named=True
    )
    assert row["schools"] == 31
    assert row["gorard"] == pytest.approx(gorard, abs=1e-9)
    assert row["dissimilarity"] == pytest.approx(dissimilarity, abs=1e-9)
    assert row["isolation"] == pytest.approx(isolation, abs=1e-9)
    assert row["pct"] == pytest.approx(100 * f.sum() / t.sum())

    area = conc.area_indices(store, "352", "2018/19", "secondary")
    assert area["basis"] == "census"
    assert area["gorard"] == pytest.approx(gorard, abs=1e-9)


def test_school_shares_carry_names_places_and_the_raw_rate(
    store: Store, census: pd.DataFrame
) -> None:
    table, basis = conc.school_shares(store, "352", "2018/19", "secondary")
    assert basis.kind == "census" and "NUMFSMEVER" in basis.codes
    assert "ever eligible for free school meals" in basis.description
    assert "NUMFSMEVER" not in basis.description  # DfE's codes stay off the first screen
    assert table["pct"].to_list() == sorted(table["pct"].to_list(), reverse=True)
    top = table.row(0, named=True)
    # Newall Green High School: 374 ever-FSM of round(374 x 100 / 67.3) = 556 pupils.
    assert top["urn"] == "141392" and top["name"] == "Newall Green High School"
    assert top["f"] == 374 and top["t"] == 556
    assert top["pct"] == pytest.approx(100 * 374 / 556)
    assert top["lat"] == pytest.approx(53.38, abs=0.01) and top["la_name"] == "Manchester"
    hand = _hand_counts(census, "352", "State-funded secondary")
    assert set(table["urn"].to_list()) == set(hand["urn"])


def test_eal_share_uses_the_census_eal_denominator(store: Store) -> None:
    table, basis = conc.school_shares(store, "352", "2018/19", "secondary", "eal")
    assert basis.kind == "census" and "NUMEAL" in basis.description
    # Abraham Moss: NUMEAL 1623, PNUMEAL 89.6 -> 1623 / round(1623 x 100 / 89.6) = 1623 / 1811.
    row = table.filter(pl.col("urn") == "105560").row(0, named=True)
    assert row["t"] == 1811 and row["pct"] == pytest.approx(100 * 1623 / 1811)


def test_every_la_has_indices_in_the_unit_interval(by_la: pl.DataFrame) -> None:
    census = by_la.filter(pl.col("basis") == "census")
    assert 148 <= census.height <= 152  # City of London has no state secondary school
    for column in conc.SEGREGATION_COLUMNS:
        values = census[column].drop_nulls()
        assert values.len() == census.height
        assert values.min() >= 0 and values.max() <= 1  # type: ignore[operator]
    assert set(census.filter(pl.col("is_gm"))["la_code"].to_list()) == set(GREATER_MANCHESTER)
    # Gorard = (1 - p) x dissimilarity for every LA (the note on the page relies on it).
    for row in census.iter_rows(named=True):
        assert row["gorard"] == pytest.approx((1 - row["pct"] / 100) * row["dissimilarity"])


def test_every_row_rests_on_the_census_even_where_a_performance_table_is_loaded(
    by_la: pl.DataFrame,
) -> None:
    """One basis per series: Surrey has a 2018/19 KS4 performance file as well as the
    census, but the page's indices are census-basis for every LA (one row each), so a tile,
    the trend and the ranking never give two values for one index."""
    assert set(by_la["basis"].to_list()) == {"census"}
    assert by_la.filter(pl.col("la_code") == "936").height == 1
    assert by_la["la_code"].is_unique().all()
    assert conc.comparison_basis(by_la) == "census"


def test_every_census_year_has_every_la_and_other_years_none(store: Store) -> None:
    earlier = conc.segregation_by_la(store, "primary", "2017/18")
    assert set(earlier["basis"].to_list()) == {"census"}
    assert {"850", "936", "352"} <= set(earlier["la_code"].to_list())
    assert earlier.height > 140
    table, basis = conc.school_shares(store, "352", "2021/22", "secondary")
    assert table.is_empty() and basis.kind == "none"  # no January 2022 census is loaded


def test_gm_pools_its_ten_las(store: Store, by_la: pl.DataFrame) -> None:
    gm = conc.area_indices(store, "GM", "2018/19", "secondary")
    members = by_la.filter(pl.col("is_gm") & (pl.col("basis") == "census"))
    assert gm["schools"] == members["schools"].sum()
    assert gm["disadvantaged"] == members["disadvantaged"].sum()
    # Pooling adds the differences between LAs, so GM is above its least segregated LA.
    assert gm["gorard"] > members["gorard"].min()


def test_segregation_curve_runs_from_origin_to_all(store: Store) -> None:
    curve = conc.curve(store, "352", "2018/19", "secondary")
    assert curve.row(0)[:2] == (0.0, 0.0)
    assert curve["pct_pupils"][-1] == pytest.approx(100)
    assert curve["pct_disadvantaged"][-1] == pytest.approx(100)
    assert curve.height == 32  # origin + 31 schools
    ys = curve["pct_disadvantaged"].to_list()
    assert ys == sorted(ys)


def test_la_indicators_match_lait_and_report_unmapped_las(store: Store, sources: Path) -> None:
    table = conc.la_indicators(store, "secondary", "2018/19")
    assert 148 <= table.height <= 155
    lait = pl.read_parquet(sources / "lait" / "bds_long_0.parquet").filter(
        pl.col("Years") == "2019"
    )

    def published(code: str, la: float) -> float:
        hit = lait.filter((pl.col("Short Desc") == code) & (pl.col("LA Number") == la))
        return float(hit["Values"][0])

    manchester = table.filter(pl.col("la_code") == "352").row(0, named=True)
    assert manchester["pct_fsm6"] == pytest.approx(published("Ever6_FSM_Sec", 352))
    assert manchester["pct_fsm"] == pytest.approx(published("SecFSM", 352))
    # Gap to other pupils nationally: England's non-disadvantaged A8 minus Manchester's
    # disadvantaged A8 = 50.3 - 37.6 = 12.7 points.
    assert manchester["gap"] == pytest.approx(
        published("NonDAP_KS4_ATT8", 970) - published("DAP_KS4_ATT8", 352)
    )
    assert manchester["gap"] == pytest.approx(12.7)
    assert manchester["ons_code"] == "E08000003" and manchester["map_note"] is None
    gm = table.filter(pl.col("is_gm"))
    assert gm.height == 10 and gm["map_note"].null_count() == 10
    unmapped = dict(
        table.filter(pl.col("map_note").is_not_null()).select("name", "map_note").rows()
    )
    assert unmapped["Isles of Scilly"].startswith("not mapped: no ONS code")
    assert "Northamptonshire" in unmapped  # its 2019 code has no 2022 boundary
    mapped = set(outlines.boundaries(store)["ons_code"].to_list())
    for code, note in table.select("ons_code", "map_note").iter_rows():
        assert (note is None) == (code is not None and code in mapped)


def test_boundaries_one_per_code_rounded_with_the_national_trafford(store: Store) -> None:
    bounds = outlines.boundaries(store)
    assert bounds.height == 152 and bounds["ons_code"].n_unique() == 152
    trafford = bounds.filter(pl.col("ons_code") == "E08000009").row(0, named=True)
    # The national CTYUA file draws Trafford as one generalised polygon; Trafford's own
    # file (a detailed multipolygon) loses to it so neighbouring outlines agree.
    assert json.loads(trafford["geometry"])["type"] == "Polygon"

    def decimals(value: object) -> int:
        if isinstance(value, list):
            return max((decimals(v) for v in value), default=0)
        text = repr(value)
        return len(text.split(".")[1]) if "." in text else 0

    for text in bounds["geometry"].to_list()[:20]:
        assert decimals(json.loads(text)["coordinates"]) <= outlines.COORD_DECIMALS


# --------------------------------------------------------------------------- over time


def test_comparators_are_gm_for_gm_and_the_region_elsewhere(store: Store) -> None:
    group, codes = concentration_trends.comparator_las(store, "352")
    assert group == "Greater Manchester" and set(codes) == set(GREATER_MANCHESTER) - {"352"}
    assert set(concentration_trends.comparator_las(store, "GM")[1]) == set(GREATER_MANCHESTER)
    region, hampshire = concentration_trends.comparator_las(store, "850")
    assert region == "South East"
    assert "936" in hampshire and "850" not in hampshire and "352" not in hampshire
    assert 15 <= len(hampshire) <= 20


def test_trend_has_the_area_its_comparators_and_the_england_median(store: Store) -> None:
    frame = concentration_trends.trend(store, "850", "secondary")
    assert set(frame["role"].to_list()) == {"selected", "comparator", "england"}
    own = frame.filter(pl.col("role") == "selected")
    assert own["series"].unique().to_list() == ["Hampshire"]
    assert own["academic_year"].to_list() == ["2017/18", "2018/19", "2020/21", "2022/23", "2023/24"]
    _, codes = concentration_trends.comparator_las(store, "850")
    drawn = set(frame.filter(pl.col("role") == "comparator")["la_code"].to_list())
    assert drawn <= set(codes) and len(drawn) >= 15
    for row in frame.filter(pl.col("role") == "england").iter_rows(named=True):
        every = census_analysis.segregation_by_la(store, row["academic_year"], "secondary")
        assert row["gorard"] == pytest.approx(every["gorard"].median())
        assert row["schools"] == every.height  # the number of LAs behind the median


def test_change_ranking_measures_january_2018_to_january_2024(store: Store) -> None:
    ranking = concentration_trends.change_ranking(store, "secondary", "gorard")
    assert 140 <= ranking.height <= 152
    own = census_analysis.area_series(store, ["352"], "secondary")
    values = dict(own.select("academic_year", "gorard").iter_rows())
    row = ranking.filter(pl.col("la_code") == "352").row(0, named=True)
    assert row["change"] == pytest.approx(values["2023/24"] - values["2017/18"])
    assert row["rank"] == 1 + ranking.filter(pl.col("change") > row["change"]).height
    summary = concentration_trends.change_summary(store, "secondary", "gorard")
    assert (summary["first"], summary["last"]) == ("2017/18", "2023/24")
    assert 0 < summary["noise"] < 0.02


def test_movers_put_schools_with_few_pupils_last(store: Store) -> None:
    movers = concentration_trends.movers(store, "GM", "primary")
    small = movers["small"].to_list()
    assert small == sorted(small)  # False (not small) first
    assert movers.filter(pl.col("small")).height >= 1
    flagged = movers.filter(pl.col("small"))
    assert flagged.select(pl.min_horizontal("pupils_first", "pupils_last") < 30).to_series().all()
    big = movers.filter(~pl.col("small"))["pct_change"].abs().to_list()
    assert big == sorted(big, reverse=True)
