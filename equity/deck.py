"""A story as a slide deck: PowerPoint (editable text, chart pictures) and PDF (one page per
slide, drawn as SVG and rasterised at 1920x1080 so it needs no PDF library beyond Pillow).

Every view slide carries its source with the licence, the data year, each caveat and the
date it was made: a slide copied into someone else's deck still says where it came from.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.presentation import Presentation as PptxPresentation
from pptx.slide import Slide as PptxSlide
from pptx.util import Emu, Inches, Pt

from equity import images

LICENCE: Final = "Open Government Licence v3.0"
DECK_SOURCE: Final = f"Source: DfE, {LICENCE}"
PAGE: Final = (1920, 1080)
_TEXT = RGBColor(0x0B, 0x0C, 0x0C)
_MUTED = RGBColor(0x3D, 0x3D, 0x3D)


@dataclass(frozen=True)
class SlideContent:
    """What one view slide shows; `chart_svg` is the chart in presentation type sizes."""

    title: str
    takeaway: str
    chart_svg: str
    source: str
    year: str
    caveats: tuple[str, ...] = ()
    note: str = ""


def source_line(source: str, year: str) -> str:
    """'Source: ...' with the licence and the data year, whatever the page wrote."""
    text = source.strip().rstrip(".")
    text = re.sub(r"Open Government Licence(?! v3)", LICENCE, text)
    if "licence" not in text.lower():
        text += f"; {LICENCE}"
    if year and year not in text:
        text += f"; data for {year}"
    if not re.search(r"\bDfE\b|Department for Education", text):
        text = f"DfE: {text}"
    return f"Source: {text}."


def made_on(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def caveat_lines(caveats: Sequence[str]) -> list[str]:
    return [f"Note: {c}" for c in caveats]


def beside_chart(caveats: Sequence[str]) -> bool:
    """Many caveats go in a column beside the chart: under it they would squeeze it flat."""
    return len(caveats) > 3 or sum(len(c) for c in caveats) > 360


# --------------------------------------------------------------------------- PowerPoint


def _text(
    slide: PptxSlide,
    box: tuple[int, int, int, int],
    lines: Sequence[str],
    size: int,
    *,
    bold: bool = False,
    italic: bool = False,
    colour: RGBColor = _TEXT,
) -> None:
    """A text box; if the text would overflow, PowerPoint and LibreOffice shrink it to fit."""
    left, top, width, height = box
    frame = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height)).text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.italic = italic
        run.font.color.rgb = colour


def pptx_bytes(title: str, slides: Sequence[SlideContent], day: date) -> bytes:
    """16:9 deck: a title slide, then per view its title, takeaway, chart, source and notes."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(12192000), Emu(6858000)  # 13.33 x 7.5 in
    deck.core_properties.title = title
    deck.core_properties.author = "Equity Explorer"
    first = deck.slides.add_slide(deck.slide_layouts[0])
    for shape, top, height, text in (
        (first.shapes.title, 2.0, 1.9, title),
        (first.placeholders[1], 4.1, 1.2, f"{made_on(day)}\n{DECK_SOURCE}"),
    ):  # the template's boxes are laid out for 4:3
        shape.left, shape.top = Inches(0.9), Inches(top)
        shape.width, shape.height = Inches(11.5), Inches(height)
        shape.text = text
    for content in slides:
        _view_slide(deck, content, day)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _view_slide(deck: PptxPresentation, content: SlideContent, day: date) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[5])  # "Title Only"
    heading = slide.shapes.title
    heading.left, heading.top = Inches(0.5), Inches(0.3)
    heading.width, heading.height = Inches(12.33), Inches(1.0)
    heading.text_frame.vertical_anchor = MSO_ANCHOR.TOP
    heading.text = content.title
    for para in heading.text_frame.paragraphs:
        para.alignment = PP_ALIGN.LEFT
        for run in para.runs:
            run.font.size, run.font.bold, run.font.color.rgb = Pt(26), True, _TEXT
    _text(slide, (Inches(0.5), Inches(1.35), Inches(12.33), Inches(0.9)), [content.takeaway], 18)
    top = Inches(2.3)
    if content.note:
        _text(
            slide,
            (Inches(0.5), top, Inches(12.33), Inches(0.5)),
            [content.note],
            14,
            italic=True,
            colour=_MUTED,
        )
        top = Inches(2.75)
    side = beside_chart(content.caveats)
    notes = [] if side else caveat_lines(content.caveats)
    footer = [*notes, source_line(content.source, content.year)]
    footer_top = Inches(7.5 - 0.25) - Pt(14) * len(footer) - Inches(0.1)
    width = Inches(12.33 * 0.62) if side else Inches(12.33)
    _picture(slide, content, (Inches(0.5), top, width, footer_top - Inches(0.1) - top))
    if side:
        chars = sum(len(c) for c in content.caveats)
        size = 12 if chars < 700 else 10 if chars < 1200 else 8
        _text(
            slide,
            (Inches(0.5 + 12.33 * 0.65), top, Inches(12.33 * 0.35), footer_top - top),
            caveat_lines(content.caveats),
            size,
            colour=_MUTED,
        )
    _text(slide, (Inches(0.5), footer_top, Inches(10.3), Inches(0.8)), footer, 10, colour=_MUTED)
    _text(
        slide,
        (Inches(10.83), Inches(7.5 - 0.55), Inches(2.0), Inches(0.3)),
        [made_on(day)],
        10,
        colour=_MUTED,
    )
    speaker = [content.note, content.takeaway, *caveat_lines(content.caveats), footer[-1]]
    slide.notes_slide.notes_text_frame.text = "\n".join(line for line in speaker if line)


def _picture(slide: PptxSlide, content: SlideContent, box: tuple[int, int, int, int]) -> None:
    """The chart at 1.5x (about 140 dpi on the slide), centred in `box` with its aspect kept."""
    picture = images.png(content.chart_svg, scale=1.5)
    width_px, height_px = Image.open(io.BytesIO(picture)).size
    left, top, box_w, box_h = box
    box_h = max(box_h, Inches(1))
    scale = min(box_w / width_px, box_h / height_px)
    width, height = int(width_px * scale), int(height_px * scale)
    slide.shapes.add_picture(
        io.BytesIO(picture), Emu(left + (box_w - width) // 2), Emu(top), Emu(width), Emu(height)
    )


# --------------------------------------------------------------------------- PDF


def page_svg(content: SlideContent, day: date) -> str:
    """One 1920x1080 slide: title, takeaway, note, chart, then caveats, source and date."""
    width, height = PAGE
    margin = 96
    inner = width - 2 * margin
    parts = [f'<rect width="{width}" height="{height}" fill="#FFFFFF"/>']
    y = 110.0
    for lines, size, weight, style, colour in (
        (images.wrap(content.title, 52, inner)[:2], 52, "bold", "normal", images.TEXT),
        (images.wrap(content.takeaway, 32, inner)[:4], 32, "normal", "normal", images.TEXT),
        (
            images.wrap(content.note, 26, inner)[:3] if content.note else [],
            26,
            "normal",
            "italic",
            images.MUTED,
        ),
    ):
        if lines:
            parts.append(
                images.text_block(
                    lines, x=margin, y=y, size=size, weight=weight, style=style, colour=colour
                )
            )
            y += size * 1.25 * len(lines) + size * 0.6
    side = beside_chart(content.caveats)
    notes = [] if side else caveat_lines(content.caveats)
    footer = [
        part
        for line in (*notes, source_line(content.source, content.year))
        for part in images.wrap(line, 22, inner - 360)
    ]
    footer_top = height - 56 - 22 * 1.25 * (len(footer) - 1)
    chart_bottom = footer_top - 22 - 24
    box_height = max(chart_bottom - y, 200)
    chart_width = inner * 0.62 if side else inner
    parts.append(images.placed(content.chart_svg, margin, y, chart_width, box_height))
    if side:
        parts.append(
            _side_column(content.caveats, margin + inner * 0.65, y, inner * 0.35, box_height)
        )
    parts.append(images.text_block(footer, x=margin, y=footer_top, size=22, colour=images.MUTED))
    parts.append(
        images.text_block(
            [made_on(day)],
            x=width - margin,
            y=height - 56,
            size=22,
            colour=images.MUTED,
            anchor="end",
        )
    )
    return _page(parts)


def _side_column(caveats: Sequence[str], x: float, y: float, width: float, height: float) -> str:
    """Caveats in a column beside the chart, in the largest type (20 px down to 12) that fits."""
    for size in (20, 18, 16, 14, 12):
        lines = [part for line in caveat_lines(caveats) for part in images.wrap(line, size, width)]
        if len(lines) * size * 1.25 <= height or size == 12:
            return images.text_block(lines, x=x, y=y + size, size=size, colour=images.MUTED)
    raise AssertionError("unreachable")


def title_page_svg(title: str, day: date) -> str:
    width, _ = PAGE
    lines = images.wrap(title, 72, width - 192)[:3]
    return _page(
        [
            f'<rect width="{PAGE[0]}" height="{PAGE[1]}" fill="#FFFFFF"/>',
            images.text_block(lines, x=96, y=380, size=72, weight="bold"),
            images.text_block(
                [made_on(day), DECK_SOURCE],
                x=96,
                y=380 + 90 * len(lines) + 60,
                size=36,
                colour=images.MUTED,
            ),
        ]
    )


def _page(parts: list[str]) -> str:
    width, height = PAGE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'version="1.1" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        + "".join(parts)
        + "</svg>"
    )


def page_images(title: str, slides: Sequence[SlideContent], day: date) -> list[Image.Image]:
    pages = [title_page_svg(title, day), *(page_svg(s, day) for s in slides)]
    return [Image.open(io.BytesIO(images.png(svg, scale=1))).convert("RGB") for svg in pages]


def pdf_bytes(title: str, slides: Sequence[SlideContent], day: date) -> bytes:
    """Pages as 1920x1080 images at 144 dpi (13.3 x 7.5 in, the PowerPoint page size).

    Pillow stores RGB pages as JPEG; at quality 90 without chroma subsampling coloured text
    stays crisp, at about a fifth of the size of a lossless page.
    """
    pages = page_images(title, slides, day)
    out = io.BytesIO()
    pages[0].save(
        out,
        "PDF",
        save_all=True,
        append_images=pages[1:],
        resolution=144.0,
        quality=90,
        subsampling=0,
        title=title,
        author="Equity Explorer",
        creator="Equity Explorer",
    )
    return out.getvalue()
