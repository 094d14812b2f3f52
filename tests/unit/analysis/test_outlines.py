"""outlines.boundaries: every float of an outline rounded to COORD_DECIMALS as it is
parsed gives the outlines the walk over the parsed coordinates gave (`_reference`)."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from equity import kinds
from equity.analysis import outlines
from equity.store import Store


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, outlines.COORD_DECIMALS)
    if isinstance(value, list):
        return [_round(v) for v in value]
    return value


def _reference(store: Store) -> list[str]:
    sources = store.manifest().filter(pl.col("kind") == kinds.BOUNDARIES)["source"].to_list()
    frames = []
    for source in sources:
        frame = store.extra_of("boundaries", source)
        if frame is not None:
            frames.append(frame.with_columns(pl.lit(frame.height).alias("__areas")))
    merged = (
        pl.concat(frames, how="diagonal_relaxed")
        .filter(pl.col("geometry_wgs84").is_not_null())
        .sort("__areas", descending=True)
        .unique("ons_code", keep="first", maintain_order=True)
        .sort("ons_code")
    )
    out = []
    for text in merged["geometry_wgs84"].to_list():
        geometry = json.loads(text)
        rounded = {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])}
        out.append(json.dumps(rounded, separators=(",", ":")))
    return out


def test_outlines_equal_the_rounded_walk(embedded: Store) -> None:
    table = outlines.boundaries(embedded)
    assert table.height > 100
    assert table["geometry"].to_list() == _reference(embedded)
    assert outlines.boundaries(embedded) is table  # once per store


def test_a_float_is_rounded_and_an_integer_kept() -> None:
    text = '{"type": "Point", "coordinates": [-2.123456789, 53, 1.00005], "extra": 1.5}'
    assert outlines._rounded_geometry(text) == {
        "type": "Point",
        "coordinates": [-2.1235, 53, 1.0001],
    }
