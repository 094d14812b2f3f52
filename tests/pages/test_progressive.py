"""components/progressive.py on Where disadvantage concentrates: the trend panel, below the
first screen, is a button on the session's first run of the page, drawn by the press (the
browser's script presses it: tests/browser/test_progressive.py), and drawn at once on every
later run."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components import progressive
from tests.pages.conftest import APP

pytestmark = pytest.mark.page

PAGE = "pages/concentration.py"
BUTTON = progressive.BUTTON_KEY.format(name="concentration-trend")


def _first_visit() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    app.switch_page(PAGE)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _trend_titles(app: AppTest) -> list[str]:
    return [h.value for h in app.subheader if "segregation index" in h.value]


def test_the_first_run_offers_the_section_and_a_press_draws_it() -> None:
    app = _first_visit()
    assert not _trend_titles(app) and not app.get("vega_lite_chart")
    button = app.button(key=BUTTON)
    assert button.label == "Draw the chart of this index over time"
    scripts = [h.proto.body for h in app.get("html") if BUTTON in h.proto.body]
    assert scripts == [progressive.script("concentration-trend")]
    tiles_before = [m.value for m in app.metric]
    button.click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert _trend_titles(app) and len(app.get("vega_lite_chart")) == 1
    assert not [b for b in app.button if b.key == BUTTON]
    assert [m.value for m in app.metric] == tiles_before  # the press reran the section only


def test_later_runs_draw_the_section_at_once() -> None:
    app = _first_visit()
    app.button(key=BUTTON).click().run()
    next(r for r in app.radio if r.label == "Index").set_value("dissimilarity").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("Dissimilarity index" in t for t in [h.value for h in app.subheader])
    assert not [b for b in app.button if b.key == BUTTON]


def test_a_section_not_yet_pressed_is_drawn_by_the_next_run() -> None:
    """A filter change before the press (or without the script) draws the section: it is
    deferred once, on the page's first run in the session, never withheld."""
    app = _first_visit()
    index = next(r for r in app.radio if r.label == "Index")
    index.set_value("dissimilarity").run()
    assert not app.exception, [e.value for e in app.exception]
    assert len(app.get("vega_lite_chart")) == 1
    assert any("Dissimilarity index" in h.value for h in app.subheader)
    assert not [b for b in app.button if b.key == BUTTON]
