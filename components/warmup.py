"""The libraries other pages draw with, imported once a server process has drawn its first
page and the browser showing it is idle.

Why: the Overview draws its charts as Vega-Lite JSON and sends no Arrow (issue 16's cold
start), so Altair (~0.3 s with jsonschema) and pyarrow (~0.1 s) would otherwise be imported
by whichever page a user opens next, on that user's click. Code only: no data is read and
no cache is filled, so nothing here depends on who asked.

When: not in the process's first run. Imported at the end of that run (after its elements
were sent) the libraries still held the process and one of the machine's two cores while the
browser fetched the chart code from that process and drew the first chart: a fresh server's
first chart came ~0.25 s later (interleaved cold starts, national store: 3.66 s with, 3.42 s
without). So the first run leaves a hidden trigger (components/progressive.when_idle) that
the browser presses once that run is over and it has nothing left to do; the fragment run
the press starts does the imports, long before anyone reads the page and clicks. A client
that runs no scripts never presses it, so any later run of the process imports them at its
end instead.

The page icon waits for the same moment: Streamlit turns an image file into a favicon
through its image code, which imports numpy and PIL (~0.13 s of that first chart measured the
same way), so the icon is set by the warm-up's run, then at the top of every run after it
(app.py shows an emoji until then).

With the imports, the first calls of the code that turns a frame into the Arrow bytes a
table or chart sends (polars' Arrow export, pyarrow's IPC writer, Streamlit's table route),
on a three-row frame made here: the first such call in a process took 15-20 ms (pyarrow
setting up its writer and memory pool), the next ones 0.2-1 ms, and the first table drawn
(Similar schools' family, the Data page's coverage) paid it on a user's click.

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
from collections.abc import Callable
from typing import Final

from components import progressive

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
    # Streamlit's image code, for the page icon (app.py).
    "numpy",
    "PIL.Image",
    "PIL.ImageFile",
)
#: The trigger's name (components/progressive.when_idle) and what its button says.
TRIGGER: Final = "warm-up"
TRIGGER_LABEL: Final = "Load the code the other pages use"

_lock = threading.Lock()
_done = False
_first_run_seen = False


def done() -> bool:
    """Whether this process has warmed up (MODULES are imported)."""
    return _done


def at_end_of_run(then: Callable[[], None]) -> None:
    """Call at the end of every run until `done()`: `then()` (what needs the warm-up, the
    page icon) once the process is warmed up; before that, the process's first run leaves
    the trigger and any other run warms up at its end (see the module's docstring)."""
    global _first_run_seen
    if _done:
        then()
        return
    with _lock:
        first, _first_run_seen = not _first_run_seen, True
    if first:
        progressive.when_idle(TRIGGER, TRIGGER_LABEL, lambda: _warm_then(then))
    else:
        _warm_then(then)


def _warm_then(then: Callable[[], None]) -> None:
    warm_up()
    then()


def warm_up() -> None:
    """Import MODULES once per process; later calls return at once."""
    global _done
    if _done:
        return
    with _lock:
        if _done:
            return
        for name in MODULES:
            importlib.import_module(name)
        _first_calls()
        gc.freeze()
        _done = True


def _first_calls() -> None:
    """Send a three-row frame (made here, no data read) through the table and chart
    routes once, for their first-call costs (see the module's docstring)."""
    import polars as pl
    from streamlit import dataframe_util

    from components import tables, vega_arrow

    frame = pl.DataFrame({"label": ["a", "b", "c"], "value": [1.0, None, 2.5], "n": [1, 2, 3]})
    table = tables.shown(frame)
    dataframe_util.convert_arrow_table_to_arrow_bytes(table)
    vega_arrow.frame_bytes(frame)
