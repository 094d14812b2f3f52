"""The Accessibility statement's palette table: every chart colour, with its contrast
worked out from components/theme.py (the statement's claim of at least 3:1)."""

from __future__ import annotations

import pytest

from components.theme import BACKGROUND, GROUP_COLOURS, ROLE_COLOURS, contrast_ratio
from tests.pages.conftest import run_page

pytestmark = pytest.mark.page


def test_palette_table_lists_every_chart_colour_with_its_contrast() -> None:
    app = run_page("pages/accessibility.py")
    tables = [m.value for m in app.markdown if m.value.startswith("| Used for |")]
    assert len(tables) == 1
    rows = [line.strip("| ").split(" | ") for line in tables[0].splitlines()[2:]]
    colours = {*GROUP_COLOURS.values(), *ROLE_COLOURS.values()}
    assert len(rows) == len(GROUP_COLOURS) + len(ROLE_COLOURS)
    assert {colour for _, colour, _ in rows} == colours
    for label, colour, ratio in rows:
        assert label
        assert ratio == f"{contrast_ratio(colour, BACKGROUND):.1f}:1"
        assert float(ratio.removesuffix(":1")) >= 3.0, (label, colour, ratio)
