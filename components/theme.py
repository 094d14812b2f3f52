"""Colours and type for every chart: colour-blind safe and readable on a projector.

The palette is Okabe & Ito's (2008), restricted to the colours with at least 3:1 contrast
against the white background (WCAG 2.2 non-text contrast); tests check the ratios. All
text (titles, axis and legend labels) is TEXT, 4.5:1 or better.

Importing components/charts.py (every chart builder's module) registers and enables the
Altair theme "equity" (`theme_config`) once per process: every chart's `to_dict()` (the
app, exports, stories) then carries this configuration, and a chart's own `config`
(presentation type) still wins over it. This module does not import Altair, so the
Overview's first chart (components/plain_charts.py) can read the theme without it. Pages pass
`st.altair_chart(..., theme=None)` so Streamlit's theme does not restyle the charts.
"""

from __future__ import annotations

from typing import Any, Final

#: Pupil groups and comparators, each a fixed colour across all pages.
GROUP_COLOURS: Final[dict[str, str]] = {
    "disadvantaged": "#D55E00",  # vermillion
    "other": "#0072B2",  # blue
    "all": "#000000",
    "fsm": "#D55E00",
    "not_fsm": "#0072B2",
}
ROLE_COLOURS: Final[dict[str, str]] = {
    "selected": "#0072B2",
    "gm_la": "#3D3D3D",
    "gm_mean": "#009E73",  # bluish green, 3.3:1
    "england": "#000000",
    "region": "#CC79A7",
    "other_la": "#8C8C8C",  # context bars (3.4:1)
}
SEQUENTIAL_SCHEME: Final = "viridis"  # perceptually uniform, colour-blind safe
BACKGROUND: Final = "#FFFFFF"
TEXT: Final = "#0B0C0C"  # GOV.UK text colour
SUPPRESSED_COLOUR: Final = "#6F6F6F"

BASE_FONT: Final = 14
PRESENTATION_FONT: Final = 22


def vega_config(presentation: bool = False) -> dict[str, Any]:
    size = PRESENTATION_FONT if presentation else BASE_FONT
    return {
        "background": BACKGROUND,
        "font": "Source Sans Pro, Arial, sans-serif",
        "title": {"fontSize": size + 4, "anchor": "start", "color": TEXT, "fontWeight": 600},
        "axis": {
            "labelFontSize": size,
            "titleFontSize": size,
            "labelColor": TEXT,
            "titleColor": TEXT,
            "gridColor": "#E5E5E5",
            "labelLimit": 320,
            # Room between tick labels and the axis title: Vega places the title from its
            # own text metrics, which at presentation size put it over the tick labels.
            "titlePadding": size // 2 + 2,
        },
        "legend": {
            "labelFontSize": size,
            "titleFontSize": size,
            "labelColor": TEXT,
            "titleColor": TEXT,
            "labelLimit": 320,
            # One entry per line: Vega does not wrap a legend, so a row of five long
            # entries under a chart ran past its right edge at 1024 px and was cut off.
            "columns": 1,
        },
        "header": {
            "labelFontSize": size,
            "titleFontSize": size,
            "labelColor": TEXT,
            "titleColor": TEXT,
        },
        "text": {"fontSize": size, "color": TEXT},
        "view": {"stroke": None},
    }


THEME: Final = "equity"


def theme_config() -> dict[str, Any]:
    """The registered theme: screen type, and marks hidden from assistive technology.

    Vega labels an SVG mark group only from its items' descriptions, so an empty layer (a
    filter that matched nothing) or a mark without data fields (a zero rule) is an unnamed
    `graphics-symbol`, which axe reports as svg-img-alt. The chart's accessible name is its
    description (charts.finish) and its data are in the table beside it, so marks are
    `aria: false`; axes and legends keep their descriptions.
    """
    config = vega_config()
    return {"config": {**config, "mark": {"aria": False}}}


def contrast_ratio(foreground: str, background: str = BACKGROUND) -> float:
    """WCAG 2.x contrast ratio between two hex colours."""

    def luminance(hex_colour: str) -> float:
        value = hex_colour.lstrip("#")
        channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
