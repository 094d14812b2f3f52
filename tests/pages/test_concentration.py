"""The concentration page through app.py: charts, maps and notes as a user gets them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import maps
from equity.analysis import concentration as conc
from equity.schema import GREATER_MANCHESTER
from equity.store import Store, default_store_path
from tests.pages.conftest import chart_specs, run_page

pytestmark = pytest.mark.page
PAGE = "pages/concentration.py"


def _chart(app: Any, starts: str) -> dict[str, Any]:
    """The chart whose title starts with `starts`: on the page a chart's title is its
    panel's heading and the start of its `alt` text ("title. takeaway")."""
    found = [s for s in chart_specs(app) if s["alt_text"].startswith(starts)]
    assert found, [s["alt_text"][:80] for s in chart_specs(app)]
    return found[0]


def _decks(app: Any) -> list[dict[str, Any]]:
    return [json.loads(element.proto.json) for element in app.get("deck_gl_json_chart")]


@pytest.fixture(scope="module")
def manchester() -> Any:
    return run_page(page=PAGE, params={"la": "352", "phase": "secondary", "year": "2018-19"})


def test_manchester_is_compared_with_every_gm_la_and_england(manchester: Any) -> None:
    assert manchester.title[0].value == "Where disadvantage concentrates: Manchester"
    spec = _chart(manchester, "Gorard segregation index, secondary schools, 2018/19")
    rows = [r for r in spec["rows"] if "area" in r]
    drawn = {r["area"]: r for r in rows}
    assert set(GREATER_MANCHESTER.values()) <= set(drawn)
    assert drawn["Manchester"]["Role"] == "Selected LA"
    assert {
        drawn[name]["Role"] for name in GREATER_MANCHESTER.values() if name != "Manchester"
    } == {"Greater Manchester LA"}
    assert len(rows) >= 148  # every English LA with a state secondary school
    store = Store.open(default_store_path())
    expected = conc.area_indices(store, "352", "2018/19", "secondary")["gorard"]
    assert drawn["Manchester"]["value"] == pytest.approx(expected, abs=1e-4)
    median = [r["median"] for r in spec["rows"] if "median" in r]
    assert len(median) == 1 and 0.1 < median[0] < 0.25
    assert "Manchester's Gorard segregation index is 0.104" in spec["alt_text"]


def test_the_page_says_which_counts_it_uses(manchester: Any) -> None:
    captions = [c.value for c in manchester.caption]
    assert any(
        c.startswith("Counts used: the January 2019 school census (2018/19)") for c in captions
    )
    counts = next(c for c in captions if c.startswith("Counts used"))
    assert "NUMFSMEVER" not in counts  # DfE's codes are not on the first screen...
    about = [e for e in manchester.expander if e.label == "About this figure"]
    assert about and "NUMFSMEVER" in about[0].caption[0].value  # ...but one click away
    metrics = {m.label: m.value for m in manchester.metric}
    assert metrics["Gorard segregation index"] == "0.104"
    assert metrics["Schools counted"] == "31"


def test_both_maps_are_drawn_offline_and_small(manchester: Any) -> None:
    school_map, choropleth = _decks(manchester)
    assert [layer["id"] for layer in school_map["layers"]] == [
        "areas",
        "selected-outline",
        "schools",
        "area-names",
    ]
    points = school_map["layers"][2]["data"]
    assert len(points) == 31
    assert points[0]["name"] == "Newall Green High School"
    assert [layer["id"] for layer in choropleth["layers"]] == [
        "las",
        "gm-outline",
        "selected-outline",
    ]
    assert len(choropleth["layers"][0]["data"]["features"]) == 152
    for element in manchester.get("deck_gl_json_chart"):
        assert len(element.proto.json.encode()) < maps.MAX_PAYLOAD
        assert "cartocdn" not in element.proto.json and "mapbox" not in element.proto.json
        assert element.proto.alt  # a text alternative travels with the map


def test_highest_share_table_and_distribution(manchester: Any) -> None:
    frames = {tuple(df.value.columns)[:2]: df.value for df in manchester.dataframe}
    highest = frames[("School", "URN")]
    assert highest["School"].iloc[0] == "Newall Green High School"
    assert highest["% disadvantaged"].iloc[0] == pytest.approx(67.3)
    spec = _chart(manchester, "How the share of disadvantaged pupils varies")
    bins = [r for r in spec["rows"] if "schools" in r]
    assert sum(r["schools"] for r in bins) == 31
    rate = [r["rate"] for r in spec["rows"] if "rate" in r]
    assert rate == [pytest.approx(47.6)]


def test_segregation_curve_has_the_even_spread_diagonal(manchester: Any) -> None:
    spec = _chart(manchester, "Segregation curve: Manchester")
    diagonal = [r for r in spec["rows"] if set(r) == {"x", "y"} and r["x"] in (0, 100)]
    assert {(r["x"], r["y"]) for r in diagonal} >= {(0, 0), (100, 100)}
    curve = [r for r in spec["rows"] if "pct_pupils" in r]
    assert curve[-1]["pct_pupils"] == pytest.approx(100)


def test_choosing_another_index_redraws_the_comparison(manchester: Any) -> None:
    manchester.radio(key="concentration_index").set_value("isolation").run()
    spec = _chart(manchester, "Isolation index, secondary schools")
    drawn = {r["area"]: r["value"] for r in spec["rows"] if "area" in r}
    assert drawn["Manchester"] == pytest.approx(0.5076, abs=1e-4)


def test_gm_default_compares_all_ten_las() -> None:
    # No year in the link: 2024/25, so the page draws the nearest census year, 2023/24.
    app = run_page(page=PAGE)
    spec = _chart(app, "Gorard segregation index, secondary schools, 2023/24")
    gm = {r["area"] for r in spec["rows"] if r.get("Role") == "Greater Manchester LA"}
    assert gm == set(GREATER_MANCHESTER.values())
    assert "Selected LA" not in {r.get("Role") for r in spec["rows"]}
    school_map, choropleth = _decks(app)
    assert len(school_map["layers"][1]["data"]["features"]) == 10
    names = {row["name"] for row in school_map["layers"][-1]["data"]}
    assert set(GREATER_MANCHESTER.values()) <= names  # each GM LA's outline is named
    assert [layer["id"] for layer in choropleth["layers"]] == ["las", "gm-outline"]


def test_a_year_without_school_counts_shows_the_nearest_year_with_a_switch() -> None:
    # 2024/25 has no census or performance file: the page is drawn at 2023/24 (the nearest
    # census loaded) and says so, instead of emptying; one click sets the sidebar's year.
    app = run_page(page=PAGE, params={"la": "352", "phase": "secondary", "year": "2024-25"})
    notes = [i.value for i in app.info if "nearest year loaded" in i.value]
    assert notes == [
        "School-level figures on this page are for 2023/24, the nearest year loaded to "
        "2024/25 (the sidebar)."
    ]
    names = [s["alt_text"] for s in chart_specs(app)]
    assert any(t.startswith("Gorard segregation index, secondary schools, 2023/24") for t in names)
    assert len(_decks(app)) == 2  # the school map and the LA map
    switch = next(b for b in app.button if b.label == "Show 2023/24 on every page")
    switch.click().run()
    assert app.session_state["filter_year"] == "2023/24"  # the sidebar widget's state


def test_other_pupil_groups_are_explained_and_eal_shows_its_share() -> None:
    boys = run_page(page=PAGE, params={"la": "352", "group": "boys"})
    assert any("every figure here is for disadvantaged pupils" in i.value for i in boys.info)
    eal = run_page(page=PAGE, params={"la": "352", "group": "eal", "year": "2018-19"})
    spec = _chart(eal, "How the share of pupils with English as an additional language")
    assert sum(r["schools"] for r in spec["rows"] if "schools" in r) == 32


def test_charts_and_map_twins_can_join_a_story(manchester: Any) -> None:
    buttons = {b.label: b for b in manchester.button if b.label.startswith("Add “")}
    titles = [label.removeprefix("Add “").removesuffix("” to story") for label in buttons]
    assert any(t.startswith("Manchester: secondary schools by share") for t in titles)
    assert any(t.startswith("% ever eligible for FSM") for t in titles)
    assert not any(b.disabled for b in buttons.values())


def test_a_reference_rebuilds_the_same_view() -> None:
    from components import views

    ref = {
        "v": "concentration-compare",
        "la": "352",
        "phase": "secondary",
        "group": "disadvantaged",
        "year": "2018/19",
        "index": "dissimilarity",
    }
    view = views.build(ref)
    assert view.title.startswith("Dissimilarity index, secondary schools, 2018/19")
    row = view.table.filter(view.table["LA code"] == "352").row(0, named=True)
    assert row["dissimilarity"] == pytest.approx(0.1991, abs=1e-4)
    choropleth = views.build({**ref, "v": "concentration-choropleth", "indicator": "gorard"})
    assert choropleth.chart.to_dict()["projection"]["type"] == "mercator"
    with pytest.raises(views.ViewError):
        views.build({**ref, "index": "<script>"})


def test_an_la_outside_gm_is_compared_with_its_region() -> None:
    # Hampshire (850): the rest of the South East, never "the rest of Greater Manchester".
    app = run_page(page=PAGE, params={"la": "850", "phase": "secondary", "year": "2018-19"})
    words = " ".join(m.value for m in app.markdown)
    assert "the other South East LAs and England" in words
    assert "Greater Manchester" not in words
    spec = _chart(app, "Gorard segregation index, secondary schools, 2018/19")
    roles = {r.get("Role") for r in spec["rows"]} - {None}  # None: the reference layers
    assert roles == {"Selected LA", "South East LA", "Other LA"}
    assert "Greater Manchester" not in spec["alt_text"]
