"""A section below the first screen, drawn as soon as the first screen is on screen.

Why: a browser draws a run's elements in one go, so a chart below the fold held back the
tiles and controls above it (on a new tab's first visit to Where disadvantage concentrates
the trend panel, out of sight at 1400x1000, was ~100 ms of its first screen: issue 16).

How: the first time a session runs the page, the section is a fragment holding only a button
that says what it draws, and a script that presses it once the run is over and the browser
has painted; the press reruns that fragment alone, which draws the section. Every later run
(a filter change, a return to the page) draws it at once. Nothing is hidden: without the
script a reader sees the button and can press it (keyboard reachable, like any button).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

import streamlit as st

#: Session state: the sections whose page has run once in this session, and those drawn.
SEEN_KEY: Final = "equity-progressive-seen"
DRAWN_KEY: Final = "equity-progressive-drawn"
#: Widget key of a section's button (its container's CSS class carries it): the prefix
#: is how `press_all` finds the buttons a browser presses.
BUTTON_PREFIX: Final = "equity-progressive-"
BUTTON_KEY: Final = BUTTON_PREFIX + "{name}"
#: Container key prefix of a section's script (hidden by components/layout.py's CSS).
SCRIPT_KEY: Final = "equity-progressive-script-{name}"
#: A section's name: fixed text in the source, the only thing written into the script.
NAME: Final = re.compile(r"[a-z0-9-]{1,60}")

_SCRIPT = """<script>
(() => {
  const button = () => document.querySelector('.st-key-BUTTON button');
  const app = document.querySelector('[data-testid="stApp"]');
  const over = () => !app || app.getAttribute('data-test-script-state') === 'notRunning';
  // Once the browser is idle: the first screen has been drawn and painted by then.
  const idle = window.requestIdleCallback || (f => setTimeout(f, 50));
  // The button may not be on the page yet when the script runs (its code still loading),
  // and a press can be lost (a run starting): look again until a press has taken it away;
  // a second press is harmless.
  let pressed = false;
  const press = (left) => idle(() => {
    const found = button();
    if (!found && pressed) return;
    if (found && over() && !found.disabled) { found.click(); pressed = true; }
    if (left > 0) setTimeout(() => press(left - 1), found ? 1000 : 200);
  }, {timeout: 1000});
  if (over()) { press(50); return; }
  const watch = new MutationObserver(() => { if (over()) { watch.disconnect(); press(50); } });
  watch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
})();
</script>"""


def script(name: str) -> str:
    """The section's script: fixed code and the section's name (checked against NAME)."""
    if not NAME.fullmatch(name):
        raise ValueError(f"a progressive section's name is [a-z0-9-]: {name!r}")
    return _SCRIPT.replace("BUTTON", BUTTON_KEY.format(name=name))


def below_first_screen(name: str, label: str, draw: Callable[[], None]) -> None:
    """`draw()` now if this session has run the page before, else right after the first
    screen (see the module's docstring). `label` says what the button draws."""
    seen = st.session_state.setdefault(SEEN_KEY, set())
    if name in seen:
        draw()
        return
    seen.add(name)

    @st.fragment
    def section() -> None:
        drawn = st.session_state.setdefault(DRAWN_KEY, set())
        if _pressed(name):
            drawn.add(name)
        if name in drawn:  # the section's own widgets rerun this fragment too
            draw()
            return
        _button(name, label)
        _script_box(name)

    section()


def when_idle(name: str, label: str, run: Callable[[], None]) -> None:
    """`run()` once this run is over and the browser is idle, with nothing drawn: the same
    button and script as a section's, both in the hidden script container, in a fragment
    whose rerun calls `run()`. For work no reader waits on but whose timing matters (the
    server's warm-up, components/warmup.py). A client without scripts never presses it;
    its caller says what happens then."""

    @st.fragment
    def trigger() -> None:
        if _pressed(name):
            run()
            return
        _script_box(name, inside=lambda: _button(name, label))

    trigger()


def _pressed(name: str) -> bool:
    """Whether this run is the one the button's press started."""
    return bool(st.session_state.get(BUTTON_KEY.format(name=name)))


def _button(name: str, label: str) -> None:
    st.button(label, key=BUTTON_KEY.format(name=name))


def _script_box(name: str, inside: Callable[[], None] = lambda: None) -> None:
    """The hidden container (components/layout.py's CSS) holding `inside()` and the script
    that presses the button: the one place this module writes JavaScript."""
    with st.container(key=SCRIPT_KEY.format(name=name)):
        inside()
        st.html(script(name), unsafe_allow_javascript=True)


def press_all(app: Any, after_each: Callable[[Any], None] = lambda app: None) -> Any:
    """What the pages' scripts do in a browser, for a headless run of the app (Streamlit's
    AppTest: the page tests, scripts/answers_ahead.py): press each progressive button on
    the page and rerun, calling `after_each(app)` after every run. Returns `app`."""
    for button in app.button:
        if button.key and button.key.startswith(BUTTON_PREFIX):
            button.click()
            app.run()
            after_each(app)
    return app
