"""Server memory per session and ingest throughput against pandas.

A phase of `python3 -m benchmarks` (benchmarks/__main__.py runs them in turn)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks import ingest_bench
from benchmarks.pages import ROOT
from benchmarks.phases.common import expectation, log
from benchmarks.report import Metric, Target, median

INGEST_TARGET = Target(">=", 1.0)  # against read_csv + to_parquet (issue 16)
MEMORY_TARGET = Target("<", 10.0, on="value")


def run_memory(
    env: dict[str, str], profile: list[dict[str, Any]]
) -> tuple[list[Metric], dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    from benchmarks.browser_bench import launch, memory_per_session

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            result = memory_per_session(
                browser, ROOT / "app.py", env, expectation(profile), (1, 5, 10)
            )
        finally:
            browser.close()
    points = dict(result["points"])
    log(f"  memory: idle {result['idle_mb']:.0f} MB, {points}, slope {result['slope_mb']}")
    metrics = [
        Metric(
            name="server RSS, one session on Overview",
            value=points.get(1),
            unit="MB",
            floor=result["idle_mb"],
            floor_name="idle server",
        ),
        Metric(
            name="server RSS per extra session",
            value=result["slope_mb"],
            unit="MB",
            target=MEMORY_TARGET,
            detail=", ".join(f"{n} sessions: {mb:.0f} MB" for n, mb in result["points"]),
        ),
    ]
    return metrics, result


def run_ingest(work: Path, repeats: int) -> tuple[list[Metric], dict[str, Any]]:
    result = ingest_bench.measure(work, repeats=repeats)
    log(
        f"  ingest: {result['ingest_rows_per_s']:,.0f} rows/s, pandas.read_csv + to_parquet "
        f"{result['pandas_store_rows_per_s']:,.0f} rows/s, read_csv alone "
        f"{result['pandas_rows_per_s']:,.0f} rows/s ({result['rows']} rows, {result['file_mb']} MB)"
    )
    metric = Metric(
        name=f"ingest: all-England KS4 ({result['rows']:,} rows x {result['columns']} cols)",
        value=result["ingest_rows_per_s"],
        unit="rows/s",
        floor=result["pandas_store_rows_per_s"],
        floor_name="pandas.read_csv + to_parquet",
        second_floor=result["pandas_rows_per_s"],
        second_floor_name="pandas.read_csv",
        target=INGEST_TARGET,
        detail=(
            f"{result['file_mb']} MB CSV -> {result['result_rows_stored']:,} result rows; "
            f"ingest_paths median {median(result['ingest_s']) or 0:.2f} s, "
            f"read_csv + to_parquet {median(result['pandas_store_s']) or 0:.2f} s, "
            f"pandas.read_csv {median(result['pandas_s']) or 0:.2f} s"
        ),
        samples=result["ingest_s"],
        floor_samples=result["pandas_store_s"],
    )
    build = ingest_bench.build_embedded_store(work)
    result["embedded_store"] = build
    log(
        f"  embedded store from data/sources: {build['seconds']:.1f} s, {build['files']} files"
        f" ({build['sources_mb']} MB), {build['failures']} failures"
    )
    whole = Metric(
        name="ingest: build the embedded store from data/sources",
        value=build["seconds"],
        unit="s",
        detail=(
            f"{build['files']} files, {build['sources_mb']} MB of sources -> "
            f"{build['result_rows']:,} result rows"
        ),
        error=build["failure_text"][:200] or None,
    )
    return [metric, whole], result
