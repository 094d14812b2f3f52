"""The KS4 destinations reader (equity/ingest/destinations.py), 2018-19 and tiny files."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from equity.ingest.base import IngestError, IngestResult

from .dfe_files import (
    one,
    read,
    reasons,
)

# --------------------------------------------------------------------------- destinations


def test_destinations_year_is_the_ks4_cohort(destinations: IngestResult) -> None:
    assert destinations.academic_years == ["2014/15", "2015/16", "2016/17"]
    assert any("2016/17" in note and "2019" in note for note in destinations.notes)
    assert set(destinations.results["key_stage"]) == {"destinations"}


def test_destinations_by_disadvantage(destinations: IngestResult) -> None:
    """Haverstock (100049), 2019 measures: 90% of 199, disadvantaged 89% of 123, other 93% of 76."""
    rows = destinations.results.filter(
        (pl.col("entity") == "100049") & (pl.col("academic_year") == "2016/17")
    )
    got = {
        (r["measure"], r["pupil_group"]): (r["value"], r["pupils"], r["original"])
        for r in rows.iter_rows(named=True)
    }
    assert got == {
        ("ks4_sustained_destination_pct", "all"): (90.0, 199, "90%"),
        ("ks4_sustained_destination_pct", "disadvantaged"): (89.0, 123, "89%"),
        ("ks4_sustained_destination_pct", "other"): (93.0, 76, "93%"),
        ("ks4_destination_education_pct", "all"): (88.0, 199, "88%"),
        ("ks4_destination_education_pct", "disadvantaged"): (87.0, 123, "87%"),
        ("ks4_destination_education_pct", "other"): (91.0, 76, "91%"),
        ("ks4_destination_apprenticeship_pct", "all"): (1.0, 199, "1%"),
        ("ks4_destination_apprenticeship_pct", "disadvantaged"): (0.0, 123, "0%"),
        ("ks4_destination_apprenticeship_pct", "other"): (1.0, 76, "1%"),
        ("ks4_destination_employment_pct", "all"): (2.0, 199, "2%"),
        ("ks4_destination_employment_pct", "disadvantaged"): (2.0, 123, "2%"),
        ("ks4_destination_employment_pct", "other"): (1.0, 76, "1%"),
        ("ks4_destination_not_sustained_pct", "all"): (9.0, 199, "9%"),
        ("ks4_destination_not_sustained_pct", "disadvantaged"): (11.0, 123, "11%"),
        ("ks4_destination_not_sustained_pct", "other"): (7.0, 76, "7%"),
        ("ks4_destination_unknown_pct", "all"): (1.0, 199, "1%"),
        ("ks4_destination_unknown_pct", "disadvantaged"): (1.0, 123, "1%"),
        ("ks4_destination_unknown_pct", "other"): (0.0, 76, "0%"),
        ("pupils", "all"): (199.0, None, "199"),
        ("pupils", "disadvantaged"): (123.0, None, "123"),
        ("pupils", "other"): (76.0, None, "76"),
    }
    earlier = destinations.results.filter(
        (pl.col("entity") == "100049") & (pl.col("academic_year") == "2014/15")
    )
    assert one(earlier, measure="ks4_sustained_destination_pct", pupil_group="all")["value"] == 88


def test_destinations_aggregates(destinations: IngestResult) -> None:
    england = destinations.results.filter(
        (pl.col("entity") == "970") & (pl.col("academic_year") == "2016/17")
    )
    pct = england.filter(pl.col("measure") == "ks4_sustained_destination_pct")
    assert dict(pct.select("pupil_group", "value").iter_rows()) == {
        "all": 94.0,
        "disadvantaged": 88.0,
        "other": 96.0,
    }
    assert england["published"].all()
    las = destinations.results.filter(pl.col("entity_kind") == "la")
    assert las["entity"].n_unique() == 148
    assert destinations.rows_read == destinations.rows_stored == 3877
    assert destinations.schools.height == 2955 + 773


def test_tiny_destinations(tiny: Path) -> None:
    result = read(tiny / "destinations_small.csv")
    assert reasons(result) == {3: "bad URN 'XYZ'"}
    res = result.results
    assert (
        one(res, entity="358", academic_year="2016/17", measure="pupils", pupil_group="all")[
            "value"
        ]
        == 2600
    )
    special = one(
        res,
        entity="106166",
        academic_year="2016/17",
        pupil_group="disadvantaged",
        measure="ks4_sustained_destination_pct",
    )
    assert (special["value"], special["status"]) == (None, "suppressed")
    older = one(
        res,
        entity="138614",
        academic_year="2014/15",
        pupil_group="all",
        measure="ks4_sustained_destination_pct",
    )
    assert (older["value"], older["status"]) == (None, "not_applicable")
    assert (
        one(
            res,
            entity="138614",
            academic_year="2015/16",
            pupil_group="other",
            measure="ks4_sustained_destination_pct",
        )["value"]
        == 96.0
    )


def test_destinations_year_from_earlier_columns_when_unnamed(tiny: Path) -> None:
    result = read(tiny / "destinations_small.csv", None)
    assert result.academic_years == ["2014/15", "2015/16", "2016/17"]
    with pytest.raises(IngestError, match="2016/17"):
        read(tiny / "destinations_fractions.csv", None)


def test_destinations_written_as_fractions_become_percent(tiny: Path) -> None:
    result = read(tiny / "destinations_fractions.csv")
    res = result.results.filter(pl.col("measure") == "ks4_sustained_destination_pct")
    row = one(res, entity="138614", pupil_group="disadvantaged")
    assert (row["value"], row["original"]) == (85.0, "0.85")
    assert one(res, entity="138615", pupil_group="all")["value"] == 100.0
    assert one(res, entity="970", pupil_group="other")["value"] == 96.0
    assert one(result.results, entity="138614", measure="pupils", pupil_group="all")["value"] == 160
    assert any("fractions" in note for note in result.notes)
    assert not any("fractions" in n for n in read(tiny / "destinations_small.csv").notes)
