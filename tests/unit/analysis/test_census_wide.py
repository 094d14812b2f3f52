"""The census figures written at ingest (`census_wide/`, equity.ingest.aggregates) equal what
equity.analysis.census computed from the results before the table existed.

`_reference_wide` is that computation as it was (the year's census rows, one group per
school, each figure the first row of its measure and pupil group); `_reference_fsm` the % FSM
rows School trends weighted. Stores here are cut from the real census files (a few hundred
schools of each): two years with one file each (read from the written table), and a year
with two files (computed from the results, as for a store written before the table)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from equity import census_types, kinds, school_merge
from equity.analysis import census
from equity.ingest import aggregates
from equity.ingest.runner import ingest_paths
from equity.store import EMBEDDED_SOURCES, Store

CENSUS = EMBEDDED_SOURCES / "performance-downloads"


def _reference_wide(store: Store, year: str) -> pl.DataFrame:
    sources = census.census_years(store).filter(pl.col("academic_year") == year)["source"]
    rows = (
        store.results_of([census.CENSUS_KIND], [year])
        .filter(
            pl.col("source").is_in(sources.to_list())
            & (pl.col("academic_year") == year)
            & (pl.col("entity_kind") == "school")
            & (
                ((pl.col("measure") == "pupils") & pl.col("pupil_group").is_in(["all", "fsm6"]))
                | (pl.col("measure").is_in(["pct_ever_fsm", "pct_fsm"]))
            )
        )
        .select("entity", "la_code", "measure", "pupil_group", "value", "pupils", "status")
        .collect()
    )
    key = pl.col("measure") + "|" + pl.col("pupil_group")

    def pick(name: str, field: str) -> pl.Expr:
        return pl.col(field).filter(key == name).first()

    return rows.group_by("entity", maintain_order=True).agg(
        pl.col("la_code").first(),
        pick("pupils|fsm6", "value").alias("ever_fsm"),
        pick("pct_ever_fsm|all", "pupils").cast(pl.Float64).alias("ever_fsm_base"),
        pick("pupils|all", "value").alias("nor"),
        pick("pct_ever_fsm|all", "value").alias("pct_ever_fsm"),
        pick("pct_ever_fsm|all", "status").alias("pct_ever_fsm_status"),
        pick("pct_fsm|all", "value").alias("pct_fsm"),
        pick("pct_fsm|all", "status").alias("pct_fsm_status"),
    )


def _reference_fsm(store: Store, year: str) -> pl.DataFrame:
    return (
        store.results_of([census.CENSUS_KIND])
        .filter(
            (pl.col("academic_year") == year)
            & (pl.col("entity_kind") == "school")
            & (pl.col("measure") == "pct_fsm")
            & (pl.col("status") == "value")
            & (pl.col("pupils") > 0)
        )
        .select(pl.col("entity").alias("urn"), "value", "pupils")
        .collect()
        .unique("urn")
        .sort("urn")
    )


def _cut(source: Path, target: Path, first: int, last: int) -> Path:
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join([lines[0], *lines[first:last]]) + "\n", encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def cut_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("census")
    for y in ("2022-2023", "2023-2024"):
        _cut(CENSUS / y / "england_census.csv", root / "src" / y / "england_census.csv", 1, 400)
    report = ingest_paths([root / "src"], root / "store")
    assert len(report.ingested) == 2 and not report.failures
    return Store.open(root / "store")


def test_the_census_kind_is_the_one_aggregates_names() -> None:
    assert aggregates.CENSUS_KIND == kinds.SCHOOL_CENSUS


def test_each_census_file_has_its_wide_table(cut_store: Store) -> None:
    held = {source for _, source in cut_store._file_sources(aggregates.CENSUS_TABLE)}
    assert held == set(census.census_years(cut_store)["source"])
    written = cut_store.scan(aggregates.CENSUS_TABLE).collect()
    assert written.schema == pl.Schema(aggregates.CENSUS_WIDE_SCHEMA)
    assert written.height > 300  # one row per school and year


@pytest.mark.parametrize("year", ["2022/23", "2023/24"])
def test_the_written_figures_equal_the_results(cut_store: Store, year: str) -> None:
    wide = census._wide(cut_store, year)
    assert wide.height > 300
    assert wide.equals(_reference_wide(cut_store, year))
    assert census.fsm_rows(cut_store, year).sort("urn").equals(_reference_fsm(cut_store, year))
    # Withheld cells stay withheld: a school with a status other than "value" has no value.
    hidden = wide.filter(pl.col("pct_ever_fsm_status") != "value")
    assert hidden["pct_ever_fsm"].is_null().all()


def test_a_year_with_two_files_is_computed_from_its_results(tmp_path: Path) -> None:
    year = "2023-2024"
    source = CENSUS / year / "england_census.csv"
    _cut(source, tmp_path / "src" / year / "england_census.csv", 1, 200)
    _cut(source, tmp_path / "src" / year / "more" / "england_census.csv", 150, 400)
    report = ingest_paths([tmp_path / "src"], tmp_path / "store")
    assert len(report.ingested) == 2 and not report.failures
    store = Store.open(tmp_path / "store")
    assert census.census_years(store)["academic_year"].to_list() == ["2023/24", "2023/24"]
    wide = census._wide(store, "2023/24")
    assert wide.equals(_reference_wide(store, "2023/24"))
    assert wide["entity"].is_unique().all() and wide.height > 350  # overlap counted once


def test_a_store_without_census_files_has_no_rows(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "none")
    assert census._wide(store, "2023/24").is_empty()
    assert census.fsm_rows(store, "2023/24").is_empty()


def _reference_types(store: Store, year: str) -> pl.DataFrame:
    """school_types as it was: one year at a time from a scan of every schools file."""
    files = census.census_years(store)
    own = files.filter(pl.col("academic_year") == year)["source"].to_list()
    schools = store.scan("schools").select(
        "urn", "la_code", "school_type", "source", "phase", "is_state_funded", "is_special"
    )
    listed = (
        schools.filter(pl.col("source").is_in(own))
        .select("urn", "la_code", "school_type", census._own_phase_type().alias("__estab"))
        .unique("urn", keep="first")
        .collect()
        .with_columns(
            pl.when(pl.col("school_type").is_not_null())
            .then(pl.lit(f"census {year}"))
            .alias("placed_from")
        )
    )
    later = files.filter(pl.col("academic_year") > year)
    candidates = (
        schools.filter(pl.col("source").is_in(later["source"].to_list()))
        .filter(pl.col("school_type").is_not_null())
        .join(later.lazy(), on="source")
        .sort("academic_year")
        .group_by("urn", maintain_order=True)
        .agg(
            pl.col("school_type").first().alias("__type"),
            (pl.lit("census ") + pl.col("academic_year").first()).alias("__from"),
        )
        .collect()
    )
    gias_sources = store.manifest().filter(pl.col("kind") == kinds.GIAS)["source"].to_list()
    gias = (
        schools.filter(pl.col("source").is_in(gias_sources))
        .select("urn", census._gias_types().alias("__gias"))
        .drop_nulls("__gias")
        .unique("urn", keep="first")
        .collect()
    )
    placed = listed.join(candidates, on="urn", how="left").join(gias, on="urn", how="left")
    return placed.select(
        "urn",
        "la_code",
        pl.coalesce("school_type", "__type", "__gias", "__estab").alias("school_type"),
        pl.when(pl.col("placed_from").is_not_null())
        .then(pl.col("placed_from"))
        .when(pl.col("__type").is_not_null())
        .then(pl.col("__from"))
        .when(pl.col("__gias").is_not_null())
        .then(pl.lit("gias"))
        .when(pl.col("__estab").is_not_null())
        .then(pl.lit("estab number"))
        .alias("placed_from"),
    )


@pytest.mark.parametrize("year", ["2017/18", "2022/23"])
def test_school_types_equal_the_one_year_placement(embedded: Store, year: str) -> None:
    """All census years placed at once give each year's placement as it was (January 2018
    has no SCHOOLTYPE: placed from later censuses, GIAS and establishment numbers)."""
    types = census.school_types(embedded, year).sort("urn")
    assert types.equals(_reference_types(embedded, year).sort("urn"))
    if year == "2017/18":
        assert types["placed_from"].str.starts_with("census 20").sum() > 20000


def test_a_commit_writes_the_placement_a_one_folder_store_reads(cut_store: Store) -> None:
    layer, key = cut_store.layers[0], cut_store.keys[0]
    written = school_merge.read_types(layer, key)
    assert written is not None and written.height > 700  # ~400 schools in each of 2 years
    gias = cut_store.manifest().filter(pl.col("kind") == kinds.GIAS)["source"].to_list()
    computed = census_types.place(
        census._typing_rows(cut_store), census.census_years(cut_store), gias
    )
    assert written.equals(computed)
    for year in ("2022/23", "2023/24"):
        types = census.school_types(cut_store, year).sort("urn")
        assert types.equals(_reference_types(cut_store, year).sort("urn"))


def test_one_schools_rates_equal_its_census_rows(cut_store: Store) -> None:
    """`school_rates` (from the per-year figures) gives the rows a scan of the census
    results gave School trends, withheld cells with their status and no value."""
    urns = census._wide(cut_store, "2023/24")["entity"].to_list()[:60]
    assert urns
    for urn in urns:
        scanned = (
            cut_store.results_of([census.CENSUS_KIND])
            .filter(
                (pl.col("entity") == urn)
                & (pl.col("entity_kind") == "school")
                & pl.col("measure").is_in(["pct_ever_fsm", "pct_fsm"])
                & (pl.col("pupil_group") == "all")
            )
            .select("la_code", "academic_year", "measure", "value", "status", "pupils")
            .collect()
            .unique(["academic_year", "measure"], keep="first")
        )
        assert census.school_rates(cut_store, urn).sort(pl.all()).equals(scanned.sort(pl.all()))
