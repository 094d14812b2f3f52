"""The story in this session: adding charts to it, editing it, sharing it, presenting it.

The story (equity/story.py) lives in `st.session_state` and, while the Story page is open,
in the URL as `?story=s1....`, so the address bar is always a shareable link. Slides hold
view references; each is redrawn from the store through components/views.py. A link can
be tampered with: it is decoded by `equity.story.decode` and a bad one shows an error and
an empty story. Author text is shown with Markdown escaped, and never in HTML.
"""

from __future__ import annotations

import json
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
URL_GROUP = "story"  # urlstate's name for the ?story= value last read or written
ERROR_KEY = "equity_story_error"
DECK_KEY = "equity_deck_for"
EDITOR = "story-slide-"


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
    link = urlstate.incoming(URL_GROUP, ("story",))
    if link is not None:
        raw = link["story"]
        try:
            _save(decode(raw), reset_editors=True)
        except StoryError as exc:
            _save(Story(), reset_editors=True)
            st.session_state[ERROR_KEY] = str(exc)


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
    urlstate.write(URL_GROUP, {"story": encoded})


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
