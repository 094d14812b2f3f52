"""British National Grid -> WGS84, checked against the Ordnance Survey's own worked example."""

from __future__ import annotations

import numpy as np
import pytest

from equity import geo


def _osgb36_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """The OS-published 7-parameter Helmert (OSGB36 -> WGS84), written out independently.

    Parameters from "A guide to coordinate systems in Great Britain" (OS), inverted by
    negation, which is exact to centimetres at these magnitudes.
    """
    a, b = 6377563.396, 6356256.909  # Airy 1830
    e2 = 1 - b * b / (a * a)
    phi, lam = np.radians(lat), np.radians(lon)
    nu = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    x = nu * np.cos(phi) * np.cos(lam)
    y = nu * np.cos(phi) * np.sin(lam)
    z = (1 - e2) * nu * np.sin(phi)
    tx, ty, tz, s = 446.448, -125.157, 542.060, -20.4894e-6
    rx, ry, rz = (np.radians(v / 3600) for v in (0.1502, 0.2470, 0.8421))
    x2 = tx + (1 + s) * x - rz * y + ry * z
    y2 = ty + rz * x + (1 + s) * y - rx * z
    z2 = tz - ry * x + rx * y + (1 + s) * z
    a2, b2 = 6378137.0, 6356752.314245  # WGS84
    e22 = 1 - b2 * b2 / (a2 * a2)
    p = np.hypot(x2, y2)
    phi2 = np.arctan2(z2, p * (1 - e22))
    for _ in range(10):
        nu2 = a2 / np.sqrt(1 - e22 * np.sin(phi2) ** 2)
        phi2 = np.arctan2(z2 + e22 * nu2 * np.sin(phi2), p)
    return float(np.degrees(np.arctan2(y2, x2))), float(np.degrees(phi2))


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(
        np.hypot((lat1 - lat2) * 111_320, (lon1 - lon2) * 111_320 * np.cos(np.radians(lat1)))
    )


def test_os_worked_example_matches_the_published_helmert_transformation() -> None:
    # OS worked example: E 651409.903, N 313177.270 is OSGB36 52°39'27.2531"N 1°43'4.5177"E.
    osgb_lat = 52 + 39 / 60 + 27.2531 / 3600
    osgb_lon = 1 + 43 / 60 + 4.5177 / 3600
    expected_lon, expected_lat = _osgb36_to_wgs84(osgb_lon, osgb_lat)
    lons, lats = geo.bng_to_wgs84([651409.903], [313177.270])
    assert _metres(lons[0], lats[0], expected_lon, expected_lat) < 5
    # The datum shift is real (~130 m here): a "ballpark" conversion that ignores it
    # would land on the OSGB36 position instead.
    assert _metres(lons[0], lats[0], osgb_lon, osgb_lat) > 100


def test_output_is_lon_lat_order() -> None:
    lons, lats = geo.bng_to_wgs84(np.array([376000.0]), np.array([393000.0]))  # Trafford
    assert -2.5 < lons[0] < -2.2
    assert 53.3 < lats[0] < 53.5


def test_whole_arrays_match_point_by_point() -> None:
    rng = np.random.default_rng(7)
    east = rng.uniform(100_000, 650_000, 500)
    north = rng.uniform(10_000, 1_200_000, 500)
    lons, lats = geo.bng_to_wgs84(east, north)
    assert lons.shape == lats.shape == (500,)
    for i in (0, 123, 499):
        one_lon, one_lat = geo.bng_to_wgs84([east[i]], [north[i]])
        assert one_lon[0] == pytest.approx(lons[i], abs=1e-9)
        assert one_lat[0] == pytest.approx(lats[i], abs=1e-9)


def test_missing_coordinates_stay_missing() -> None:
    lons, lats = geo.bng_to_wgs84([445000.0, np.nan, 446000.0], [115000.0, 116000.0, np.nan])
    assert np.isfinite(lons[0]) and np.isfinite(lats[0])
    assert np.isnan(lons[1]) and np.isnan(lats[1])
    assert np.isnan(lons[2]) and np.isnan(lats[2])


def test_empty_input_and_shape_mismatch() -> None:
    lons, lats = geo.bng_to_wgs84([], [])
    assert lons.size == 0 and lats.size == 0
    with pytest.raises(ValueError, match="shape"):
        geo.bng_to_wgs84([1.0, 2.0], [1.0])


def test_transformer_is_built_once() -> None:
    assert geo._bng_to_wgs84() is geo._bng_to_wgs84()


def test_looks_like_bng() -> None:
    assert geo.looks_like_bng(np.array([375000.0]), np.array([390000.0]))
    assert not geo.looks_like_bng(np.array([-2.3, 1.7]), np.array([53.4, 52.6]))
    assert not geo.looks_like_bng(np.array([np.nan]), np.array([np.nan]))
