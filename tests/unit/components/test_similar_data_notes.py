"""The Similar page's data note names a few LAs with results and counts many."""

from __future__ import annotations

import polars as pl

from components.filters import Filters
from components.similar.method import MAX_NAMED, _where_results
from equity.analysis.similar import Context

GM = Filters(
    "GM", "secondary", "disadvantaged", "2024/25", "Greater Manchester (10 LAs)", ("350", "351")
)
BOLTON = Filters("350", "secondary", "disadvantaged", "2024/25", "Bolton", ("350",))


def _context(names: dict[str, str]) -> Context:
    frame = pl.DataFrame(
        {"la_code": list(names), "la_name": list(names.values()), "cohort": [1] * len(names)}
    )
    return Context("secondary", "2024/25", frame)


def test_few_are_named() -> None:
    context = _context({"350": "Bolton", "936": "Surrey"})
    assert _where_results(("Bolton", "Surrey"), context, GM) == "Bolton, Surrey"
    assert _where_results((), context, GM) == "none loaded"


def test_many_are_counted_with_the_area_among_them() -> None:
    names = {f"{900 + i}": f"LA {i:03d}" for i in range(MAX_NAMED + 3)}
    with_gm = {**names, "350": "Bolton", "351": "Bury"}
    perf = tuple(sorted(with_gm.values()))
    context = _context(with_gm)
    listed = f"{len(perf)} local authorities (listed on the Data and methods page)"
    assert _where_results(perf, context, GM) == f"{listed}, all 2 Greater Manchester LAs among them"
    assert _where_results(perf, context, BOLTON) == f"{listed}, Bolton among them"
    without_bury = tuple(name for name in perf if name != "Bury")
    listed = f"{len(without_bury)} local authorities (listed on the Data and methods page)"
    assert _where_results(without_bury, context, GM) == f"{listed}, not Bury"
