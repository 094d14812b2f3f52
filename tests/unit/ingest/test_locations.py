"""The school locations reader (equity/ingest/locations.py)."""

from __future__ import annotations

from pathlib import Path

from equity.ingest.base import IngestResult

from .dfe_files import (
    one,
    read,
    reasons,
)

# --------------------------------------------------------------------------- locations


def test_ks2_locations(real: Path) -> None:
    result = read(real / "england_ks2final.csv")
    school = one(result.schools, urn="106283")
    assert school["name"] == "Navigation Primary School"
    assert (school["postcode"], school["phase"], school["la_code"]) == ("WA14 1NG", "primary", None)
    assert (school["lat"], school["lon"]) == (53.395316, -2.348109)
    assert result.schools["lat"].null_count() == 0
    res = result.results
    assert set(res["key_stage"]) == {"ks2"}
    assert res["source"].unique().to_list() == ["england_ks2final.csv"]
    assert one(res, entity="106283", measure="ks2_maths_progress")["value"] == 2.2
    assert res["la_code"].null_count() == res.height


def test_ks4_final_and_provisional_stay_apart(real: Path, provisional: IngestResult) -> None:
    final = read(real / "england_ks4final.csv")
    f = one(final.results, entity="100049", measure="ks4_progress8")
    p = one(provisional.results, entity="100049", measure="ks4_progress8")
    assert (f["value"], p["value"]) == (-0.11, -0.09)
    assert f["source"] != p["source"]
    assert one(final.results, entity="100001", measure="ks4_progress8")["status"] == "not_published"
    assert final.schools["phase"].unique().to_list() == ["secondary"]
    assert one(final.schools, urn="100001")["is_state_funded"] is False


def test_ks5_locations_are_schools_only(real: Path) -> None:
    result = read(real / "england_ks5final.csv")
    assert result.results.height == 0
    assert result.schools["phase"].unique().to_list() == ["16 plus"]
    assert result.rows_stored == result.schools.height == 2903


def test_tiny_locations(tiny: Path) -> None:
    ks2 = read(tiny / "locations_ks2_small.csv")
    special = one(ks2.schools, urn="126170")
    assert (special["is_special"], special["name"]) == (True, "Cornfield School, Littlehampton")
    nowhere = one(ks2.schools, urn="141279")  # 0,0 is off Ghana, though 0 alone is Greenwich
    assert (nowhere["lat"], nowhere["lon"]) == (None, None)
    assert one(ks2.results, entity="126170", measure="ks2_maths_progress")["status"] == (
        "low_coverage"
    )
    ks4 = read(tiny / "locations_ks4_small.csv")
    assert reasons(ks4) == {3: "duplicate URN"}
    assert one(ks4.results, entity="100049", measure="ks4_basics_95_pct")["value"] == 43.0
