"""The Story page through app.py: links restore stories, bad links fail safely, presentation
shows one chart at a time in large type, and charts on other pages feed the story."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from components.presentation import slide_chart_height
from components.text import plain
from equity.story import Story, decode, encode
from tests.pages.conftest import chart_specs, run_page

pytestmark = pytest.mark.page

FILTERS = {"phase": "secondary", "group": "disadvantaged", "year": "2018/19"}
ATT8_MANCHESTER = {"v": "overview-ks4_attainment8", "la": "352", **FILTERS}
P8_GM = {"v": "overview-ks4_progress8", "la": "GM", **FILTERS}
STORY = (
    Story("Greater Manchester at 16")
    .add(ATT8_MANCHESTER, "Manchester's gap", "Pause on the orange bars.")
    .add(P8_GM)
)


def _markdown(app: AppTest) -> list[str]:
    return [m.value for m in app.markdown]


def _downloads(app: AppTest) -> list[str]:
    return [d.proto.label for d in app.get("download_button")]


def _counter(app: AppTest) -> str:
    return next(v for v in _markdown(app) if " / " in v and len(v) < 10)


def _drawn(spec: dict[str, Any]) -> dict[tuple[str, str], float]:
    return {(r["area"], r["group"]): r["value"] for r in spec["rows"]}


def test_a_story_link_restores_its_slides() -> None:
    app = run_page(page="pages/story.py", params={"story": encode(STORY)})
    assert not app.error
    assert app.text_input(key="story-slide-story-title").value == "Greater Manchester at 16"
    assert app.text_input(key="story-slide-title-0").value == "Manchester's gap"
    assert app.text_area(key="story-slide-note-0").value == "Pause on the orange bars."
    assert app.text_input(key="story-slide-title-1").value == ""
    headings = [v for v in _markdown(app) if v.startswith("**Slide")]
    assert len(headings) == 2
    assert "Progress 8" in headings[1]
    # The address bar stays a link to the same story.
    assert decode(app.query_params["story"]) == STORY


@pytest.mark.parametrize(
    "bad",
    [
        encode(STORY)[:-5] + "AAAAA",  # tampered
        "s9." + encode(STORY)[3:],  # unknown version
        "<script>alert(1)</script>",  # garbage
    ],
)
def test_a_bad_link_shows_an_error_and_an_empty_story(bad: str) -> None:
    app = run_page(page="pages/story.py", params={"story": bad})
    assert not app.exception
    assert len(app.error) == 1
    assert "This story link cannot be opened" in app.error[0].value
    assert not [v for v in _markdown(app) if v.startswith("**Slide")]
    assert "Your story is empty" in app.info[0].value


def test_presentation_shows_one_chart_and_its_takeaway_in_large_type() -> None:
    app = run_page(page="pages/story.py", params={"story": encode(STORY)})
    app.button(key="story-present").click().run()
    assert not app.exception
    specs = chart_specs(app)
    assert len(specs) == 1
    drawn = _drawn(specs[0])
    manchester = drawn[("Manchester", "disadvantaged")]
    # The takeaway is computed from the figure the chart draws.
    takeaway = next(v for v in _markdown(app) if v.startswith("In Manchester"))
    assert f"scored {manchester:.1f} points on KS4 Attainment 8 score" in takeaway
    assert f"# {plain(STORY.slides[0].title)}" in _markdown(app)
    assert "Pause on the orange bars" in " ".join(_markdown(app))
    assert any("Open Government Licence v3" in v for v in _markdown(app))
    assert _counter(app) == "1 / 2"
    config = specs[0]["config"]
    sizes = [
        config["title"]["fontSize"],
        config["axis"]["labelFontSize"],
        config["axis"]["titleFontSize"],
        config["legend"]["labelFontSize"],
        config["legend"]["titleFontSize"],
        config["text"]["fontSize"],
    ]
    assert min(sizes) >= 18
    # No sidebar: the presentation hides it with constant CSS (no data in the HTML).
    html = [h.proto.body for h in app.get("html")]
    assert any('[data-testid="stSidebar"]' in body and "Manchester" not in body for body in html)


def test_next_and_previous_move_between_slides() -> None:
    app = run_page(page="pages/story.py", params={"story": encode(STORY)})
    app.button(key="story-present").click().run()
    assert app.button(key="story-previous").disabled
    app.button(key="story-next").click().run()
    assert _counter(app) == "2 / 2"
    assert app.button(key="story-next").disabled
    drawn = _drawn(chart_specs(app)[0])
    assert ("Bolton", "disadvantaged") in drawn  # the GM view: every GM LA drawn
    assert app.query_params["slide"] == "2"
    app.button(key="story-previous").click().run()
    assert _counter(app) == "1 / 2"
    app.button(key="story-leave").click().run()
    assert app.title[0].value == "Story and presentation"
    assert "present" not in app.query_params


def test_a_bad_presentation_link_says_so_before_presenting() -> None:
    bad = encode(STORY)[:-5] + "AAAAA"
    app = run_page(page="pages/story.py", params={"story": bad, "present": "1"})
    assert not app.exception
    assert len(app.error) == 1
    assert "This story link cannot be opened" in app.error[0].value


def test_a_presentation_link_opens_at_its_slide() -> None:
    app = run_page(
        page="pages/story.py", params={"story": encode(STORY), "present": "1", "slide": "2"}
    )
    assert _counter(app) == "2 / 2"
    assert len(chart_specs(app)) == 1


def test_an_empty_story_presents_the_current_pages_charts() -> None:
    app = run_page(page="pages/story.py", params={"la": "352"})
    app.button(key="story-present").click().run()
    assert _counter(app) == "1 / 2"  # Overview, secondary: Attainment 8 and Progress 8
    assert ("Manchester", "disadvantaged") in _drawn(chart_specs(app)[0])


def test_add_to_story_then_edit_reorder_and_download() -> None:
    app = run_page(params={"la": "352"})
    labels = [b.label for b in app.button]
    # The default year is the latest published (2024/25); Progress 8 stops at 2023/24.
    assert "Add “KS4 Attainment 8 score: disadvantaged and other pupils, 2024/25” to story" in (
        labels
    )
    assert "Add “KS4 Progress 8 score: disadvantaged and other pupils, 2023/24” to story" in (
        labels
    )
    app.button(key="story-add-overview-ks4_attainment8").click().run()
    app.button(key="story-add-overview-ks4_progress8").click().run()
    app.switch_page("pages/story.py")
    app.run()
    assert not app.exception
    app.text_input(key="story-slide-title-1").input("Progress").run()
    app.button(key="story-up-1").click().run()
    story = decode(app.query_params["story"])
    assert [s.view_id for s in story.slides] == [
        "overview-ks4_progress8",
        "overview-ks4_attainment8",
    ]
    assert story.slides[0].title == "Progress"
    assert app.text_input(key="story-slide-title-0").value == "Progress"  # editors follow
    app.button(key="story-remove-1").click().run()
    assert len(decode(app.query_params["story"]).slides) == 1
    # Decks are made only when asked for, then offered with their sizes.
    assert not [d for d in _downloads(app) if "PowerPoint" in d]
    app.button(key="story-prepare").click().run()
    assert not app.exception
    decks = [d for d in _downloads(app) if "PowerPoint" in d or "PDF" in d]
    assert len(decks) == 2 and all("KB" in d for d in decks)


def test_chart_images_are_made_only_when_their_area_is_opened() -> None:
    app = run_page(params={"la": "352"})
    assert not [d for d in _downloads(app) if "PNG" in d or "SVG" in d]
    app.session_state["images-overview-ks4_attainment8"] = True  # the user opens it
    app.run()
    assert not app.exception
    images = [d for d in _downloads(app) if "PNG" in d or "SVG" in d]
    assert len(images) == 2
    assert all("KB" in label for label in images)


def test_slides_that_cannot_be_drawn_say_why_and_the_rest_still_show() -> None:
    story = (
        Story()
        .add({**ATT8_MANCHESTER, "v": "nosuchpage-chart"})
        .add({**ATT8_MANCHESTER, "la": "999"})
        .add({**ATT8_MANCHESTER, "v": "overview-ks2_rwm_expected_pct"})  # primary only
        .add(ATT8_MANCHESTER)
    )
    app = run_page(page="pages/story.py", params={"story": encode(story)})
    assert not app.exception
    warnings = [w.value for w in app.warning]
    assert len(warnings) == 3
    assert "cannot redraw its charts" in warnings[0]
    assert "no local authority with code '999'" in warnings[1]
    assert "is not drawn for Manchester" in warnings[2]
    app.button(key="story-present").click().run()
    assert "This slide cannot be drawn" in app.warning[0].value
    assert not chart_specs(app)
    for _ in range(3):
        app.button(key="story-next").click().run()
    assert _counter(app) == "4 / 4"
    assert len(chart_specs(app)) == 1


def test_a_presentation_link_past_the_last_slide_says_which_slide_is_shown() -> None:
    app = run_page(
        page="pages/story.py", params={"story": encode(STORY), "present": "1", "slide": "99"}
    )
    assert not app.exception
    assert _counter(app) == "2 / 2"
    assert app.query_params["slide"] == "2"
    notices = " ".join(t.value for t in app.toast)
    assert "slide 99" in notices and "has 2 slides, so slide 2 is shown" in notices
    # Said once: moving on does not repeat it.
    app.button(key="story-previous").click().run()
    assert not app.toast


def _stacked(heading: str, takeaway: str, chart: int) -> int:
    """What a slide stacks down to its buttons, with the page's CSS sizes (16 px rem):
    24 top padding; heading 3rem, 62 px a line, 40 characters a line at 1440 px wide;
    takeaway 2rem x 1.3, 42 px a line, 70 characters a line; five 16 px gaps, the CSS
    block's gap, the buttons (42) and a 32 px margin below them."""
    heading_px = 62 * max(1, -(-len(heading) // 40))
    takeaway_px = 42 * max(1, -(-len(takeaway) // 70))
    return 24 + heading_px + takeaway_px + chart + 5 * 16 + 16 + 42 + 32


def test_a_slide_fits_a_1440_by_900_screen_with_its_buttons_visible() -> None:
    app = run_page(page="pages/story.py", params={"story": encode(STORY)})
    app.button(key="story-present").click().run()
    takeaway = next(v for v in _markdown(app) if v.startswith("In Manchester"))
    heading = STORY.slides[0].title
    height = slide_chart_height(heading, takeaway)
    # The old fixed 540 px chart pushed the buttons below a 900 px screen.
    assert _stacked(heading, takeaway, 540) > 900
    assert _stacked(heading, takeaway, height) <= 900
    assert height >= 300
    # A short slide keeps the full height; a very long takeaway never squeezes the chart flat.
    assert slide_chart_height("Gap", "Short.") == 540
    assert slide_chart_height("Gap " * 30, "word " * 200) == 260
    # The buttons come straight after the chart; the note and source lines follow them.
    order = [(n.type, getattr(n, "key", None) or str(getattr(n, "value", ""))) for n in _walk(app)]
    chart_at = [t for t, _ in order].index("vega_lite_chart")
    assert order[chart_at + 1 : chart_at + 4] == [
        ("button", "story-previous"),
        ("button", "story-next"),
        ("button", "story-leave"),
    ]
    assert order[chart_at + 4] == ("markdown", "Pause on the orange bars.")
    chart = app.get("vega_lite_chart")[0].proto
    config = json.loads(chart.spec)["config"]
    assert min(config["axis"]["labelFontSize"], config["legend"]["labelFontSize"]) >= 18


def _walk(app: AppTest) -> list[Any]:
    """The main area's elements in the order they are drawn."""

    def leaves(node: Any) -> list[Any]:
        children = getattr(node, "children", None)
        if isinstance(children, dict) and children:
            return [leaf for key in sorted(children) for leaf in leaves(children[key])]
        return [node]

    return leaves(app.main)


@pytest.mark.parametrize(
    "slide",
    ["²", "+2", "02", "-1", "٢", "9" * 5000],
    ids=["superscript", "sign", "leading-zero", "negative", "arabic-indic", "5000-digits"],
)
def test_a_slide_number_that_is_not_a_plain_number_opens_the_first_slide(slide: str) -> None:
    """`&present=1&slide=²` raised a ValueError (isdigit() then int()); now it is a bad
    value like '99': the first slide is shown and the reader is told."""
    app = run_page(
        page="pages/story.py", params={"story": encode(STORY), "present": "1", "slide": slide}
    )
    assert not app.exception
    assert _counter(app) == "1 / 2"
    toasts = [t.value for t in app.toast]
    assert any("The link asks for slide" in t and "slide 1 is shown" in t for t in toasts), toasts
    assert app.query_params["slide"] == ["1"] or app.query_params["slide"] == "1"
