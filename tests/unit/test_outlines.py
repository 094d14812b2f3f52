"""equity/outlines.py: boxes, label points and the Mercator view, on hand-checked shapes."""

from __future__ import annotations

import json
import math

import polars as pl

from equity import outlines


def test_label_point_lies_inside_the_outline_where_the_box_centre_does_not() -> None:
    # An L: a 4 x 1 bar along the bottom and a 1 x 4 bar up the left side. The box's
    # centre (2, 2) is outside. Scan lines at 0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8 of the
    # height (y = 2, 1.6, 2.4, 1.2, 2.8, 0.8, 3.2): all but y = 0.8 cross the upright only
    # (x 0 to 1, width 1); y = 0.8 crosses the bottom bar (x 0 to 4), weighted 0.8 x 4 =
    # 3.2 > 1 as it is off the middle line, and wins: its middle is (2.0, 0.8).
    ell = [[0, 0], [4, 0], [4, 1], [1, 1], [1, 4], [0, 4], [0, 0]]
    geometry = json.dumps({"type": "Polygon", "coordinates": [ell]})
    assert outlines.label_point(geometry) == (2.0, 0.8)
    # MultiPolygon: the label goes in the largest part (a 1 x 1 island is ignored).
    island = [[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]
    square = [[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]
    multi = json.dumps({"type": "MultiPolygon", "coordinates": [[island], [square]]})
    assert outlines.label_point(multi) == (1.0, 1.0)
    # A hole in the middle: the run is split, the label sits in one of the halves.
    hole = [[1, 0.5], [3, 0.5], [3, 1.5], [1, 1.5], [1, 0.5]]
    ring = [[0, 0], [4, 0], [4, 2], [0, 2], [0, 0]]
    point = outlines.label_point(json.dumps({"type": "Polygon", "coordinates": [ring, hole]}))
    assert point is not None and not (1 < point[0] < 3 and 0.5 < point[1] < 1.5)
    assert outlines.label_point(json.dumps({"type": "Point", "coordinates": [0, 0]})) is None


def _bounds(*boxes: tuple[float, float, float, float]) -> pl.DataFrame:
    return pl.DataFrame(
        [dict(zip(("min_lon", "min_lat", "max_lon", "max_lat"), b, strict=True)) for b in boxes]
    )


def test_bbox_widened_and_near() -> None:
    bounds = _bounds((0, 0, 1, 1), (2, 2, 3, 4), (10, 10, 11, 11))
    assert outlines.bbox(bounds) == (0, 0, 11, 11)
    assert outlines.bbox(bounds.clear()) is None
    assert outlines.widened((0, 0, 4, 2), 0.5) == (-2, -1, 6, 3)
    assert outlines.widened((0, 0, 4, 2), -0.25) == (1, 0.5, 3, 1.5)
    # The box (0, 0, 3, 4) widened by a tenth reaches x = 3.3, y = 4.4: the third is far.
    assert outlines.near(bounds, (0, 0, 3, 4), 0.1).height == 2
    assert outlines.near(bounds, (0, 0, 3, 4), 3.0).height == 3


def test_mercator_view_centres_the_box_and_fits_its_longer_side() -> None:
    # 1 degree of longitude at 900 px: zoom log2(900 * 360 / 512) = 9.306..., less 0.15.
    lon, lat, zoom = outlines.mercator_view((-2.5, 53.4, -1.5, 53.5), 900, 520)
    assert (lon, lat) == (-2.0, 53.45)
    assert zoom == round(math.log2(900 * 360 / 512) - 0.15, 2)
    # A tall box is fitted by its height instead, so it zooms out further.
    tall = outlines.mercator_view((-2.5, 50.0, -1.5, 55.0), 900, 520)[2]
    assert tall < zoom
