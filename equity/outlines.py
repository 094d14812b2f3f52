"""Outlines on a map: GeoJSON geometry of LA boundaries, their boxes, a point inside each to
write its name at, and the Web Mercator view that fits a box.

Pure geometry beside equity/geo.py (which turns grid references into longitude and latitude):
no Streamlit and no map library, so the maps in components/maps.py only draw what this
works out, and the arithmetic is tested on its own. Boundary rows carry `min_lon`,
`min_lat`, `max_lon`, `max_lat` and their GeoJSON `geometry` as text (equity/ingest/boundaries).
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from typing import Any, cast

import polars as pl

#: (min_lon, min_lat, max_lon, max_lat)
Box = tuple[float, float, float, float]


@functools.lru_cache(maxsize=1024)
def geometry(text: str) -> dict[str, Any]:
    """An outline's GeoJSON geometry, parsed once per process (the choropleth draws all
    152 on every rerun). Shared between maps: read only, never changed."""
    return cast(dict[str, Any], json.loads(text))


def bbox(bounds: pl.DataFrame) -> Box | None:
    """The box around every outline in `bounds`; None when there is none."""
    if bounds.is_empty():
        return None
    row = bounds.select(
        pl.col("min_lon").min(),
        pl.col("min_lat").min(),
        pl.col("max_lon").max(),
        pl.col("max_lat").max(),
    ).row(0)
    return None if any(v is None for v in row) else (row[0], row[1], row[2], row[3])


def widened(box: Box, pad: float) -> Box:
    """The box grown by `pad` of its size on every side (shrunk when `pad` < 0)."""
    min_lon, min_lat, max_lon, max_lat = box
    dx, dy = (max_lon - min_lon) * pad, (max_lat - min_lat) * pad
    return min_lon - dx, min_lat - dy, max_lon + dx, max_lat + dy


def near(bounds: pl.DataFrame, box: Box, pad: float) -> pl.DataFrame:
    """Outlines that overlap the box widened by `pad` of its size (the map's context)."""
    min_lon, min_lat, max_lon, max_lat = box
    dx, dy = (max_lon - min_lon) * pad, (max_lat - min_lat) * pad
    return bounds.filter(
        (pl.col("max_lon") >= min_lon - dx)
        & (pl.col("min_lon") <= max_lon + dx)
        & (pl.col("max_lat") >= min_lat - dy)
        & (pl.col("min_lat") <= max_lat + dy)
    )


@functools.lru_cache(maxsize=1024)
def label_point(geometry: str) -> tuple[float, float] | None:
    """A point inside an outline (GeoJSON Polygon or MultiPolygon text) to write its name
    at: the middle of the widest run inside its largest polygon along a few horizontal scan
    lines (how shapely's `representative_point` works), rounded to 4 dp. Unlike the box's
    centre it is inside the outline whatever its shape. Cached on the outline's text, so
    each outline is computed once per process. None for an outline with no polygon."""
    shape = json.loads(geometry)
    coordinates = shape.get("coordinates") or []
    polygons = {"Polygon": [coordinates], "MultiPolygon": coordinates}.get(shape.get("type"), [])
    rings_of = [rings for rings in polygons if rings and len(rings[0]) >= 4]
    if not rings_of:
        return None

    def area(ring: list[list[float]]) -> float:
        return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)))

    rings = max(rings_of, key=lambda r: area(r[0]))
    lats = [point[1] for point in rings[0]]
    low, high = min(lats), max(lats)
    best: tuple[float, float, float] | None = None  # (width, lon, lat)
    for fraction in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        lat = low + fraction * (high - low)
        crossings = sorted(
            x0 + (lat - y0) * (x1 - x0) / (y1 - y0)
            for ring in rings
            for (x0, y0), (x1, y1) in itertools.pairwise(ring)
            if (y0 <= lat < y1) or (y1 <= lat < y0)
        )
        for start, end in zip(crossings[0::2], crossings[1::2], strict=False):
            # a run off the middle line must be clearly wider to win
            width = (end - start) * (1.0 if fraction == 0.5 else 0.8)
            if best is None or width > best[0]:
                best = (width, (start + end) / 2, lat)
    if best is None:
        return None
    return round(best[1], 4), round(best[2], 4)


def mercator_view(box: Box, width: int, height: int) -> tuple[float, float, float]:
    """(longitude, latitude, zoom) at which the box fills a `width` x `height` px Web
    Mercator map (512 px tiles), a little zoomed out so its edges are not flush."""
    min_lon, min_lat, max_lon, max_lat = box
    lon_span = max(max_lon - min_lon, 1e-3)

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    y_span = max(merc(max_lat) - merc(min_lat), 1e-5)
    zoom_x = math.log2(width * 360 / (512 * lon_span))
    zoom_y = math.log2(height * 2 * math.pi / (512 * y_span))
    return (
        round((min_lon + max_lon) / 2, 4),
        round((min_lat + max_lat) / 2, 4),
        round(min(zoom_x, zoom_y) - 0.15, 2),
    )
