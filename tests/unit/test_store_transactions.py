"""The store's transactions, tried the way issue 14 broke them: concurrent CLI ingests,
SIGKILL at every point of a commit, leftovers from killed writers, and files that would
silently replace stored rows (a header only, another key stage's content, a repeated
column). Each of these failed on the old Parquet-plus-manifest store."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest

from equity import school_merge
from equity.ingest.registry import read_file
from equity.ingest.runner import ingest_paths
from equity.store import Store, read_manifest, vacuum, write_result
from equity.store_layout import layer_key
from equity.store_writer import FAULT_ENV, FAULT_POINTS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "data" / "sources"
SURREY_KS4 = SOURCES / "performance-tables" / "2018-2019_936_ks4final.csv"
LA_CODES = SOURCES / "lait" / "la_codes.csv"
TINY_KS4 = ROOT / "tests" / "data" / "performance_tables" / "2018-2019_999_ks4final.csv"
TINY_KS2 = ROOT / "tests" / "data" / "performance_tables" / "2017-2018_998_ks2final.csv"
QUESTION = ("--la", "936", "--year", "2018-19", "--phase", "secondary", "--json")


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "equity", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def answer(store: Path) -> object:
    proc = cli("indicators", "--store", str(store), *QUESTION)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def fewer_schools(folder: Path) -> Path:
    """Surrey's 2018-19 KS4 file under its own name with only its first 30 school rows:
    ingesting it changes the indicators' school count (72 -> 30)."""
    lines = SURREY_KS4.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    schools = [line for line in lines[1:] if line.startswith("1,")]
    others = [line for line in lines[1:] if not line.startswith("1,")]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / SURREY_KS4.name
    target.write_text("".join([lines[0], *schools[:30], *others]), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A store before, the changed file, and the indicators before and after it."""
    work = tmp_path_factory.mktemp("versions")
    base = work / "base"
    assert cli("ingest", str(SURREY_KS4), str(LA_CODES), "--store", str(base)).returncode == 0
    changed = fewer_schools(work / "changed")
    after_store = work / "after"
    shutil.copytree(base, after_store)
    assert cli("ingest", str(changed), "--store", str(after_store)).returncode == 0
    before, after = answer(base), answer(after_store)
    assert before != after
    return {"base": base, "changed": changed, "before": before, "after": after}


def listed_or_active(store: Path) -> set[str]:
    """Every data file the catalogue lists or a Delta table holds active."""
    from deltalake import DeltaTable

    from equity.store_layout import delta_tables

    listed = {f for files in Store.open(store).catalogue()["files"].to_list() for f in files}
    for table in delta_tables(store):
        paths = DeltaTable(str(store / table)).get_add_actions(flatten=True).column("path")
        assert {f"{table}/{p}" for p in paths.to_pylist()} == {
            f for f in listed if f.rsplit("/", 1)[0] == table
        }, table
    return listed


# --------------------------------------------------------------------------- concurrency


def test_ten_rounds_of_two_concurrent_cli_ingests_keep_both(tmp_path: Path) -> None:
    for round_ in range(10):
        store = tmp_path / f"store{round_}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "equity", "ingest", str(path), "--store", str(store)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for path in (TINY_KS4, TINY_KS2)
        ]
        for proc in procs:
            proc.communicate(timeout=300)
            assert proc.returncode == 0
        opened = Store.open(store)
        assert sorted(read_manifest(store)["source"]) == [TINY_KS2.name, TINY_KS4.name]
        assert set(opened.results().collect()["source"]) == {TINY_KS2.name, TINY_KS4.name}
        assert len(Store.open(store).history()) == 2


def test_concurrent_writers_in_threads_keep_every_file(tmp_path: Path) -> None:
    store = tmp_path / "store"
    results = [read_file(TINY_KS4), read_file(TINY_KS2)]
    threads = [
        threading.Thread(target=write_result, args=(store, result, f"sha-{n}"))
        for n, result in enumerate(results * 3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(read_manifest(store)["source"]) == [TINY_KS2.name, TINY_KS4.name]
    assert len(Store.open(store).history()) == 6
    listed_or_active(store)


# --------------------------------------------------------------------------- kills


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_a_kill_at_each_point_of_a_commit_leaves_before_or_after_never_a_mix(
    tmp_path: Path, versions: dict[str, object], point: str
) -> None:
    store = tmp_path / "store"
    shutil.copytree(versions["base"], store)  # type: ignore[arg-type]
    proc = cli("ingest", str(versions["changed"]), "--store", str(store), env={FAULT_ENV: point})
    assert proc.returncode == -signal.SIGKILL
    expected = versions["after"] if point == "catalogue" else versions["before"]
    assert answer(store) == expected
    # The next writer puts every table back in line, and the ingest then goes through.
    assert cli("ingest", str(versions["changed"]), "--store", str(store)).returncode == 0
    assert answer(store) == versions["after"]
    listed = listed_or_active(store)
    vacuum(store, retention_hours=0)
    on_disk = {p.relative_to(store).as_posix() for p in store.rglob("*.parquet")}
    # Beside the tables: the merged schools of the latest version only (equity/school_merge).
    merged = {f for f in on_disk if f.startswith(f"{school_merge.MERGED_DIR}/")}
    assert merged == {
        school_merge.merged_path(Path(), str(layer_key(store))).as_posix(),
        school_merge.types_path(Path(), str(layer_key(store))).as_posix(),
    }
    assert on_disk - {"manifest.parquet"} - merged - {f for f in on_disk if "_delta_log" in f} == (
        listed | {f for f in on_disk if f.startswith("catalogue/")}
    )
    assert not [p for p in store.rglob("*") if p.name.startswith(".tmp-") or p.suffix == ".tmp"]


def test_kills_after_random_delays_leave_before_or_after(
    tmp_path: Path, versions: dict[str, object]
) -> None:
    rng = random.Random(14)
    store = tmp_path / "store"
    shutil.copytree(versions["base"], store)  # type: ignore[arg-type]
    for _ in range(6):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "equity",
                "ingest",
                str(versions["changed"]),
                "--store",
                str(store),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = answer(store)
        assert now in (versions["before"], versions["after"])
    # Whatever the kills left, the next ingest completes and the tables agree again.
    assert cli("ingest", str(versions["changed"]), "--store", str(store)).returncode == 0
    assert answer(store) == versions["after"]
    listed_or_active(store)


# --------------------------------------------------------------------------- vacuum


def test_vacuum_removes_what_killed_writers_left(
    tmp_path: Path, versions: dict[str, object]
) -> None:
    store = tmp_path / "store"
    shutil.copytree(versions["base"], store)  # type: ignore[arg-type]
    proc = cli(
        "ingest", str(versions["changed"]), "--store", str(store), env={FAULT_ENV: "files-written"}
    )
    assert proc.returncode == -signal.SIGKILL
    (store / "results" / ".old-writer.parquet.tmp").write_bytes(b"half")
    (store / ".tmp-ingest-dead").mkdir()
    (store / ".tmp-ingest-dead" / "upload.csv").write_bytes(b"x" * 1000)
    before = answer(store)
    listed = {f for files in Store.open(store).catalogue()["files"].to_list() for f in files}
    orphans = {
        p.relative_to(store).as_posix()
        for p in store.rglob("*.parquet")
        if p.parent.name != "_delta_log"
        and p.parent.name != "catalogue"
        and p.parent.name != school_merge.MERGED_DIR  # the latest version's, not an orphan
        and p.name != "manifest.parquet"
    } - listed
    assert orphans  # the killed writer's files
    report = vacuum(store)
    assert orphans <= set(report.deleted)
    assert ".tmp-ingest-dead" in report.deleted
    assert "results/.old-writer.parquet.tmp" in report.deleted
    assert not any((store / f).exists() for f in report.deleted)
    assert answer(store) == before


# --------------------------------------------------------------------------- no silent replacement


def test_a_header_only_file_never_replaces_stored_rows(
    tmp_path: Path, versions: dict[str, object]
) -> None:
    store = tmp_path / "store"
    shutil.copytree(versions["base"], store)  # type: ignore[arg-type]
    empty = tmp_path / "empty" / SURREY_KS4.name
    empty.parent.mkdir()
    empty.write_text(SURREY_KS4.read_text(encoding="utf-8-sig").splitlines()[0] + "\n")
    proc = cli("ingest", str(empty), "--store", str(store))
    assert proc.returncode == 2
    assert f"SKIPPED  {SURREY_KS4.name}: has no data rows" in proc.stdout
    assert "the rows stored from it before are kept" in proc.stdout
    assert answer(store) == versions["before"]


def test_ks2_content_under_a_ks4_name_is_refused_naming_both(tmp_path: Path) -> None:
    store = tmp_path / "store"
    ingest_paths([TINY_KS4], store)
    before = Store.open(store).results().collect().sort(pl.all())
    renamed = tmp_path / "x" / TINY_KS4.name
    renamed.parent.mkdir()
    renamed.write_bytes(TINY_KS2.read_bytes())
    (outcome,) = ingest_paths([renamed], store).outcomes
    assert outcome.error is not None
    assert "the name says KS4 but the content is a KS2 file" in outcome.error
    assert Store.open(store).results().collect().sort(pl.all()).equals(before)


def test_a_repeated_column_is_refused_with_its_name(tmp_path: Path) -> None:
    lines = TINY_KS4.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    header[6] = header[5]
    bad = tmp_path / TINY_KS4.name
    bad.write_text("\n".join([",".join(header), *lines[1:]]) + "\n", encoding="utf-8")
    (outcome,) = ingest_paths([bad], tmp_path / "store").outcomes
    assert outcome.error == (
        f"{TINY_KS4.name}: the header repeats column(s) {header[5]}; nothing stored"
    )
    assert not (tmp_path / "store").exists()


def test_each_replacement_is_stated_on_its_own_line(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = cli("ingest", str(TINY_KS4), "--store", str(store))
    assert "REPLACES" not in first.stdout
    again = cli("ingest", str(TINY_KS4), str(TINY_KS2), "--store", str(store))
    lines = [line for line in again.stdout.splitlines() if line.startswith("OK")]
    assert [("REPLACES" in line) for line in lines] == [True, False]
    assert f"(REPLACES the stored {TINY_KS4.name})" in lines[0]
    report = ingest_paths([TINY_KS2], store)
    assert report.outcomes[0].replaced
    assert report.summary_frame()["replaced"].to_list() == [True]
    history = Store.open(store).history()
    assert history["action"].to_list()[:1] == ["replace"]


def test_the_stamp_changes_with_every_commit_and_an_open_store_keeps_its_version(
    tmp_path: Path,
) -> None:
    """Caches keyed on `Store.stamp` (or `layer_version`) never outlive a write, and a
    store opened before a write keeps reading the version it opened."""
    from equity.store import layer_version

    store = tmp_path / "store"
    ingest_paths([TINY_KS4], store)
    first, version = Store.open(store), layer_version(store)
    ingest_paths([TINY_KS2], store)
    second = Store.open(store)
    assert second.stamp != first.stamp
    assert layer_version(store) != version
    assert set(first.manifest()["source"]) == {TINY_KS4.name}
    assert set(second.manifest()["source"]) == {TINY_KS2.name, TINY_KS4.name}
    ingest_paths([tmp_path / "missing.csv"], store)  # nothing stored: no new version
    assert Store.open(store).stamp == second.stamp


@pytest.mark.parametrize("source", [SURREY_KS4, TINY_KS4, TINY_KS2], ids=lambda p: p.name)
def test_the_catalogue_years_and_la_codes_are_the_results_own(source: Path, tmp_path: Path) -> None:
    """The catalogue's years and LA codes are read from the summary the commit writes (not a
    second scan of the results): they must be exactly what the result itself reports."""
    result = read_file(source, None)
    store = tmp_path / "store"
    write_result(store, result, "0" * 64)
    row = read_manifest(store).row(0, named=True)
    assert row["academic_years"] == result.academic_years
    assert row["la_codes"] == result.la_codes
    assert row["suppressed_cells"] == result.suppressed_cells
    assert row["la_codes"]  # a real file: the test compares something


def test_a_failed_fsync_stores_nothing_and_keeps_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The data files' fsyncs run beside the ingest; one that fails (a full disk) must stop
    the commit: the stored rows stay as they were, the report says nothing was stored, and
    no file of the failed ingest is left behind."""
    import errno

    from equity import store_writer

    store = tmp_path / "store"
    ingest_paths([TINY_KS4], store)
    before = read_manifest(store)
    files_before = {p.relative_to(store) for p in store.rglob("*.parquet")}

    def full_disk(path: Path) -> None:
        if "results" in path.parts:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_writer, "fsync", full_disk)
    report = ingest_paths([TINY_KS2], store)
    assert not report.ingested
    assert "not stored" in report.text()
    assert "No space left on device" in report.text()
    assert read_manifest(store).equals(before)
    monkeypatch.undo()
    vacuum(store)
    assert {p.relative_to(store) for p in store.rglob("*.parquet")} == files_before
