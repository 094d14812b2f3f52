"""The chart components/prefetch.py draws off screen is the pages' trend chart in kind."""

from __future__ import annotations

import json

import pytest

from components import prefetch

pytestmark = pytest.mark.page


def _marks(spec: object) -> set[str]:
    """Every mark type in a Vega-Lite spec, at any depth of layers."""
    found: set[str] = set()
    if isinstance(spec, dict):
        mark = spec.get("mark")
        if isinstance(mark, str):
            found.add(mark)
        elif isinstance(mark, dict) and "type" in mark:
            found.add(mark["type"])
        for value in spec.values():
            found |= _marks(value)
    elif isinstance(spec, list):
        for value in spec:
            found |= _marks(value)
    return found


def test_the_warmup_chart_has_the_trend_charts_marks_and_no_data_link() -> None:
    """The off-screen chart exercises what the pages' trend charts use (its point is to
    compile that code ahead), inline: it fetches nothing and names no dataset."""
    from tests.pages.conftest import run_page

    warmup = json.loads(prefetch.WARMUP_SPEC.read_text(encoding="utf-8"))
    app = run_page("pages/concentration.py")
    (trend,) = [json.loads(c.proto.spec) for c in app.get("vega_lite_chart")]
    assert _marks(trend) <= _marks(warmup)
    text = json.dumps(warmup)
    assert '"url"' not in text and '"name": "data-' not in text and "datasets" not in warmup
    assert len(prefetch.warmup_spec()) < 20_000  # sent once per tab with the script
