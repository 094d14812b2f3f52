"""A page's first visit on a warm server imports no pandas (issue 16, first visits).

pandas takes ~0.25-0.3 s to import, and whichever page first reaches for it pays that on a
user's click: the Accessibility statement's eleven-row palette table did, through
`st.table` (Streamlit imports pandas for any table it draws that way), and its first visit
was the slowest screen of a text page. The app's tables go as Arrow made from polars
(components/tables.py), its charts' rows likewise (components/vega_arrow.py), so no page's
first screen needs pandas. Imports are per process: each page runs in a fresh interpreter,
after the Overview and the warm-up a browser would have triggered (components/warmup.py).
"""

from __future__ import annotations

import pytest

from benchmarks.pages import Page, app_pages
from tests.pages.conftest import APP, probe_fresh_process

pytestmark = pytest.mark.page

_PROBE = """
import json, sys
from streamlit.testing.v1 import AppTest
from benchmarks.pages import keep_navigation_mode
from components import progressive
keep_navigation_mode()
app = AppTest.from_file({app!r}, default_timeout=300)
app.run()
progressive.press_all(app)  # the browser's idle press: the process warms up
before = "pandas" in sys.modules
app.switch_page({page!r})
app.run()
print(json.dumps({{
    "before": before,
    "after": "pandas" in sys.modules,
    "exceptions": [e.value for e in app.exception],
    "elements": len(list(app.main)),
}}))
"""

OTHER_PAGES = [page for page in app_pages() if not page.default]


@pytest.mark.parametrize("page", OTHER_PAGES, ids=[page.stem for page in OTHER_PAGES])
def test_first_visit_imports_no_pandas(page: Page) -> None:
    path = page.path
    seen = probe_fresh_process(_PROBE.format(app=APP, page=path))
    assert seen["exceptions"] == []
    assert seen["elements"] > 3, "the page drew nothing: the check would mean nothing"
    # The Overview and the warm-up left pandas out, or this would prove nothing.
    assert seen["before"] is False
    assert seen["after"] is False, f"{path}'s first run imported pandas"
