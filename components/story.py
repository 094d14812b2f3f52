"""The story in this session: adding charts to it, editing it, sharing it, presenting it.

The story (equity/story.py) lives in `st.session_state` and, while the Story page is open,
in the URL as `?story=s1....`, so the address bar is always a shareable link. Slides hold
view references; each is redrawn from the store through components/views.py. A link can
be tampered with: it is decoded by `equity.story.decode` and a bad one shows an error and
an empty story. Author text is shown with Markdown escaped, and never in HTML.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from components import chart_view, export, urlstate, views
from components.filters import Filters
from components.tables import csv_bytes, human_size
from components.text import plain
from equity.schema import PHASE_LABELS
from equity.story import MAX_NOTE, MAX_TITLE, Slide, Story, StoryError, decode, encode

STORY_KEY = "equity_story"
PARAM_KEY = "equity_story_param"  # the ?story= value last read or written
ERROR_KEY = "equity_story_error"
PRESENT_KEY = "equity_presenting"
SLIDE_KEY = "equity_slide"
PRESENT_GROUP = "present"  # urlstate's name for the presentation's link values
PRESENT_PARAMS = ("present", "slide")
MAX_SLIDE_NUMBER = 999  # more digits than any story has slides: a bad value, not a number
DECK_KEY = "equity_deck_for"
EDITOR = "story-slide-"
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


@dataclass(frozen=True)
class Item:
    """A slide ready to show: its reference, and its view or why there is none."""

    ref: dict[str, str]
    slide: Slide | None
    view: chart_view.ChartView | None
    error: str = ""

    @property
    def heading(self) -> str:
        if self.slide is not None and self.slide.title:
            return self.slide.title
        return self.view.title if self.view is not None else self.ref.get("v", "")

    @property
    def custom_title(self) -> bool:
        return bool(
            self.slide and self.slide.title and self.view and self.slide.title != self.view.title
        )


def current() -> Story:
    story = st.session_state.get(STORY_KEY)
    return story if isinstance(story, Story) else Story()


def _save(story: Story, *, reset_editors: bool = False) -> None:
    st.session_state[STORY_KEY] = story
    st.session_state.pop(ERROR_KEY, None)
    if reset_editors:  # the slide editors' widgets re-read the moved slides
        for key in [k for k in st.session_state if str(k).startswith(EDITOR)]:
            del st.session_state[key]


# --------------------------------------------------------------------------- on every chart


def add_button(view: chart_view.ChartView, ref: Mapping[str, str]) -> None:
    rebuildable = views.prefix_of(view.view_id) is not None
    st.button(
        f"Add “{view.title}” to story",
        key=f"story-add-{view.view_id}",
        on_click=_add,
        args=(dict(ref),),
        icon=":material/playlist_add:",
        disabled=not rebuildable,
        help=(
            "Adds this chart, with these filters, as a slide of your story: see Share > "
            "Story and presentation."
            if rebuildable
            else "This page's charts cannot be redrawn from a link yet, so not added to stories."
        ),
    )


def _add(ref: dict[str, str]) -> None:
    story = current()
    for number, slide in enumerate(story.slides, start=1):
        if slide.ref == ref:
            st.toast(f"Already in your story as slide {number}.", icon=":material/info:")
            return
    try:
        _save(story.add(ref))
    except StoryError as exc:
        st.toast(f"Not added: {exc}.", icon=":material/error:")
        return
    st.toast(
        f"Added as slide {len(story.slides) + 1}. Open “Story and presentation” to edit, "
        "share or present it.",
        icon=":material/playlist_add_check:",
    )


# --------------------------------------------------------------------------- the link


def load_from_url() -> None:
    """Open the story in ?story= when it is new to this session; a bad one leaves an
    empty story and an error to show (`link_error`)."""
    raw = st.query_params.get("story")
    if raw and raw != st.session_state.get(PARAM_KEY):
        st.session_state[PARAM_KEY] = raw
        try:
            _save(decode(raw), reset_editors=True)
        except StoryError as exc:
            _save(Story(), reset_editors=True)
            st.session_state[ERROR_KEY] = str(exc)
    _present_from_url()


def link_error() -> None:
    message = st.session_state.get(ERROR_KEY)
    if message:
        st.error(
            f"This story link cannot be opened: {message}. An empty story is shown instead; "
            "ask for a fresh link.",
            icon=":material/link_off:",
        )


def sync_url(story: Story) -> None:
    """Keep the address bar a working link to this story (not while a bad link's error is
    on screen: the reader should see what they opened)."""
    if st.session_state.get(ERROR_KEY):
        return
    try:
        encoded = encode(story) if story.slides or story.title else ""
    except StoryError:
        encoded = ""
    if encoded:
        st.query_params["story"] = encoded
    else:
        st.query_params.pop("story", None)
    st.session_state[PARAM_KEY] = encoded or None


def share(story: Story) -> None:
    st.header("Share", anchor=False)
    if not story.slides:
        st.caption("Add a chart to the story to get a link to it.")
        return
    try:
        encoded = encode(story)
    except StoryError as exc:
        st.warning(f"No link: {exc}. The downloads below still work.", icon=":material/link_off:")
        return
    base = st.context.url or "story"
    st.code(f"{base}?story={encoded}", language=None, wrap_lines=True)
    st.caption(
        f"The link ({len(encoded)} characters) holds your choices and words, not the figures: "
        "whoever opens it sees the charts redrawn from the published data. Add `&present=1` "
        "to open it as a presentation."
    )


# --------------------------------------------------------------------------- slides


def items(selection: Filters) -> list[Item]:
    """The story's slides, or, for an empty story, the charts of the page drawn last (the
    Overview's at first) for the sidebar's filters."""
    story = current()
    if story.slides:
        return [_resolve(slide) for slide in story.slides]
    prefix = st.session_state.get(chart_view.LAST_PREFIX_KEY) or "overview-"
    try:
        page = views.page_views(prefix, selection)
    except views.ViewError:
        page = views.page_views("overview-", selection)
    return [Item(chart_view.reference(view), None, view) for view in page]


def _resolve(slide: Slide) -> Item:
    try:
        return Item(slide.ref, slide, views.build(slide.ref))
    except views.ViewError as exc:
        return Item(slide.ref, slide, None, str(exc))


def describe(ref: Mapping[str, str]) -> str:
    phase = PHASE_LABELS.get(ref.get("phase", ""), ref.get("phase", ""))
    try:
        area = views.filters_from(ref).la_label
    except views.ViewError:
        area = ref.get("la", "?")
    return f"{area} · {phase} · {ref.get('year', '')}"


def editor(shown: list[Item]) -> None:
    story = current()
    st.text_input(
        "Story title",
        value=story.title,
        key=f"{EDITOR}story-title",
        max_chars=MAX_TITLE,
        on_change=_retitle,
        placeholder="For example: The disadvantage gap at 16 in Greater Manchester",
    )
    if not story.slides:
        st.info(
            "Your story is empty. Under any chart choose “Add … to story”. Until then, "
            "presenting and the downloads use the charts of the page you opened last, for "
            "the filters in the sidebar.",
            icon=":material/info:",
        )
        return
    for index, item in enumerate(shown):
        _slide_editor(index, item, len(shown))


def _slide_editor(index: int, item: Item, total: int) -> None:
    number = index + 1
    slide = item.slide or Slide.of(item.ref)
    with st.container(border=True):
        heading = item.view.title if item.view is not None else slide.view_id
        st.markdown(f"**Slide {number}:** {plain(heading)}")
        st.caption(plain(describe(item.ref)))
        if item.view is None:
            st.warning(f"This slide cannot be drawn: {item.error}.", icon=":material/warning:")
        else:
            st.caption(plain(item.view.takeaway))
        st.text_input(
            f"Title of slide {number}",
            value=slide.title,
            key=f"{EDITOR}title-{index}",
            max_chars=MAX_TITLE,
            placeholder=heading,
            on_change=_edit,
            args=(index, "title"),
        )
        st.text_area(
            f"Note for slide {number}",
            value=slide.note,
            key=f"{EDITOR}note-{index}",
            max_chars=MAX_NOTE,
            height=80,
            on_change=_edit,
            args=(index, "note"),
            help="Shown under the chart when presenting and in the slide's speaker notes.",
        )
        with st.container(horizontal=True):
            st.button(
                f"Move slide {number} up",
                key=f"story-up-{index}",
                icon=":material/arrow_upward:",
                disabled=index == 0,
                on_click=_move,
                args=(index, -1),
            )
            st.button(
                f"Move slide {number} down",
                key=f"story-down-{index}",
                icon=":material/arrow_downward:",
                disabled=index == total - 1,
                on_click=_move,
                args=(index, 1),
            )
            st.button(
                f"Remove slide {number}",
                key=f"story-remove-{index}",
                icon=":material/delete:",
                on_click=_remove,
                args=(index,),
            )
            if item.view is not None:
                payload = csv_bytes(item.view.table)
                st.download_button(
                    f"Slide {number} data, CSV ({human_size(len(payload))})",
                    data=payload,
                    file_name=f"{export.slug(item.view.file_stem)}.csv",
                    mime="text/csv",
                    key=f"story-csv-{index}",
                    on_click="ignore",
                )


def _retitle() -> None:
    _save(current().retitle(str(st.session_state.get(f"{EDITOR}story-title", ""))))


def _edit(index: int, field: str) -> None:
    value = str(st.session_state.get(f"{EDITOR}{field}-{index}", ""))
    try:
        story = current()
        _save(story.edit(index, **{field: value}))
    except StoryError as exc:
        st.toast(f"Not saved: {exc}.", icon=":material/error:")


def _move(index: int, offset: int) -> None:
    _save(current().move(index, offset), reset_editors=True)


def _remove(index: int) -> None:
    _save(current().remove(index), reset_editors=True)


# --------------------------------------------------------------------------- downloads


def downloads(shown: list[Item]) -> None:
    st.header("Download the story", anchor=False)
    story = current()
    ready = [item for item in shown if item.view is not None]
    if not ready:
        st.caption("No chart to put in a deck yet.")
        return
    key = json.dumps({"t": story.title, "s": [[i.ref, i.heading, _note(i)] for i in ready]})
    if st.session_state.get(DECK_KEY) != key:
        st.button(
            f"Prepare slide deck ({len(ready)} charts, PowerPoint and PDF)",
            key="story-prepare",
            icon=":material/slideshow:",
            on_click=st.session_state.__setitem__,
            args=(DECK_KEY, key),
        )
        st.caption("Slides are drawn when you ask, about half a second each.")
        return
    area = ready[0].view.filters.la_label if ready[0].view and ready[0].view.filters else ""
    title = story.title or f"{area}: school equity indicators".lstrip(": ")
    with st.spinner("Drawing the slides…"):
        contents = [
            export.slide_content(
                views.present(item.view, keep_title=item.custom_title),
                item.ref,
                item.heading,
                _note(item),
            )
            for item in ready
            if item.view is not None
        ]
        export.deck_downloads(key, title, contents, export.slug(story.title or area))


def _note(item: Item) -> str:
    return item.slide.note if item.slide is not None else ""


# --------------------------------------------------------------------------- presenting


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT_KEY))


def start_presenting() -> None:
    st.session_state[PRESENT_KEY] = True
    st.session_state[SLIDE_KEY] = 0


def _present_from_url() -> None:
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
    st.altair_chart(
        view.chart,
        theme=None,
        width="stretch",
        height=slide_chart_height(item.heading, view.takeaway),
        alt=f"{view.title}. {view.takeaway}",
    )
    return view


def _notes(item: Item, view: chart_view.ChartView) -> None:
    with st.container(key="equity-slide-notes"):
        if item.slide is not None and item.slide.note:
            st.markdown(plain(item.slide.note).replace("\n", "  \n"))
        year = item.ref.get("year", "")
        for line in export.footer_lines(view, year):
            st.markdown(plain(line))
