"""Chart images without a browser: Vega-Lite -> SVG with vl-convert, then composed as SVG.

vl-convert bundles Vega and the Liberation Sans font, so rendering needs neither a network
nor system fonts; `allowed_base_urls=[]` makes sure a spec can never fetch anything. Every
raster (chart PNG, PDF page) is drawn from a composed SVG, so the footer with the source
and caveats and the slide text are laid out by one engine and look the same everywhere.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any, Final
from xml.sax.saxutils import escape

import vl_convert as vlc

FONT: Final = "Liberation Sans, Arial, sans-serif"  # bundled with vl-convert
TEXT: Final = "#0B0C0C"
MUTED: Final = "#3D3D3D"
_CONCAT_KEYS: Final = ("hconcat", "vconcat", "concat", "facet", "repeat")
_ROOT = re.compile(r"<svg\b[^>]*>")
_SIZE = re.compile(r'\bwidth="([\d.]+)"\s+height="([\d.]+)"')


class RenderError(RuntimeError):
    """vl-convert could not draw the spec (the message is Vega's)."""


def sized(spec: dict[str, Any], width: int | None) -> dict[str, Any]:
    """A fixed width for a single or layered view: in the app it stretches to the page, but an
    image needs a number (Vega-Lite's default is a narrow 300 px). Concatenations keep theirs."""
    if width is None or any(key in spec for key in _CONCAT_KEYS):
        return spec
    return {**spec, "width": width}


def chart_svg(spec: dict[str, Any]) -> str:
    try:
        return str(vlc.vegalite_to_svg(spec, allowed_base_urls=[]))
    except ValueError as exc:
        raise RenderError(str(exc)) from exc


def svg_size(svg: str) -> tuple[float, float]:
    root = _ROOT.search(svg)
    size = _SIZE.search(root.group(0)) if root else None
    if size is None:
        raise RenderError("the SVG has no width and height")
    return float(size.group(1)), float(size.group(2))


def png(svg: str, scale: float = 2.0) -> bytes:
    return bytes(vlc.svg_to_png(svg, scale=scale))


def wrap(text: str, font_size: float, width: float) -> list[str]:
    """Lines that fit `width` px, assuming an average glyph of 0.52 em (Liberation Sans)."""
    columns = max(10, int(width / (0.52 * font_size)))
    return textwrap.wrap(text, columns) or [""]


def text_block(
    lines: list[str],
    *,
    x: float,
    y: float,
    size: float,
    colour: str = TEXT,
    weight: str = "normal",
    style: str = "normal",
    anchor: str = "start",
) -> str:
    """SVG <text> lines from baseline `y`; the text is XML-escaped here and nowhere else."""
    step = size * 1.25
    return "".join(
        f'<text x="{x:.0f}" y="{y + i * step:.0f}" font-family="{FONT}" font-size="{size:.0f}" '
        f'font-weight="{weight}" font-style="{style}" fill="{colour}" '
        f'text-anchor="{anchor}">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )


def placed(svg: str, x: float, y: float, width: float, height: float) -> str:
    """The chart SVG scaled (aspect kept, centred) into a box of another SVG."""
    root = _ROOT.search(svg)
    if root is None:
        raise RenderError("not an SVG document")
    w, h = svg_size(svg)
    tag = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'x="{x:.0f}" y="{y:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {w:g} {h:g}" preserveAspectRatio="xMidYMid meet">'
    )
    return tag + svg[root.end() :]


def with_footer(svg: str, lines: list[str], font_size: float = 13) -> str:
    """The chart with its source and caveats underneath, so an image never travels without
    them."""
    width, height = svg_size(svg)
    width = max(width, 480.0)
    wrapped = [part for line in lines for part in wrap(line, font_size, width - 16)]
    footer = font_size * 1.25 * len(wrapped) + 12
    total = height + footer
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'version="1.1" width="{width:g}" height="{total:g}" viewBox="0 0 {width:g} {total:g}">'
        f'<rect width="100%" height="100%" fill="#FFFFFF"/>'
        + placed(svg, 0, 0, *svg_size(svg))
        + text_block(wrapped, x=8, y=height + font_size + 2, size=font_size, colour=MUTED)
        + "</svg>"
    )
