"""Similar schools on the real store: GM and Surrey families, sources joined on URN."""

from __future__ import annotations

import polars as pl
import pytest

from equity.analysis import similar
from equity.schema import GREATER_MANCHESTER
from equity.store import Store, default_store_path


@pytest.fixture(scope="module")
def store() -> Store:
    opened = Store.open(default_store_path())
    if not opened.layers:
        pytest.skip("no store built: python3 -m equity ingest data/sources --store data/store")
    return opened


@pytest.fixture(scope="module")
def secondary(store: Store) -> similar.Context:
    return similar.context_table(store, "secondary", "2018/19")


def _first(context: similar.Context, la_code: str) -> str:
    return str(similar.school_options(context, (la_code,))["urn"][0])


def test_manchester_secondary_has_a_twenty_school_gm_family(
    secondary: similar.Context,
) -> None:
    manchester = similar.school_options(secondary, ("352",))
    # The census lists 32 state-funded secondary schools in Manchester, sorted by name.
    assert manchester.height == 32
    assert manchester["name"].to_list() == sorted(manchester["name"].to_list(), key=str.lower)
    urn = _first(secondary, "352")
    result = similar.family_for(secondary, urn, "gm", similar.DEFAULT_FEATURES, 20)
    members = result.table.filter(pl.col("role") == "family")
    assert members.height == 20
    assert urn not in members["urn"].to_list()
    assert set(members["la_code"].to_list()) <= set(GREATER_MANCHESTER)
    assert members["distance"].to_list() == sorted(members["distance"].to_list())
    # 175 GM secondary schools in the census; a few have no % ever-FSM / EAL / SEN / roll.
    assert result.candidates == 175
    assert result.family.pool_size + result.family.excluded.height == 175
    # Context from the 2019 census, outcomes from KS4 provisional and destinations.
    chosen = result.table.row(0, named=True)
    assert chosen["role"] == "chosen" and chosen["distance"] == 0
    assert chosen["fsm6"] is not None and chosen["a8_all"] is not None
    assert members["dest_dis"].drop_nulls().len() >= 15
    # Destinations are pooled over the latest three cohorts (not the page's year's).
    assert secondary.years["ks4_destinations"] == "2019/20 to 2021/22"


def test_england_pool_reaches_beyond_gm(secondary: similar.Context) -> None:
    urn = _first(secondary, "352")
    result = similar.family_for(secondary, urn, "england", similar.DEFAULT_FEATURES, 20)
    assert result.candidates == secondary.frame.height
    assert result.table.filter(pl.col("role") == "family").height == 20


def test_dropping_a_feature_changes_the_family(secondary: similar.Context) -> None:
    urn = _first(secondary, "352")
    full = similar.family_for(secondary, urn, "gm", similar.DEFAULT_FEATURES, 20)
    fewer = similar.family_for(secondary, urn, "gm", ("fsm6", "sen", "pupils"), 20)
    assert set(full.table["urn"].to_list()) != set(fewer.table["urn"].to_list())


def test_surrey_family_has_disadvantaged_attainment8(secondary: similar.Context) -> None:
    urn = _first(secondary, "936")
    result = similar.family_for(secondary, urn, "la", similar.DEFAULT_FEATURES, 20)
    members = result.table.filter(pl.col("role") == "family")
    assert set(members["la_code"].to_list()) == {"936"}
    assert members["a8_dis"].drop_nulls().len() >= 15
    assert members["n_dis"].drop_nulls().len() >= 15
    outcomes = {o.key for o in similar.outcomes_with_data(result, "secondary")}
    assert {"a8", "p8", "dest", "a8_all"} <= outcomes
    # Surrey schools can add performance-table features (KS2 prior attainment).
    assert "prior" in similar.available_features(secondary, urn)
    with_prior = similar.family_for(secondary, urn, "england", ("fsm6", "prior"), 20)
    # Only Surrey has KS4 performance tables for 2018/19: the England pool shrinks to them.
    assert set(with_prior.table["la_code"].to_list()) == {"936"}
    assert with_prior.family.exclusion_counts()["prior"] > 3000


def test_suppressed_outcomes_stay_null_with_their_status(
    store: Store, secondary: similar.Context
) -> None:
    frame = secondary.frame
    # Pooled over 2019/20-2021/22: a school's pooled figure is "suppressed" only when every
    # one of its disadvantaged cohorts there is SUPP in the latest release giving it
    # (counted here from the release rows, independently of the pooling code).
    from equity.analysis import destinations

    rows = destinations.latest_release(store).filter(
        (pl.col("entity_kind") == "school")
        & (pl.col("measure") == destinations.SUSTAINED)
        & (pl.col("pupil_group") == "disadvantaged")
        & pl.col("academic_year").is_in(["2019/20", "2020/21", "2021/22"])
    )
    all_supp = set(
        rows.group_by("entity")
        .agg((pl.col("status") == "suppressed").all().alias("every"))
        .filter(pl.col("every"))["entity"]
        .to_list()
    )
    hidden = frame.filter(pl.col("dest_dis_status") == "suppressed")
    assert set(hidden["urn"].to_list()) == all_supp & set(frame["urn"].to_list())
    assert hidden.height > 0
    assert hidden["dest_dis"].null_count() == hidden.height
    spec = next(s for s in similar.ODDS["secondary"] if s.key == "dest_dis")
    fit = similar.odds_for(secondary, spec)
    assert fit.excluded["dest_dis suppressed"] == hidden.height
    assert not set(hidden["urn"].to_list()) & set(fit.table["urn"].to_list())


def test_ks2_results_without_la_codes_join_on_urn(store: Store) -> None:
    primary = similar.context_table(store, "primary", "2018/19")
    gm = primary.frame.filter(pl.col("la_code").is_in(list(GREATER_MANCHESTER)))
    # england_ks2final.csv rows carry no LA code; the census row supplies it.
    assert gm["read_prog"].drop_nulls().len() > 500
    # Primary results by disadvantage exist only where performance tables are loaded.
    assert gm["rwm_dis"].drop_nulls().len() == 0
    assert primary.frame.filter(pl.col("la_code") == "850")["rwm_dis"].drop_nulls().len() > 100


def test_odds_for_surrey_disadvantaged_attainment8(secondary: similar.Context) -> None:
    spec = next(s for s in similar.ODDS["secondary"] if s.key == "a8_dis")
    fit = similar.odds_for(secondary, spec)
    usable = secondary.frame.drop_nulls(["a8_dis", "disadvantaged", "prior", "cohort_eal", "n_dis"])
    assert fit.n_schools == usable.height
    assert fit.table["residual"].sum() == pytest.approx(0, abs=1e-6)
    assert fit.excluded["a8_dis missing"] == 3
    assert "name" in fit.table.columns


def test_default_school_is_the_largest_with_published_results(store: Store) -> None:
    primary = similar.context_table(store, "primary", "2018/19")
    urn = similar.default_school(primary, ("936",))
    frame = primary.frame.filter(pl.col("la_code") == "936")
    chosen = frame.filter(pl.col("urn") == urn).row(0, named=True)
    # Surrey's first school by name is an infant school, with no KS2 results at all.
    first = frame.filter(pl.col("urn") == _first(primary, "936")).row(0, named=True)
    assert first["rwm_dis"] is None and first["read_prog"] is None
    assert chosen["rwm_dis"] is not None
    with_results = frame.filter(pl.col("rwm_dis").is_not_null() | pl.col("rwm_other").is_not_null())
    assert chosen["pupils"] == with_results["pupils"].max()
    # No split by disadvantage in Manchester: the largest school with any KS2 result.
    manchester = similar.default_school(primary, ("352",))
    row = primary.frame.filter(pl.col("urn") == manchester).row(0, named=True)
    assert row["read_prog"] is not None
    assert similar.default_school(primary, ("999",)) is None


def test_results_by_disadvantage_are_loaded_where_the_tables_are(store: Store) -> None:
    primary = similar.context_table(store, "primary", "2018/19")
    assert similar.areas_with_results_by_disadvantage(primary) == ("850", "936")
    # Hampshire's KS4 tables stop at 2017/18.
    secondary = similar.context_table(store, "secondary", "2018/19")
    assert similar.areas_with_results_by_disadvantage(secondary) == ("936",)


def test_primary_expectation_is_fitted_across_both_las_and_is_weak(store: Store) -> None:
    primary = similar.context_table(store, "primary", "2018/19")
    spec = similar.ODDS["primary"][0]
    assert spec.predictors == ("disadvantaged", "cohort_eal", "sen")
    fit = similar.odds_for(primary, spec)
    assert set(fit.table["la_code"].unique().to_list()) == {"850", "936"}
    assert fit.n_schools > 300
    assert fit.r_squared < 0.1
    assert fit.weak_reasons()[0].startswith("the context measures explain 2%")


# ------------------------------------------------- census year, pooled destinations, kinds
CROMPTON = "137294"  # The Crompton House Church of England Academy, Oldham


@pytest.fixture(scope="module")
def latest(store: Store) -> similar.Context:
    return similar.context_table(store, "secondary", "2018/19", "2023/24")


def test_the_census_year_asked_for_is_the_context(store: Store, latest: similar.Context) -> None:
    assert similar.census_year_options(store)[0] == "2023/24"
    assert latest.years["school_census"] == "2023/24"
    # 2023-2024/england_census.csv: NUMFSMEVER 294 of NORFSMEVER 1614 = 18.2%, NOR 1884.
    row = latest.frame.filter(pl.col("urn") == CROMPTON).row(0, named=True)
    assert (row["fsm6"], row["pupils"]) == (pytest.approx(18.2), 1884)
    older = similar.context_table(store, "secondary", "2018/19", "2018/19")
    assert older.years["school_census"] == "2018/19"
    # An unknown census year falls back to the page year's census, never raises.
    assert similar.context_table(store, "secondary", "2018/19", "1999/00").years[
        "school_census"
    ] == ("2018/19")


def test_destinations_are_pooled_over_the_latest_three_cohorts(latest: similar.Context) -> None:
    """performance-downloads/2023-2024/england_ks4-pupdest.csv, URN 137294, disadvantaged:
    2021/22 26 pupils at 92%, 2020/21 (suffix _22) 18 at 94%, 2019/20 (_21) 24 at 83%:
    68 pupils, (26 x 92 + 18 x 94 + 24 x 83) / 68 = 6076 / 68 = 89.353%."""
    assert latest.years["ks4_destinations"] == "2019/20 to 2021/22"
    row = latest.frame.filter(pl.col("urn") == CROMPTON).row(0, named=True)
    assert row["dest_dis"] == pytest.approx(6076 / 68)
    assert (row["dest_n_dis"], row["dest_cohorts_dis"], row["dest_dis_status"]) == (
        68,
        3,
        "value",
    )
    # Other pupils: 201 at 98%, 202 at 98%, 198 at 98% -> 601 pupils at 98%.
    assert (row["dest_other"], row["dest_n_other"]) == (pytest.approx(98.0), 601)


def test_size_weighs_half_of_disadvantage_by_default(latest: similar.Context) -> None:
    result = similar.family_for(latest, CROMPTON, "gm", similar.DEFAULT_FEATURES, 20)
    assert result.family.weights == {"fsm6": 1.0, "eal": 1.0, "sen": 1.0, "pupils": 0.5}
    chosen = result.family.chosen.row(0, named=True)
    first = result.family.members.row(0, named=True)
    by_hand = sum(
        w * (first[f"z_{f}"] - chosen[f"z_{f}"]) ** 2 for f, w in result.family.weights.items()
    )
    assert first["distance"] == pytest.approx(by_hand**0.5)
    heavier = similar.family_for(
        latest, CROMPTON, "gm", similar.DEFAULT_FEATURES, 20, {"pupils": 4.0}
    )
    assert heavier.table["urn"].to_list() != result.table["urn"].to_list()


def test_primary_kinds_are_kept_apart_unless_mixed(store: Store) -> None:
    primary = similar.context_table(store, "primary", "2018/19", "2023/24")
    kinds = dict(primary.frame.select("urn", "primary_kind").iter_rows())
    assert kinds["124979"] == "junior"  # Shottermill Junior School
    assert kinds["124952"] == "infant"  # Trumps Green Infant School
    assert kinds["101508"] == "primary"  # Northview Junior and Infant School: a full primary
    kept = similar.family_for(primary, "124979", "la", similar.DEFAULT_FEATURES, 20)
    assert kept.kind == "junior"
    assert {kinds[u] for u in kept.table["urn"].to_list()} == {"junior"}
    mixed = similar.family_for(
        primary, "124979", "la", similar.DEFAULT_FEATURES, 20, mix_kinds=True
    )
    assert mixed.kind == "" and len({kinds[u] for u in mixed.table["urn"].to_list()}) > 1
