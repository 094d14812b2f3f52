"""Store.schools(): the merged one-row-per-URN view equals the per-row ranking it replaced.

`_reference` is the algorithm as it was (every school row joined to its source's kind and
years, ranked per row, sorted, then the first non-null value of each field per URN); the
store now ranks each source once and reads the files in that order. Both are compared on the
embedded store and on two layers whose schools overlap (a user layer with GIAS and
performance-table files describing some of the same URNs)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from equity import school_merge
from equity.ingest.runner import ingest_paths
from equity.schema import SCHOOLS_SCHEMA, empty_frame
from equity.store import EMBEDDED_STORE, SCHOOL_SOURCE_PRIORITY, Store


def _reference(store: Store) -> pl.DataFrame:
    raw = store.scan("schools", SCHOOLS_SCHEMA).collect()
    if raw.is_empty():
        return empty_frame(SCHOOLS_SCHEMA)
    kinds = store.manifest().select("source", "kind", "academic_years")
    ranked = (
        raw.join(kinds, on="source", how="left")
        .with_columns(
            pl.col("kind")
            .replace_strict(SCHOOL_SOURCE_PRIORITY, default=9, return_dtype=pl.Int64)
            .alias("__rank"),
            pl.col("academic_years").list.max().fill_null("").alias("__year"),
        )
        .sort(["__rank", "__year"], descending=[False, True], maintain_order=True)
    )
    fields = [c for c in SCHOOLS_SCHEMA if c not in {"urn", "source"}]
    return (
        ranked.group_by("urn", maintain_order=True)
        .agg(
            *(pl.col(c).drop_nulls().first() for c in fields),
            pl.col("source").unique().sort().str.join("; ").alias("source"),
        )
        .select(list(SCHOOLS_SCHEMA))
        .sort("urn")
    )


def test_embedded_store_schools_equal_the_per_row_ranking(embedded_store: Store) -> None:
    merged = embedded_store.schools()
    assert merged.height > 1000
    assert merged.equals(_reference(embedded_store))
    assert merged["urn"].is_unique().all()


@pytest.fixture(scope="module")
def layered(tmp_path_factory: pytest.TempPathFactory, test_data: Path) -> Store:
    user = tmp_path_factory.mktemp("user") / "store"
    report = ingest_paths(
        [
            test_data / "gias" / "20230915_gias_tiny.csv",
            test_data / "performance_tables" / "2018-2019_999_ks4final.csv",
            test_data / "trafford" / "schools_and_colleges_tiny.csv",
        ],
        user,
    )
    assert report.ingested
    return Store.open(EMBEDDED_STORE, user)


def test_two_layers_schools_equal_the_per_row_ranking(layered: Store) -> None:
    assert len(layered.layers) == 2
    merged = layered.schools()
    expected = _reference(layered)
    assert merged.equals(expected)
    # The user layer's GIAS file takes part: some URN's sources name it.
    assert merged["source"].str.contains("gias_tiny").any()


def test_the_register_wins_over_a_later_census(layered: Store) -> None:
    """A field GIAS has comes from GIAS even where a census of a later year has one too."""
    merged = layered.schools()
    gias = layered.scan("schools").filter(pl.col("source").str.contains("gias_tiny")).collect()
    both = gias.join(merged, on="urn", suffix="_merged").drop_nulls("name")
    assert both.height > 0
    assert (both["name"] == both["name_merged"]).all()


@pytest.mark.parametrize(
    "name", ["performance_tables/2018-2019_999_ks4final.csv", "gias/20230915_gias_tiny.csv"]
)
def test_a_store_of_one_file_equals_the_per_row_ranking(
    tmp_path: Path, test_data: Path, name: str
) -> None:
    """One file whose URNs are all distinct takes merge's short way (its rows, sorted)."""
    store = tmp_path / "store"
    assert ingest_paths([test_data / name], store).ingested
    opened = Store.open(store)
    raw = opened.scan("schools", SCHOOLS_SCHEMA).collect()
    assert raw.height > 3 and raw["urn"].is_unique().all()
    merged = school_merge.merge(
        opened._file_sources("schools"), school_merge.source_ranks(opened.manifest())
    )
    assert merged.equals(_reference(opened))
    assert school_merge.read_merged(store, opened.keys[0]).equals(merged)  # type: ignore[union-attr]


def test_an_empty_store_has_no_schools(tmp_path: Path) -> None:
    assert Store.open(tmp_path / "none").schools().equals(empty_frame(SCHOOLS_SCHEMA))


def test_a_commit_writes_the_merged_schools_a_one_folder_store_reads(
    tmp_path: Path, test_data: Path
) -> None:
    store = tmp_path / "store"
    ingest_paths([test_data / "gias" / "20230915_gias_tiny.csv"], store)
    ingest_paths(
        [
            test_data / "performance_tables" / "2018-2019_999_ks4final.csv",
            test_data / "trafford" / "schools_and_colleges_tiny.csv",
        ],
        store,
    )
    opened = Store.open(store)
    written = list((store / school_merge.MERGED_DIR).glob("schools-*.parquet"))
    assert written == [school_merge.merged_path(store, opened.keys[0])]  # older copy gone
    read = school_merge.read_merged(store, opened.keys[0])
    assert read is not None and read.height > 3
    assert read.equals(_reference(opened))
    assert opened.schools().equals(read)
    # Without the copy (a store written before it existed) the same frame is computed.
    written[0].unlink()
    assert Store.open(store).schools().equals(read)
