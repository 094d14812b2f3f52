"""Chart images, slide decks and PDFs, checked by opening them with their own readers."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import date

import polars as pl
import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from components import charts, export, views
from components.chart_view import ChartView, reference
from components.filters import Filters
from equity import deck, images

MANCHESTER = Filters("352", "secondary", "disadvantaged", "2018/19", "Manchester", ("352",))
TITLE = "KS4 Attainment 8 score: disadvantaged and other pupils, 2018/19"


def _view(measure: str = "ks4_attainment8", caveats: tuple[str, ...] = ()) -> ChartView:
    frame = pl.DataFrame(
        {
            "area": ["Manchester", "Manchester", "England", "England"],
            "group": ["disadvantaged", "other", "disadvantaged", "other"],
            "value": [37.6, 48.9, 36.7, 50.3],
        }
    )
    chart = charts.group_bars(
        frame, title=TITLE, value_title="Attainment 8", area_order=["Manchester", "England"]
    )
    return ChartView(
        view_id=f"overview-{measure}",
        title=TITLE,
        takeaway="In Manchester, disadvantaged pupils scored 37.6.",
        source="DfE Local Authority Interactive Tool (LAIT), Open Government Licence; "
        "academic year 2018/19.",
        chart=chart,
        table=frame,
        file_stem=f"{MANCHESTER.slug()}-{measure}",
        caveats=caveats,
        filters=MANCHESTER,
    )


def _content(view: ChartView, note: str = "") -> deck.SlideContent:
    presented = views.present(view, keep_title=False)
    svg = images.chart_svg(images.sized(presented.chart.to_dict(), 1100))
    return deck.SlideContent(
        view.title, view.takeaway, svg, view.source, "2018/19", view.caveats, note
    )


def test_png_decodes_at_twice_the_svg_size() -> None:
    svg = images.with_footer(
        images.chart_svg(images.sized(_view().chart.to_dict(), 800)), ["Source: DfE."]
    )
    width, height = images.svg_size(svg)
    picture = Image.open(io.BytesIO(images.png(svg, scale=2)))
    assert picture.format == "PNG"
    assert picture.size == (round(2 * width), round(2 * height))
    assert picture.size[0] > 1600  # 800 px of plot plus its axis labels, at scale 2


def test_svg_is_xml_with_the_title_source_and_caveat() -> None:
    view = _view(caveats=("Suppressed cells are left out.",))
    payload = export.image_bytes(view, "svg", reference(view))
    root = ET.fromstring(payload)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = " ".join("".join(node.itertext()) for node in root.iter())
    assert TITLE in text
    assert "Note: Suppressed cells are left out." in text
    assert "Open Government Licence v3.0" in text
    assert "2018/19" in text


def test_png_export_is_cached_on_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real_png = images.png
    monkeypatch.setattr(
        images, "png", lambda svg, scale: calls.append(scale) or real_png(svg, scale)
    )
    view = _view()
    ref = {**reference(view), "year": "2017/18"}  # a reference no other test renders
    first = export.image_bytes(view, "png", ref)
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    # The cache key is the reference, not the chart: the second call draws nothing.
    assert export.image_bytes(view, "png", ref) == first
    assert calls == [2]


def test_rendering_is_offline() -> None:
    spec = {
        "data": {"url": "https://example.com/data.csv"},
        "mark": "point",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    with pytest.raises(images.RenderError):
        images.chart_svg(spec)


def test_presentation_type_is_at_least_18px() -> None:
    config = views.present(_view()).chart.to_dict()["config"]
    sizes = [
        config["title"]["fontSize"],
        config["axis"]["labelFontSize"],
        config["axis"]["titleFontSize"],
        config["legend"]["labelFontSize"],
        config["legend"]["titleFontSize"],
        config["text"]["fontSize"],
    ]
    assert min(sizes) >= 18
    # The page's own chart keeps its screen sizes.
    assert _view().chart.to_dict()["config"]["axis"]["labelFontSize"] == 14


def test_deck_has_a_title_slide_and_one_picture_per_view() -> None:
    views_ = [_view(), _view("ks4_progress8", caveats=("Series break in 2019/20.",))]
    contents = [_content(views_[0], note="Pause here."), _content(views_[1])]
    payload = deck.pptx_bytes("Manchester at 16", contents, date(2026, 11, 23))
    shown = Presentation(io.BytesIO(payload))
    assert (shown.slide_width, shown.slide_height) == (
        12192000,
        6858000,
    )  # 16:9, PowerPoint's own size
    slides = list(shown.slides)
    assert len(slides) == 1 + len(contents)
    assert slides[0].shapes.title.text == "Manchester at 16"
    first_text = " ".join(s.text_frame.text for s in slides[0].shapes if s.has_text_frame)
    assert "23 November 2026" in first_text
    assert "Source: DfE, Open Government Licence v3.0" in first_text
    for slide, content in zip(slides[1:], contents, strict=True):
        assert slide.shapes.title.text == content.title
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        text = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        assert content.takeaway in text
        assert "Open Government Licence v3.0" in text and "2018/19" in text
        assert "23 November 2026" in text
        for caveat in content.caveats:
            assert f"Note: {caveat}" in text
    assert "Pause here." in slides[1].notes_slide.notes_text_frame.text


def test_pdf_has_one_page_per_slide_plus_the_title() -> None:
    contents = [_content(_view()), _content(_view("ks4_progress8"))]
    payload = deck.pdf_bytes("Manchester at 16", contents, date(2026, 11, 23))
    assert payload.startswith(b"%PDF")
    pages = re.findall(rb"/Type\s*/Page\b(?!s)", payload)
    assert len(pages) == len(contents) + 1


def test_pdf_page_carries_source_caveat_and_date() -> None:
    content = _content(_view(caveats=("Cohorts under 10 pupils are flagged.",)))
    svg = deck.page_svg(content, date(2026, 11, 23))
    text = " ".join("".join(node.itertext()) for node in ET.fromstring(svg).iter())
    assert "Note: Cohorts under 10 pupils are flagged." in text
    assert "Source: DfE Local Authority Interactive Tool (LAIT)" in text
    assert "23 November 2026" in text


@pytest.mark.parametrize(
    ("source", "year", "expected"),
    [
        (
            "DfE LAIT, Open Government Licence; academic year 2018/19.",
            "2018/19",
            "Source: DfE LAIT, Open Government Licence v3.0; academic year 2018/19.",
        ),
        (
            "School census January 2019",
            "2018/19",
            "Source: DfE: School census January 2019; Open Government Licence v3.0; "
            "data for 2018/19.",
        ),
    ],
)
def test_source_line_always_names_dfe_licence_and_year(
    source: str, year: str, expected: str
) -> None:
    assert deck.source_line(source, year) == expected


def test_file_names_say_what_and_when() -> None:
    assert export.slug(_view().file_stem) == "manchester-ks4-2018-19-ks4-attainment8"
    assert export.slug("Greater Manchester (10 LAs)") == "greater-manchester"
    assert export.slug("  ") == "equity-explorer"


def test_many_caveats_go_beside_the_chart_and_none_is_dropped() -> None:
    caveats = tuple(
        f"Caveat {i}: results in this year are not comparable with others." for i in range(8)
    )
    assert deck.beside_chart(caveats) and not deck.beside_chart(caveats[:2])
    content = _content(_view(caveats=caveats))
    shown = Presentation(io.BytesIO(deck.pptx_bytes("t", [content], date(2026, 11, 23))))
    slide = list(shown.slides)[1]
    text = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    assert all(f"Note: {c}" in text for c in caveats)
    (picture,) = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert picture.width <= shown.slide_width * 0.62  # the chart shares the slide
    page = deck.page_svg(content, date(2026, 11, 23))
    page_text = " ".join("".join(n.itertext()) for n in ET.fromstring(page).iter())
    assert all(f"Caveat {i}" in page_text for i in range(8))
