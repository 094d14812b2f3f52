"""Reruns after a filter change, in AppTest and in headless Chromium, each against a
render-floor app and an empty app; websocket bytes per page load and filter change.

A phase of `python3 -m benchmarks` (benchmarks/__main__.py runs them in turn)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from benchmarks import apptest_bench
from benchmarks.pages import ROOT, Page
from benchmarks.phases.common import expectation, la_labels, log, rerun_metric
from benchmarks.report import Metric, Target, median

BYTES_TARGET = Target("<", 1024.0, on="value")  # KB


def record_profiles(
    pages: list[Page], sequences: dict[str, list[str]], workdir: Path
) -> tuple[Path, dict[str, Any], dict[str, str], dict[str, Any]]:
    """Open each page once after a first filter change and record what it draws."""
    profiles: dict[str, Any] = {}
    labels: dict[str, str] = {}
    first_runs: dict[str, Any] = {}
    for page in pages:
        run = apptest_bench.time_reruns(
            apptest_bench.app_script(),
            sequences[page.path][:1],
            page=page.path,
            capture_profile=True,
        )
        labels = labels or la_labels(run.options)
        profiles[page.stem] = {"title": run.title, "elements": run.profile}
        first_runs[page.stem] = {"first_run_ms": run.first_run_ms, "error": run.error}
        counts = apptest_bench.summarise(run.profile)
        log(f"  {page.path}: first run {run.first_run_ms or 0:,.0f} ms; {counts} {run.error or ''}")
    path = workdir / "profiles.json"
    apptest_bench.write_profiles(path, profiles, labels)
    os.environ[apptest_bench.PROFILE_ENV] = str(path)
    return path, profiles, labels, first_runs


def run_apptest(
    pages: list[Page], sequences: dict[str, list[str]]
) -> tuple[list[Metric], dict[str, Any]]:
    """Per page: the app, its render floor and the empty app, changed LA by LA in turn."""
    metrics = []
    detail: dict[str, Any] = {}
    for page in pages:
        runs = apptest_bench.interleaved(
            {
                "app": apptest_bench.AppRun(apptest_bench.app_script(), page=page.path),
                "floor": apptest_bench.AppRun(apptest_bench.FLOOR_APP, query={"page": page.stem}),
                "empty": apptest_bench.AppRun(apptest_bench.EMPTY_APP),
            },
            sequences[page.path],
        )
        app, floor, empty = runs["app"], runs["floor"], runs["empty"]
        log(
            f"  {page.stem}: app {[round(t) for t in app.times_ms]} ms, floor "
            f"{[round(t) for t in floor.times_ms]} ms, empty "
            f"{[round(t) for t in empty.times_ms]} ms {app.error or floor.error or ''}"
        )
        metrics.append(
            rerun_metric(
                f"rerun, AppTest: {page.title}",
                app.times_ms,
                floor.times_ms,
                empty.times_ms,
                app.error or floor.error or empty.error,
            )
        )
        detail[page.stem] = {
            "la_sequence": sequences[page.path],
            "app_ms": app.times_ms,
            "floor_ms": floor.times_ms,
            "empty_ms": empty.times_ms,
            "app_first_run_ms": app.first_run_ms,
            "error": app.error,
            "floor_error": floor.error,
        }
    return metrics, detail


def run_browser(
    pages: list[Page],
    sequences: dict[str, list[str]],
    labels: dict[str, str],
    profiles: dict[str, Any],
    env: dict[str, str],
) -> tuple[list[Metric], dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    from benchmarks.browser_bench import Expect, Server, Session, launch, run_pages

    reruns: list[Metric] = []
    sizes: list[Metric] = []
    detail: dict[str, Any] = {}
    with (
        sync_playwright() as playwright,
        Server(ROOT / "app.py", env).start() as app_server,
        Server(apptest_bench.FLOOR_APP, env).start() as floor_server,
        Server(apptest_bench.EMPTY_APP, env).start() as empty_server,
    ):
        for server in (app_server, floor_server, empty_server):
            server.wait_healthy()
        browser = launch(playwright)
        try:
            if pages and pages[0].url_path:
                # A fresh server whose first request is a page URL runs that page alone
                # (Streamlit's pages-folder mode, as app.py sits beside pages/; see the
                # README): open the router once first, untimed.
                warm = Session(browser)
                warm.load(app_server.url, Expect())
                warm.close()
            for page in pages:
                expect = expectation(profiles[page.stem]["elements"])
                runs = run_pages(
                    browser,
                    {
                        "app": (f"{app_server.url}/{page.url_path}", expect),
                        "floor": (f"{floor_server.url}/?page={page.stem}", expect),
                        "empty": (empty_server.url, Expect(marker="empty-app-ready")),
                    },
                    [labels.get(code, code) for code in sequences[page.path]],
                )
                app, floor, empty = runs["app"], runs["floor"], runs["empty"]
                log(
                    f"  {page.stem}: load {app.load_ms or 0:,.0f} ms; app "
                    f"{[round(t) for t in app.times_ms]} ms, floor "
                    f"{[round(t) for t in floor.times_ms]} ms, empty "
                    f"{[round(t) for t in empty.times_ms]} ms {app.error or floor.error or ''}"
                )
                reruns.append(
                    rerun_metric(
                        f"rerun, browser: {page.title}",
                        app.times_ms,
                        floor.times_ms,
                        empty.times_ms,
                        app.error or floor.error or empty.error,
                    )
                )
                change = median([float(b) for b in app.change_bytes])
                floor_change = median([float(b) for b in floor.change_bytes])
                for what, value, floor_value in (
                    ("page load", app.load_bytes, floor.load_bytes),
                    ("filter change", change, floor_change),
                ):
                    sizes.append(
                        Metric(
                            name=f"bytes, {what}: {page.title}",
                            value=None if value is None else value / 1024,
                            unit="KB",
                            floor=None if floor_value is None else floor_value / 1024,
                            floor_name="render floor",
                            target=BYTES_TARGET,
                            error=app.error,
                        )
                    )
                detail[page.stem] = {
                    "app_ms": app.times_ms,
                    "floor_ms": floor.times_ms,
                    "empty_ms": empty.times_ms,
                    "load_ms": app.load_ms,
                    "load_bytes": app.load_bytes,
                    "change_bytes": app.change_bytes,
                    "floor_load_bytes": floor.load_bytes,
                    "floor_change_bytes": floor.change_bytes,
                    "error": app.error,
                    "floor_error": floor.error,
                }
        finally:
            browser.close()
    return reruns + sizes, detail
