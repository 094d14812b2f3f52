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

Then it draws one chart off screen (assets/vega-warmup.json: the trend chart's layers, with
a few rows of published figures) and throws it away. Why: a new tab's first chart of that
kind spent ~15-20 ms more of a first visit compiling Vega's code for its marks, axes and
expressions (School trends, Where disadvantage concentrates; measured in interleaved
probes); drawn once while the tab is idle, the page's own chart finds that code compiled.
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
  // Streamlit's loader of its Vega bundle exports one function returning {embed, ...}.
  const warmVega = async () => {
    for (const f of VEGA_LOADERS) {
      const loader = await import(new URL(f, entry.src).href);
      for (const load of Object.values(loader)) {
        if (typeof load !== 'function' || load.length) continue;
        const vega = await load();
        if (!vega || typeof vega.embed !== 'function') continue;
        const away = document.createElement('div');
        away.setAttribute('aria-hidden', 'true');
        away.style.cssText = 'position:absolute;left:-10000px;top:0;width:700px;height:320px';
        document.body.appendChild(away);
        try {
          const drawn = await vega.embed(away, WARMUP_SPEC, {actions: false, renderer: 'svg',
            ast: true, expr: vega.expressionInterpreter, tooltip: {theme: 'custom'}});
          drawn.finalize();
        } finally { away.remove(); }
        window.__equityVegaWarm = true;
        return;
      }
    }
  };
  const load = () => {
    FILES.forEach(f => import(new URL(f, entry.src).href).catch(() => {}));
    warmVega().catch(() => {});
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
    wanted = set(ELEMENTS)
    return tuple(
        path.name
        for path in sorted(static_js.glob("*.js"))
        if (match := CHUNK.match(path.name)) and match["name"] in wanted
    )


#: The chart drawn off screen (see the module's docstring).
WARMUP_SPEC: Final = Path(__file__).resolve().parents[1] / "assets" / "vega-warmup.json"


@cache
def vega_loaders(static_js: Path = STATIC_JS) -> tuple[str, ...]:
    """This Streamlit's loader of its Vega bundle (none found: no chart is drawn)."""
    return tuple(
        path.name
        for path in sorted(static_js.glob("*.js"))
        if (match := CHUNK.match(path.name)) and match["name"] == "loadVegaEmbed"
    )


@cache
def warmup_spec() -> str:
    """The off-screen chart's spec as a script literal ("</" escaped)."""
    spec = json.loads(WARMUP_SPEC.read_text(encoding="utf-8"))
    return json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")


def script() -> str:
    """The page script: fixed code, file names that CHUNK matched and the warm-up spec
    (a file in this repository; no other text)."""
    return (
        _SCRIPT.replace("FILES", json.dumps(list(chunk_files())))
        .replace("VEGA_LOADERS", json.dumps(list(vega_loaders())))
        .replace("WARMUP_SPEC", warmup_spec())  # last: the spec's text is not searched
    )


def render() -> None:
    """The script, in a container the app's CSS hides (components/layout.py): it draws
    nothing. Once per tab; later runs send the same element, which the browser keeps."""
    if not chunk_files():
        return
    with st.container(key="equity-prefetch"):
        st.html(script(), unsafe_allow_javascript=True)
