"""Streamlit's browser code for the widgets and tables other pages draw, fetched by the
browser while it is idle on the first page a user opens.

Why: Streamlit's frontend loads the code for a kind of element (a slider, a data grid, a
download button) the first time a page shows one, and only then draws that page's first
screen. That code comes from the same Python process that is running the page, so on a
sidebar click to Similar schools, School trends or Data and methods some 20 files were
fetched in a chain while the page's run held the process, 150-250 ms of the first screen
(issue 16). Fetched ahead, the click finds them loaded. Not before the run that sent the
script is over and the browser is idle: asked for at once, or when the browser was first
idle (waiting on the run), the files made a fresh server's first chart later (cold start
2.4 s to 2.7 s: both contend for the one process and the CPU). Code only: the same files
for every user, nothing about the data or the session.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Final

import streamlit as st

#: Element code other pages draw and the Overview does not (measured: the files a first
#: visit to each page fetched, Streamlit 1.67). Not the map's: some 3 MB, for a tab a user
#: opens on purpose.
ELEMENTS: Final = (
    "Checkbox",
    "DataFrame",
    "DownloadButton",
    "FileUploader",
    "NumberInput",
    "Slider",
    "Table",
    "TextField",
    "TextInput",
)
#: A chunk's file name: its name, a content hash, .js.
CHUNK = re.compile(r"^(?P<name>[A-Za-z][A-Za-z-]*)\.[A-Za-z0-9_-]+\.js$")
#: Where this Streamlit keeps its frontend's code.
STATIC_JS: Final = Path(st.__file__).parent / "static" / "static" / "js"

_SCRIPT = """<script>
(() => {
  if (window.__equityPrefetch) return;
  window.__equityPrefetch = true;
  const entry = document.querySelector('script[type="module"][src*="static/js/index."]');
  if (!entry) return;
  const load = () => FILES.forEach(
    f => import(new URL(f, entry.src).href).catch(() => {}));
  const idle = () => (window.requestIdleCallback || (f => setTimeout(f, 500)))(load);
  // After the run that sent this script is over (the server is free again), once idle.
  const app = document.querySelector('[data-testid="stApp"]');
  const over = () => !app || app.getAttribute('data-test-script-state') === 'notRunning';
  if (over()) { idle(); return; }
  const watch = new MutationObserver(() => {
    if (over()) { watch.disconnect(); idle(); }
  });
  watch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
})();
</script>"""


@cache
def chunk_files(static_js: Path = STATIC_JS) -> tuple[str, ...]:
    """This Streamlit's file names for ELEMENTS (their hashes change with each release, so
    they are looked up, never written down); a name not found is left out."""
    wanted = set(ELEMENTS)
    return tuple(
        path.name
        for path in sorted(static_js.glob("*.js"))
        if (match := CHUNK.match(path.name)) and match["name"] in wanted
    )


def script() -> str:
    """The page script: fixed code and file names that CHUNK matched (no other text)."""
    return _SCRIPT.replace("FILES", json.dumps(list(chunk_files())))


def render() -> None:
    """The script, in a container the app's CSS hides (components/layout.py): it draws
    nothing. Once per tab; later runs send the same element, which the browser keeps."""
    if not chunk_files():
        return
    with st.container(key="equity-prefetch"):
        st.html(script(), unsafe_allow_javascript=True)
