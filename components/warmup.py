"""The libraries other pages draw with, imported once a server process has drawn its first
page.

Why: the Overview draws its charts as Vega-Lite JSON and sends no Arrow (issue 16's cold
start), so Altair (~0.3 s with jsonschema) and pyarrow (~0.1 s) would otherwise be imported
by whichever page a user opens next, on that user's click. Imported here, at the end of the
process's first run, after everything on that page has been sent: the first user's page is
drawn already, and every later first visit finds them loaded. Code only: no data is read and
no cache is filled, so nothing here depends on who asked.

Then every object the process holds at that point (the libraries, mostly) is moved out of
the garbage collector's reach (`gc.freeze`): Python collects all generations as objects pile
up (Streamlit's own collection after each run is off, .streamlit/config.toml), and with
these libraries loaded one such collection walked some 127,000 objects in 50-100 ms, in the
middle of a user's run and holding the lock every other run needs. After the freeze the
same collection walks only the objects made since (1-3 ms measured).
"""

from __future__ import annotations

import gc
import importlib
import threading
from typing import Final

#: What the chart pages, "Show data" tables and exports' previews import on first use, and
#: the pages' own component packages (~30 ms between them, paid by each page's first visit
#: before: Similar schools' alone was ~15-20 ms of its first run).
MODULES: Final = (
    "pyarrow",
    "altair",
    "components.charts",
    "components.vega",
    "components.similar",
    "components.concentration",
    "components.school_trends",
    "components.gaps",
)

_lock = threading.Lock()
_done = False


def after_first_run() -> None:
    """Import MODULES once per process; later calls return at once."""
    global _done
    if _done:
        return
    with _lock:
        if _done:
            return
        for name in MODULES:
            importlib.import_module(name)
        gc.freeze()
        _done = True
