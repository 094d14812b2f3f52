"""Area boundaries: BNG -> WGS84, English upper-tier areas only, honest accounting."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from equity.ingest import boundaries, lait_la_codes
from equity.ingest.base import IngestError, IngestResult

KIND = boundaries.KINDS[0]


@pytest.fixture(scope="module")
def ctyua(sources: Path) -> IngestResult:
    return boundaries.read_boundaries(sources / "boundaries" / "CTYUA_Dec2022_UK_BUC.geojson")


@pytest.fixture(scope="module")
def trafford_wgs84(sources: Path) -> IngestResult:
    return boundaries.read_boundaries(sources / "trafford" / "trafford_local_authority.geojson")


def _positions(geometry: dict) -> list[list[float]]:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return [pos for polygon in polygons for ring in polygon for pos in ring]


def test_detection(sources: Path, test_data: Path) -> None:
    assert KIND.detect(sources / "boundaries" / "CTYUA_Dec2022_UK_BUC.geojson", [])
    assert KIND.detect(sources / "trafford" / "trafford_local_authority.geojson", ["__geojson__"])
    assert not KIND.detect(sources / "boundaries" / "CTYUA_Dec2022_UK_BUC.topo.json", [])
    assert not KIND.detect(sources / "lait" / "la_codes.csv", [])
    assert KIND.detect(test_data / "boundaries" / "bng_urn_crs.geojson", [])


def test_ctyua_keeps_the_152_english_upper_tier_areas(ctyua: IngestResult) -> None:
    ctyua.check_accounting()
    assert (ctyua.rows_read, ctyua.rows_stored) == (217, 152)
    assert ctyua.rejected["reason"].unique().to_list() == ["outside England"]
    table = ctyua.extra["boundaries"]
    assert table.schema == pl.Schema(boundaries.BOUNDARIES_SCHEMA)
    assert table["ons_code"].is_unique().all()
    prefixes = dict(table.group_by(pl.col("ons_code").str.slice(0, 3)).len().iter_rows())
    assert prefixes == {"E06": 59, "E08": 36, "E09": 33, "E10": 24}
    assert table["min_lon"].is_between(-6.5, 1.8).all()
    assert table["max_lon"].is_between(-6.5, 1.8).all()
    assert table["min_lat"].is_between(49.8, 55.9).all()
    assert table["max_lat"].is_between(49.8, 55.9).all()


def test_ctyua_geometry_is_compact_wgs84(ctyua: IngestResult) -> None:
    table = ctyua.extra["boundaries"]
    for row in table.iter_rows(named=True):
        geometry = json.loads(row["geometry_wgs84"])
        assert geometry["type"] in {"Polygon", "MultiPolygon"}
        positions = _positions(geometry)
        lons = [p[0] for p in positions]
        lats = [p[1] for p in positions]
        assert min(lons) == row["min_lon"] and max(lats) == row["max_lat"]
        assert all(round(v, 4) == v for v in lons[:50] + lats[:50])
        assert " " not in row["geometry_wgs84"]
    assert sum(len(g) for g in table["geometry_wgs84"]) < 400_000  # small map payload


def test_bng_trafford_lies_in_the_wgs84_trafford(
    ctyua: IngestResult, trafford_wgs84: IngestResult
) -> None:
    bng = ctyua.extra["boundaries"].filter(pl.col("ons_code") == "E08000009").row(0, named=True)
    wgs = trafford_wgs84.extra["boundaries"].row(0, named=True)
    assert bng["name"] == wgs["name"] == "Trafford"
    tolerance = 0.001  # ~100 m: the two files are generalised differently
    assert bng["min_lon"] >= wgs["min_lon"] - tolerance
    assert bng["max_lon"] <= wgs["max_lon"] + tolerance
    assert bng["min_lat"] >= wgs["min_lat"] - tolerance
    assert bng["max_lat"] <= wgs["max_lat"] + tolerance
    assert bng["max_lon"] - bng["min_lon"] > 0.2  # and it is the whole borough, not a corner


def test_trafford_file(trafford_wgs84: IngestResult) -> None:
    trafford_wgs84.check_accounting()
    assert (trafford_wgs84.rows_read, trafford_wgs84.rows_stored) == (1, 1)
    assert any("already WGS84" in note for note in trafford_wgs84.notes)
    row = trafford_wgs84.extra["boundaries"].row(0, named=True)
    assert row["ons_code"] == "E08000009"
    assert json.loads(row["geometry_wgs84"])["type"] == "MultiPolygon"


def test_boundaries_join_to_la_codes(sources: Path, ctyua: IngestResult) -> None:
    areas = lait_la_codes.read_la_codes(sources / "lait" / "la_codes.csv").areas
    joined = ctyua.extra["boundaries"].join(areas, on="ons_code", how="anti")
    # Not in the 2019-era lookup: Isles of Scilly and the 2021 Northamptonshire unitaries.
    assert set(joined["ons_code"]) == {"E06000053", "E06000061", "E06000062"}


def test_tiny_bng_without_crs(test_data: Path) -> None:
    result = boundaries.read_boundaries(test_data / "boundaries" / "bng_no_crs.geojson")
    result.check_accounting()
    assert (result.rows_read, result.rows_stored) == (7, 1)
    assert dict(result.rejected.select("row", "reason").iter_rows()) == {
        2: "outside England",
        3: "E07000001 is not an upper-tier (education) authority",
        4: "no Polygon or MultiPolygon geometry",
        5: "repeats area E08000009 (first kept)",
        6: "no Polygon or MultiPolygon geometry",
        7: "malformed coordinates",
    }
    row = result.extra["boundaries"].row(0, named=True)
    assert row["name"] == "Trafford (box)"
    assert -2.45 < row["min_lon"] < row["max_lon"] < -2.25
    assert 53.35 < row["min_lat"] < row["max_lat"] < 53.5
    ring = json.loads(row["geometry_wgs84"])["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5


def test_tiny_bng_urn_crs_multipolygon(test_data: Path) -> None:
    result = boundaries.read_boundaries(test_data / "boundaries" / "bng_urn_crs.geojson")
    result.check_accounting()
    row = result.extra["boundaries"].row(0, named=True)
    assert (row["ons_code"], row["name"]) == ("E10000014", "Hampshire")
    geometry = json.loads(row["geometry_wgs84"])
    assert geometry["type"] == "MultiPolygon"
    assert [len(polygon) for polygon in geometry["coordinates"]] == [2, 1]  # hole kept
    assert 50.7 < row["min_lat"] < row["max_lat"] < 51.1


def test_tiny_wgs84_rounding_drops_repeated_positions(test_data: Path) -> None:
    result = boundaries.read_boundaries(test_data / "boundaries" / "wgs84_area_code.geojson")
    ring = json.loads(result.extra["boundaries"]["geometry_wgs84"][0])["coordinates"][0]
    assert ring == [[-2.4, 53.35], [-2.3, 53.35], [-2.3, 53.48], [-2.4, 53.48], [-2.4, 53.35]]


def test_unusable_files(test_data: Path, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="EPSG::3857"):
        boundaries.read_boundaries(test_data / "boundaries" / "web_mercator.geojson")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(IngestError, match="not valid GeoJSON"):
        boundaries.read_boundaries(broken)
    topology = tmp_path / "areas.geojson"
    topology.write_text('{"type": "Topology", "objects": {}}')
    assert not KIND.detect(topology, [])
    with pytest.raises(IngestError, match="not a GeoJSON FeatureCollection"):
        boundaries.read_boundaries(topology)
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}')
    result = boundaries.read_boundaries(empty)
    result.check_accounting()
    assert result.rows_read == 0 and result.extra["boundaries"].height == 0
