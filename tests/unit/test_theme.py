"""Chart colours meet WCAG 2.2 non-text contrast (3:1) against the chart background."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import pytest

from components.theme import (
    BACKGROUND,
    GROUP_COLOURS,
    ROLE_COLOURS,
    SUPPRESSED_COLOUR,
    TEXT,
    THEME,
    contrast_ratio,
    theme_config,
    vega_config,
)

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
ALL_COLOURS = {f"group:{k}": v for k, v in GROUP_COLOURS.items()} | {
    f"role:{k}": v for k, v in ROLE_COLOURS.items()
}


def test_contrast_ratio_matches_hand_calculations() -> None:
    # Black on white: (1.0 + 0.05) / (0.0 + 0.05) = 21.
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    # #777777: channel 0x77/255 = 0.4667 -> ((0.4667 + 0.055) / 1.055) ** 2.4 = 0.1845;
    # (1.05) / (0.1845 + 0.05) = 4.48 (the classic "just fails 4.5:1" grey).
    assert contrast_ratio("#777777") == pytest.approx(4.48, abs=0.01)
    # Symmetric: the order of the two colours does not matter.
    assert contrast_ratio("#0072B2", "#FFFFFF") == pytest.approx(
        contrast_ratio("#FFFFFF", "#0072B2")
    )


@pytest.mark.parametrize("name", sorted(ALL_COLOURS))
def test_every_chart_colour_has_3_to_1_contrast_with_the_background(name: str) -> None:
    colour = ALL_COLOURS[name]
    assert HEX.match(colour), f"{name}: {colour} is not a #RRGGBB colour"
    ratio = contrast_ratio(colour, BACKGROUND)
    assert ratio >= 3.0, f"{name} {colour} has contrast {ratio:.2f}:1 against {BACKGROUND}"


def test_text_colours_meet_4_5_to_1() -> None:
    assert contrast_ratio(TEXT, BACKGROUND) >= 4.5
    assert contrast_ratio(SUPPRESSED_COLOUR, BACKGROUND) >= 4.5


def test_compared_groups_have_distinct_colours() -> None:
    assert GROUP_COLOURS["disadvantaged"] != GROUP_COLOURS["other"]
    assert GROUP_COLOURS["fsm"] != GROUP_COLOURS["not_fsm"]


def test_the_equity_theme_is_registered_and_active() -> None:
    # The chart builders' module registers it (components.theme stays free of Altair, so
    # the Overview's first chart is drawn without importing Altair: plain_charts.py).
    import components.charts  # noqa: F401

    assert alt.theme.active == THEME
    assert THEME in alt.theme.names()
    # Any chart, with no configure_* of its own, carries the whole theme.
    spec = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q").to_dict()
    assert spec["config"] == theme_config()["config"]


def test_every_text_colour_in_the_theme_meets_4_5_to_1() -> None:
    """Titles, axis and legend labels and titles, facet headers and text marks: TEXT."""
    for config in (theme_config()["config"], vega_config(presentation=True)):
        found = {
            f"{part}.{key}": value
            for part, settings in config.items()
            if isinstance(settings, dict)
            for key, value in settings.items()
            if key in {"color", "labelColor", "titleColor"}
        }
        assert {"legend.labelColor", "legend.titleColor", "axis.labelColor"} <= set(found)
        assert {"axis.titleColor", "title.color", "header.labelColor"} <= set(found)
        for name, colour in found.items():
            assert contrast_ratio(colour, config["background"]) >= 4.5, name


def test_marks_are_hidden_from_assistive_technology_but_guides_are_not() -> None:
    config = theme_config()["config"]
    assert config["mark"] == {"aria": False}
    assert "aria" not in config  # axes and legends keep their descriptions
