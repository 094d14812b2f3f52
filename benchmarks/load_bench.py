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
import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
P95_FACTOR = 2.5
MEMORY_TOLERANCE = 0.10
LA_WIDGET_SUFFIX = "-filter_la"


# --------------------------------------------------------------------------- /proc


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (fields 14 and 15 of /proc/<pid>/stat), in seconds."""
    with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- one session


@dataclass(frozen=True)
class Plan:
    """What one session does: open the app on `first` (query string), then pick the
    Authority options for each code in `changes`, one rerun each."""

    first: str
    changes: tuple[str, ...]


@dataclass
class SessionResult:
    offset_s: float  # when it was due to start, from the step's start
    total_ms: float | None = None  # connect to the last run's script_finished
    runs_ms: list[float] = field(default_factory=list)
    error: str | None = None


def option_for(options: list[str], code: str) -> str:
    """The Authority option for an LA code: "Manchester (352)" in the app, "LA 352" in the
    empty app (its labels when no profile is given)."""
    for label in options:
        if label.endswith(f"({code})") or label == f"LA {code}" or label == code:
            return label
    raise LookupError(f"no Authority option for {code}")


class Wire:
    """The few protobuf messages a session needs (imported lazily: streamlit is heavy)."""

    def __init__(self) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.back = BackMsg
        self.forward = ForwardMsg

    def rerun(self, query: str, widget: tuple[str, str] | None = None) -> bytes:
        msg = self.back()
        state = msg.rerun_script
        state.query_string = query
        if widget is not None:
            entry = state.widget_states.widgets.add()
            entry.id, entry.string_value = widget
        data: bytes = msg.SerializeToString()
        return data


@dataclass
class _Run:
    finished: int | None = None  # script_finished status
    exception: str | None = None
    la_widget: tuple[str, list[str]] | None = None
    query: str | None = None


async def _read_run(ws: Any, proto: Wire) -> _Run:
    """ForwardMsgs up to the end of a run (script_finished 0 or 1; 2 means "stopped for
    another rerun" and is not the end)."""
    run = _Run()
    while True:
        msg = proto.forward()
        msg.ParseFromString(await ws.recv())
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which == "exception" and run.exception is None:
                run.exception = f"{element.exception.type}: {element.exception.message[:200]}"
            elif which == "selectbox" and element.selectbox.id.endswith(LA_WIDGET_SUFFIX):
                run.la_widget = (element.selectbox.id, list(element.selectbox.options))
        elif kind == "page_info_changed":
            run.query = msg.page_info_changed.query_string
        elif kind == "script_finished" and msg.script_finished in (0, 1):
            run.finished = msg.script_finished
            return run


async def run_session(
    base_url: str,
    plan: Plan,
    proto: Wire,
    *,
    timeout: float = 120,
    sticky_cookie: str | None = None,
    offset_s: float = 0.0,
) -> SessionResult:
    """One session: connect, page view, the plan's filter changes, close. Never raises:
    a failure (refused, timed out, an exception box, a compile error) is the result's
    error."""
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    result = SessionResult(offset_s=offset_s)
    url = base_url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
    headers = {}
    if sticky_cookie:  # as a browser would carry nginx's cookie: a replica per session
        headers["Cookie"] = f"{sticky_cookie}={uuid.uuid4().hex}"
    started = time.perf_counter()

    async def body() -> None:
        async with connect(
            url,
            subprotocols=[Subprotocol("streamlit")],
            additional_headers=headers,
            max_size=None,
        ) as ws:
            query = plan.first
            widget: tuple[str, str] | None = None
            la_widget: tuple[str, list[str]] | None = None
            for step in range(1 + len(plan.changes)):
                if step > 0:
                    if la_widget is None:
                        raise LookupError("the page drew no Authority selectbox (filter_la)")
                    widget = (la_widget[0], option_for(la_widget[1], plan.changes[step - 1]))
                run_started = time.perf_counter()
                await ws.send(proto.rerun(query, widget))
                run = await _read_run(ws, proto)
                result.runs_ms.append((time.perf_counter() - run_started) * 1000)
                if run.exception:
                    raise RuntimeError(f"exception box: {run.exception}")
                if run.finished == 1:
                    raise RuntimeError("script compile error")
                la_widget = run.la_widget or la_widget
                query = run.query if run.query is not None else query

    try:
        await asyncio.wait_for(body(), timeout)
        result.total_ms = (time.perf_counter() - started) * 1000
    except Exception as exc:  # noqa: BLE001 - every failure is a counted error
        kind = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
        result.error = f"{kind}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
    return result


# --------------------------------------------------------------------------- many sessions


def plans(codes: list[str], count: int) -> list[Plan]:
    """Session i opens codes[i] and changes to the next two codes (cyclically)."""
    n = len(codes)
    return [
        Plan(f"la={codes[i % n]}", (codes[(i + 1) % n], codes[(i + 2) % n])) for i in range(count)
    ]


async def sequential(
    base_url: str, session_plans: list[Plan], *, timeout: float, sticky_cookie: str | None
) -> list[SessionResult]:
    proto = Wire()
    out = []
    for plan in session_plans:
        out.append(
            await run_session(base_url, plan, proto, timeout=timeout, sticky_cookie=sticky_cookie)
        )
    return out


async def open_model(
    base_url: str,
    rate: float,
    duration: float,
    codes: list[str],
    *,
    timeout: float,
    sticky_cookie: str | None = None,
) -> list[SessionResult]:
    """Sessions due at 0, 1/R, 2/R, ... < duration, each started on time whatever the
    others are doing; returns once every one has finished or timed out."""
    proto = Wire()
    count = max(1, math.ceil(duration * rate))
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for index, plan in enumerate(plans(codes, count)):
        due = index / rate
        delay = start + due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(
            asyncio.create_task(
                run_session(
                    base_url,
                    plan,
                    proto,
                    timeout=timeout,
                    sticky_cookie=sticky_cookie,
                    offset_s=due,
                )
            )
        )
    return list(await asyncio.gather(*tasks))


# --------------------------------------------------------------------------- verdicts


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), as numpy's default."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Step:
    """One rate, run for a bounded time, and its verdict."""

    rate: float
    sessions: int
    errors: int
    p50_ms: float | None
    p95_ms: float | None
    baseline_ms: float
    rss_start_mb: float
    rss_end_mb: float
    cpu_s: float
    wall_s: float
    first_error: str | None = None
    browser: dict[str, Any] = field(default_factory=dict)
    cpu_each_s: list[float] = field(default_factory=list)

    @property
    def p95_ratio(self) -> float | None:
        return None if self.p95_ms is None else self.p95_ms / self.baseline_ms

    @property
    def memory_ratio(self) -> float:
        return self.rss_end_mb / self.rss_start_mb

    @property
    def passed(self) -> bool:
        return step_passes(
            self.sessions - self.errors,
            self.errors,
            self.p95_ms,
            self.baseline_ms,
            self.rss_start_mb,
            self.rss_end_mb,
        )

    def why(self) -> str:
        reasons = []
        if self.errors:
            reasons.append(f"{self.errors} error(s), first: {self.first_error}")
        if self.p95_ratio is None or self.p95_ratio > P95_FACTOR:
            ratio = "-" if self.p95_ratio is None else f"{self.p95_ratio:.2f}x"
            reasons.append(f"p95 {ratio} the single-session median")
        if self.memory_ratio > 1 + MEMORY_TOLERANCE:
            reasons.append(f"RSS {self.rss_start_mb:.0f} -> {self.rss_end_mb:.0f} MB")
        return "; ".join(reasons) or "pass"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(p95_ratio=self.p95_ratio, memory_ratio=self.memory_ratio, passed=self.passed)
        return out


def step_passes(
    finished: int,
    errors: int,
    p95_ms: float | None,
    baseline_ms: float,
    rss_start_mb: float,
    rss_end_mb: float,
) -> bool:
    """The capacity rule: sessions finished, 0 errors, p95 <= 2.5x the single-session
    median, RSS back within 10% of its start once the sessions closed."""
    return (
        finished > 0
        and errors == 0
        and p95_ms is not None
        and p95_ms <= P95_FACTOR * baseline_ms
        and rss_end_mb <= (1 + MEMORY_TOLERANCE) * rss_start_mb
    )


def summarise_step(
    rate: float,
    results: list[SessionResult],
    baseline_ms: float,
    rss_start_mb: float,
    rss_end_mb: float,
    cpu_s: float,
    wall_s: float,
) -> Step:
    times = [r.total_ms for r in results if r.error is None and r.total_ms is not None]
    errors = [r.error for r in results if r.error is not None]
    return Step(
        rate=rate,
        sessions=len(results),
        errors=len(errors),
        p50_ms=statistics.median(times) if times else None,
        p95_ms=percentile(times, 95),
        baseline_ms=baseline_ms,
        rss_start_mb=rss_start_mb,
        rss_end_mb=rss_end_mb,
        cpu_s=cpu_s,
        wall_s=wall_s,
        first_error=errors[0] if errors else None,
    )


def search_capacity(
    run_step: Callable[[float], bool],
    start: float,
    probes: int,
    *,
    ceiling: float | None = None,
    grow: float = 1.5,
) -> tuple[float, list[tuple[float, bool]]]:
    """The highest passing rate found in `probes` steps: from `start`, up by `grow` while
    steps pass (not past `ceiling`), then bisect between the best pass and the lowest
    failure. (0.0 when nothing passed.) Returns (capacity, [(rate, passed), ...])."""
    best = 0.0
    failed: float | None = None
    tried: list[tuple[float, bool]] = []
    rate = start
    for _ in range(probes):
        ok = run_step(rate)
        tried.append((rate, ok))
        if ok:
            best = max(best, rate)
        else:
            failed = rate if failed is None else min(failed, rate)
        if failed is None:
            rate = rate * grow if ceiling is None else min(rate * grow, ceiling)
            if tried and math.isclose(rate, tried[-1][0]):
                break  # at the ceiling and it passed
        else:
            rate = (best + failed) / 2 if best else failed / 2
    return best, tried


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
    sticky_cookie: str | None = None  # sent with a random value per session (nginx)
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


def _sequential(url: str, count: int, settings: LoadSettings) -> list[SessionResult]:
    return in_thread(
        lambda: sequential(
            url,
            plans(settings.codes, count),
            timeout=settings.timeout_s,
            sticky_cookie=settings.sticky_cookie,
        )
    )


def warm(deployment: Deployment, settings: LoadSettings) -> list[str]:
    """One session per code on every app process: the caches the sessions use fill, so a
    step measures the steady state and its memory is not confused with a cache growing."""
    errors = []
    for url in deployment.direct_urls():
        errors += [r.error for r in _sequential(url, len(settings.codes), settings) if r.error]
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
        _sequential(url, 1, settings)


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
