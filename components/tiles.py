"""Headline figures as tiles (a label over a value), drawn as one block of HTML.

Why not `st.metric`: each is a React component of its own, and a row of eight cost a page's
first visit ~30 ms of the browser's work against ~3 ms for the same figures as one HTML
block (a two-page app timing the switch, medians of 10; issue 16). The Attainment gaps page
and the Overview open on eight. The block is a description list, which screen readers read
as term and value; what the tiles' tooltips said is a caption under them (`GAP_NOTE`),
readable on a projector and without a pointer.

Labels are fixed text and values formatted figures, and both are escaped
(tests/unit/test_tiles.py): no markup from the data reaches the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

import streamlit as st

from components.text import fmt_gap, fmt_tile

#: What the two gap tiles measure (the tooltips of the metric tiles this replaced).
GAP_NOTE: Final = (
    "Gap within the area: other pupils in the area minus disadvantaged pupils (positive: "
    "they trail). Gap to other pupils nationally: other pupils in England minus the area's "
    "disadvantaged pupils (DfE's way)."
)


@dataclass(frozen=True)
class Tile:
    label: str
    value: str


def markup(tiles: Sequence[Tile]) -> str:
    """The tiles as a description list (components/layout.py's CSS lays it out)."""
    items = "".join(
        f'<div class="equity-tile"><dt>{escape(t.label)}</dt><dd>{escape(t.value)}</dd></div>'
        for t in tiles
    )
    return f'<dl class="equity-tiles">{items}</dl>'


def tile_row(tiles: Sequence[Tile]) -> None:
    st.html(markup(tiles))


def gap_tiles(
    disadvantaged: float | None,
    other: float | None,
    gap_within: float | None,
    gap_national: float | None,
    measure: str,
) -> list[Tile]:
    """The four figures both the Overview and the Attainment gaps page open on."""
    return [
        Tile("Disadvantaged pupils", fmt_tile(disadvantaged, measure)),
        Tile("Other pupils", fmt_tile(other, measure)),
        Tile("Gap within the area", fmt_gap(gap_within, measure)),
        Tile("Gap to other pupils nationally", fmt_gap(gap_national, measure)),
    ]
