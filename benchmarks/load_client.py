"""The load benchmark's websocket client: one session as a browser would drive it over
Streamlit's protocol, many sessions in sequence or as an open model, and the /proc readings
the verdicts need. Why a protocol client and not browsers: benchmarks/load_bench.py."""

from __future__ import annotations

import asyncio
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LA_WIDGET_SUFFIX = "-filter_la"


# --------------------------------------------------------------------------- /proc


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (fields 14 and 15 of /proc/<pid>/stat), in seconds."""
    with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def descendants(root: int) -> list[int]:
    """Every process below `root` (children, their children, ...), from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def yield_cpu(pids: list[int]) -> None:
    """Run `pids` under SCHED_IDLE: they then take only CPU time the processes under test
    leave. For the load phase's Chromium, which stands in for a user's own machine: on the
    benchmark machine it shares a CPU with a replica, and a page load's burst of work would
    otherwise be charged to the server's response times. (Not `nice`: Chromium, run as
    root, sets its renderers' niceness back; it leaves their scheduling policy alone.)"""
    for pid in pids:
        try:
            os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))
        except (ProcessLookupError, PermissionError):
            continue


def split_cpus() -> tuple[frozenset[int], frozenset[int]] | None:
    """(the server's CPUs, the load generator's): the first half of this process's CPUs (at
    least one) for the server under test, the rest for the load client and Chromium, so the
    generator never takes the server's CPU time (on 2 cores it otherwise took a share that
    grew with the rate). None with a single CPU: nothing to split."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return None
    if len(cpus) < 2:
        return None
    half = max(1, len(cpus) // 2)
    return frozenset(cpus[:half]), frozenset(cpus[half:])


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


async def load_page(base_url: str, cookie: str | None = None) -> str | None:
    """A browser's first request, `GET /`, read to the end; it fails (raises) as a page
    load fails: refused, or not 200. Returns the value the response sets for the cookie
    named `cookie` (behind nginx, the session's replica), None if it sets none or none is
    asked for."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    try:
        writer.write(
            f"GET / HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        await reader.read()  # the page itself, as a browser reads it
    finally:
        writer.close()
    status = head.split(" ", 2)[1] if " " in head else "?"
    if status != "200":
        raise RuntimeError(f"GET / answered {status}")
    for line in head.split("\r\n")[1:]:
        field, _, value = line.partition(":")
        if cookie and field.strip().lower() == "set-cookie":
            name, _, rest = value.strip().partition("=")
            if name == cookie:
                return rest.split(";", 1)[0]
    return None


async def run_session(
    base_url: str,
    plan: Plan,
    proto: Wire,
    *,
    timeout: float = 120,
    sticky_cookie: str | None = None,
    offset_s: float = 0.0,
) -> SessionResult:
    """One session: the page, then its websocket (first run, the plan's filter changes,
    close). `sticky_cookie`: behind nginx, the cookie the page's response sets, sent with
    the websocket. Never raises: a failure (refused, timed out, an exception box, a compile
    error) is the result's error."""
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    result = SessionResult(offset_s=offset_s)
    url = base_url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
    headers = {}
    started = time.perf_counter()

    async def body() -> None:
        # As a browser: the page first (behind nginx, its response names the replica in
        # a cookie the browser then sends with every request), then the websocket.
        value = await load_page(base_url, sticky_cookie)
        if sticky_cookie:
            if value is None:
                raise LookupError(f"the first response set no {sticky_cookie} cookie")
            headers["Cookie"] = f"{sticky_cookie}={value}"
        async with connect(
            url,
            subprotocols=[Subprotocol("streamlit")],
            additional_headers=headers,
            max_size=None,
            # Straight to the server under test: no look for proxy settings in the
            # environment on every connect (~1 ms of the client's CPU a session, on the
            # core the second replica shares).
            proxy=None,
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
