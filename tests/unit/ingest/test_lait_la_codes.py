"""LAIT's LA code lookup reader (equity/ingest/lait_la_codes.py)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from equity.ingest import lait, lait_dictionary, lait_la_codes
from equity.ingest.base import IngestError, IngestResult
from equity.ingest.csvfile import read_header

#: The three LAIT files' readers: each file must be recognised by its own only.
LAIT_KINDS = (*lait.KINDS, *lait_dictionary.KINDS, *lait_la_codes.KINDS)


@pytest.fixture(scope="module")
def panel(sources: Path) -> IngestResult:
    return lait.read_panel(sources / "lait" / "bds_long_0.parquet")


def test_real_la_codes(sources: Path, panel: IngestResult) -> None:
    path = sources / "lait" / "la_codes.csv"
    assert [k.name for k in LAIT_KINDS if k.detect(path, read_header(path))] == ["la_codes"]
    result = lait_la_codes.read_la_codes(path)
    result.check_accounting()
    assert (result.rows_read, result.rows_stored) == (164, 164)
    areas = {row["la_code"]: row for row in result.areas.iter_rows(named=True)}
    assert areas["358"] == {
        "la_code": "358",
        "ons_code": "E08000009",
        "name": "Trafford",
        "kind": "la",
        "region": "North West",
    }
    assert areas["987"]["ons_code"] == "E13000001" and areas["987"]["region"] == "London"
    assert areas["970"]["kind"] == "england" and areas["970"]["ons_code"] == "E92000001"
    assert areas["929"]["ons_code"] == "E06000057"  # file has the pre-2013 E06000048
    # Every LA and region code meets a LAIT area, with the same region.
    lait_areas = panel.areas.select("la_code", pl.col("region").alias("lait_region"))
    joined = result.areas.join(lait_areas, on="la_code", how="left")
    assert (
        joined["lait_region"].null_count()
        == joined.filter(
            pl.col("kind").is_in(["region", "england"]) & pl.col("region").is_null()
        ).height
    )
    mismatched = joined.filter(pl.col("kind") == "la").filter(
        pl.col("region") != pl.col("lait_region")
    )
    assert mismatched.height == 0
    lait_only = panel.areas.join(result.areas, on="la_code", how="anti")
    # Isles of Scilly, the 2021 Northamptonshire and 2023 Cumbria successors, and London.
    assert set(lait_only["la_code"]) == {"420", "940", "941", "942", "943", "986"}


def test_tiny_la_codes(test_data: Path) -> None:
    result = lait_la_codes.read_la_codes(test_data / "lait" / "la_codes_tiny.csv")
    result.check_accounting()
    assert (result.rows_read, result.rows_stored) == (10, 6)
    assert dict(result.rejected.select("row", "reason").iter_rows()) == {
        7: "old_la_code '35' is not a 3-digit DfE code",
        8: "new_la_code 'E07000001' is not an ONS upper-tier LA code (E06/E08/E09/E10)",
        9: "repeats code 358 (first kept)",
        10: "neither an LA (old_la_code) nor a region or England summary row",
    }
    kinds = dict(result.areas.select("la_code", "kind").iter_rows())
    assert kinds == {
        "358": "la",
        "929": "la",
        "981": "region",
        "316": "la",
        "987": "region",
        "970": "england",
    }
    assert any("Northumberland E06000048 -> E06000057" in n for n in result.notes)


def test_the_lookup_refuses_another_lait_file(test_data: Path) -> None:
    dictionary = test_data / "lait" / "lait_dictionary_tiny.csv"
    with pytest.raises(IngestError, match="missing columns"):
        lait_la_codes.read_la_codes(dictionary)
