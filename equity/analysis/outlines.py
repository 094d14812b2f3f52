"""One outline per local authority for the maps, from the boundary files in the store.

Kept apart from the concentration figures: the LA map (every authority's published figures)
and `concentration.la_indicators` (which LAs can be mapped) read it, nothing else does.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Final

import polars as pl

from equity import kinds
from equity.store import Store

COORD_DECIMALS: Final = 4  # about 10 m: ample for schools and LA outlines, small payloads


def boundaries(store: Store) -> pl.DataFrame:
    """One outline per ONS code, coordinates rounded to 4 dp (about 10 m).

    Where files overlap (the national CTYUA file and Trafford's own outline), the file
    with the most areas wins: one generalisation for the whole country keeps neighbouring
    outlines consistent. Worked out once per store (`la_indicators` needs its codes too).
    """
    return _boundaries(store)


#: The columns of `boundaries`: an area's code and name, its outline (GeoJSON) and its box.
BOUNDS_SCHEMA: Final = {
    "ons_code": pl.String,
    "name": pl.String,
    "geometry": pl.String,
    "min_lon": pl.Float64,
    "min_lat": pl.Float64,
    "max_lon": pl.Float64,
    "max_lat": pl.Float64,
}


@functools.lru_cache(maxsize=4)
def _boundaries(store: Store) -> pl.DataFrame:
    sources = store.manifest().filter(pl.col("kind") == kinds.BOUNDARIES)["source"].to_list()
    frames = []
    for source in sources:
        frame = store.extra_of("boundaries", source)
        if frame is not None:
            frames.append(frame.with_columns(pl.lit(frame.height).alias("__areas")))
    if not frames:
        return pl.DataFrame(schema=BOUNDS_SCHEMA)
    merged = (
        pl.concat(frames, how="diagonal_relaxed")
        .filter(pl.col("geometry_wgs84").is_not_null())
        .sort("__areas", descending=True)
        .unique("ons_code", keep="first", maintain_order=True)
        .sort("ons_code")
    )
    geometry = [
        json.dumps(_rounded_geometry(text), separators=(",", ":"))
        for text in merged["geometry_wgs84"].to_list()
    ]
    return merged.with_columns(pl.Series("geometry", geometry, dtype=pl.String)).select(
        list(BOUNDS_SCHEMA)
    )


def _round_float(text: str) -> float:
    return round(float(text), COORD_DECIMALS)


def _rounded_geometry(text: str) -> dict[str, Any]:
    """The geometry's type and coordinates, every float rounded as it is parsed (integers
    stay as they are, as `_round_coords` leaves them)."""
    geometry = json.loads(text, parse_float=_round_float)
    return {"type": geometry["type"], "coordinates": geometry["coordinates"]}
