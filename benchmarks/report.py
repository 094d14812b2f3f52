"""Metrics, ratio targets, PASS/FAIL, the printed table and the machine description."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any, Literal

Op = Literal["<=", "<", ">=", ">"]
Basis = Literal["ratio", "value"]


@dataclass(frozen=True)
class Target:
    """`ratio <= 1.5` (value / floor) or `value < 10` (the value itself)."""

    op: Op
    limit: float
    on: Basis = "ratio"

    def met(self, measured: float) -> bool:
        if self.op == "<=":
            return measured <= self.limit
        if self.op == "<":
            return measured < self.limit
        if self.op == ">=":
            return measured >= self.limit
        return measured > self.limit

    def text(self, unit: str = "") -> str:
        if self.on == "ratio":
            return f"{self.op} {self.limit:g}x"
        return f"{self.op} {self.limit:g} {unit}".rstrip()


@dataclass
class Metric:
    """One measured figure, optionally against a floor measured in the same run."""

    name: str
    value: float | None
    unit: str
    floor: float | None = None
    target: Target | None = None
    floor_name: str = ""
    #: A second, informational floor (the empty app beside the render floor).
    second_floor: float | None = None
    second_floor_name: str = ""
    detail: str = ""
    samples: list[float] = field(default_factory=list)
    floor_samples: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.value is None or self.floor is None or self.floor == 0:
            return None
        return self.value / self.floor

    @property
    def second_ratio(self) -> float | None:
        if self.value is None or not self.second_floor:
            return None
        return self.value / self.second_floor

    @property
    def status(self) -> str:
        if self.error is not None or self.value is None:
            return "ERROR" if self.error is not None else "n/a"
        if self.target is None:
            return "info"
        measured = self.ratio if self.target.on == "ratio" else self.value
        if measured is None:
            return "n/a"
        return "PASS" if self.target.met(measured) else "FAIL"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["target"] = (
            None if self.target is None else {**asdict(self.target), "text": self.target.text()}
        )
        out["ratio"] = self.ratio
        out["second_ratio"] = self.second_ratio
        out["status"] = self.status
        return out


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ms":
        return f"{value:,.0f} ms" if value >= 100 else f"{value:,.1f} ms"
    if unit == "MB":
        return f"{value:,.2f} MB"
    if unit == "KB":
        return f"{value:,.1f} KB"
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    if unit == "s":
        return f"{value:,.2f} s"
    return f"{value:,.3g} {unit}".rstrip()


def table(metrics: list[Metric]) -> str:
    """A Markdown table: metric, value, floor, ratio, target, status."""
    header = ("metric", "value", "floor", "ratio", "target", "result")
    rows = []
    for m in metrics:
        floor = "-"
        if m.floor is not None:
            floor = fmt(m.floor, m.unit) + (f" {m.floor_name}" if m.floor_name else "")
        ratio = "-" if m.ratio is None else f"{m.ratio:.2f}x"
        if m.second_floor is not None:
            floor += f"; {fmt(m.second_floor, m.unit)} {m.second_floor_name}"
            ratio += f"; {m.second_ratio:.1f}x" if m.second_ratio is not None else ""
        target = "-" if m.target is None else m.target.text(m.unit)
        status = m.status if m.error is None else f"ERROR: {m.error[:80]}"
        rows.append((m.name, fmt(m.value, m.unit), floor, ratio, target, status))
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def summary_counts(metrics: list[Metric]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in metrics:
        counts[m.status] = counts.get(m.status, 0) + 1
    return counts


# --------------------------------------------------------------------------- machine

PACKAGES = ("streamlit", "polars", "pandas", "pyarrow", "altair", "pydeck", "playwright", "tornado")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gb() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "ram_gb": _ram_gb(),
        "load_average": _load(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions,
    }


def machine_text(info: dict[str, Any]) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items() if v)
    return (
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram_gb']} GB RAM, "
        f"load average {info['load_average']}, Python {info['python']} on {info['platform']}\n"
        f"Packages: {packages}"
    )
