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
#: opens on purpose. Metric: Where disadvantage concentrates draws its index tiles with
#: st.metric, which the Overview no longer does (components/tiles.py); its five tiles
#: showed loading placeholders for 30-70 ms of that page's first visit.
ELEMENTS: Final = (
    "Checkbox",
    "DataFrame",
    "DownloadButton",
    "FileUploader",
    "Metric",
    "NumberInput",
    "Slider",
    "Table",
    "TextField",
    "TextInput",
)
#: A chunk's file name: its name, a content hash, .js.
CHUNK = re.compile(r"^(?P<name>[A-Za-z][A-Za-z-]*)\.[A-Za-z0-9_-]+\.js$")
#: A chunk's style sheet: its name, a content hash, .css. The browser asks for it only when
#: the chunk is first drawn, and draws the element once it has arrived (the data grid's, on
#: Similar schools' and Data and methods' first visits): fetched ahead, it comes from the
#: browser's cache (Streamlit sends these files as immutable).
STYLE = re.compile(r"^(?P<name>[A-Za-z][A-Za-z-]*)\.[A-Za-z0-9_-]+\.css$")
#: Where this Streamlit keeps its frontend's code and style sheets.
STATIC_JS: Final = Path(st.__file__).parent / "static" / "static" / "js"
STATIC_CSS: Final = STATIC_JS.parent / "css"
#: Faces of Streamlit's own fonts (its @font-face rules) that the Overview does not use and
#: other pages' text does: italics (Accessibility's, emphasis in notes) and the monospaced
#: face (code in Similar schools' method). The browser fetches a face when text first needs
#: it, on that page's click; loaded ahead through the page's own rules (`document.fonts`).
FONTS: Final = ('italic 400 16px "Source Sans"', '400 16px "Source Code Pro"')

_SCRIPT = """<script>
(() => {
  if (window.__equityPrefetch) return;
  window.__equityPrefetch = true;
  const entry = document.querySelector('script[type="module"][src*="static/js/index."]');
  if (!entry) return;
  const load = () => {
    FILES.forEach(f => import(new URL(f, entry.src).href).catch(() => {}));
    STYLES.forEach(f => fetch(new URL('../css/' + f, entry.src).href).catch(() => {}));
    if (document.fonts) FONTS.forEach(f => document.fonts.load(f).catch(() => {}));
  };
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
    return _named(static_js, "*.js", CHUNK)


@cache
def style_files(static_css: Path = STATIC_CSS) -> tuple[str, ...]:
    """The style sheets of ELEMENTS' chunks (most have none), looked up as chunk_files."""
    return _named(static_css, "*.css", STYLE)


def _named(folder: Path, glob: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
    wanted = set(ELEMENTS)
    return tuple(
        path.name
        for path in sorted(folder.glob(glob))
        if (match := pattern.match(path.name)) and match["name"] in wanted
    )


#: The template's placeholders, each replaced by a JSON list.
_PLACEHOLDER = re.compile(r"\b(FILES|STYLES|FONTS)\b")


def script() -> str:
    """The page script: fixed code, file names that CHUNK and STYLE matched and FONTS (no
    other text). One pass over the template: a list put in first is never searched for
    the next placeholder (a content hash may hold capitals)."""
    lists = {"FILES": chunk_files(), "STYLES": style_files(), "FONTS": FONTS}
    return _PLACEHOLDER.sub(lambda found: json.dumps(list(lists[found[1]])), _SCRIPT)


def render() -> None:
    """The script, in a container the app's CSS hides (components/layout.py): it draws
    nothing. Once per tab; later runs send the same element, which the browser keeps."""
    if not chunk_files():
        return
    with st.container(key="equity-prefetch"):
        st.html(script(), unsafe_allow_javascript=True)
