"""Load as an open model over Streamlit's websocket protocol: one process's capacity
against its CPU limit, and replicas behind nginx against one process.

The server under test and the load generator (the websocket client and Chromium) run on
separate CPUs (load_client.split_cpus: on 2 cores, one each), so the CPU limit counts the
cores the server can use and the generator's own work never delays the server. Replica i
runs on CPU i (round robin): on 2 cores the second replica shares its core with the
generator, which this row's ratio therefore understates. The Chromium that times a real
user alongside stands in for that user's own machine, so it runs under SCHED_IDLE
(load_client.yield_cpu): it takes only CPU time the servers and the client leave.

A phase of `python3 -m benchmarks` (benchmarks/__main__.py runs them in turn)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from benchmarks import storegen
from benchmarks.pages import ROOT
from benchmarks.phases.common import expectation, log
from benchmarks.report import Metric, Target

CAPACITY_TARGET = Target(">=", 0.6)  # capacity / CPU limit
REPLICA_TARGET = Target(">=", 1.6)  # 2 replicas' capacity / one process's
REPLICAS = 2


def load_codes(scale: storegen.Scale, count: int = 6) -> list[str]:
    """The LAs load sessions cycle through: Greater Manchester's first, as users' are."""
    gm = [c for c in storegen.GREATER_MANCHESTER if c in scale.la_codes]
    rest = [c for c in scale.la_codes if c not in gm]
    return (gm + rest)[:count]


def _is_chromium(pid: int) -> bool:
    try:
        return "chrom" in Path(f"/proc/{pid}/comm").read_text()
    except OSError:
        return False


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
    from benchmarks import load_bench

    ttl = 5.0
    settings = load_bench.LoadSettings(
        codes=codes,
        duration_s=seconds,
        probes=probes,
        baseline_sessions=2 * len(codes),
        session_ttl_s=ttl,
    )
    split = load_bench.split_cpus()
    server_cpus, client_cpus = split if split else (None, None)
    cores = len(server_cpus) if server_cpus else load_bench.usable_cores()
    every_cpu = sorted(os.sched_getaffinity(0))
    expect = expectation(profile)
    detail: dict[str, Any] = {
        "codes": codes,
        "cores": cores,
        "seconds": seconds,
        "server_cpus": sorted(server_cpus or every_cpu),
        "client_cpus": sorted(client_cpus or every_cpu),
    }
    if client_cpus:  # this thread, and the client threads and Chromium it starts
        os.sched_setaffinity(0, client_cpus)
    try:
        return _measure(env, codes, labels, expect, settings, cores, server_cpus, workdir, detail)
    finally:
        os.sched_setaffinity(0, every_cpu)


def _measure(
    env: dict[str, str],
    codes: list[str],
    labels: dict[str, str],
    expect: Any,
    settings: Any,
    cores: int,
    server_cpus: frozenset[int] | None,
    workdir: Path,
    detail: dict[str, Any],
) -> tuple[list[Metric], dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    from benchmarks import load_bench, replicas
    from benchmarks.browser_bench import Server, Session, launch

    every_cpu = sorted(os.sched_getaffinity(0) | set(detail["server_cpus"]))
    args = (f"--server.disconnectedSessionTTL={settings.session_ttl_s:g}",)
    with sync_playwright() as playwright:
        browser = launch(playwright)

        def browser_yields() -> None:
            """The browser stands in for a user's machine: it gets only CPU time the
            servers leave (load_client.yield_cpu), its new renderers included."""
            chromium = [p for p in load_bench.descendants(os.getpid()) if _is_chromium(p)]
            load_bench.yield_cpu(chromium)

        def browser_probe(url: str) -> Any:
            visits = {"n": 0}

            def probe() -> dict[str, Any]:
                """One real user: open Overview on an LA, change the Authority once."""
                visits["n"] += 1
                code = codes[visits["n"] % len(codes)]
                other = codes[(visits["n"] + 1) % len(codes)]
                session = Session(browser)
                browser_yields()
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
            with Server(ROOT / "app.py", env, args, cpus=server_cpus).start() as server:
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
                servers = [
                    Server(
                        ROOT / "app.py",
                        env,
                        args,
                        cpus=frozenset({every_cpu[i % len(every_cpu)]}) if server_cpus else None,
                    )
                    for i in range(REPLICAS)
                ]
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
            floor_name=f"CPU limit ({cores} server core(s) / {base.cpu_per_session_s:.3f} CPU s)",
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
