"""The school absence reader (equity/ingest/absence.py)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from .dfe_files import (
    one,
    read,
    reasons,
)

# --------------------------------------------------------------------------- absence


def test_absence(real: Path) -> None:
    result = read(real / "england_abs.csv")
    assert (result.rows_read, result.rows_stored) == (21217, 21214)
    assert all(r.startswith("England total for one school type") for r in result.rejected["reason"])
    assert result.academic_years == ["2018/19"]
    assert any("SOURCES.md" in note and "2017-18" in note for note in result.notes)
    res = result.results
    assert one(res, entity="100000", measure="absence_overall_pct")["value"] == 2.6
    trafford = one(res, entity="106283", measure="absence_persistent_pct")
    assert (trafford["value"], trafford["la_code"]) == (5.8, "358")
    persistent = res.filter(pl.col("measure") == "absence_persistent_pct")
    assert (persistent["status"] == "suppressed").sum() == 864
    assert result.schools.height == 0


def test_tiny_absence(tiny: Path) -> None:
    result = read(tiny / "absence_small.csv")
    assert reasons(result) == {
        3: "duplicate URN",
        4: "missing URN",
        5: "England total for one school type (PRI) only: the results table has no phase, "
        "so it would read as all schools",
    }
    supp = one(result.results, entity="106284", measure="absence_persistent_pct")
    assert (supp["value"], supp["status"], supp["original"]) == (None, "suppressed", "SUPP")
