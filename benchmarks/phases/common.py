"""Pieces every phase shares: the log line, LA labels, what a page should draw, and
the rerun metric against its floors.

A phase of `python3 -m benchmarks` (benchmarks/__main__.py runs them in turn)."""

from __future__ import annotations

import re
from typing import Any

from benchmarks.report import Metric, Target, median

RERUN_TARGET = Target("<=", 1.5)


def log(text: str) -> None:
    print(text, flush=True)


def precompile() -> None:
    """Byte-compile the app's packages, as deploy/Dockerfile does at build time.

    Why: a machine that sets PYTHONDONTWRITEBYTECODE (this one does, as does the image)
    never caches bytecode, so without this every server the benchmark starts would compile
    `components/` and `equity/` again on its first visits, a cost a deployed replica does
    not pay. Streamlit compiles app.py and pages/ itself, in the app and the floors alike."""
    import compileall

    from benchmarks.pages import ROOT

    for package in ("components", "equity"):
        compileall.compile_dir(ROOT / package, quiet=1)
    log("Byte-compiled components/ and equity/ (as deploy/Dockerfile does)")


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
