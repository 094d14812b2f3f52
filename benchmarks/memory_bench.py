"""Peak memory of one ingest against the file's size (issue 14: at most 3x the file).

`python3 -m benchmarks.memory_bench [--copies N] [--out FILE]` (default 16 copies: ~172 MB,
the size of the upload the issue measured; `--copies 40` is ~430 MB)

The file: the all-England 2018/19 KS4 file of `ingest_bench` (the real ~500-column layout,
~5,500 schools, ~11 MB) with its school rows repeated `copies` times under new URNs (the
same shift storegen uses between years), so that `--copies 10` is ~108 MB. The ingest runs
in a fresh process (`python3 -m equity ingest FILE --store EMPTY`); its peak resident
memory comes from `getrusage(RUSAGE_CHILDREN)`, and the same for a process that only
imports the ingest (what a Python process with polars costs before it reads a byte).
Printed: file MB, peak RSS MB, the ingest's own peak (peak - baseline) and both ratios.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from benchmarks.report import Metric, Target
from benchmarks.storegen import (
    load_templates,
    national_la_codes,
    performance_frame,
    school_identities,
)
from equity.store import EMBEDDED_SOURCES

ROOT = Path(__file__).resolve().parents[1]
KS4_YEAR = "2018/19"
#: Issue 14: an ingest's peak memory at most 3x the file's size.
MEMORY_TARGET = Target("<=", 3.0, on="value")


def write_large_ks4(out_dir: Path, copies: int, sources: Path = EMBEDDED_SOURCES) -> Path:
    """The all-England KS4 file with its school rows `copies` times (distinct URNs)."""
    template = {t.year: t for t in load_templates(sources, "ks4")}[KS4_YEAR]
    codes = national_la_codes(sources)
    identities = school_identities(sources, codes, "ks4")
    frames = [performance_frame(template, identities, codes, k) for k in range(copies)]
    schools = [f.filter(pl.col("RECTYPE").is_in(["1", "2"])) for f in frames]
    others = frames[0].filter(~pl.col("RECTYPE").is_in(["1", "2"]))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "2018-2019_england_ks4final.csv"
    pl.concat([*schools, others], how="vertical").write_csv(path)
    return path


#: Runs its arguments as a child and prints the child's peak RSS in KB. A child forked from
#: this (large) process would start its count at this process's size, and ru_maxrss
#: survives exec: so the measured process is a grandchild forked from this small one.
_WRAPPER = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
    "capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def _peak_mb(args: list[str]) -> float:
    """Peak resident memory (MB) of a fresh process running `args`."""
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *args], cwd=ROOT, check=True, capture_output=True
    )
    return int(proc.stdout.split()[-1]) / 1024


def measure(work: Path, copies: int = 16) -> dict[str, Any]:
    path = write_large_ks4(work / "src", copies)
    file_mb = path.stat().st_size / 1e6
    baseline = _peak_mb(
        [sys.executable, "-c", "import equity.ingest.runner, equity.store, deltalake"]
    )
    peak = _peak_mb(
        [sys.executable, "-m", "equity", "ingest", str(path), "--store", str(work / "store")]
    )
    return {
        "file_mb": round(file_mb, 1),
        "copies": copies,
        "baseline_rss_mb": round(baseline, 1),
        "peak_rss_mb": round(peak, 1),
        "peak_over_file": round(peak / file_mb, 2),
        "ingest_over_file": round((peak - baseline) / file_mb, 2),
    }


def metric(work: Path, copies: int = 16) -> tuple[Metric, dict[str, Any]]:
    """The benchmark suite's row: peak RSS over file size (the process's whole peak, so
    the ~120 MB an idle Python with polars costs weighs more on a small file)."""
    result = measure(work, copies)
    return (
        Metric(
            name=f"ingest peak memory / file size ({result['file_mb']} MB KS4 CSV)",
            value=result["peak_over_file"],
            unit="x file",
            target=MEMORY_TARGET,
            detail=(
                f"peak RSS {result['peak_rss_mb']} MB for a {result['file_mb']} MB file; "
                f"a process importing the ingest alone peaks at {result['baseline_rss_mb']} MB "
                f"(ingest's own share {result['ingest_over_file']}x the file)"
            ),
        ),
        result,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=16, help="school rows repeated N times")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="equity-memory-bench-") as tmp:
        result = measure(Path(tmp), args.copies)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
