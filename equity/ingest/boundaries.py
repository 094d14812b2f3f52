"""Area boundaries (GeoJSON) for the maps: ONS upper-tier authorities and single-LA files.

ONS publishes boundaries on the British National Grid (EPSG:27700), while web maps need
WGS84 lon/lat, so coordinates are reprojected here once, at ingest, not on every page view.
They are rounded to 4 decimals (about 10 m, far finer than the generalised "BUC" shapes,
which are simplified to 500 m) so that a map of all 152 areas stays a few hundred kB.

Only English upper-tier authorities (the education LAs) are kept: the UK-wide file also has
Scottish, Welsh and Northern Irish areas, which are rejected with a reason so that the row
accounting stays exact.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl

from equity import kinds
from equity.geo import bng_to_wgs84, looks_like_bng
from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.schema import REJECTED_SCHEMA

BOUNDARIES_SCHEMA: Final[dict[str, pl.DataType]] = {
    "ons_code": pl.String(),
    "name": pl.String(),
    "geometry_wgs84": pl.String(),  # GeoJSON geometry, compact JSON, lon/lat
    "min_lon": pl.Float64(),
    "min_lat": pl.Float64(),
    "max_lon": pl.Float64(),
    "max_lat": pl.Float64(),
}
DECIMALS: Final = 4
#: ONS prefixes of English upper-tier authorities: unitary, metropolitan district, London
#: borough, county, metropolitan county.
ENGLISH_UPPER_TIER: Final = ("E06", "E08", "E09", "E10", "E11")
_ONS_CODE_KEY = re.compile(r"^[A-Z]{2,8}\d{2}CD$")  # CTYUA22CD, LAD23CD, UTLA22CD, ...
_PEEK_BYTES = 64 * 1024

Ring = list[list[float]]


# --------------------------------------------------------------------------- detection


def _detect(path: Path, header: list[str]) -> bool:
    del header  # GeoJSON has no header row: look inside
    if path.suffix.lower() not in (".geojson", ".json"):
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(_PEEK_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    if '"Topology"' in head or '"FeatureCollection"' not in head:
        return False
    return bool(re.search(r'"([A-Z]{2,8}\d{2}CD|area_code)"\s*:', head))


# --------------------------------------------------------------------------- CRS


def _declared_crs(document: dict[str, Any]) -> str | None:
    """ "bng", "wgs84" or None when the file does not say; IngestError if it names another."""
    crs = document.get("crs")
    if not isinstance(crs, dict):
        return None
    properties = crs.get("properties")
    name = str(properties.get("name", "")) if isinstance(properties, dict) else ""
    if not name:
        return None
    if re.search(r"EPSG:+27700$", name):
        return "bng"
    if re.search(r"(EPSG:+4326|CRS84)$", name):
        return "wgs84"
    raise IngestError(
        f"coordinate reference system {name} is not supported: use British National Grid "
        "(EPSG:27700) or WGS84 lon/lat"
    )


# --------------------------------------------------------------------------- geometry


def _polygons(geometry: Any) -> list[list[Ring]] | None:
    """A Polygon / MultiPolygon as a list of polygons (lists of rings), else None."""
    if not isinstance(geometry, dict):
        return None
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        return None
    if kind == "Polygon":
        return [coordinates]
    if kind == "MultiPolygon":
        return coordinates
    return None


def _ring_array(ring: Ring) -> np.ndarray:
    array = np.asarray(ring, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] < 2 or array.shape[0] < 4:
        raise ValueError("a ring needs at least four [x, y] positions")
    return array[:, :2]


def _compact_ring(ring: np.ndarray) -> Ring:
    """Rounded ring without the repeated positions rounding creates (still closed)."""
    keep = np.ones(len(ring), dtype=bool)
    keep[1:] = np.any(ring[1:] != ring[:-1], axis=1)
    compact = ring[keep]
    if len(compact) < 4 or not np.array_equal(compact[0], compact[-1]):
        compact = ring
    rounded: Ring = compact.tolist()
    return rounded


@dataclass
class _Area:
    row: int
    code: str
    name: str | None
    kind: str  # Polygon | MultiPolygon
    polygons: list[list[np.ndarray]]


def read_boundaries(path: Path, year_hint: str | None = None) -> IngestResult:
    """English upper-tier areas -> extra "boundaries" with WGS84 geometry and bounding box."""
    del year_hint
    try:
        document = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"{path.name}: not valid GeoJSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise IngestError(f"{path.name}: not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise IngestError(f"{path.name}: the FeatureCollection has no features list")
    try:
        declared = _declared_crs(document)
    except IngestError as exc:
        raise IngestError(f"{path.name}: {exc}") from exc

    code_key, name_key = _property_keys(features)
    rejected: list[tuple[int, str]] = []
    areas: list[_Area] = []
    seen: set[str] = set()
    for row, feature in enumerate(features, start=1):
        area_or_reason = _area(row, feature, code_key, name_key, seen)
        if isinstance(area_or_reason, str):
            rejected.append((row, area_or_reason))
        else:
            seen.add(area_or_reason.code)
            areas.append(area_or_reason)

    is_bng = _is_bng(areas, declared)
    table, unconvertible = _reproject(areas, is_bng)
    rejected.extend(unconvertible)
    rejected_frame = pl.DataFrame(
        {
            "source": [path.name] * len(rejected),
            "row": [row for row, _ in rejected],
            "reason": [reason for _, reason in rejected],
        },
        schema=REJECTED_SCHEMA,
    ).sort("row")
    origin = "reprojected from British National Grid" if is_bng else "already WGS84 lon/lat"
    result = IngestResult(
        source=path.name,
        kind=kinds.BOUNDARIES,
        rows_read=len(features),
        rows_stored=table.height,
        rejected=rejected_frame,
        extra={"boundaries": table},
        notes=[f"coordinates {origin}, rounded to {DECIMALS} decimals (about 10 m)"],
    )
    result.check_accounting()
    return result


def _area(
    row: int, feature: Any, code_key: str | None, name_key: str | None, seen: set[str]
) -> _Area | str:
    """The feature as an area to keep, or the reason it is rejected."""
    properties = feature.get("properties") if isinstance(feature, dict) else None
    properties = properties if isinstance(properties, dict) else {}
    code = str(properties.get(code_key) or "").strip() if code_key else ""
    name = (str(properties.get(name_key) or "").strip() or None) if name_key else None
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    polygons = _polygons(geometry)
    if not code:
        return "no area code"
    if not code.startswith("E"):
        return "outside England"
    if not code.startswith(ENGLISH_UPPER_TIER):
        return f"{code} is not an upper-tier (education) authority"
    if code in seen:
        return f"repeats area {code} (first kept)"
    if polygons is None or not isinstance(geometry, dict):
        return "no Polygon or MultiPolygon geometry"
    try:
        arrays = [[_ring_array(ring) for ring in polygon] for polygon in polygons]
    except (ValueError, TypeError):
        return "malformed coordinates"
    return _Area(row, code, name, str(geometry["type"]), arrays)


def _property_keys(features: list[Any]) -> tuple[str | None, str | None]:
    """(code key, name key): CTYUA22CD/CTYUA22NM-style ONS keys, else area_code/area_name."""
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            continue
        for key in properties:
            if _ONS_CODE_KEY.match(key):
                name_key = key[:-2] + "NM"
                return key, name_key if name_key in properties else None
        if "area_code" in properties:
            return "area_code", "area_name" if "area_name" in properties else None
    return None, None


def _is_bng(areas: list[_Area], declared: str | None) -> bool:
    if declared is not None:
        return declared == "bng"
    rings = [ring for area in areas for polygon in area.polygons for ring in polygon]
    if not rings:
        return False
    stacked = np.concatenate(rings)
    return looks_like_bng(stacked[:, 0], stacked[:, 1])


def _reproject(areas: list[_Area], is_bng: bool) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    """All areas' positions converted in one pyproj call, then split back into rings."""
    rings = [ring for area in areas for polygon in area.polygons for ring in polygon]
    if not rings:
        return pl.DataFrame(schema=BOUNDARIES_SCHEMA), []
    stacked = np.concatenate(rings)
    if is_bng:
        lons, lats = bng_to_wgs84(stacked[:, 0], stacked[:, 1])
        stacked = np.column_stack([lons, lats])
    stacked = np.round(stacked, DECIMALS)
    bounds = np.cumsum([0] + [len(ring) for ring in rings])
    rows: dict[str, list[Any]] = {key: [] for key in BOUNDARIES_SCHEMA}
    unconvertible: list[tuple[int, str]] = []
    index = 0
    for area in areas:
        first = index
        polygons: list[list[Ring]] = []
        for polygon in area.polygons:
            polygons.append(
                [
                    _compact_ring(stacked[bounds[index + i] : bounds[index + i + 1]])
                    for i in range(len(polygon))
                ]
            )
            index += len(polygon)
        block = stacked[bounds[first] : bounds[index]]
        if not np.isfinite(block).all() or np.abs(block).max() > 180:
            unconvertible.append((area.row, "coordinates cannot be converted to WGS84 lon/lat"))
            continue
        coordinates = polygons[0] if area.kind == "Polygon" else polygons
        geometry = {"type": area.kind, "coordinates": coordinates}
        rows["ons_code"].append(area.code)
        rows["name"].append(area.name)
        rows["geometry_wgs84"].append(json.dumps(geometry, separators=(",", ":")))
        rows["min_lon"].append(float(block[:, 0].min()))
        rows["min_lat"].append(float(block[:, 1].min()))
        rows["max_lon"].append(float(block[:, 0].max()))
        rows["max_lat"].append(float(block[:, 1].max()))
    return pl.DataFrame(rows, schema=BOUNDARIES_SCHEMA), unconvertible


KINDS: list[FileKind] = [
    FileKind(
        name=kinds.BOUNDARIES,
        description="GeoJSON area boundaries (ONS upper-tier authorities; BNG or WGS84)",
        suffixes=(".geojson", ".json"),
        detect=_detect,
        read=read_boundaries,
    )
]
