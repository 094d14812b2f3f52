"""Map coordinates: British National Grid eastings/northings to WGS84 longitude/latitude.

GIAS and ONS publish locations on the British National Grid (EPSG:27700) while web maps
draw WGS84 lon/lat (EPSG:4326). Building a pyproj Transformer is slow (it searches the PROJ
database for the best operation), so one is built per process and reused; each call converts
whole arrays at once rather than point by point.

Accuracy: without the OSTN15 grid file installed PROJ uses the OS 7-parameter Helmert
transformation (about 2 m), ample for placing schools and drawing boundaries. If the grid is
installed, PROJ picks it automatically and results improve to centimetres.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray
    from pyproj import Transformer

BNG_EPSG = 27700
WGS84_EPSG = 4326


@lru_cache(maxsize=1)
def _bng_to_wgs84() -> Transformer:
    # Imported here: importing pyproj costs some 60 ms, and every page that imports the
    # ingest registry (the Data page's upload form) would pay it without converting anything.
    from pyproj import Transformer

    # always_xy: pyproj otherwise returns EPSG:4326 as (lat, lon), the axis order of the
    # standard, which is the opposite of GeoJSON's (lon, lat).
    return Transformer.from_crs(BNG_EPSG, WGS84_EPSG, always_xy=True)


def bng_to_wgs84(
    eastings: ArrayLike | Sequence[float], northings: ArrayLike | Sequence[float]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(lons, lats) for arrays of eastings and northings; NaN in, NaN out.

    Non-finite inputs (a blank cell read as NaN) stay NaN instead of becoming PROJ's
    `inf`, so callers can turn them into nulls.
    """
    east = np.asarray(eastings, dtype=np.float64)
    north = np.asarray(northings, dtype=np.float64)
    if east.shape != north.shape:
        raise ValueError(f"eastings {east.shape} and northings {north.shape} differ in shape")
    lons, lats = _bng_to_wgs84().transform(east, north)
    lons = np.asarray(lons, dtype=np.float64)
    lats = np.asarray(lats, dtype=np.float64)
    bad = ~(np.isfinite(east) & np.isfinite(north) & np.isfinite(lons) & np.isfinite(lats))
    if bad.any():
        lons = np.where(bad, np.nan, lons)
        lats = np.where(bad, np.nan, lats)
    return lons, lats


def looks_like_bng(xs: NDArray[np.float64], ys: NDArray[np.float64]) -> bool:
    """True when coordinates are metres on a national grid rather than degrees.

    Degrees never exceed 180 (longitude) or 90 (latitude); grid metres in Great Britain
    reach hundreds of thousands.
    """
    finite_x = xs[np.isfinite(xs)]
    finite_y = ys[np.isfinite(ys)]
    if finite_x.size == 0 or finite_y.size == 0:
        return False
    return bool(np.abs(finite_x).max() > 180 or np.abs(finite_y).max() > 90)
