"""The load benchmark's verdicts: a step passes when every session finished, the 95th
percentile is within P95_FACTOR of the session alone and the server's memory settled back;
capacity is the highest passing rate `search_capacity` finds. Rules: benchmarks/load_bench.py."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from benchmarks.load_client import SessionResult

P95_FACTOR = 2.5
MEMORY_TOLERANCE = 0.10


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
