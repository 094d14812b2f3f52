"""What the Gaps and Similar pages now hold between reruns gives the answers it replaced.

Rows that do not depend on the selected LA are read once per store (the LA ranking before
its roles, every school's rows of a year, each LA's school years, the headline figures for
the summary and the trend, the beating-the-odds line): these tests check each held answer
against the scan it replaced, and that one LA's answer never leaks into the next.
"""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from components import data
from components.filters import Filters
from components.similar import link, odds, outcomes
from equity import headline, queries
from equity.analysis import gaps, similar
from equity.schema import GREATER_MANCHESTER
from equity.store import Store

A8 = "ks4_attainment8"


@pytest.fixture(scope="module")
def store(embedded_store: Store) -> Store:
    return embedded_store


def test_ranking_rows_are_held_per_region_and_the_roles_follow_each_la(store: Store) -> None:
    for la_code, name in (("352", "Manchester"), ("350", "Bolton"), ("936", "Surrey")):
        frame = gaps.la_ranking(store, la_code, "secondary", "2018/19", A8, "disadvantaged")
        selected = frame.filter(pl.col("role") == "selected")
        assert selected["area"].to_list() == [name]
    gm = gaps.la_ranking(store, "GM", "secondary", "2018/19", A8, "disadvantaged")
    assert gm.filter(pl.col("role") == "selected").is_empty()
    assert gm.filter(pl.col("role") == "gm_la").height == len(GREATER_MANCHESTER)
    held = gaps.la_ranking(store, "350", "secondary", "2018/19", A8, "all")
    gaps._ranking_rows.cache_clear()
    fresh = gaps.la_ranking(store, "350", "secondary", "2018/19", A8, "all")
    assert_frame_equal(held, fresh)


def test_held_school_rows_filtered_to_an_la_are_the_rows_a_scan_for_it_reads(
    store: Store,
) -> None:
    groups = ("disadvantaged", "other", "boys")
    for la_codes in (("936",), ("850",), ("936", "850")):
        held = gaps._school_rows(store, "secondary", "2016/17", A8, groups).filter(
            pl.col("la_code").is_in(list(la_codes))
        )
        scanned = (
            store.results_of(["ks4_performance"], ["2016/17"])
            .filter(
                (pl.col("entity_kind") == "school")
                & pl.col("la_code").is_in(list(la_codes))
                & (pl.col("academic_year") == "2016/17")
                & pl.col("measure").is_in([A8, "pupils"])
                & pl.col("pupil_group").is_in(list(groups))
            )
            .select("entity", "la_code", "measure", "pupil_group", "value", "pupils", "status")
            .collect()
        )
        # The same rows; their order is the scan's (files read in parallel) and is not
        # relied on: school_results sorts by school.
        assert_frame_equal(held.sort(pl.all()), scanned.sort(pl.all()))
    surrey = gaps.school_results(store, ("936",), "secondary", "2016/17", A8, "disadvantaged")
    hampshire = gaps.school_results(store, ("850",), "secondary", "2016/17", A8, "disadvantaged")
    assert set(surrey["la_code"]) == {"936"}
    assert set(hampshire["la_code"]) == {"850"}


def test_school_years_are_the_summaries_years_for_those_las(store: Store) -> None:
    summary = store.summary().filter(
        (pl.col("entity_kind") == "school") & (pl.col("kind") == "ks4_performance")
    )
    for la_codes in (("936",), ("850", "936"), tuple(GREATER_MANCHESTER), ("999",)):
        expected = sorted(
            set(summary.filter(pl.col("la_code").is_in(list(la_codes)))["academic_year"])
        )
        assert gaps.school_years(store, la_codes, "secondary") == expected


def test_summary_and_trend_read_the_headline_figures_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    real = headline.headline_gaps

    def counted(store: Store, la_code: str, phase: str) -> pl.DataFrame:
        calls.append((la_code, phase))
        return real(store, la_code, phase)

    monkeypatch.setattr(headline, "headline_gaps", counted)
    gaps._headline.cache_clear()
    gaps.area_summary(store, "352", "primary", "2018/19")
    gaps.gap_trend(store, "352", "primary", "ks2_rwm_expected_pct", "disadvantaged")
    assert calls == [("352", "primary")]
    gaps._headline.cache_clear()


@pytest.mark.parametrize("la_code", ["352", "GM", "936"])
def test_one_year_of_the_headline_table_is_the_headline_table_of_that_year(
    store: Store, la_code: str
) -> None:
    every = headline.headline_gaps(store, la_code, "secondary")
    one = headline.headline_gaps(store, la_code, "secondary", ["2018/19"])
    order = ["entity", "measure"]
    assert_frame_equal(
        every.filter(pl.col("academic_year") == "2018/19").sort(order), one.sort(order)
    )


@pytest.fixture(scope="module")
def secondary(store: Store) -> similar.Context:
    return similar.context_table(store, "secondary", "2018/19")


def test_the_odds_line_is_fitted_once_per_phase_year_and_outcome(
    secondary: similar.Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    fits: list[str] = []
    real = similar.odds_for

    def counted(context: similar.Context, spec: similar.OddsSpec) -> object:
        fits.append(spec.key)
        return real(context, spec)

    monkeypatch.setattr(similar, "odds_for", counted)
    odds._odds_fit.clear()
    version = data.store_version()
    first = odds._odds_fit(version, "secondary", "2018/19", "2018/19", "a8_dis", secondary)
    again = odds._odds_fit(version, "secondary", "2018/19", "2018/19", "a8_dis", secondary)
    assert again is first
    assert fits == ["a8_dis"]
    # Another census year is another context: fitted again (its own cache entry).
    odds._odds_fit(version, "secondary", "2018/19", "2023/24", "a8_dis", secondary)
    assert fits == ["a8_dis", "a8_dis"]
    odds._odds_fit.clear()


def test_a_link_is_parsed_with_the_authoritys_schools_and_default_school(
    secondary: similar.Context,
) -> None:
    selection = Filters(
        la_code="936",
        phase="secondary",
        pupil_group="disadvantaged",
        year="2018/19",
        la_label="Surrey",
        members=("936",),
    )
    parsed = link.parse_choice(secondary, selection, {})
    assert parsed is not None
    assert_frame_equal(parsed.schools, similar.school_options(secondary, ("936",)))
    assert parsed.default == similar.default_school(secondary, ("936",))
    assert parsed.choice.urn == parsed.default


def test_a_schools_place_in_its_family_by_hand() -> None:
    ranked = pl.DataFrame(
        {
            "role": ["family", "chosen", "family", "family"],
            "value": [60.0, 53.7, 41.2, None],
            "status": ["value", "value", "value", "suppressed"],
            "position": [1, 2, 3, None],
        }
    )
    # 2nd of the 3 schools with a figure; the family's median of 60.0 and 41.2 is 50.6.
    assert outcomes._place(ranked, 1) == "53.7, 2nd of 3 with a figure (family median 50.6)"
    hidden = ranked.with_columns(
        value=pl.Series([60.0, None, 41.2, None]), status=pl.Series(["value", "suppressed"] * 2)
    )
    assert outcomes._place(hidden, 1) == "suppressed (family median 50.6)"


def _reference_headline_gaps(
    store: Store, la_code: str, phase: str, years: list[str] | None = None
) -> pl.DataFrame:
    """headline.headline_gaps as it was: its areas' rows pivoted and joined on every call."""
    from equity.metrics.gaps import gap_table, group_mean
    from equity.schema import ENGLAND_CODE, GM_GROUP_CODE, HEADLINE_MEASURES, is_gm

    members = queries.member_las(la_code)
    in_gm = is_gm(la_code)
    entities = sorted({*members, *(GREATER_MANCHESTER if in_gm else ()), ENGLAND_CODE})
    region = headline.region_code_of(store, la_code) if la_code != GM_GROUP_CODE else None
    if region:
        entities.append(region)
    rows = queries.published_rows(store, entities, list(HEADLINE_MEASURES[phase]), years)
    table = gap_table(rows.select("entity", "academic_year", "measure", "pupil_group", "value"))
    if in_gm:
        table = pl.concat(
            [table, group_mean(table, list(GREATER_MANCHESTER), headline.GM_MEAN_LABEL)]
        )
    names = dict(store.areas().select("la_code", "name").iter_rows())
    names[headline.GM_MEAN_LABEL] = headline.GM_MEAN_LABEL
    return table.with_columns(
        pl.col("entity").replace_strict(names, default=pl.col("entity")).alias("area"),
        headline.area_role(la_code, region, gm_comparators=in_gm).alias("role"),
    )


@pytest.mark.parametrize("phase", ["primary", "secondary"])
@pytest.mark.parametrize("years", [None, ["2018/19"], ["2016/17", "2017/18"], ["1990/91"]])
def test_headline_gaps_from_the_per_store_table_are_unchanged(
    store: Store, phase: str, years: list[str] | None
) -> None:
    """Same rows in the same order as pivoting each selection's rows (every LA loaded, the
    GM group, an LA outside GM, and one with no figures)."""
    las = [*queries.la_catalogue(store)["la_code"].to_list(), "GM", "000"]
    assert len(las) > 20
    gm_mean = pl.col("entity") == headline.GM_MEAN_LABEL
    for la_code in las:
        new = headline.headline_gaps(store, la_code, phase, years)
        old = _reference_headline_gaps(store, la_code, phase, years)
        # The GM mean rows come from an unordered group_by, in the old code too: their
        # order is not part of the answer (the pages sort what they show).
        assert new.filter(~gm_mean).equals(old.filter(~gm_mean)), la_code
        assert new.sort(pl.all()).equals(old.sort(pl.all())), la_code
        assert new.schema == old.schema
