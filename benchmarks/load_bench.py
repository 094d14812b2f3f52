"""Open-model load: sessions arrive at a steady rate, spoken to over Streamlit's websocket.

A browser would measure itself (tried with 20 Chromium contexts on 2 cores, the browsers
took the CPU, not the server), so each session here is a small client that speaks the
protocol the browser speaks: it opens `/_stcore/stream`, sends a `BackMsg` rerun request
(the page view: the query string `la=<code>`), reads `ForwardMsg`s until the run's
`script_finished`, then changes the sidebar Authority twice (a rerun request carrying the
new value of the `filter_la` selectbox widget, whose id and options it read from the
page's own deltas) and waits for each run to finish. No think time, no sleeps: a session
is its three runs back to back, and its time is connect to the third `script_finished`.

An open model: session i starts at i / R seconds whether or not earlier ones have finished,
for `duration` seconds. A step at rate R passes when every session finished without an
error, the 95th percentile session time is <= 2.5x the median of the same session run
alone, and the server's settled RSS after the sessions closed is within 10% of its RSS
before the step. Capacity is the highest passing R found by `search_capacity`; the CPU
limit is the server's cores over its CPU seconds per session (measured on the sessions run
alone, from /proc/<pid>/stat), so capacity / CPU limit says how much of the machine the
server turns into sessions under concurrency.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

# The client and the verdicts live in their own modules; re-exported so callers keep one import.
from benchmarks.load_client import LA_WIDGET_SUFFIX as LA_WIDGET_SUFFIX
from benchmarks.load_client import Plan as Plan
from benchmarks.load_client import SessionResult as SessionResult
from benchmarks.load_client import Wire as Wire
from benchmarks.load_client import cpu_seconds as cpu_seconds
from benchmarks.load_client import descendants as descendants
from benchmarks.load_client import open_model as open_model
from benchmarks.load_client import option_for as option_for
from benchmarks.load_client import plans as plans
from benchmarks.load_client import run_session as run_session
from benchmarks.load_client import sequential as sequential
from benchmarks.load_client import split_cpus as split_cpus
from benchmarks.load_client import usable_cores as usable_cores
from benchmarks.load_client import yield_cpu as yield_cpu
from benchmarks.load_verdicts import MEMORY_TOLERANCE as MEMORY_TOLERANCE
from benchmarks.load_verdicts import P95_FACTOR as P95_FACTOR
from benchmarks.load_verdicts import Step as Step
from benchmarks.load_verdicts import percentile as percentile
from benchmarks.load_verdicts import search_capacity as search_capacity
from benchmarks.load_verdicts import step_passes as step_passes
from benchmarks.load_verdicts import summarise_step as summarise_step

T = TypeVar("T")


# --------------------------------------------------------------------------- deployments


class Deployment(Protocol):
    """What the load phase needs of one process or of replicas behind nginx."""

    @property
    def url(self) -> str: ...

    def direct_urls(self) -> list[str]:
        """Each app process's own URL (for warming and sweeping every replica)."""
        ...

    def app_pids(self) -> list[int]: ...

    def settled_rss_mb(self) -> float:
        """Resident memory of the app processes, summed, once it has stopped moving."""
        ...


@dataclass
class LoadSettings:
    codes: list[str]  # the LAs sessions cycle through
    duration_s: float  # arrivals per step stop after this
    probes: int  # steps per capacity search
    timeout_s: float = 120.0  # a session not finished by then is an error
    baseline_sessions: int = 0  # sessions run alone for the median (default: one per code)
    sticky_cookie: str | None = None  # nginx's cookie: taken from `GET /`, then sent
    session_ttl_s: float = 5.0  # the servers' server.disconnectedSessionTTL


@dataclass
class Baseline:
    median_ms: float
    cpu_per_session_s: float
    times_ms: list[float]
    runs_ms: list[list[float]]
    errors: list[str]


def in_thread(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to the end on its own event loop in a new thread: Playwright's sync
    API holds an event loop in the calling thread, where asyncio.run is refused."""
    holder: dict[str, Any] = {}

    def target() -> None:
        try:
            holder["value"] = asyncio.run(make())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            holder["error"] = exc

    thread = threading.Thread(target=target, name="load-client", daemon=True)
    thread.start()
    thread.join()
    if "error" in holder:
        raise holder["error"]
    value: T = holder["value"]
    return value


def _sequential(
    url: str, count: int, settings: LoadSettings, *, direct: bool = False
) -> list[SessionResult]:
    """`count` sessions one after the other; `direct`: to one app process's own URL, where
    no nginx sets a sticky cookie."""
    return in_thread(
        lambda: sequential(
            url,
            plans(settings.codes, count),
            timeout=settings.timeout_s,
            sticky_cookie=None if direct else settings.sticky_cookie,
        )
    )


def warm(deployment: Deployment, settings: LoadSettings) -> list[str]:
    """One session per code on every app process: the caches the sessions use fill, so a
    step measures the steady state and its memory is not confused with a cache growing."""
    errors = []
    for url in deployment.direct_urls():
        sessions = _sequential(url, len(settings.codes), settings, direct=True)
        errors += [r.error for r in sessions if r.error]
    return errors


def baseline(deployment: Deployment, settings: LoadSettings) -> Baseline:
    """Sessions one at a time (after `warm`): their median time is the p95 rule's yardstick
    and their server CPU seconds, per session, give the CPU limit."""
    count = settings.baseline_sessions or len(settings.codes)
    cpu_before = sum(cpu_seconds(pid) for pid in deployment.app_pids())
    results = _sequential(deployment.url, count, settings)
    cpu = sum(cpu_seconds(pid) for pid in deployment.app_pids()) - cpu_before
    times = [r.total_ms for r in results if r.error is None and r.total_ms is not None]
    return Baseline(
        median_ms=statistics.median(times) if times else math.nan,
        cpu_per_session_s=cpu / count,
        times_ms=times,
        runs_ms=[r.runs_ms for r in results],
        errors=[r.error for r in results if r.error],
    )


def cpu_limit(cores: int, cpu_per_session_s: float) -> float:
    """Sessions per second the server's cores could serve if concurrency cost nothing."""
    return cores / cpu_per_session_s if cpu_per_session_s > 0 else math.inf


def sweep(deployment: Deployment, settings: LoadSettings) -> None:
    """Let the closed sessions go: Streamlit keeps a disconnected session for
    server.disconnectedSessionTTL seconds (up to 128 of them) in case its browser
    reconnects, and drops expired ones when another session disconnects. Wait out the TTL,
    then open and close one session on every process."""
    time.sleep(settings.session_ttl_s + 0.5)
    for url in deployment.direct_urls():
        _sequential(url, 1, settings, direct=True)


def run_step(
    deployment: Deployment,
    rate: float,
    settings: LoadSettings,
    baseline_ms: float,
    browser_probe: Callable[[], dict[str, Any]] | None = None,
) -> Step:
    """Sessions arriving at `rate` for `duration_s` (in a thread with its own event loop),
    with an optional real-browser visit a third of the way in, then the memory check."""
    rss_start = deployment.settled_rss_mb()
    pids = deployment.app_pids()
    cpu_start = [cpu_seconds(pid) for pid in pids]
    holder: dict[str, list[SessionResult]] = {}

    def drive() -> None:
        holder["results"] = asyncio.run(
            open_model(
                deployment.url,
                rate,
                settings.duration_s,
                settings.codes,
                timeout=settings.timeout_s,
                sticky_cookie=settings.sticky_cookie,
            )
        )

    started = time.perf_counter()
    thread = threading.Thread(target=drive, name=f"load-{rate:.2f}", daemon=True)
    thread.start()
    browser: dict[str, Any] = {}
    if browser_probe is not None:
        thread.join(timeout=settings.duration_s / 3)
        if thread.is_alive():
            browser = browser_probe()
    thread.join(timeout=settings.duration_s + settings.timeout_s + 60)
    wall = time.perf_counter() - started
    cpu_each = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu_start, strict=True)]
    cpu = sum(cpu_each)
    results = holder.get("results")
    if results is None:  # the driver itself failed or hung: every due session is an error
        due = max(1, math.ceil(settings.duration_s * rate))
        results = [SessionResult(offset_s=i / rate, error="load driver failed") for i in range(due)]
    sweep(deployment, settings)
    rss_end = deployment.settled_rss_mb()
    step = summarise_step(rate, results, baseline_ms, rss_start, rss_end, cpu, wall)
    step.browser = browser
    step.cpu_each_s = [round(c, 2) for c in cpu_each]  # per process: replicas share the work?
    return step


def find_capacity(
    deployment: Deployment,
    settings: LoadSettings,
    start: float,
    baseline_ms: float,
    *,
    browser_probe: Callable[[], dict[str, Any]] | None = None,
    log: Callable[[str], None] = print,
) -> tuple[float, list[Step]]:
    steps: list[Step] = []

    def probe(rate: float) -> bool:
        step = run_step(deployment, rate, settings, baseline_ms, browser_probe)
        steps.append(step)
        p95 = "-" if step.p95_ratio is None else f"{step.p95_ratio:.2f}x"
        log(
            f"    {rate:.2f} sessions/s: {step.sessions} sessions, {step.errors} errors, "
            f"p50 {step.p50_ms or 0:,.0f} ms, p95 {step.p95_ms or 0:,.0f} ms ({p95}), RSS "
            f"{step.rss_start_mb:.0f} -> {step.rss_end_mb:.0f} MB, server CPU {step.cpu_s:.1f} s"
            f" {step.cpu_each_s}"
            f" in {step.wall_s:.1f} s: {'PASS' if step.passed else 'FAIL (' + step.why() + ')'}"
        )
        return step.passed

    capacity, _ = search_capacity(probe, start, settings.probes)
    return capacity, steps


class OneProcess:
    """One `streamlit run` process (benchmarks.browser_bench.Server) as a Deployment."""

    def __init__(self, server: Any) -> None:
        self.server = server

    @property
    def url(self) -> str:
        return str(self.server.url)

    def direct_urls(self) -> list[str]:
        return [self.url]

    def app_pids(self) -> list[int]:
        return [self.server.process.pid]

    def settled_rss_mb(self) -> float:
        return float(self.server.settled_rss_mb())


class Replicas:
    """Several Servers behind one nginx (benchmarks.replicas.Nginx) as a Deployment."""

    def __init__(self, servers: list[Any], proxy: Any) -> None:
        self.servers = servers
        self.proxy = proxy

    @property
    def url(self) -> str:
        return str(self.proxy.url)

    def direct_urls(self) -> list[str]:
        return [str(s.url) for s in self.servers]

    def app_pids(self) -> list[int]:
        return [s.process.pid for s in self.servers]

    def settled_rss_mb(self) -> float:
        return float(sum(s.settled_rss_mb() for s in self.servers))
