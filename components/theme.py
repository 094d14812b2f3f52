"""Colours and type for every chart: colour-blind safe and readable on a projector.

The palette is Okabe & Ito's (2008), restricted to the colours with at least 3:1 contrast
against the white background (WCAG 2.2 non-text contrast); tests check the ratios.
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
        },
        "legend": {"labelFontSize": size, "titleFontSize": size, "labelLimit": 320},
        "header": {"labelFontSize": size, "titleFontSize": size},
        "text": {"fontSize": size},
        "view": {"stroke": None},
    }


def contrast_ratio(foreground: str, background: str = BACKGROUND) -> float:
    """WCAG 2.x contrast ratio between two hex colours."""

    def luminance(hex_colour: str) -> float:
        value = hex_colour.lstrip("#")
        channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
