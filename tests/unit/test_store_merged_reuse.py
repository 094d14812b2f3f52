"""A commit reuses the previous version's `.merged/` files whose inputs it leaves alone
(equity/school_merge.py `prepare`): a KS4-only commit after a census commit links the census
types of the version before (same bytes, new version's name) and merges the schools again; a
census commit places the types again. Either way the files equal a full recompute, which is
what a reader computes when a store has no such file."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from equity import census_types, kinds, school_merge
from equity.analysis import census
from equity.ingest.runner import ingest_paths
from equity.store import EMBEDDED_SOURCES, Store
from equity.store_writer import remove_source

TEST_DATA = Path(__file__).resolve().parents[1] / "data"
CENSUS = EMBEDDED_SOURCES / "performance-downloads"


def _cut(year: str, root: Path) -> Path:
    """A folder holding `<year>/england_census.csv` (300 schools), stored under that path."""
    lines = (CENSUS / year / "england_census.csv").read_text(encoding="utf-8-sig").splitlines()
    (root / year).mkdir(parents=True, exist_ok=True)
    out = root / year / "england_census.csv"
    out.write_text("\n".join([lines[0], *lines[1:300]]) + "\n", encoding="utf-8")
    return root


def _recomputed(store: Store) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(merged schools, census types) computed from the store's rows, as a reader without
    the `.merged/` files computes them."""
    gias = store.manifest().filter(pl.col("kind") == kinds.GIAS)["source"].to_list()
    types = census_types.place(census._typing_rows(store), census.census_years(store), gias)
    schools = school_merge.merge(
        store._file_sources("schools"), school_merge.source_ranks(store.manifest())
    )
    return schools, types


def _written(store: Path) -> tuple[Store, Path, Path]:
    opened = Store.open(store)
    key = opened.keys[0]
    schools, types = school_merge.merged_path(store, key), school_merge.types_path(store, key)
    assert schools.is_file() and types.is_file()
    assert sorted((store / school_merge.MERGED_DIR).iterdir()) == sorted([schools, types])
    read_schools = school_merge.read_merged(store, key)
    read_types = school_merge.read_types(store, key)
    assert read_schools is not None and read_types is not None
    want_schools, want_types = _recomputed(opened)
    assert read_schools.equals(want_schools)
    assert read_types.equals(want_types)
    return opened, schools, types


@pytest.fixture()
def sources(tmp_path: Path) -> dict[str, Path]:
    return {
        "census 2022/23": _cut("2022-2023", tmp_path / "census-a"),
        "census 2023/24": _cut("2023-2024", tmp_path / "census-b"),
        "gias": TEST_DATA / "gias" / "20230915_gias_tiny.csv",
        "ks4": TEST_DATA / "performance_tables" / "2018-2019_999_ks4final.csv",
    }


def test_a_ks4_commit_reuses_the_census_types_and_a_census_commit_places_them_again(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    store = tmp_path / "store"
    assert not ingest_paths([sources["census 2022/23"], sources["gias"]], store).failures
    _, schools_1, types_1 = _written(store)
    assert school_merge.read_types(store, Store.open(store).keys[0]).height > 250  # type: ignore[union-attr]
    inode_1 = types_1.stat().st_ino

    # A KS4 file: schools change (merged again), census and GIAS do not (types reused).
    assert not ingest_paths([sources["ks4"]], store).failures
    opened, schools_2, types_2 = _written(store)
    assert types_2 != types_1 and not types_1.exists()  # the older version's name is gone
    assert types_2.stat().st_ino == inode_1  # the same bytes: linked, not placed again
    assert schools_2 != schools_1
    assert "2018-2019_999_ks4final.csv" in "; ".join(opened.schools()["source"].to_list())

    # Another census year: the types are placed again and hold both years.
    assert not ingest_paths([sources["census 2023/24"]], store).failures
    opened, _, types_3 = _written(store)
    assert types_3.stat().st_ino != inode_1
    years = school_merge.read_types(store, opened.keys[0])["academic_year"]  # type: ignore[index]
    assert set(years.unique().to_list()) == {"2022/23", "2023/24"}

    # Removing the GIAS file changes the placement's inputs too.
    inode_3 = types_3.stat().st_ino
    remove_source(store, "20230915_gias_tiny.csv")
    _, _, types_4 = _written(store)
    assert types_4.stat().st_ino != inode_3


def test_a_previous_version_without_its_file_is_computed_not_reused(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    """A version whose files are missing (a writer killed before writing them, a store
    written before they existed) gives nothing to reuse: the next commit computes them."""
    store = tmp_path / "store"
    assert not ingest_paths([sources["census 2022/23"]], store).failures
    _, _, types_1 = _written(store)
    types_1.unlink()
    assert not ingest_paths([sources["ks4"]], store).failures
    _written(store)


def test_a_failed_commit_leaves_no_scratch_files(
    tmp_path: Path, sources: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-aheads and the mirror's file are made while the tables commit; a commit
    that fails after that deletes them again, and the store keeps its version's files."""
    import equity.store_writer as writer

    store = tmp_path / "store"
    assert not ingest_paths([sources["census 2022/23"]], store).failures
    before = sorted((store / school_merge.MERGED_DIR).iterdir())

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "commit_catalogue", broken)
    report = ingest_paths([sources["ks4"]], store)
    assert report.failures
    assert sorted((store / school_merge.MERGED_DIR).iterdir()) == before
    assert not [p for p in store.rglob("*") if p.name.startswith(".tmp-")]  # nor the mirror's
