"""Comparators, one figure for a group of LAs, the year to open (analysis/comparators.py)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from equity import queries
from equity.analysis import comparators as comp
from equity.schema import GREATER_MANCHESTER
from equity.store import Store

AREAS = pl.DataFrame(
    {
        "la_code": ["352", "358", "850", "852", "202", "981", "989", "986", "970", "999"],
        "name": [
            "Manchester",
            "Trafford",
            "Hampshire",
            "Southampton",
            "Camden",
            "North West",
            "South East",
            "London",
            "England",
            "Nowhere",
        ],
        "kind": ["la", "la", "la", "la", "la", "region", "region", "region", "england", "la"],
        "region": [
            "North West",
            "North West",
            "South East",
            "South East",
            "London",
            None,
            None,
            None,
            None,
            None,
        ],
    }
)


def reference_comparators(areas: pl.DataFrame, la_code: str) -> comp.Comparators:
    """The comparators rule written as filters of the areas table (la_code, name, kind,
    region): the oracle the per-store index (`comparators.area_index`) is checked against.

    Greater Manchester (the group) and its ten LAs -> the ten GM LAs, the North West's
    published figure for a member LA, England. Any other LA -> the LAs of its region (as
    the areas table records it), the region's published figure, England. An LA with no
    region recorded is compared with England alone (peers: itself)."""
    names = dict(areas.select("la_code", "name").iter_rows())
    if la_code == comp.GM_GROUP_CODE:
        return comp.Comparators(
            la_code=la_code,
            la_name="Greater Manchester",
            group_name="Greater Manchester",
            peers=tuple(GREATER_MANCHESTER),
            is_gm=True,
            region_code=None,
            region_name=None,
        )
    own = areas.filter((pl.col("la_code") == la_code) & (pl.col("kind") == "la"))
    region = str(own["region"][0]) if own.height and own["region"][0] is not None else None
    region_row = areas.filter((pl.col("kind") == "region") & (pl.col("name") == (region or "")))
    region_code = str(region_row["la_code"][0]) if region_row.height else None
    la_name = str(names.get(la_code, f"LA {la_code}"))
    if la_code in GREATER_MANCHESTER:
        return comp.Comparators(
            la_code=la_code,
            la_name=la_name,
            group_name="Greater Manchester",
            peers=tuple(GREATER_MANCHESTER),
            is_gm=True,
            region_code=region_code,
            region_name=region,
        )
    if region is None:
        return comp.Comparators(la_code, la_name, "England", (la_code,), False, None, None)
    peers = areas.filter((pl.col("kind") == "la") & (pl.col("region") == region))
    return comp.Comparators(
        la_code=la_code,
        la_name=la_name,
        group_name=region,
        peers=tuple(sorted(peers["la_code"].to_list())),
        is_gm=False,
        region_code=region_code,
        region_name=region,
    )


def test_gm_and_its_members_are_compared_with_greater_manchester() -> None:
    group = comp.area_index(AREAS).comparators("GM")
    assert group.is_gm and group.peers == tuple(GREATER_MANCHESTER)
    assert group.region_code is None
    assert group.rest_phrase == "the rest of Greater Manchester"
    member = comp.area_index(AREAS).comparators("358")
    assert member.is_gm and member.la_name == "Trafford"
    assert member.region_code == "981" and member.region_name == "North West"
    assert member.compared_with == "Greater Manchester and England"


def test_a_non_gm_la_is_compared_with_its_own_region() -> None:
    hampshire = comp.area_index(AREAS).comparators("850")
    assert not hampshire.is_gm
    assert hampshire.peers == ("850", "852")
    assert hampshire.region_code == "989"
    assert hampshire.rest_phrase == "the other South East LAs"
    assert hampshire.compared_with == "the South East and England"
    assert "Greater Manchester" not in hampshire.rest_phrase + hampshire.compared_with
    camden = comp.area_index(AREAS).comparators("202")
    assert camden.compared_with == "London and England"  # no article before London


def test_an_la_without_a_region_is_compared_with_england_only() -> None:
    lone = comp.area_index(AREAS).comparators("999")
    assert lone.peers == ("999",) and lone.region_code is None and not lone.is_gm


def test_the_per_store_index_answers_as_the_rule(embedded_store: Store) -> None:
    """`comparators` (a per-store index of the areas) gives the rule's answer for
    every area of the embedded store, the GM group and a code it does not know."""
    areas = embedded_store.areas()
    for code in [*areas["la_code"].to_list(), "GM", "000"]:
        assert comp.comparators(embedded_store, code) == reference_comparators(areas, code)
    for code in [*AREAS["la_code"].to_list(), "GM", "000"]:
        assert comp.area_index(AREAS).comparators(code) == reference_comparators(AREAS, code)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["352", "358", "850", "852", "202", "981", "989", "999"]),
            st.sampled_from(["Manchester", "North West", "South East", "London", "X"]),
            st.sampled_from(["la", "region", "england"]),
            st.sampled_from(["North West", "South East", "London", None]),
        ),
        max_size=12,
    )
)
def test_the_index_agrees_with_the_rule_on_any_areas(
    rows: list[tuple[str, str, str, str | None]],
) -> None:
    """Duplicate codes, regions without a row, LAs without a region: one answer either way."""
    areas = pl.DataFrame(
        rows,
        schema={"la_code": pl.String, "name": pl.String, "kind": pl.String, "region": pl.String},
        orient="row",
    )
    index = comp.area_index(areas)
    for code in ["352", "358", "850", "202", "999", "GM", "000"]:
        assert index.comparators(code) == reference_comparators(areas, code)


def _rows(values: list[float | None], pupils: list[int | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "entity": ["a", "b", "c"][: len(values)],
            "academic_year": ["2018/19"] * len(values),
            "value": values,
            "pupils": pupils,
        },
        schema={
            "entity": pl.String,
            "academic_year": pl.String,
            "value": pl.Float64,
            "pupils": pl.Int64,
        },
    )


def test_combine_weights_by_pupils_when_every_la_has_a_count() -> None:
    # (80 x 100 + 50 x 300) / 400 = (8000 + 15000) / 400 = 57.5; the plain mean would be 65.
    out = comp.combine(_rows([80.0, 50.0], [100, 300]), ["a", "b"])
    assert out.row(0, named=True) == {
        "academic_year": "2018/19",
        "value": 57.5,
        "pupils": 400,
        "members": 2,
        "method": comp.PUPIL_WEIGHTED,
    }
    assert comp.method_label(out["method"][0], 2) == "pupil-weighted"


def test_combine_falls_back_to_the_mean_of_la_figures_without_counts() -> None:
    # One count missing: (80 + 50 + 20) / 3 = 50.0, labelled as a mean of 3 LA figures.
    out = comp.combine(_rows([80.0, 50.0, 20.0], [100, None, 50]), ["a", "b", "c"])
    row = out.row(0, named=True)
    assert row["value"] == pytest.approx(50.0)
    assert row["pupils"] is None and row["method"] == comp.MEAN_OF_LAS
    assert comp.method_label(row["method"], row["members"]) == "mean of 3 LA figures"


def test_combine_gives_nothing_when_a_member_is_missing_or_suppressed() -> None:
    assert comp.combine(_rows([80.0, None], [100, 300]), ["a", "b"]).is_empty()
    assert comp.combine(_rows([80.0, 50.0], [100, 300]), ["a", "b", "c"]).is_empty()


@given(
    st.lists(
        st.tuples(
            st.floats(0, 100, allow_nan=False),
            st.integers(1, 10_000),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_a_weighted_figure_lies_between_its_members(pairs: list[tuple[float, int]]) -> None:
    entities = [f"e{i}" for i in range(len(pairs))]
    rows = pl.DataFrame(
        {
            "entity": entities,
            "academic_year": ["2018/19"] * len(pairs),
            "value": [v for v, _ in pairs],
            "pupils": [p for _, p in pairs],
        }
    )
    out = comp.combine(rows, entities)
    value = out["value"][0]
    assert min(v for v, _ in pairs) - 1e-9 <= value <= max(v for v, _ in pairs) + 1e-9
    assert out["pupils"][0] == sum(p for _, p in pairs)


def test_census_share_is_pupil_weighted() -> None:
    # 10 of 40 and 30 of 60 pupils: 40 / 100 = 40%, not the mean of 25% and 50% (37.5%).
    counts = pl.DataFrame(
        {
            "urn": ["1", "2", "3"],
            "la_code": ["x"] * 3,
            "f": [10.0, 30.0, None],
            "n": [30.0, 30.0, 5.0],
        }
    )
    assert comp.census_share(counts) == (pytest.approx(40.0), 100)
    assert comp.census_share(counts.head(0)) == (None, 0)


def test_nearest_year() -> None:
    years = ["2016/17", "2017/18", "2018/19"]
    assert comp.nearest_year(years, "2017/18") == "2017/18"
    assert comp.nearest_year(years, "2024/25") == "2018/19"
    assert comp.nearest_year(years, "2010/11") == "2016/17"
    # A tie goes to the later year: 2019/20 is one from 2018/19 and one from 2020/21.
    assert comp.nearest_year(["2018/19", "2020/21"], "2019/20") == "2020/21"
    assert comp.nearest_year([], "2018/19") is None


@given(st.sets(st.integers(2000, 2030), min_size=1), st.integers(1995, 2035))
def test_nearest_year_is_never_further_than_any_other(starts: set[int], wanted: int) -> None:
    def year(start: int) -> str:
        return f"{start}/{(start + 1) % 100:02d}"

    chosen = comp.nearest_year([year(s) for s in starts], year(wanted))
    assert chosen is not None
    distance = abs(int(chosen[:4]) - wanted)
    assert all(distance <= abs(s - wanted) for s in starts)


# --------------------------------------------------------------------------- the real store


def test_latest_published_year_in_the_embedded_store(embedded_store: Store) -> None:
    # LAIT runs to 2024/25 for KS2 RWM and KS4 Attainment 8 (Progress 8 stops at 2023/24).
    assert comp.latest_published_years(embedded_store) == {
        "primary": "2024/25",
        "secondary": "2024/25",
    }


def test_gm_destinations_are_pupil_weighted(embedded_store: Store) -> None:
    gm = list(GREATER_MANCHESTER)
    out = comp.group_published(
        embedded_store, gm, "ks4_sustained_destination_pct", "disadvantaged", ["2016/17"]
    )
    assert out["method"].to_list() == [comp.PUPIL_WEIGHTED]
    rows = embedded_store.published().filter(
        pl.col("entity").is_in(gm)
        & (pl.col("measure") == "ks4_sustained_destination_pct")
        & (pl.col("pupil_group") == "disadvantaged")
        & (pl.col("academic_year") == "2016/17")
    )
    # Two files publish 2016/17; the figures are the same, so one row per LA is used.
    rows = rows.sort(pl.col("pupils").is_null(), "kind").unique(
        "entity", keep="first", maintain_order=True
    )
    assert rows.height == 10
    expected = (rows["value"] * rows["pupils"]).sum() / rows["pupils"].sum()
    assert out["value"][0] == pytest.approx(expected)
    assert out["pupils"][0] == rows["pupils"].sum()


def test_gm_attainment_from_lait_is_a_labelled_mean(embedded_store: Store) -> None:
    out = comp.group_published(
        embedded_store, list(GREATER_MANCHESTER), "ks4_attainment8", "disadvantaged", ["2024/25"]
    )
    assert out["method"].to_list() == [comp.MEAN_OF_LAS]
    assert out["members"].to_list() == [10]


def test_gm_census_share_matches_the_school_counts(embedded_store: Store) -> None:
    counts = queries.census_counts(embedded_store, list(GREATER_MANCHESTER), "2018/19", "secondary")
    share, pupils = comp.census_share(counts)
    assert share is not None and 0 < share < 100
    assert pupils == round(float((counts["f"] + counts["n"]).sum()))
