"""The store's promises: re-ingest replaces, failure changes nothing, layers, and data/ honesty.

The last group keeps data/ honest (after datasette's test that every setting is documented):
every file under data/sources is either in data/store's manifest, with the same bytes, or is
documentation; and every file has a line in data/sources/SOURCES.md.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path, PurePosixPath

import polars as pl
import pytest

from equity.ingest.registry import IGNORED_NAMES
from equity.ingest.runner import DATA_SUFFIXES, ingest_paths, sha256_of, source_name
from equity.store import (
    EMBEDDED_SOURCES,
    EMBEDDED_STORE,
    Store,
    read_manifest,
    remove_source,
    source_slug,
    vacuum,
)
from equity.store_layout import MIRROR

ROOT = Path(__file__).resolve().parents[2]
TINY_KS4 = ROOT / "tests" / "data" / "performance_tables" / "2018-2019_999_ks4final.csv"
TINY_KS2 = ROOT / "tests" / "data" / "performance_tables" / "2017-2018_998_ks2final.csv"
BAD = ROOT / "tests" / "data" / "bad"
SOURCES_MD = EMBEDDED_SOURCES / "SOURCES.md"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` and its bytes' hash: 'byte-identical' made checkable."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --------------------------------------------------------------------------- re-ingest


def test_reingesting_a_file_replaces_its_rows(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = ingest_paths([TINY_KS4, TINY_KS2], store)
    assert len(first.ingested) == 2
    before = Store.open(store)
    counts = before.results().group_by("source").len().collect().sort("source")
    schools = before.schools().height

    again = ingest_paths([TINY_KS4], store)
    assert len(again.ingested) == 1
    after = Store.open(store)
    assert after.results().group_by("source").len().collect().sort("source").equals(counts)
    assert after.schools().height == schools
    assert after.rejected().filter(pl.col("source") == TINY_KS4.name).height == 2
    manifest = read_manifest(store)
    assert manifest["source"].to_list() == sorted([TINY_KS4.name, TINY_KS2.name])
    # No duplicate result keys after the second ingest.
    keys = ["entity", "academic_year", "key_stage", "measure", "pupil_group", "source"]
    results = after.results().collect()
    assert results.select(keys).is_duplicated().sum() == 0


def test_reingesting_changed_content_keeps_only_the_new_rows(tmp_path: Path) -> None:
    store = tmp_path / "store"
    ingest_paths([TINY_KS4], store)
    changed = tmp_path / "2018-2019" / TINY_KS4.name
    changed.parent.mkdir()
    changed.write_text(
        TINY_KS4.read_text(encoding="utf-8-sig").replace("48.2,SUPP,50.1", "49.9,SUPP,50.1"),
        encoding="utf-8",
    )
    ingest_paths([changed], store)
    att8 = (
        Store.open(store)
        .results()
        .filter(
            (pl.col("entity") == "100001")
            & (pl.col("measure") == "ks4_attainment8")
            & (pl.col("pupil_group") == "all")
        )
        .collect()
    )
    assert att8["value"].to_list() == [49.9]


def test_removing_a_source_removes_every_table_and_its_manifest_row(tmp_path: Path) -> None:
    store = tmp_path / "store"
    ingest_paths([TINY_KS4, TINY_KS2], store)
    remove_source(store, TINY_KS4.name)
    opened = Store.open(store)
    assert read_manifest(store)["source"].to_list() == [TINY_KS2.name]
    assert opened.results().filter(pl.col("source") == TINY_KS4.name).collect().is_empty()
    assert opened.rejected().is_empty()
    listed = [f for files in opened.catalogue()["files"].to_list() for f in files]
    assert not [f for f in listed if source_slug(TINY_KS4.name) in f]
    # Its files stay on disk for readers of the older version until a vacuum.
    vacuum(store, retention_hours=0)
    assert not list(store.glob(f"**/{source_slug(TINY_KS4.name)}-*.parquet"))
    assert len(list(store.glob(f"**/{source_slug(TINY_KS2.name)}-*.parquet"))) >= 2


# --------------------------------------------------------------------------- failures


def test_a_failed_file_leaves_the_store_byte_identical(tmp_path: Path) -> None:
    store = tmp_path / "store"
    ingest_paths([TINY_KS4], store)
    before = snapshot(store)
    bad = [p for p in sorted(BAD.iterdir()) if p.name != "damaged.zip"]
    report = ingest_paths([*bad, tmp_path / "missing.csv"], store)
    assert not report.ingested
    assert len(report.failures) >= len(bad) + 1
    assert snapshot(store) == before


def test_a_file_that_fails_to_read_does_not_replace_the_good_copy(tmp_path: Path) -> None:
    """Same name, broken content: the earlier good rows stay."""
    store = tmp_path / "store"
    ingest_paths([TINY_KS4], store)
    before = snapshot(store)
    broken = tmp_path / "broken" / TINY_KS4.name
    broken.parent.mkdir()
    broken.write_bytes(b"\x00\x01 not a csv at all \x00")
    report = ingest_paths([broken], store)
    assert not report.ingested
    assert snapshot(store) == before


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4])
def test_a_crash_while_writing_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    """Writes are staged beside their targets and renamed in only when all are written: a
    failure at any write (a full disk, a crash) leaves no trace, old rows or temp files."""
    store = tmp_path / "store"
    ingest_paths([TINY_KS4, TINY_KS2], store)
    before = snapshot(store)
    changed = tmp_path / "2018-2019" / TINY_KS4.name
    changed.parent.mkdir()
    changed.write_text(
        TINY_KS4.read_text(encoding="utf-8-sig").replace("48.2,SUPP,50.1", "49.9,SUPP,50.1"),
        encoding="utf-8",
    )
    real_write = pl.DataFrame.write_parquet
    calls = 0

    def failing_write(self: pl.DataFrame, *args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == fail_at:
            raise OSError(28, "No space left on device")
        real_write(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pl.DataFrame, "write_parquet", failing_write)
    (failure,) = ingest_paths([changed], store).outcomes
    assert failure.error == (
        f"{TINY_KS4.name}: read, but not stored in {store} (No space left on device)"
    )
    assert snapshot(store) == before
    monkeypatch.undo()
    ingest_paths([changed], store)  # and the store still takes the next ingest
    assert snapshot(store) != before
    assert not [p for p in store.rglob("*") if p.suffix == ".tmp"]


def test_source_slugs_are_unique_stable_and_safe() -> None:
    names = ["a b.csv", "a_b.csv", "a/b.csv", "2017-2018/999_ks4final.csv", "x" * 300, "..", ""]
    slugs = [source_slug(name) for name in names]
    assert len(set(slugs)) == len(names)
    assert source_slug("a b.csv") == source_slug("a b.csv")
    assert all(re.fullmatch(r"[A-Za-z0-9._-]{1,120}", slug) for slug in slugs)
    assert source_slug("2018-2019_936_ks4final.csv").startswith("2018-2019_936_ks4final.csv-")


def legacy_copy(store: Path, target: Path, *, hashed: bool = True) -> None:
    """`store` rewritten in the layout used before Delta tables: one Parquet file per source
    and table, named by its slug (or, `hashed=False`, by the older unhashed name), and a
    manifest.parquet."""
    opened = Store.open(store)
    for source, files in opened.catalogue().select("source", "files").iter_rows():
        name = source_slug(source) if hashed else source
        for relative in files:
            table = relative.rsplit("/", 1)[0]
            (target / table).mkdir(parents=True, exist_ok=True)
            shutil.copy(store / relative, target / table / f"{name}.parquet")
    opened.manifest().write_parquet(target / MIRROR)


@pytest.mark.parametrize("hashed", [True, False])
def test_a_store_in_the_old_layout_is_read_and_converted_on_the_next_write(
    tmp_path: Path, hashed: bool
) -> None:
    store = tmp_path / "store"
    ingest_paths([TINY_KS4, TINY_KS2], store)
    old = tmp_path / "old"
    legacy_copy(store, old, hashed=hashed)
    opened = Store.open(old)
    counts = dict(opened.results().group_by("source").len().collect().iter_rows())
    assert set(counts) == {TINY_KS4.name, TINY_KS2.name}
    assert opened.rejected().height == 2
    assert opened.summary().sort(pl.all()).equals(Store.open(store).summary().sort(pl.all()))
    ingest_paths([TINY_KS4], old)  # re-ingest converts it; the old KS4 files are dropped
    assert (old / "catalogue" / "_delta_log").is_dir()
    again = Store.open(old)
    assert dict(again.results().group_by("source").len().collect().iter_rows()) == counts
    assert again.history()["source"].to_list() == [TINY_KS4.name]
    vacuum(old, retention_hours=0)
    assert not list(
        old.glob(f"results/{source_slug(TINY_KS4.name) if hashed else TINY_KS4.name}.parquet")
    )
    assert len(list(old.glob("results/*.parquet"))) == 2


# --------------------------------------------------------------------------- layers


@pytest.fixture
def two_layers(tmp_path: Path) -> tuple[Path, Path]:
    """A 'built-in' layer with the tiny KS4 file, and a user layer with a corrected copy of
    the same file (its two bad rows removed and one figure changed)."""
    base, user = tmp_path / "base", tmp_path / "user"
    ingest_paths([TINY_KS4, TINY_KS2], base)
    lines = TINY_KS4.read_text(encoding="utf-8-sig").splitlines()
    kept = [ln for ln in lines if "School With No URN" not in ln and not ln.startswith("9,")]
    kept = [ln.replace("48.2,SUPP,50.1", "49.9,SUPP,50.1") for ln in kept]
    fixed = tmp_path / "fixed" / TINY_KS4.name
    fixed.parent.mkdir()
    fixed.write_text("\n".join(kept) + "\n", encoding="utf-8")
    report = ingest_paths([fixed], user)
    assert report.ingested and report.ingested[0].rejected.is_empty()
    return base, user


def test_user_layer_wins_for_results_and_manifest(two_layers: tuple[Path, Path]) -> None:
    base, user = two_layers
    store = Store.open(base, user)
    manifest = store.manifest()
    assert manifest["source"].to_list() == sorted([TINY_KS4.name, TINY_KS2.name])
    row = manifest.filter(pl.col("source") == TINY_KS4.name).row(0, named=True)
    assert row["rows_rejected"] == 0  # the user's copy
    att8 = (
        store.results()
        .filter(
            (pl.col("entity") == "100001")
            & (pl.col("measure") == "ks4_attainment8")
            & (pl.col("pupil_group") == "all")
        )
        .collect()
    )
    assert att8["value"].to_list() == [49.9]
    # The base layer's other file still shows through.
    assert store.results().filter(pl.col("source") == TINY_KS2.name).collect().height > 0
    # Opening only the base layer still gives the original.
    assert Store.open(base).manifest().filter(pl.col("source") == TINY_KS4.name)[
        "rows_rejected"
    ].to_list() == [2]


def test_a_missing_layer_is_skipped(tmp_path: Path, two_layers: tuple[Path, Path]) -> None:
    base, _ = two_layers
    store = Store.open(base, tmp_path / "never-written")
    assert store.layers == (base,)


def test_user_layer_wins_per_source_in_every_table(two_layers: tuple[Path, Path]) -> None:
    base, user = two_layers
    store = Store.open(base, user)
    assert store.rejected().filter(pl.col("source") == TINY_KS4.name).is_empty()


def test_sources_whose_names_differ_only_in_punctuation_keep_their_rows(tmp_path: Path) -> None:
    store = tmp_path / "store"
    for folder, name in (("a", "2018-2019_999 ks4final.csv"), ("b", "2018-2019_999_ks4final.csv")):
        path = tmp_path / folder / name
        path.parent.mkdir()
        path.write_bytes(TINY_KS4.read_bytes())
        ingest_paths([path], store)
    counts = dict(Store.open(store).results().group_by("source").len().collect().iter_rows())
    assert set(counts) == {"2018-2019_999 ks4final.csv", "2018-2019_999_ks4final.csv"}


def test_the_same_file_name_in_two_year_folders_keeps_both_years(tmp_path: Path) -> None:
    for year in ("2017-2018", "2018-2019"):
        path = tmp_path / "downloads" / year / "999_ks4final.csv"
        path.parent.mkdir(parents=True)
        path.write_bytes(TINY_KS4.read_bytes())
    ingest_paths([tmp_path / "downloads"], tmp_path / "store")
    years = Store.open(tmp_path / "store").results().select("academic_year").unique().collect()
    assert sorted(years["academic_year"]) == ["2017/18", "2018/19"]


# --------------------------------------------------------------------------- data/ is honest


def _source_files() -> list[Path]:
    return sorted(p for p in EMBEDDED_SOURCES.rglob("*") if p.is_file())


def _is_data(path: Path) -> bool:
    return not IGNORED_NAMES.search(path.name) and path.suffix.lower() in DATA_SUFFIXES


def _source(path: Path) -> str:
    """The name `ingest data/sources` stores a file under (its path there, from a year folder)."""
    return source_name(PurePosixPath(*path.relative_to(EMBEDDED_SOURCES).parts))


def test_every_data_file_is_in_the_embedded_store_with_the_same_bytes() -> None:
    manifest = read_manifest(EMBEDDED_STORE)
    shipped = dict(manifest.select("source", "sha256").iter_rows())
    data = [p for p in _source_files() if _is_data(p)]
    assert data
    for path in data:
        assert _source(path) in shipped, f"{_source(path)} is not in data/store: run the ingest"
        assert shipped[_source(path)] == sha256_of(path), f"data/store is stale for {path.name}"
    assert set(shipped) == {_source(p) for p in data}, "data/store lists files not in sources"


def test_files_not_ingested_are_documentation_or_documented_alternates() -> None:
    listed = set(read_manifest(EMBEDDED_STORE)["source"])
    others = [p for p in _source_files() if _source(p) not in listed]
    for path in others:
        assert IGNORED_NAMES.search(path.name), f"{path.name}: neither ingested nor ignored"
    assert {p.name for p in others} == {
        "SOURCES.md",
        "SERIES-BREAKS.md",
        "CTYUA_Dec2022_UK_BUC.topo.json",
    }


def _documented_patterns(text: str) -> list[re.Pattern[str]]:
    """File names and name patterns in SOURCES.md's `code` spans: `themes_*.csv`,
    `{academic year}_{LA}_{ks2|ks4}final.csv`, `.topo.json` (a suffix)."""
    patterns = []
    for token in re.findall(r"`([^`]+)`", text):
        if "." not in token or " " in token.replace("{academic year}", ""):
            continue
        regex = ""
        for part in re.split(r"(\{[^}]*\}|\*)", token):
            if part == "*":
                regex += r"[^/]*"
            elif part.startswith("{") and "|" in part:
                regex += "(" + "|".join(map(re.escape, part[1:-1].split("|"))) + ")"
            elif part.startswith("{"):
                regex += r"[^_/]+"
            else:
                regex += re.escape(part)
        if token.startswith("."):
            regex = r".+" + regex
        patterns.append(re.compile(regex))
    return patterns


@pytest.mark.parametrize("name", [p.name for p in _source_files() if p.name != "SOURCES.md"])
def test_every_file_has_a_line_in_sources_md(name: str) -> None:
    text = SOURCES_MD.read_text(encoding="utf-8")
    documented = name in text or any(p.fullmatch(name) for p in _documented_patterns(text))
    assert documented, f"{name} has no line in data/sources/SOURCES.md"


def test_sources_md_names_only_files_that_exist() -> None:
    text = SOURCES_MD.read_text(encoding="utf-8")
    names = {p.name for p in _source_files()}
    for token in re.findall(r"`([^`]+)`", text):
        if re.fullmatch(r"[\w.-]+\.(csv|parquet|geojson|json|md)", token) and not token.startswith(
            "."
        ):
            assert token in names, f"SOURCES.md names {token}, which is not in data/sources"


def test_the_embedded_store_is_not_written_by_opening_it() -> None:
    before = snapshot(EMBEDDED_STORE)
    store = Store.open(EMBEDDED_STORE)
    store.results().select(pl.len()).collect()
    store.schools()
    assert snapshot(EMBEDDED_STORE) == before


def test_copying_a_store_keeps_it_readable(tmp_path: Path) -> None:
    """A store is plain files: a copy (a backup, or another machine) opens as the original."""
    source = tmp_path / "a"
    ingest_paths([TINY_KS4], source)
    copy = tmp_path / "b"
    shutil.copytree(source, copy)
    assert (
        Store.open(copy)
        .manifest()
        .drop("ingested_at")
        .equals(Store.open(source).manifest().drop("ingested_at"))
    )


# --------------------------------------------------------------------------- derived tables


def test_the_summaries_are_written_with_their_results_file(tmp_path: Path) -> None:
    """Committed with the results (not by a second scan), and equal to what a store without
    them computes from the results."""
    from equity.ingest import aggregates

    store = tmp_path / "store"
    ingest_paths([TINY_KS4, TINY_KS2], store)
    opened = Store.open(store)
    for files in opened.catalogue()["files"].to_list():
        tables = {f.rsplit("/", 1)[0] for f in files}
        assert set(aggregates.TABLES) <= tables
    summary, published = opened.summary().sort(pl.all()), opened.published().sort(pl.all())
    old = tmp_path / "old"
    legacy_copy(store, old)
    for table in aggregates.TABLES:
        shutil.rmtree(old / table)
    computed = Store.open(old)
    assert computed.summary().sort(pl.all()).equals(summary)
    assert computed.published().sort(pl.all()).equals(published)
