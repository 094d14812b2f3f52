"""Presenting a story: one slide at a time in large type, keys Left/Right/Esc, and the
`&present=1&slide=3` part of a story link.

The slides are the story's items (components/story.py); this module only shows them, so the
story never imports it. Constant CSS only: no data value, name or author text is ever put
into this module's HTML.
"""

from __future__ import annotations

import math

import streamlit as st

from components import chart_view, export, urlstate, vega, views
from components.story import Item
from components.text import plain

PRESENT_KEY = "equity_presenting"
SLIDE_KEY = "equity_slide"
PRESENT_GROUP = "present"  # urlstate's name for the presentation's link values
PRESENT_PARAMS = ("present", "slide")
MAX_SLIDE_NUMBER = 999  # more digits than any story has slides: a bad value, not a number
REQUESTED_KEY = "equity_slide_requested"  # the slide a link asked for, until shown once
#: Presentation layout, in CSS pixels, for the smallest common laptop screen (1440x900): the
#: heading, takeaway, chart and the Previous/Next buttons must fit without scrolling (the
#: note and the source sit below the buttons). Line estimates are generous, so the chart
#: only gets what is left. Chart type stays >= 18 px (theme.vega_config(presentation=True)).
VIEWPORT_HEIGHT = 900
SLIDE_CHART_MAX, SLIDE_CHART_MIN = 540, 260
#: Fixed parts: top padding (24), block gaps (5 x 16), the hidden CSS block, buttons (42),
#: a bottom margin so the buttons are not flush with the screen edge (32).
_SLIDE_FIXED = 24 + 5 * 16 + 16 + 42 + 32
_HEADING_LINE, _HEADING_CHARS = 62, 40  # 3rem type, in 6/7 of a 1344 px column
_TAKEAWAY_LINE, _TAKEAWAY_CHARS = 42, 70  # 2rem type x 1.3, the full 1344 px column

#: Presentation mode: no sidebar or header, large high-contrast type. Constant CSS only:
#: no data value, name or author text is ever put into this HTML.
PRESENTATION_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] {display: none !important;}
[data-testid="stMainBlockContainer"] {padding-top: 1.5rem !important; max-width: 100% !important;
  padding-left: 3rem !important; padding-right: 3rem !important;}
.st-key-equity-presentation, .st-key-equity-presentation p {color: #0B0C0C;}
.st-key-equity-presentation h1 {font-size: 3rem; color: #0B0C0C; padding: 0;}
.st-key-equity-takeaway p {font-size: 2rem; line-height: 1.3; font-weight: 600;}
.st-key-equity-slide-notes p {font-size: 1.3rem; color: #0B0C0C;}
.st-key-equity-counter p {font-size: 1.6rem; font-weight: 700; text-align: right;}
</style>
"""


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT_KEY))


def start_presenting() -> None:
    st.session_state[PRESENT_KEY] = True
    st.session_state[SLIDE_KEY] = 0


def from_url() -> None:
    """`&present=1&slide=3` opens the presentation at slide 3 (once per new value, the
    URL helper's rule). A slide that is not a plain whole number (`²`, `+2`, `02`, 5,000
    digits) is a bad value like `99`: the first slide, and the reader is told."""
    link = urlstate.incoming(PRESENT_GROUP, PRESENT_PARAMS)
    if link is None or link["present"] != "1":
        return
    st.session_state[PRESENT_KEY] = True
    slide = link["slide"] or "1"
    number = urlstate.whole_number(slide, 1, MAX_SLIDE_NUMBER)
    st.session_state[SLIDE_KEY] = number - 1 if number is not None else 0
    st.session_state[REQUESTED_KEY] = slide


def _step(offset: int, total: int) -> None:
    st.session_state[SLIDE_KEY] = max(
        0, min(total - 1, st.session_state.get(SLIDE_KEY, 0) + offset)
    )


def _stop() -> None:
    st.session_state[PRESENT_KEY] = False
    urlstate.write(PRESENT_GROUP, {"present": None, "slide": None})


def presentation(shown: list[Item]) -> None:
    """One slide at a time: title, takeaway, chart in large type; keys Left/Right/Esc."""
    total = len(shown)
    index = max(0, min(total - 1, int(st.session_state.get(SLIDE_KEY, 0))))
    st.session_state[SLIDE_KEY] = index
    urlstate.write(PRESENT_GROUP, {"present": "1", "slide": str(index + 1)})
    st.html(PRESENTATION_CSS)
    _requested_notice(st.session_state.pop(REQUESTED_KEY, None), index, total)
    view = None
    with st.container(key="equity-presentation"):
        if total == 0:
            st.info("There is no chart to present for these filters.")
        else:
            view = _slide(shown[index], index, total)
        with st.container(horizontal=True, vertical_alignment="center"):
            st.button(
                "Previous slide",
                key="story-previous",
                icon=":material/arrow_back:",
                shortcut="Left",
                disabled=index == 0,
                on_click=_step,
                args=(-1, total),
            )
            st.button(
                "Next slide",
                key="story-next",
                icon=":material/arrow_forward:",
                shortcut="Right",
                type="primary",
                disabled=index >= total - 1,
                on_click=_step,
                args=(1, total),
            )
            st.button(
                "Leave presentation",
                key="story-leave",
                icon=":material/close:",
                shortcut="Esc",
                on_click=_stop,
            )
        if view is not None:
            _notes(shown[index], view)


def _requested_notice(requested: str | None, index: int, total: int) -> None:
    """A link's slide number that does not exist is said, not silently replaced."""
    if requested is None or total == 0 or requested == str(index + 1):
        return
    slides = "slide" if total == 1 else "slides"
    st.toast(
        f"The link asks for slide {plain(requested[:8])}, but this story has {total} {slides}, so "
        f"slide {index + 1} is shown.",
        icon=":material/info:",
    )


def slide_chart_height(heading: str, takeaway: str) -> int:
    """Chart height so heading + takeaway + chart + buttons fit a 900 px high screen."""
    heading_lines = max(1, math.ceil(len(heading) / _HEADING_CHARS))
    takeaway_lines = max(1, math.ceil(len(takeaway) / _TAKEAWAY_CHARS))
    used = _SLIDE_FIXED + heading_lines * _HEADING_LINE + takeaway_lines * _TAKEAWAY_LINE
    return max(SLIDE_CHART_MIN, min(SLIDE_CHART_MAX, VIEWPORT_HEIGHT - used))


def _slide(item: Item, index: int, total: int) -> chart_view.ChartView | None:
    """Heading, takeaway and chart; the note and source go below the buttons (_notes)."""
    head, counter = st.columns([6, 1], vertical_alignment="center")
    head.markdown(f"# {plain(item.heading)}")
    with counter.container(key="equity-counter"):
        st.markdown(f"{index + 1} / {total}", help=f"Slide {index + 1} of {total}")
    if item.view is None:
        st.warning(f"This slide cannot be drawn: {item.error}.", icon=":material/warning:")
        return None
    view = views.present(item.view, keep_title=item.custom_title)
    with st.container(key="equity-takeaway"):
        st.markdown(plain(view.takeaway))
    vega.draw(
        view.chart,
        height=slide_chart_height(item.heading, view.takeaway),
        alt_text=f"{view.title}. {view.takeaway}",
    )
    return view


def _notes(item: Item, view: chart_view.ChartView) -> None:
    with st.container(key="equity-slide-notes"):
        if item.slide is not None and item.slide.note:
            st.markdown(plain(item.slide.note).replace("\n", "  \n"))
        year = item.ref.get("year", "")
        for line in export.footer_lines(view, year):
            st.markdown(plain(line))
