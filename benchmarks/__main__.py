"""`python3 -m benchmarks [--quick] [--out FILE]`: the national-scale benchmark suite.

Builds a national-scale store in a temporary folder (benchmarks/storegen.py), then
measures, each as the median of repeated runs in this one process run:

1. rerun time after a filter change on every page of app.PAGES, in AppTest and in
   headless Chromium, against an empty app and a render-floor app (target <= 1.5x floor);
2. first visit to each page (a sidebar click, the page's caches cold) in Chromium against
   a page switch in a two-page empty app (target <= 3x);
3. cold start to the first chart on Overview against an empty app's (target <= 1.5x);
4. ingest throughput of an all-England KS4 file against pandas.read_csv + to_parquet
   (target >= 1x), and the time to build the embedded store from data/sources;
5. server memory for one session and per extra session (target < 10 MB);
6. websocket bytes per page load and per filter change (target < 1 MB);
7. load as an open model over Streamlit's websocket protocol: capacity of one process
   against its CPU limit (target >= 0.6x), and of 2 replicas behind nginx against one
   process (target >= 1.6x).

Prints a table and the machine, writes the JSON (benchmarks/results/latest.json).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import apptest_bench, ingest_bench, memory_bench, report, storegen
from benchmarks.pages import ROOT, Page, app_pages
from benchmarks.report import Metric, Target, median

RESULTS = Path(__file__).resolve().parent / "results"
EMPTY_PAGES_APP = apptest_bench.APPS / "empty_pages.py"
RERUN_TARGET = Target("<=", 1.5)
COLD_TARGET = Target("<=", 1.5)
INGEST_TARGET = Target(">=", 1.0)  # against read_csv + to_parquet (issue 16)
FIRST_VISIT_TARGET = Target("<=", 3.0)
CAPACITY_TARGET = Target(">=", 0.6)  # capacity / CPU limit
REPLICA_TARGET = Target(">=", 1.6)  # 2 replicas' capacity / one process's
REPLICAS = 2
MEMORY_TARGET = Target("<", 10.0, on="value")
BYTES_TARGET = Target("<", 1024.0, on="value")  # KB
PHASES = ("apptest", "browser", "firstvisit", "cold", "memory", "ingest", "load")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="small scale: 16 LAs x 3 years")
    parser.add_argument("--out", type=Path, help="JSON results (default results/latest.json)")
    parser.add_argument("--store", type=Path, help="build (or reuse, if built) the store here")
    parser.add_argument("--repeats", type=int, help="timed reruns per page (default 5, quick 3)")
    parser.add_argument("--cold-repeats", type=int, help="cold starts per app (default 5)")
    parser.add_argument("--pages", help="comma-separated page stems (default: every page)")
    parser.add_argument(
        "--first-visit-repeats", type=int, help="cold first visits per page (default 3, quick 1)"
    )
    parser.add_argument(
        "--load-seconds", type=float, help="arrivals per load step (default 60 s, quick 10 s)"
    )
    parser.add_argument(
        "--load-probes", type=int, help="rates tried per capacity search (default 4, quick 2)"
    )
    parser.add_argument(
        "--only", help=f"comma-separated phases of {', '.join(PHASES)} (default: all)"
    )
    return parser.parse_args(argv)


def log(text: str) -> None:
    print(text, flush=True)


# --------------------------------------------------------------------------- pieces


def la_labels(options: list[str]) -> dict[str, str]:
    """{code: label} from the Authority selectbox's labels ("Manchester (352)")."""
    labels: dict[str, str] = {}
    for label in options:
        match = re.search(r"\((\d{3})\)\s*$", label)
        labels[match.group(1) if match else "GM"] = label
    return labels


def expectation(profile: list[dict[str, Any]], marker: str = "") -> Any:
    from benchmarks.browser_bench import Expect

    def visible(entry: dict[str, Any]) -> bool:
        return (entry.get("group") or {}).get("type") != "expander"

    return Expect(
        charts=sum(1 for e in profile if e["kind"] == "vega_lite_chart" and visible(e)),
        maps=sum(1 for e in profile if e["kind"] == "deck_gl_json_chart" and visible(e)),
        marker=marker,
    )


def rerun_metric(
    name: str, value: list[float], floor: list[float], empty: list[float], error: str | None
) -> Metric:
    metric = Metric(
        name=name,
        value=median(value),
        unit="ms",
        floor=median(floor),
        floor_name="render floor",
        target=RERUN_TARGET,
        samples=value,
        floor_samples=floor,
        error=error,
    )
    empty_ms = median(empty)
    if empty_ms and metric.value is not None:
        metric.second_floor = empty_ms
        metric.second_floor_name = "empty app"
    return metric


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


def run_cold(
    env: dict[str, str], repeats: int, overview: dict[str, Any]
) -> tuple[Metric, dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    from benchmarks.browser_bench import Expect, cold_start_ms, launch

    app_ms: list[float] = []
    empty_ms: list[float] = []
    error = None
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for _ in range(repeats):  # alternate, so both see the same machine state
                empty_ms.append(
                    cold_start_ms(
                        browser, apptest_bench.EMPTY_APP, env, Expect(marker="empty-app-ready")
                    )
                )
                app_ms.append(cold_start_ms(browser, ROOT / "app.py", env, None))
                log(f"  cold start: app {app_ms[-1]:,.0f} ms, empty app {empty_ms[-1]:,.0f} ms")
        except Exception as exc:  # noqa: BLE001
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        finally:
            browser.close()
    del overview
    metric = Metric(
        name="cold start to first chart: Overview",
        value=median(app_ms),
        unit="ms",
        floor=median(empty_ms),
        floor_name="empty app",
        target=COLD_TARGET,
        detail="runs (app / empty app, ms): "
        + ", ".join(f"{a:,.0f} / {e:,.0f}" for a, e in zip(app_ms, empty_ms, strict=False)),
        samples=app_ms,
        floor_samples=empty_ms,
        error=error,
    )
    return metric, {"app_ms": app_ms, "empty_ms": empty_ms}


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


def run_first_visits(
    pages: list[Page],
    profiles: dict[str, Any],
    env: dict[str, str],
    repeats: int,
    la_label: str | None,
) -> tuple[list[Metric], dict[str, Any]]:
    """Each page's first visit on a new server (a sidebar click from the default page,
    drawn first; for the default page, a click back to it from the last page after a new
    Authority), interleaved with page switches in the two-page empty app."""
    from playwright.sync_api import sync_playwright

    from benchmarks.browser_bench import (
        EMPTY_PAGES_READY,
        Expect,
        Server,
        Session,
        first_visit_ms,
        launch,
    )

    everything = app_pages()
    samples: dict[str, list[float]] = {page.stem: [] for page in pages}
    errors: dict[str, str] = {}
    floor_ms: list[float] = []
    with sync_playwright() as playwright, Server(EMPTY_PAGES_APP, env).start() as empty:
        empty.wait_healthy()
        browser = launch(playwright)
        floor = Session(browser)
        on_b = False

        def switch() -> float:
            nonlocal on_b
            title, marker = ("Empty A", EMPTY_PAGES_READY[0])
            if not on_b:
                title, marker = ("Empty B", EMPTY_PAGES_READY[1])
            on_b = not on_b
            return floor.navigate(title, Expect(marker=marker))[0]

        try:
            floor.load(empty.url, Expect(marker=EMPTY_PAGES_READY[0]))
            switch()  # warm-up, untimed
            for _ in range(repeats):
                for page in pages:
                    expect = expectation(profiles.get(page.stem, {}).get("elements", []))
                    try:
                        if page == everything[0]:
                            ms = first_visit_ms(
                                browser,
                                ROOT / "app.py",
                                env,
                                page.title,
                                expect,
                                via=everything[-1].title,
                                la_label=la_label,
                            )
                        else:
                            ms = first_visit_ms(browser, ROOT / "app.py", env, page.title, expect)
                        samples[page.stem].append(ms)
                    except Exception as exc:  # noqa: BLE001 - the row shows it
                        first_line = str(exc).splitlines()[0][:160] if str(exc) else ""
                        errors[page.stem] = f"{type(exc).__name__}: {first_line}"
                        ms = float("nan")
                    floor_ms.append(switch())
                    log(
                        f"  {page.stem}: first visit {ms:,.0f} ms, "
                        f"empty page switch {floor_ms[-1]:,.0f} ms {errors.get(page.stem, '')}"
                    )
        finally:
            floor.close()
            browser.close()
    metrics = [
        Metric(
            name=f"first visit (sidebar click, caches cold): {page.title}",
            value=median(samples[page.stem]),
            unit="ms",
            floor=median(floor_ms),
            floor_name="empty app page switch",
            target=FIRST_VISIT_TARGET,
            samples=samples[page.stem],
            floor_samples=floor_ms,
            error=errors.get(page.stem),
        )
        for page in pages
    ]
    return metrics, {"app_ms": samples, "floor_ms": floor_ms, "errors": errors}


def load_codes(scale: storegen.Scale, count: int = 6) -> list[str]:
    """The LAs load sessions cycle through: Greater Manchester's first, as users' are."""
    gm = [c for c in storegen.GREATER_MANCHESTER if c in scale.la_codes]
    rest = [c for c in scale.la_codes if c not in gm]
    return (gm + rest)[:count]


def run_load(
    env: dict[str, str],
    codes: list[str],
    labels: dict[str, str],
    profile: list[dict[str, Any]],
    seconds: float,
    probes: int,
    workdir: Path,
) -> tuple[list[Metric], dict[str, Any]]:
    """Capacity of one process against its CPU limit, then of replicas behind nginx
    against one process, with one Chromium session timed during every step."""
    from playwright.sync_api import sync_playwright

    from benchmarks import load_bench, replicas
    from benchmarks.browser_bench import Server, Session, launch

    ttl = 5.0
    args = (f"--server.disconnectedSessionTTL={ttl:g}",)
    settings = load_bench.LoadSettings(
        codes=codes,
        duration_s=seconds,
        probes=probes,
        baseline_sessions=2 * len(codes),
        session_ttl_s=ttl,
    )
    cores = load_bench.usable_cores()
    expect = expectation(profile)
    detail: dict[str, Any] = {"codes": codes, "cores": cores, "seconds": seconds}

    with sync_playwright() as playwright:
        browser = launch(playwright)

        def browser_probe(url: str) -> Any:
            visits = {"n": 0}

            def probe() -> dict[str, Any]:
                """One real user: open Overview on an LA, change the Authority once."""
                visits["n"] += 1
                code = codes[visits["n"] % len(codes)]
                other = codes[(visits["n"] + 1) % len(codes)]
                session = Session(browser)
                try:
                    load_ms, _ = session.load(f"{url}/?la={code}", expect)
                    change_ms, _ = session.change_filter(labels.get(other, other), expect)
                    return {"load_ms": load_ms, "change_ms": change_ms}
                except Exception as exc:  # noqa: BLE001 - recorded, the step goes on
                    return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"}
                finally:
                    session.close()

            return probe

        try:
            # ---- one process
            with Server(ROOT / "app.py", env, args).start() as server:
                server.wait_healthy()
                one = load_bench.OneProcess(server)
                warm_errors = load_bench.warm(one, settings)
                base = load_bench.baseline(one, settings)
                limit = load_bench.cpu_limit(cores, base.cpu_per_session_s)
                probe = browser_probe(one.url)
                quiet = probe()
                log(
                    f"  1 process: single session median {base.median_ms:,.0f} ms "
                    f"({base.cpu_per_session_s:.3f} CPU s each; CPU limit {limit:.2f} "
                    f"sessions/s on {cores} cores); browser alone {quiet}"
                )
                capacity, steps = 0.0, list[load_bench.Step]()
                if not (warm_errors or base.errors):
                    capacity, steps = load_bench.find_capacity(
                        one, settings, 0.6 * limit, base.median_ms, browser_probe=probe, log=log
                    )
            detail["one"] = {
                "warm_errors": warm_errors,
                "baseline": base.__dict__,
                "cpu_limit": limit,
                "capacity": capacity,
                "browser_alone": quiet,
                "steps": [s.to_json() for s in steps],
            }
            # ---- replicas behind nginx
            capacity_n, steps_n = 0.0, list[load_bench.Step]()
            base_n: load_bench.Baseline | None = None
            quiet_n: dict[str, Any] = {}
            error_n: str | None = None
            if not replicas.nginx_available():
                error_n = "nginx not installed (apt-get install nginx)"
            else:
                servers = [Server(ROOT / "app.py", env, args) for _ in range(REPLICAS)]
                try:
                    for each in servers:
                        each.start()
                    for each in servers:
                        each.wait_healthy()
                    with replicas.Nginx(
                        [f"127.0.0.1:{s.port}" for s in servers], workdir / "nginx"
                    ).start() as proxy:
                        many = load_bench.Replicas(servers, proxy)
                        sticky = load_bench.LoadSettings(
                            **{**settings.__dict__, "sticky_cookie": replicas.STICKY_COOKIE}
                        )
                        warm_n = load_bench.warm(many, sticky)
                        base_n = load_bench.baseline(many, sticky)
                        probe_n = browser_probe(many.url)
                        quiet_n = probe_n()
                        log(
                            f"  {REPLICAS} replicas behind nginx: single session median "
                            f"{base_n.median_ms:,.0f} ms; browser alone {quiet_n}"
                        )
                        if warm_n or base_n.errors:
                            error_n = (warm_n + base_n.errors)[0]
                        else:
                            start = 1.6 * capacity if capacity else 0.6 * limit
                            capacity_n, steps_n = load_bench.find_capacity(
                                many,
                                sticky,
                                start,
                                base_n.median_ms,
                                browser_probe=probe_n,
                                log=log,
                            )
                finally:
                    for each in servers:
                        each.stop()
            detail["replicas"] = {
                "count": REPLICAS,
                "baseline": None if base_n is None else base_n.__dict__,
                "capacity": capacity_n,
                "browser_alone": quiet_n,
                "steps": [s.to_json() for s in steps_n],
                "error": error_n,
            }
        finally:
            browser.close()

    def tried(steps: list[Any]) -> str:
        return ", ".join(
            f"{s.rate:.2f}/s {'pass' if s.passed else 'fail: ' + s.why()}" for s in steps
        )

    one_error = next(iter(warm_errors + base.errors), None)
    metrics = [
        Metric(
            name="load: capacity of 1 process (open model, sessions/s)",
            value=capacity,
            unit="sessions/s",
            floor=limit,
            floor_name=f"CPU limit ({cores} cores / {base.cpu_per_session_s:.3f} CPU s)",
            target=CAPACITY_TARGET,
            detail=f"single session {base.median_ms:,.0f} ms; tried {tried(steps)}",
            error=one_error,
        ),
        Metric(
            name=f"load: capacity of {REPLICAS} replicas behind nginx (sessions/s)",
            value=capacity_n if error_n is None else None,
            unit="sessions/s",
            floor=capacity or None,
            floor_name="1 process",
            target=REPLICA_TARGET,
            detail=f"tried {tried(steps_n)}",
            error=error_n,
        ),
    ]
    at_capacity = next((s for s in steps if s.passed and s.rate == capacity), None)
    if at_capacity is not None and "load_ms" in at_capacity.browser and "load_ms" in quiet:
        for what in ("load", "change"):
            metrics.append(
                Metric(
                    name=f"load: Chromium {'page load' if what == 'load' else 'filter change'}"
                    " on Overview at 1 process's capacity",
                    value=at_capacity.browser.get(f"{what}_ms"),
                    unit="ms",
                    floor=quiet[f"{what}_ms"],
                    floor_name="the same with no load",
                )
            )
    return metrics, detail


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    phases = set(args.only.split(",")) if args.only else set(PHASES)
    unknown = phases - set(PHASES)
    if unknown:
        raise SystemExit(f"unknown phase(s) {sorted(unknown)}: use {', '.join(PHASES)}")
    scale = storegen.scale_for("quick" if args.quick else "national")
    repeats = args.repeats or (3 if args.quick else 5)
    cold_repeats = args.cold_repeats or (1 if args.quick else 5)
    out_path = args.out or RESULTS / ("quick.json" if args.quick else "latest.json")
    machine = report.machine()
    log(report.machine_text(machine))
    log(f"Scale {scale.describe()}")

    workdir = Path(tempfile.mkdtemp(prefix="equity-bench-"))
    store = args.store or workdir / "store"
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "scale": scale.describe(),
        "repeats": repeats,
        "workdir": str(workdir),
    }
    try:
        marker = store / "bench-scale.json"
        if args.store and marker.is_file() and json.loads(marker.read_text()) == scale.describe():
            log(f"Reusing the store at {store}")
            results["store"] = storegen.store_summary(store)
        else:
            log(f"Building the store at {store}")
            store.parent.mkdir(parents=True, exist_ok=True)
            results["store"] = storegen.build_store(store, scale, log=log)
            marker.write_text(json.dumps(scale.describe()))
        env = {
            "EQUITY_STORE": str(store),
            "EQUITY_USER_STORE": str(workdir / "user-store"),
        }
        os.environ.update(env)

        pages = app_pages()
        if args.pages:
            wanted = set(args.pages.split(","))
            pages = [p for p in pages if p.stem in wanted]
        per_page = repeats + 1
        sequences = apptest_bench.la_sequences(
            pages, list(scale.la_codes), per_page, exclude=tuple(storegen.GREATER_MANCHESTER)
        )
        metrics: list[Metric] = []
        profiles: dict[str, Any] = {}
        labels: dict[str, str] = {}
        if phases & {"apptest", "browser", "firstvisit", "cold", "memory", "load"}:
            log("Page profiles (AppTest)")
            profile_file, profiles, labels, results["first_runs"] = record_profiles(
                pages, sequences, workdir
            )
            env[apptest_bench.PROFILE_ENV] = str(profile_file)
            results["profiles"] = {
                stem: apptest_bench.summarise(p["elements"]) for stem, p in profiles.items()
            }
        bytes_metrics: list[Metric] = []
        if "apptest" in phases:
            log("Reruns in AppTest (app, render floor, empty app in turn)")
            apptest_metrics, results["apptest"] = run_apptest(pages, sequences)
            metrics += apptest_metrics
        if "browser" in phases:
            log("Reruns in Chromium (app, render floor, empty app in turn)")
            browser_metrics, results["browser"] = run_browser(
                pages, sequences, labels, profiles, env
            )
            metrics += [m for m in browser_metrics if m.name.startswith("rerun")]
            bytes_metrics = [m for m in browser_metrics if not m.name.startswith("rerun")]
        if "firstvisit" in phases:
            log("First visit to each page (Chromium, new server per visit)")
            first_metrics, results["first_visit"] = run_first_visits(
                pages,
                profiles,
                env,
                args.first_visit_repeats or (1 if args.quick else 3),
                next((labels[c] for c in load_codes(scale)[1:] if c in labels), None),
            )
            metrics += first_metrics
        if "cold" in phases:
            log("Cold start")
            metric, results["cold_start"] = run_cold(
                env, cold_repeats, profiles.get("overview", {})
            )
            metrics.append(metric)
        if "ingest" in phases:
            log("Ingest")
            ingest_metrics, results["ingest"] = run_ingest(workdir, repeats=repeats)
            metrics += ingest_metrics
            metric, results["ingest_memory"] = memory_bench.metric(workdir)
            metrics.append(metric)
        if "memory" in phases:
            log("Memory")
            overview = profiles.get("overview", {}).get("elements", [])
            memory_metrics, results["memory"] = run_memory(env, overview)
            metrics += memory_metrics
        if "load" in phases:
            log("Load (open model over the websocket protocol; 1 process, then replicas)")
            overview = profiles.get("overview", {}).get("elements", [])
            load_metrics, results["load"] = run_load(
                env,
                load_codes(scale),
                labels,
                overview,
                args.load_seconds or (10.0 if args.quick else 60.0),
                args.load_probes or (2 if args.quick else 4),
                workdir,
            )
            metrics += load_metrics
        metrics += bytes_metrics
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # a --store outside it is kept

    results["metrics"] = [m.to_json() for m in metrics]
    results["summary"] = report.summary_counts(metrics)
    results["duration_s"] = round(time.perf_counter() - started, 1)
    results["table"] = report.table(metrics)
    notes = [f"- {m.name}: {m.detail}" for m in metrics if m.detail]
    if notes:
        results["table"] += "\n\n" + "\n".join(notes)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    log("")
    log(f"Results ({scale.describe()}; {results['duration_s']} s; {out_path})")
    log(results["table"])
    log(report.machine_text(machine))
    log(", ".join(f"{k}: {v}" for k, v in sorted(results["summary"].items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
