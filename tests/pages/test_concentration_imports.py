"""The Concentration page's first visit does not import pydeck (issue 16, first visit).

Its first tab draws no map, and pydeck's import (its regular expressions, tens of ms) was
paid by every first visit because components/maps.py imported it at module level. Imports
are per process, so this runs the Overview and then the page in a fresh interpreter."""

from __future__ import annotations

import pytest

from tests.pages.conftest import APP, probe_fresh_process

pytestmark = pytest.mark.page

_PROBE = """
import json, sys
from streamlit.testing.v1 import AppTest
from components import progressive

app = AppTest.from_file({app!r}, default_timeout=300)
app.run()
before = "pydeck" in sys.modules
app.switch_page("pages/concentration.py")
app.run()
progressive.press_all(app)  # the trend chart, drawn once the first screen is (a browser's press)
print(json.dumps({{
    "before": before,
    "after": "pydeck" in sys.modules,
    "exceptions": [e.value for e in app.exception],
    "charts": len(app.get("vega_lite_chart")),
}}))
"""


def test_first_visit_to_concentration_leaves_pydeck_unimported() -> None:
    seen = probe_fresh_process(_PROBE.format(app=APP))
    assert seen["exceptions"] == []
    assert seen["charts"] >= 1  # the page drew its first tab
    assert not seen["before"]  # or the check means nothing
    assert not seen["after"], "the first visit imported pydeck"
