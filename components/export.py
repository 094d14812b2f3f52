"""Downloads of charts and stories: PNG and SVG per chart, PowerPoint and PDF per story.

Rendering (vl-convert, about 0.1-0.5 s a chart) happens only when asked: the image area
is an expander that tracks its state, and a deck is made on a button press. Bytes are
cached with `st.cache_data` keyed on the view reference, the store version and the output
kind, never on a frame or a chart (the view travels as an unhashed `_view` argument).

`equity.images` (vl-convert) and `equity.deck` (python-pptx, Pillow) are imported on first
use, when an image or a deck is made: every chart panel imports this module, and those
libraries cost about 0.15 s of the app's cold start for a feature most sessions never use.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from components import chart_view, data
from components.tables import human_size

if TYPE_CHECKING:  # imported where used (see the module docstring)
    from equity import deck

IMAGE_WIDTH = 800  # px before scale 2: a PNG of about 1900 px wide
SLIDE_CHART_WIDTH = 1100  # with presentation type, labels project at about 20-30 px
MIME = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}


def slug(text: str) -> str:
    """'Greater Manchester (10 LAs)' -> 'greater-manchester'; for file names."""
    text = re.sub(r"\(10 LAs\)", "", text, flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "equity-explorer"


def _key(ref: Mapping[str, str], **extra: object) -> str:
    return json.dumps({**ref, **{f"_{k}": v for k, v in extra.items()}}, sort_keys=True)


def footer_lines(view: chart_view.ChartView, year: str) -> list[str]:
    from equity import deck

    return [*deck.caveat_lines(view.caveats), deck.source_line(view.source, year)]


@st.cache_data(show_spinner=False, max_entries=128)
def _chart_svg(key: str, version: str, width: int, _view: chart_view.ChartView) -> str:
    del key, version  # the cache key: the view reference and the data it was drawn from
    from equity import images

    return images.chart_svg(images.sized(_view.chart.to_dict(), width))


def chart_svg(view: chart_view.ChartView, ref: Mapping[str, str], width: int) -> str:
    """The bare chart as SVG (presentation views are keyed apart by the caller's ref)."""
    return _chart_svg(_key(ref, w=width), data.store_version(), width, view)


@st.cache_data(show_spinner=False, max_entries=128)
def _image(key: str, version: str, kind: str, _view: chart_view.ChartView) -> bytes:
    del version
    from equity import images

    ref = json.loads(key)
    svg = images.with_footer(
        chart_svg(_view, {k: v for k, v in ref.items() if not k.startswith("_")}, IMAGE_WIDTH),
        footer_lines(_view, str(ref.get("year", ""))),
    )
    return svg.encode("utf-8") if kind == "svg" else images.png(svg, scale=2)


def image_bytes(view: chart_view.ChartView, kind: str, ref: Mapping[str, str]) -> bytes:
    """PNG (scale 2) or SVG of the chart with its caveats and source underneath."""
    # The footer (caveats, source) is drawn into the image, so it is part of the key.
    key = _key(ref, kind=kind, footer=footer_lines(view, str(ref.get("year", ""))))
    return _image(key, data.store_version(), kind, view)


def image_downloads(view: chart_view.ChartView, ref: Mapping[str, str]) -> None:
    area = st.expander(
        "Download image (PNG, SVG)",
        key=f"images-{view.view_id}",
        on_change="rerun",
        icon=":material/image:",
    )
    with area:
        if not area.open:
            return
        from equity import images

        started = time.perf_counter()
        try:
            files = {kind: image_bytes(view, kind, ref) for kind in ("png", "svg")}
        except images.RenderError as exc:
            st.error(f"This chart could not be drawn as an image: {exc}")
            return
        _download_buttons(
            files,
            label=str.upper,
            file_name=lambda kind: f"{slug(view.file_stem)}.{kind}",
            key=lambda kind: f"{kind}-{view.view_id}",
        )
        st.caption(
            f"Made in {time.perf_counter() - started:.1f} s. Both carry the source, year and "
            "notes under the chart."
        )


def _download_buttons(
    files: Mapping[str, bytes],
    *,
    label: Callable[[str], str],
    file_name: Callable[[str], str],
    key: Callable[[str], str],
) -> None:
    """One download button per file kind, side by side, each saying its size."""
    for col, (kind, payload) in zip(st.columns(len(files)), files.items(), strict=True):
        col.download_button(
            f"Download {label(kind)} ({human_size(len(payload))})",
            data=payload,
            file_name=file_name(kind),
            mime=MIME[kind],
            key=key(kind),
            on_click="ignore",
            icon=":material/download:",
        )


# --------------------------------------------------------------------------- stories


def slide_content(
    view: chart_view.ChartView, ref: Mapping[str, str], title: str = "", note: str = ""
) -> deck.SlideContent:
    """`view` is already in presentation type: views.present(view, keep_title=bool(title)),
    so the chart keeps its own title only under a slide title the author wrote."""
    from equity import deck

    variant = "titled" if title and title != view.title else "bare"
    svg = chart_svg(view, {**ref, "_present": variant}, SLIDE_CHART_WIDTH)
    return deck.SlideContent(
        title=title or view.title,
        takeaway=view.takeaway,
        chart_svg=svg,
        source=view.source,
        year=str(ref.get("year", "")),
        caveats=view.caveats,
        note=note,
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _deck(
    key: str, version: str, day: str, kind: str, _title: str, _slides: tuple[deck.SlideContent, ...]
) -> bytes:
    del key, version
    from equity import deck

    made = date.fromisoformat(day)
    if kind == "pptx":
        return deck.pptx_bytes(_title, _slides, made)
    return deck.pdf_bytes(_title, _slides, made)


def deck_downloads(
    key: str, title: str, slides: Sequence[deck.SlideContent], file_stem: str
) -> None:
    """PowerPoint and PDF of the story, made once per story, data version and day."""
    day = date.today()
    started = time.perf_counter()
    files = {
        kind: _deck(key, data.store_version(), day.isoformat(), kind, title, tuple(slides))
        for kind in ("pptx", "pdf")
    }
    labels = {"pptx": "PowerPoint", "pdf": "PDF"}
    _download_buttons(
        files,
        label=labels.__getitem__,
        file_name=lambda kind: f"{file_stem}-story-{day.isoformat()}.{kind}",
        key=lambda kind: f"story-{kind}",
    )
    st.caption(
        f"A title slide and {len(slides)} chart slide{'s' if len(slides) != 1 else ''}, made in "
        f"{time.perf_counter() - started:.1f} s. Each slide carries its source, year, notes "
        "and today's date."
    )
