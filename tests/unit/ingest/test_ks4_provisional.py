"""The KS4 provisional reader (equity/ingest/ks4_provisional.py)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from equity.ingest import (
    ks4_provisional,
)
from equity.ingest.base import IngestResult

from .dfe_files import (
    one,
    read,
    reasons,
)

# --------------------------------------------------------------------------- KS4 provisional


def test_provisional_rows_are_marked_provisional(provisional: IngestResult) -> None:
    assert provisional.results["source"].str.contains("provisional").all()
    assert any(note.startswith("PROVISIONAL") for note in provisional.notes)
    named = ks4_provisional.provisional_source("2018-2019_ks4.csv")
    assert named == "2018-2019_ks4.csv (provisional)"


def test_provisional_school_la_and_england(provisional: IngestResult) -> None:
    """Haverstock (100049): A8 42.4, P8 -0.09 (-0.28 to 0.09) from 178 pupils; 43.2% 9-5."""
    res = provisional.results
    school = res.filter(pl.col("entity") == "100049")
    p8 = one(school, measure="ks4_progress8")
    assert (p8["value"], p8["pupils"], p8["la_code"], p8["published"]) == (-0.09, 178, "202", False)
    assert one(school, measure="ks4_progress8_ci_lower")["value"] == -0.28
    assert one(school, measure="ks4_progress8_ci_upper")["value"] == 0.09
    assert one(school, measure="ks4_attainment8")["pupils"] == 199
    basics = one(school, measure="ks4_basics_95_pct")
    assert (basics["value"], basics["original"]) == (43.2, "43.2%")
    england = res.filter(pl.col("entity") == "970")
    assert one(england, measure="ks4_attainment8")["value"] == 46.5  # state-funded, RECTYPE 7
    assert one(england, measure="ks4_progress8")["pupils"] == 513055
    assert england["published"].all()
    assert set(england["entity_kind"]) == {"england"}
    las = res.filter(pl.col("entity_kind") == "la")
    assert las["entity"].n_unique() == 150
    assert las["published"].all()
    assert (las["entity"] == las["la_code"]).all()


def test_provisional_rejects_and_schools(provisional: IngestResult) -> None:
    assert provisional.rows_read == 5652
    assert provisional.schools.height == 4296 + 1199
    rejected = provisional.rejected["reason"].value_counts()
    assert dict(rejected.iter_rows()) == {
        "aggregate row with every figure blank (e.g. an LA with no schools)": 5,
        "England total including independent schools: England is stored once, as the "
        "state-funded total (RECTYPE 7)": 1,
    }
    afifah = one(provisional.schools, urn="134469")
    assert (afifah["school_type"], afifah["is_state_funded"]) == ("IND", False)
    assert one(provisional.schools, urn="100092")["phase"] == "special"
    na = one(provisional.results, entity="134469", measure="ks4_attainment8")
    assert (na["value"], na["status"]) == (None, "not_applicable")


def test_tiny_provisional(tiny: Path) -> None:
    result = read(tiny / "ks4_results_small.csv")
    assert (result.rows_read, result.rows_stored) == (11, 7)
    assert reasons(result) == {
        6: "duplicate URN",
        8: "aggregate row with every figure blank (e.g. an LA with no schools)",
        9: "England total including independent schools: England is stored once, as the "
        "state-funded total (RECTYPE 7)",
        11: "unknown RECTYPE '9'",
    }
    res = result.results
    assert result.results["source"].unique().to_list() == ["ks4_results_small.csv (provisional)"]
    supp = one(res, entity="106166", measure="ks4_attainment8")
    assert (supp["value"], supp["status"]) == (None, "suppressed")
    assert one(res, entity="106167", measure="ks4_progress8")["status"] == "low_coverage"
    assert one(res, entity="106167", measure="ks4_attainment8")["status"] == "not_entered"
    new = res.filter(pl.col("entity") == "147000")
    assert set(new["status"]) == {"missing"}
    assert one(result.schools, urn="147000")["name"] == "Brand New Free School"
    assert one(res, entity="358", measure="ks4_progress8")["value"] == 0.19
    assert one(res, entity="970", measure="ks4_basics_95_pct")["value"] == 43.0
    assert one(result.schools, urn="106167")["is_state_funded"] is False  # NMSS
