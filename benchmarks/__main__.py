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
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import apptest_bench, memory_bench, report, storegen
from benchmarks.pages import app_pages
from benchmarks.phases.common import la_labels as la_labels
from benchmarks.phases.common import log, precompile
from benchmarks.phases.load import load_codes as load_codes
from benchmarks.phases.load import run_load
from benchmarks.phases.reruns import record_profiles, run_apptest, run_browser
from benchmarks.phases.resources import run_ingest, run_memory
from benchmarks.phases.startup import run_cold, run_first_visits
from benchmarks.report import Metric

RESULTS = Path(__file__).resolve().parent / "results"
PHASES = ("apptest", "browser", "firstvisit", "cold", "memory", "ingest", "load")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="small scale: 16 LAs x 3 years")
    parser.add_argument("--out", type=Path, help="JSON results (default results/latest.json)")
    parser.add_argument("--store", type=Path, help="build (or reuse, if built) the store here")
    parser.add_argument("--repeats", type=int, help="timed reruns per page (default 9, quick 3)")
    parser.add_argument("--cold-repeats", type=int, help="cold starts per app (default 5)")
    parser.add_argument("--pages", help="comma-separated page stems (default: every page)")
    parser.add_argument(
        "--first-visit-repeats", type=int, help="cold first visits per page (default 5, quick 1)"
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


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    phases = set(args.only.split(",")) if args.only else set(PHASES)
    unknown = phases - set(PHASES)
    if unknown:
        raise SystemExit(f"unknown phase(s) {sorted(unknown)}: use {', '.join(PHASES)}")
    scale = storegen.scale_for("quick" if args.quick else "national")
    repeats = args.repeats or (3 if args.quick else 9)
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
        precompile()
        results["answers_ahead"] = storegen.answers_ahead(store, log=log)

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
                args.first_visit_repeats or (1 if args.quick else 5),
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
