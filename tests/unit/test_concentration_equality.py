"""The Concentration page's per-store rewrites give the figures the old per-call code gave.

`trend` now filters per-store frames (every year's counts stacked once, the LA series and
the England LA median worked out once) instead of re-deriving them for each area; the
oracles below are the code as it was (a copy, kept here to compare against), and every LA
of the embedded store, the GM group and both phases must match exactly."""

from __future__ import annotations

import polars as pl
import pytest

from equity import queries
from equity.analysis import census, concentration_trends
from equity.analysis import concentration as conc
from equity.metrics import segregation
from equity.schema import ENGLAND_CODE, GM_GROUP_CODE, GREATER_MANCHESTER
from equity.store import Store


def _old_area_series(store: Store, codes: list[str], phase: str) -> pl.DataFrame:
    parts = [
        counts.with_columns(pl.lit(year).alias("academic_year"))
        for year in census.census_years(store)["academic_year"].unique().sort().to_list()
        if not (counts := census.census_counts(store, codes, year, phase)).is_empty()
    ]
    if not parts:
        return pl.DataFrame(schema=census._AREA_SCHEMA)
    return (
        pl.concat(parts)
        .group_by("academic_year", maintain_order=True)
        .agg(segregation.index_exprs())
        .rename({"disadvantaged": "ever_fsm"})
        .with_columns((pl.col("ever_fsm") * 100 / pl.col("pupils")).alias("pct_ever_fsm"))
        .select(list(census._AREA_SCHEMA))
        .cast(census._AREA_SCHEMA)  # type: ignore[arg-type]
    )


def _old_trend(store: Store, la_code: str, phase: str) -> pl.DataFrame:
    series = census.segregation_series(store, phase)
    catalogue = queries.la_catalogue(store).select("la_code", "name", "region")
    series = series.join(catalogue, on="la_code", how="left").with_columns(
        pl.col("name").fill_null(pl.col("la_code")),
        pl.col("la_code").is_in(list(GREATER_MANCHESTER)).alias("is_gm"),
    )
    own = _old_area_series(store, queries.member_las(la_code), phase).with_columns(
        pl.lit(
            queries.la_name(store, la_code) if la_code != GM_GROUP_CODE else "Greater Manchester"
        ).alias("series"),
        pl.lit("selected").alias("role"),
        pl.lit(la_code).alias("la_code"),
    )
    _, codes = concentration_trends.comparator_las(store, la_code)
    others = series.filter(pl.col("la_code").is_in(codes)).with_columns(
        pl.col("name").alias("series"), pl.lit("comparator").alias("role")
    )
    median = (
        series.group_by("academic_year")
        .agg(
            pl.len().cast(pl.UInt32).alias("schools"),
            *(pl.col(c).median() for c in conc.SEGREGATION_COLUMNS),
        )
        .with_columns(
            pl.lit("England LA median").alias("series"),
            pl.lit("england").alias("role"),
            pl.lit(ENGLAND_CODE).alias("la_code"),
            pl.lit(None, dtype=pl.Float64).alias("pupils"),
            pl.lit(None, dtype=pl.Float64).alias("ever_fsm"),
            pl.lit(None, dtype=pl.Float64).alias("pct_ever_fsm"),
        )
    )
    parts = [p.select(concentration_trends.TREND_COLUMNS) for p in (own, others, median)]
    schema = parts[0].schema
    return pl.concat([p.cast(dict(schema)) for p in parts]).sort(  # type: ignore[arg-type]
        "role", "series", "academic_year"
    )


def _same(new: pl.DataFrame, old: pl.DataFrame) -> bool:
    """Equal values, columns and types (`equals` alone ignores the types)."""
    return new.schema == old.schema and new.equals(old)


def _areas(store: Store) -> list[str]:
    return [GM_GROUP_CODE, *queries.la_catalogue(store)["la_code"].to_list()]


@pytest.mark.parametrize("phase", ["primary", "secondary"])
def test_trend_is_the_old_trend_exactly(embedded_store: Store, phase: str) -> None:
    for la in _areas(embedded_store):
        new, old = (
            concentration_trends.trend(embedded_store, la, phase),
            _old_trend(embedded_store, la, phase),
        )
        assert _same(new, old), la


@pytest.mark.parametrize("phase", ["primary", "secondary"])
def test_area_series_is_the_old_filter_per_year_exactly(embedded_store: Store, phase: str) -> None:
    for la in _areas(embedded_store):
        codes = queries.member_las(la)
        new = census.area_series(embedded_store, codes, phase)
        assert _same(new, _old_area_series(embedded_store, codes, phase)), la
    assert _same(
        census.area_series(embedded_store, ["no such LA"], phase),
        pl.DataFrame(schema=census._AREA_SCHEMA),
    )


def test_school_shares_keep_names_and_places(embedded_store: Store) -> None:
    """The per-store LA names and school places are the catalogue's and the schools'."""
    table, _ = conc.school_shares(embedded_store, "352", "2023/24", "secondary")
    names = dict(queries.la_catalogue(embedded_store).select("la_code", "name").iter_rows())
    assert table.height > 0
    assert set(table["la_name"].to_list()) == {names["352"]}
    places = embedded_store.schools().select("urn", "name", "lat", "lon")
    joined = table.select("urn", "name", "lat", "lon").join(places, on="urn", how="left")
    assert joined.filter(pl.col("name") != pl.col("name_right")).is_empty()


def _old_school_shares(
    store: Store, la_code: str, year: str, phase: str, share: str
) -> tuple[pl.DataFrame, object]:
    counts, basis = conc._counts(store, queries.member_las(la_code), year, phase, share)
    usable = counts.filter(segregation.usable_rows())
    names = dict(queries.la_catalogue(store).select("la_code", "name").iter_rows())
    schools = store.schools().select("urn", "name", "lat", "lon")
    table = (
        usable.join(schools, on="urn", how="left")
        .with_columns(
            (pl.col("f") + pl.col("n")).alias("t"),
            (100 * pl.col("f") / (pl.col("f") + pl.col("n"))).alias("pct"),
            pl.col("la_code").replace_strict(names, default=pl.col("la_code")).alias("la_name"),
            (pl.col("f") + pl.col("n")).round(0).cast(pl.Int64).alias("pupils"),
        )
        .select(list(conc.SCHOOL_COLUMNS))
        .sort("pct", "urn", descending=[True, False])
    )
    return table, basis


@pytest.mark.parametrize("share", [conc.EVER_FSM, "eal"])
def test_school_shares_are_the_old_join_per_area_exactly(embedded_store: Store, share: str) -> None:
    """Ever-FSM rows now come from every LA's rows joined once per store and year; EAL's
    still from the area's own rows: both as the per-area join gave them."""
    years = concentration_trends.census_years(embedded_store)
    for year in (years[0], years[-1], "2099/00"):
        for phase in ("primary", "secondary"):
            areas = [*_areas(embedded_store), "000"]  # "000": an LA the store has not
            for la in areas if share == conc.EVER_FSM else areas[:4]:  # EAL: a scan per area
                new = conc._school_shares.__wrapped__(embedded_store, la, year, phase, share)
                old = _old_school_shares(embedded_store, la, year, phase, share)
                assert _same(new[0], old[0]), (la, year, phase)
                assert new[1] == old[1]


@pytest.mark.parametrize("index", ["gorard", "isolation"])
def test_every_la_context_is_each_areas_own_context(embedded_store: Store, index: str) -> None:
    """The grey lines an area draws, filtered from every LA's rows, are the rows its own
    comparators' context gave (trend_view as it was: context_rows of the trend's rows)."""
    from components.concentration import trend as trend_view

    every = trend_view.every_la_context(embedded_store, "secondary", index)
    for la in _areas(embedded_store):
        frame = concentration_trends.trend(embedded_store, la, "secondary")
        context = frame.filter(pl.col("role") == "comparator").select(
            "academic_year", "series", pl.col(index).alias("value")
        )
        own = trend_view.context_rows(
            context, key_stage="census", measure=trend_view.SEGREGATION_SERIES
        )
        _, codes = concentration_trends.comparator_las(embedded_store, la)
        assert _same(every.filter(pl.col("la_code").is_in(codes)).drop("la_code"), own), la


def _old_comparator_las(store: Store, la_code: str) -> tuple[str, list[str]]:
    if la_code == GM_GROUP_CODE or la_code in GREATER_MANCHESTER:
        return "Greater Manchester", [c for c in GREATER_MANCHESTER if c != la_code]
    catalogue = queries.la_catalogue(store)
    region = catalogue.filter(pl.col("la_code") == la_code)["region"].to_list()
    if not region or region[0] is None:
        return "its region", []
    members = catalogue.filter((pl.col("region") == region[0]) & (pl.col("la_code") != la_code))
    return str(region[0]), sorted(members["la_code"].to_list())


def test_comparator_las_are_the_old_filters(embedded_store: Store) -> None:
    for la in [*_areas(embedded_store), "000"]:
        assert concentration_trends.comparator_las(embedded_store, la) == _old_comparator_las(
            embedded_store, la
        )
