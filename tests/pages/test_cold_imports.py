"""What a fresh server imports before the Overview's first chart (issue 16, cold start).

The first screen should not wait on what it does not draw: Altair (the Overview's charts
are written as Vega-Lite JSON by components/plain_charts.py), pandas and pyarrow (Streamlit's
route for chart rows; components/vega_arrow.py writes them with polars instead; pandas not at
all, as the tables go as Arrow made from polars), nor the
exports' and maps' libraries (pptx, vl_convert, pyproj, pydeck, deltalake), which only a
download, a map page or an ingest needs. Imports are per process, so this runs the
Overview in a fresh interpreter (AppTest, the app as `streamlit run` starts it) and records
the modules loaded when the first chart is sent and when the run ends.
"""

from __future__ import annotations

import pytest

from components import progressive, warmup
from tests.pages.conftest import APP, probe_fresh_process

pytestmark = pytest.mark.page

#: Never imported by the Overview's first run (pandas: its tables go as Arrow made from
#: polars, components/tables.py `shown`; some 0.25 s of a cold start).
NEVER = ("pandas", "pptx", "vl_convert", "pyproj", "pydeck", "deltalake", "shapely")
#: Not imported before the first chart is sent (the data table below it needs pyarrow).
#: Altair (and its jsonschema) neither: the Overview's charts are written as Vega-Lite JSON
#: (components/plain_charts.py), Altair is for exports, slides and other pages; some 0.3 s.
#: numpy and PIL neither: Streamlit imports both to serve a file as the page icon, so app.py
#: sets the favicon after the warm-up (some 0.13 s).
NOT_BEFORE_FIRST_CHART = ("pyarrow", "altair", "jsonschema", "numpy", "PIL", *NEVER)
#: Not imported by the first run at all: the warm-up waits for the browser to be idle
#: (components/warmup.py), so the first chart is drawn while the process is free.
NOT_IN_FIRST_RUN = NOT_BEFORE_FIRST_CHART
#: Imported by the warm-up: other pages' component packages (and the libraries above).
PAGE_PACKAGES = ("components.similar", "components.school_trends")

_PROBE = """
import json, sys
import streamlit
from streamlit.testing.v1 import AppTest

watched = {watched!r}
seen = {{}}

def noting(draw):
    def first_chart(*args, **kwargs):
        out = draw(*args, **kwargs)  # the chart's data are converted in the call
        seen.setdefault("first_chart", sorted(m for m in watched if m in sys.modules))
        return out
    return first_chart

# The app draws through `st.vega_lite_chart` (components/vega.py) or `st.altair_chart`.
streamlit.vega_lite_chart = noting(streamlit.vega_lite_chart)
streamlit.altair_chart = noting(streamlit.altair_chart)
# Rerun app.py as a server does (else a rerun would execute the page alone).
from benchmarks.pages import keep_navigation_mode
keep_navigation_mode()
before = sorted(m for m in watched if m in sys.modules)
app = AppTest.from_file({app!r}, default_timeout=300)
app.run()
end = sorted(m for m in watched if m in sys.modules)
charts = len(app.get("vega_lite_chart"))
triggers = [b.key for b in app.button if b.key == {trigger!r}]
if {press!r}:  # as the browser's script does once it is idle
    for button in app.button:
        if button.key == {trigger!r}:
            button.click()
else:  # a client without scripts: its next run
    app.selectbox(key="filter_la").select_index(1)
app.run()
print(json.dumps({{
    "before": before,
    "first_chart": seen.get("first_chart"),
    "end": end,
    "triggers": triggers,
    "warmed": sorted(m for m in watched if m in sys.modules),
    "triggers_after": [b.key for b in app.button if b.key == {trigger!r}],
    "exceptions": [e.value for e in app.exception],
    "charts": charts,
}}))
"""


@pytest.mark.parametrize("press", [True, False], ids=["browser-presses", "no-script"])
def test_overview_first_run_leaves_heavy_imports_off_the_first_paint(press: bool) -> None:
    trigger = progressive.BUTTON_KEY.format(name=warmup.TRIGGER)
    code = _PROBE.format(
        watched=[*NOT_BEFORE_FIRST_CHART, *PAGE_PACKAGES], app=APP, trigger=trigger, press=press
    )
    seen = probe_fresh_process(code)
    assert seen["exceptions"] == []
    assert seen["charts"] >= 1 and seen["first_chart"] is not None
    # Testing machinery itself must not have loaded them, or the check means nothing.
    assert seen["before"] == [], seen["before"]
    assert seen["first_chart"] == [], f"imported before the first chart: {seen['first_chart']}"
    assert not set(seen["end"]) & set(NOT_IN_FIRST_RUN), seen["end"]
    assert seen["triggers"] == [trigger]
    # ...and once the browser has drawn the page and is idle (or, without its script, on the
    # next run) the libraries other pages draw with are loaded (components/warmup.py), so the
    # next page's first visit does not import them; the trigger is gone.
    assert {"altair", "pyarrow", "numpy", "PIL"} <= set(seen["warmed"]), seen["warmed"]
    assert set(PAGE_PACKAGES) <= set(seen["warmed"]), seen["warmed"]
    assert not set(seen["warmed"]) & set(NEVER), seen["warmed"]
    assert seen["triggers_after"] == []
