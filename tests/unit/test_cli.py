"""The command line contract: `python -m equity ingest` and `indicators`, run as users run them.

Other tools script against this output, so the tests go through a real subprocess: exit codes,
summary lines, stderr messages and the JSON. Expected figures are taken from the raw DfE files
in the test (LAIT's long table, the Surrey KS4 performance table read with pandas), never
from the store under test, and the segregation indices are recomputed by hand from the CSV.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import polars as pl
import pytest

from equity.ingest.registry import IGNORED_NAMES
from equity.ingest.runner import DATA_SUFFIXES, source_name
from equity.store import read_manifest

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
#: Bad inputs the runner refuses cleanly today (damaged.zip is tested on its own below).
BAD_FILES = ("empty.csv", "not_dfe.csv", "workbook_saved_as.csv", "not_data.zip", "bomb.zip")
YEAR_SPELLINGS = ("2018-19", "2018-2019", "2018/19", "201819")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"EQUITY_STORE", "EQUITY_USER_STORE"}}
    return subprocess.run(
        [sys.executable, "-m", "equity", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def data_files(folder: Path) -> list[Path]:
    """The files the ingest should read: what the runner's folder walk keeps."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not IGNORED_NAMES.search(p.name) and p.suffix.lower() in DATA_SUFFIXES
    )


@pytest.fixture(scope="module")
def ingested(
    sources: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    store = tmp_path_factory.mktemp("cli") / "store"
    return store, run_cli("ingest", str(sources), "--store", str(store))


@pytest.fixture(scope="module")
def store(ingested: tuple[Path, subprocess.CompletedProcess[str]]) -> Path:
    path, proc = ingested
    assert proc.returncode == 0, proc.stderr
    return path


def indicators(store: Path, *args: str) -> dict[str, Any]:
    proc = run_cli("indicators", "--store", str(store), *args, "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    answer: dict[str, Any] = json.loads(proc.stdout)
    return answer


# --------------------------------------------------------------------------- ingest


def test_ingest_reads_every_source_file_and_accounts_for_every_row(
    ingested: tuple[Path, subprocess.CompletedProcess[str]], sources: Path
) -> None:
    store, proc = ingested
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    # Each file is reported and stored under its name, or its path from a year folder.
    # DfE's column dictionaries of the census and destinations downloads (meta-*/) are not a
    # kind the app reads: each is skipped on a line of its own, the rest still read.
    files = data_files(sources)
    dictionaries = [p for p in files if p.parent.name.startswith("meta-")]
    expected = {
        source_name(PurePosixPath(*p.relative_to(sources).parts))
        for p in files
        if p not in dictionaries
    }
    ok = {line.split()[1].rstrip(":") for line in lines if line.startswith("OK ")}
    assert ok == expected
    skipped = [line for line in lines if line.startswith("SKIPPED")]
    assert len(skipped) == len(dictionaries)
    assert all("not a file kind Equity Explorer knows" in line for line in skipped)
    assert f"{len(expected)} file(s) ingested, {len(dictionaries)} skipped." in lines
    assert lines[-1] == f"store: {store}"

    manifest = read_manifest(store)
    assert set(manifest["source"]) == expected
    for row in manifest.iter_rows(named=True):
        assert row["rows_read"] == row["rows_stored"] + row["rows_rejected"], row["source"]
        summary = next(line for line in lines if line.startswith(f"OK       {row['source']}:"))
        assert (
            f"rows read {row['rows_read']}, stored {row['rows_stored']}, "
            f"rejected {row['rows_rejected']}" in summary
        )
    # Every rejected row is stored with its reason, and the counts agree with the manifest.
    rejected_files = list((store / "rejected").glob("*.parquet"))
    rejected = pl.concat([pl.read_parquet(p) for p in rejected_files]) if rejected_files else None
    for source, count in manifest.select("source", "rows_rejected").iter_rows():
        stored = 0 if rejected is None else rejected.filter(pl.col("source") == source).height
        assert stored == count, source
    if rejected is not None:
        assert rejected["reason"].null_count() == 0


def test_ingest_of_only_bad_files_exits_2_with_one_line_per_file(tmp_path: Path) -> None:
    store = tmp_path / "store"
    proc = run_cli("ingest", *(str(BAD / name) for name in BAD_FILES), "--store", str(store))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    errors = proc.stderr.splitlines()
    assert errors and all(line.startswith("error: ") for line in errors)
    # One line per file; a zip's members are files of their own.
    named = {
        "empty.csv": "empty.csv",
        "not_dfe.csv": "not_dfe.csv",
        "workbook_saved_as.csv": "workbook_saved_as.csv",
        "notes.docx": "notes.docx",
        "picture.png": "picture.png",
        "bomb.zip": "zip bomb",
    }
    for name, phrase in named.items():
        hits = [line for line in errors if name in line]
        assert len(hits) == 1, (name, errors)
        assert phrase in hits[0]
    assert len(errors) == len(named)
    assert "0 file(s) ingested" in proc.stdout
    assert not (store / "manifest.parquet").exists()


def test_damaged_zip_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    proc = run_cli("ingest", str(BAD / "damaged.zip"), "--store", str(tmp_path / "store"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: damaged.zip")


# --------------------------------------------------------------------------- indicators


@pytest.fixture(scope="module")
def surrey(store: Path) -> dict[str, Any]:
    return indicators(store, "--la", "936", "--year", "2018-19", "--phase", "secondary")


@pytest.fixture(scope="module")
def surrey_csv(sources: Path) -> pd.DataFrame:
    return pd.read_csv(
        sources / "performance-tables" / "2018-2019_936_ks4final.csv",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )


def test_indicators_names_the_selection(surrey: dict[str, Any]) -> None:
    assert surrey["la"] == "936"
    assert surrey["la_name"] == "Surrey"
    assert surrey["year"] == "2018/19"
    assert surrey["phase"] == "secondary"


def test_published_attainment8_is_lait_and_the_la_row(
    surrey: dict[str, Any], sources: Path, surrey_csv: pd.DataFrame
) -> None:
    lait = pl.read_parquet(sources / "lait" / "bds_long_0.parquet").filter(
        (pl.col("LA Number") == 936) & (pl.col("Years") == "2019")
    )
    published = dict(lait.select("Short Desc", "Values").iter_rows())
    att8 = surrey["published"]["ks4_attainment8"]
    assert att8["disadvantaged"] == round(float(published["DAP_KS4_ATT8"]), 1)
    assert att8["other"] == round(float(published["NonDAP_KS4_ATT8"]), 1)
    # The same figures as the LA's own row (RECTYPE 4) of the performance table.
    (la_row,) = surrey_csv[surrey_csv["RECTYPE"] == "4"].to_dict("records")
    assert att8["disadvantaged"] == float(la_row["ATT8SCR_FSM6CLA1A"])
    assert att8["other"] == float(la_row["ATT8SCR_NFSM6CLA1A"])
    assert att8["all"] == float(la_row["ATT8SCR"])


def test_segregation_equals_a_hand_calculation_from_the_csv(
    surrey: dict[str, Any], surrey_csv: pd.DataFrame
) -> None:
    schools = surrey_csv[surrey_csv["RECTYPE"].isin(["1", "2"])].copy()
    schools["F"] = pd.to_numeric(schools["TFSM6CLA1A"], errors="coerce")
    schools["N"] = pd.to_numeric(schools["TNOTFSM6CLA1A"], errors="coerce")
    schools = schools.dropna(subset=["F", "N"])
    schools["T"] = schools["F"] + schools["N"]
    schools = schools[schools["T"] > 0]
    f, n, t = schools["F"].sum(), schools["N"].sum(), schools["T"].sum()
    gorard = 0.5 * (schools["F"] / f - schools["T"] / t).abs().sum()
    dissimilarity = 0.5 * (schools["F"] / f - schools["N"] / n).abs().sum()
    isolation = ((schools["F"] / f) * (schools["F"] / schools["T"])).sum()
    # The identity in the metrics docstring holds for the hand figures too.
    assert gorard == pytest.approx((1 - f / t) * dissimilarity, abs=1e-12)

    seg = surrey["segregation"]
    assert seg["basis"] == "ks4_cohort"
    assert seg["gorard"] == pytest.approx(gorard, abs=1e-12)
    assert seg["dissimilarity"] == pytest.approx(dissimilarity, abs=1e-12)
    assert seg["isolation"] == pytest.approx(isolation, abs=1e-12)
    assert surrey["schools"] == {"count": len(schools), "pupils": int(t), "disadvantaged": int(f)}
    assert 0.05 < gorard < 0.5  # a sanity range for an English LA


@pytest.mark.parametrize("spelling", YEAR_SPELLINGS)
def test_every_year_spelling_gives_the_same_answer(
    store: Path, surrey: dict[str, Any], spelling: str
) -> None:
    answer = indicators(store, "--la", "936", "--year", spelling, "--phase", "secondary")
    assert answer == surrey


def test_unknown_la_exits_2_listing_what_is_available(store: Path) -> None:
    proc = run_cli(
        "indicators", "--store", str(store), "--la", "999", "--year", "2018-19",
        "--phase", "secondary", "--json",
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("error: unknown local authority '999'")
    assert "known, e.g." in line and "301 Barking and Dagenham" in line


def test_unknown_year_exits_2_listing_the_years(store: Path) -> None:
    proc = run_cli(
        "indicators", "--store", str(store), "--la", "936", "--year", "2030-31",
        "--phase", "secondary",
    )  # fmt: skip
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    assert line.startswith("error: no data for 2030/31")
    assert "available years are" in line and "2018/19" in line


def test_not_a_year_exits_2_with_the_accepted_spellings(store: Path) -> None:
    proc = run_cli(
        "indicators", "--store", str(store), "--la", "936", "--year", "last year",
        "--phase", "secondary",
    )  # fmt: skip
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    assert "2018-19, 2018-2019, 2018/19 or 201819" in line


def test_manchester_secondary_uses_the_census(store: Path) -> None:
    answer = indicators(store, "--la", "352", "--year", "2018-19", "--phase", "secondary")
    assert answer["la_name"] == "Manchester"
    seg = answer["segregation"]
    assert seg["basis"] == "census"
    assert all(0 < seg[k] < 1 for k in ("gorard", "dissimilarity", "isolation"))
    assert answer["schools"]["count"] > 20


def test_embedded_store_gives_the_same_answers_as_a_fresh_build(
    store: Path, surrey: dict[str, Any]
) -> None:
    """data/store is what a fresh ingest of data/sources produces (for the CLI's answers)."""
    embedded = ROOT / "data" / "store"
    for la, phase in (("936", "secondary"), ("352", "secondary"), ("850", "primary")):
        fresh = indicators(store, "--la", la, "--year", "2018-19", "--phase", phase)
        shipped = indicators(embedded, "--la", la, "--year", "2018-19", "--phase", phase)
        assert shipped == fresh, la


def test_a_bad_zip_in_a_folder_does_not_hide_the_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    tiny = ROOT / "tests" / "data" / "performance_tables" / "2018-2019_999_ks4final.csv"
    (folder / tiny.name).write_bytes(tiny.read_bytes())
    (folder / "bomb.zip").write_bytes((BAD / "bomb.zip").read_bytes())
    proc = run_cli("ingest", str(folder), "--store", str(tmp_path / "store"))
    assert proc.returncode == 0
    assert f"OK       {tiny.name}:" in proc.stdout
    assert "SKIPPED  bomb.zip" in proc.stdout


# --------------------------------------------------------------------------- one file alone


def _fresh(tmp_path: Path, file: Path) -> Path:
    """A store into which only `file` was ingested (from its year folder, as downloaded)."""
    store = tmp_path / "store"
    proc = run_cli("ingest", str(file), "--store", str(store))
    assert proc.returncode == 0, proc.stderr
    return store


def _census_by_hand(csv_path: Path, la: str, school_type: str) -> dict[str, float]:
    """The census-basis indices from the CSV with pandas: F = NUMFSMEVER, T = NORFSMEVER."""
    raw = pd.read_csv(csv_path, dtype=str, encoding="utf-8-sig")
    rows = raw[(raw["LA"] == la) & (raw["SCHOOLTYPE"] == school_type)]
    f = pd.to_numeric(rows["NUMFSMEVER"], errors="coerce")
    t = pd.to_numeric(rows["NORFSMEVER"], errors="coerce")
    keep = f.notna() & t.notna() & (t > 0)
    f, t = f[keep], t[keep]
    n = t - f
    return {
        "schools": float(keep.sum()),
        "gorard": 0.5 * float((f / f.sum() - t / t.sum()).abs().sum()),
        "dissimilarity": 0.5 * float((f / f.sum() - n / n.sum()).abs().sum()),
        "isolation": float((f / f.sum() * f / t).sum()),
    }


def test_census_year_alone_gives_census_basis_indices(sources: Path, tmp_path: Path) -> None:
    """Done when (issue 17): Manchester's state-funded secondaries, January 2024 census."""
    census = sources / "performance-downloads" / "2023-2024" / "england_census.csv"
    store = _fresh(tmp_path, census)
    proc = run_cli(
        "indicators", "--la", "352", "--year", "2023-24", "--phase", "secondary", "--json",
        "--store", str(store),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["la_name"] == "Manchester"  # from the shipped LA list: no LAIT here
    assert answer["year"] == "2023/24"
    assert answer["basis"] == "census"
    seg = answer["segregation"]
    assert seg["basis"] == "census" and "January 2024" in seg["basis_detail"]
    expected = _census_by_hand(census, "352", "State-funded secondary")
    assert answer["schools"]["count"] == expected["schools"] == 32
    for index in ("gorard", "dissimilarity", "isolation"):
        assert seg[index] == pytest.approx(expected[index], abs=1e-9)
    assert answer["breaks"] == []


def test_destinations_cohort_alone_gives_the_la_row(sources: Path, tmp_path: Path) -> None:
    """Done when (issue 17): Manchester's 2021/22 cohort, 89 / 85 / 93 from the LA row."""
    dest = sources / "performance-downloads" / "2023-2024" / "england_ks4-pupdest.csv"
    store = _fresh(tmp_path, dest)
    proc = run_cli(
        "indicators", "--la", "352", "--year", "2021-22", "--phase", "secondary", "--json",
        "--store", str(store),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    sustained = answer["published"]["ks4_sustained_destination_pct"]
    assert (sustained["all"], sustained["disadvantaged"], sustained["other"]) == (89, 85, 93)
    assert sustained["cohort"] == "2021/22"
    assert answer["segregation"] is None and answer["basis"] == "none"
    # England's own row of the same file: 93 / 86 / 96.
    england = run_cli(
        "indicators", "--la", "england", "--year", "2021-22", "--phase", "secondary",
        "--json", "--store", str(store),
    )  # fmt: skip
    assert england.returncode == 0, england.stderr
    national = json.loads(england.stdout)["published"]["ks4_sustained_destination_pct"]
    assert (national["all"], national["disadvantaged"], national["other"]) == (93, 86, 96)


def test_one_performance_table_alone_knows_its_la(sources: Path, tmp_path: Path) -> None:
    """Before issue 17 this answered "unknown local authority '936' (0 known, ...)"."""
    store = _fresh(tmp_path, sources / "performance-tables" / "2018-2019_936_ks4final.csv")
    proc = run_cli(
        "indicators", "--la", "936", "--year", "2018-19", "--phase", "secondary", "--json",
        "--store", str(store),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["la_name"] == "Surrey"
    assert answer["segregation"]["basis"] == "ks4_cohort"


def test_a_census_year_on_a_series_break_says_so(store: Path) -> None:
    proc = run_cli(
        "indicators", "--la", "352", "--year", "2020-21", "--phase", "secondary", "--json",
        "--store", str(store),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["segregation"]["basis"] == "census"
    census_breaks = [b for b in answer["breaks"] if b["series"] == "census"]
    assert census_breaks and census_breaks[0]["kind"] == "break"
    assert "census_segregation" in census_breaks[0]["measures"]
    sustained = answer["published"]["ks4_sustained_destination_pct"]
    # Cohort 2020/21 from its latest release (2023-2024, _22 columns): 91 / 88 / 94.
    assert (sustained["all"], sustained["disadvantaged"], sustained["other"]) == (91, 88, 94)
