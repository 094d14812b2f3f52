"""The concentration page through app.py: charts, maps and notes as a user gets them."""

from __future__ import annotations

import functools
import json
from typing import Any

import polars as pl
import pytest

from components import maps
from components.concentration.common import SECTIONS
from equity.analysis import census, concentration_trends
from equity.analysis import concentration as conc
from equity.schema import GREATER_MANCHESTER
from equity.store import Store, default_store_path
from tests.pages.conftest import chart_specs, open_show_data, run_page

pytestmark = pytest.mark.page
PAGE = "pages/concentration.py"
CENSUS_YEARS = ["2017/18", "2018/19", "2020/21", "2022/23", "2023/24"]
OVER_TIME, RANKING, SCHOOLS, SCHOOL_MAP, LA_MAP = SECTIONS
MANCHESTER_2019 = (("la", "352"), ("phase", "secondary"), ("year", "2018-19"))
MANCHESTER_2024 = (("la", "352"), ("phase", "secondary"), ("year", "2023-24"))


def _chart(app: Any, starts: str) -> dict[str, Any]:
    """The chart whose title starts with `starts`: on the page a chart's title is its
    panel's heading and the start of its `alt` text ("title. takeaway")."""
    found = [s for s in chart_specs(app) if s["alt_text"].startswith(starts)]
    assert found, [s["alt_text"][:80] for s in chart_specs(app)]
    return found[0]


def _decks(app: Any) -> list[dict[str, Any]]:
    return [json.loads(element.proto.json) for element in app.get("deck_gl_json_chart")]


def _open(app: Any, section: str) -> Any:
    """The same page with another tab open, as its link (`?section=`) opens it."""
    app.query_params["section"] = section
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@functools.cache
def _visit(section: str | None, params: tuple[tuple[str, str], ...] = ()) -> Any:
    """The page opened by a link with `params` and (unless None) `?section=`; shared by the
    tests that only read it."""
    query = dict(params) | ({"section": section} if section else {})
    return run_page(page=PAGE, params=query)


def _trend_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The trend chart's own series (area, England median): the rows with a segment."""
    return [r for r in spec["rows"] if "segment" in r]


@pytest.fixture(scope="module")
def store() -> Store:
    return Store.open(default_store_path())


@pytest.fixture(scope="module")
def manchester() -> Any:
    return run_page(page=PAGE, params={"la": "352", "phase": "secondary", "year": "2018-19"})


@pytest.fixture(scope="module")
def manchester_2024() -> Any:
    return run_page(page=PAGE, params={"la": "352", "phase": "secondary", "year": "2023-24"})


# --------------------------------------------------------------------------- over time


def test_trend_has_five_censuses_with_the_january_2021_break(manchester_2024: Any) -> None:
    spec = _chart(
        manchester_2024,
        "Gorard segregation index, secondary schools (ever-FSM), "
        "January 2018 census to January 2024 census: Manchester",
    )
    own = [r for r in _trend_rows(spec) if r["series"] == "Manchester"]
    assert [r["academic_year"] for r in own] == CENSUS_YEARS
    lines = {r["academic_year"]: r["line"] for r in own}
    # Joined within a basis, never across it: 2018-2019 | 2021 | 2023-2024.
    assert lines["2017/18"] == lines["2018/19"]
    assert lines["2022/23"] == lines["2023/24"]
    assert len({lines["2018/19"], lines["2020/21"], lines["2022/23"]}) == 3
    breaks = sorted(r["x0"] for r in spec["rows"] if r.get("kind") == "break")
    assert breaks == [2019.5, 2021.5]  # before January 2021 and before January 2023
    england = [r for r in _trend_rows(spec) if r["series"] == "England LA median"]
    assert len(england) == 5


def test_trend_values_are_the_analysis_functions(manchester_2024: Any, store: Store) -> None:
    spec = _chart(
        manchester_2024, "Gorard segregation index, secondary schools (ever-FSM), January 2018"
    )
    own = {r["academic_year"]: r["value"] for r in _trend_rows(spec) if r["series"] == "Manchester"}
    for year in CENSUS_YEARS:
        row = census.segregation_by_la(store, year, "secondary").filter(pl.col("la_code") == "352")
        assert own[year] == pytest.approx(row["gorard"][0], abs=1e-9)
    # The other nine GM LAs are the thin context lines.
    context = {r["series"] for r in spec["rows"] if "line" in r and "segment" not in r}
    assert context == set(GREATER_MANCHESTER.values()) - {"Manchester"}


def test_tile_and_takeaway_give_one_value_per_index(manchester_2024: Any, store: Store) -> None:
    metrics = {m.label: m.value for m in manchester_2024.metric}
    expected = census.segregation_by_la(store, "2023/24", "secondary").filter(
        pl.col("la_code") == "352"
    )
    gorard = f"{expected['gorard'][0]:.3f}"
    assert metrics["Gorard segregation index, January 2024 census"] == gorard
    assert metrics["Schools counted, January 2024 census"] == str(expected["schools"][0])
    spec = _chart(
        manchester_2024, "Gorard segregation index, secondary schools (ever-FSM), January 2018"
    )
    takeaway = spec["alt_text"].split(". ", 1)[1]
    assert f"to {gorard} (January 2024 census)" in takeaway
    assert "fell" in takeaway and "year-to-year noise" in takeaway
    summary = concentration_trends.change_summary(store, "secondary", "gorard")
    assert f"({summary['noise']:.3f})" in takeaway


def test_ranking_of_every_la_by_change(store: Store) -> None:
    spec = _chart(_visit(RANKING, MANCHESTER_2024), "Change in the Gorard segregation index")
    rows = [r for r in spec["rows"] if "area" in r]
    assert 140 <= len(rows) <= 152
    drawn = {r["area"]: r for r in rows}
    assert drawn["Manchester"]["Role"] == "Selected LA"
    assert {drawn[n]["Role"] for n in GREATER_MANCHESTER.values() if n != "Manchester"} == {
        "Greater Manchester LA"
    }
    ranking = concentration_trends.change_ranking(store, "secondary", "gorard")
    mine = ranking.filter(pl.col("la_code") == "352").row(0, named=True)
    assert drawn["Manchester"]["change"] == pytest.approx(mine["change"], abs=1e-4)
    assert drawn["Manchester"]["rank"] == mine["rank"]
    band = [r for r in spec["rows"] if "high" in r]
    assert len(band) == 1 and band[0]["high"] == pytest.approx(-band[0]["low"])
    assert "January 2018 census to January 2024 census" in spec["alt_text"]


def test_each_school_over_the_censuses_and_the_movers() -> None:
    schools_tab = _visit(SCHOOLS, MANCHESTER_2024)
    spec = _chart(schools_tab, "Each secondary school's % ever-FSM pupils")
    rate = [r for r in _trend_rows(spec) if r["series"] == "Manchester: all schools"]
    assert [r["academic_year"] for r in rate] == CENSUS_YEARS
    schools = {r["series"] for r in spec["rows"] if "line" in r} - {"Manchester: all schools"}
    assert 30 <= len(schools) <= 45  # every school counted in any census, one line each
    assert all(0 <= r["value"] <= 100 for r in spec["rows"] if "value" in r)
    movers = _chart(schools_tab, "The 10 secondary schools whose % ever-FSM moved most")
    drawn = movers["rows"]
    assert len(drawn) == 10
    assert drawn[0]["label"] == "Our Lady's RC High School"
    assert (drawn[0]["first_year"], drawn[0]["last_year"]) == ("2017/18", "2023/24")
    assert drawn[0]["pct_change"] == pytest.approx(-20.2)
    assert "495 of 806 pupils ever-FSM in the January 2018 census" in movers["alt_text"]
    open_show_data(schools_tab)
    frames = {tuple(df.value.columns)[:4]: df.value for df in schools_tab.dataframe}
    table = frames[("School", "URN", "LA code", "first census")]
    assert {"ever-FSM pupils, first", "pupils counted, last"} <= set(table.columns)


def test_a_region_is_the_comparison_outside_gm(store: Store) -> None:
    app = run_page(page=PAGE, params={"la": "850", "phase": "secondary", "year": "2023-24"})
    spec = _chart(app, "Gorard segregation index, secondary schools (ever-FSM), January 2018")
    context = {r["series"] for r in spec["rows"] if "line" in r and "segment" not in r}
    _, codes = concentration_trends.comparator_las(store, "850")
    catalogue = conc.queries.la_catalogue(store)
    south_east = set(catalogue.filter(pl.col("la_code").is_in(codes))["name"].to_list())
    assert context and context <= south_east and "Surrey" in context
    assert not context & set(GREATER_MANCHESTER.values())
    note = f"Thin grey lines: the other {len(codes)} LAs of South East (hover for names)"
    assert any(c.value.startswith(f"Note: {note}") for c in app.caption)


@pytest.mark.parametrize("year", CENSUS_YEARS)
def test_every_census_year_draws_charts(year: str) -> None:
    app = run_page(page=PAGE, params={"la": "352", "phase": "secondary", "year": year})
    label = census.census_label(year)
    assert not app.info and not app.warning
    titles = [s["alt_text"] for s in chart_specs(app)]
    assert any(
        t.startswith("Gorard segregation index, secondary schools (ever-FSM), January 2018")
        for t in titles
    )
    metrics = {m.label: m.value for m in app.metric}
    assert metrics[f"Schools counted, {label}"] in {"31", "32"}
    titles = [s["alt_text"] for s in chart_specs(_open(app, SCHOOLS))]
    assert any(
        t.startswith(f"Segregation curve: Manchester, secondary schools, {label}") for t in titles
    )
    assert any(
        t.startswith("How the share of ever-FSM pupils varies") and label in t for t in titles
    )


def test_a_year_without_a_census_shows_the_nearest_and_offers_to_switch() -> None:
    app = run_page(
        page=PAGE, params={"la": "352", "phase": "secondary", "year": "2021-22", "section": SCHOOLS}
    )
    notice = " ".join(i.value for i in app.info)
    assert "no school census for 2021/22" in notice and "January 2023 census (2022/23)" in notice
    spec = _chart(app, "Segregation curve: Manchester, secondary schools, January 2023 census")
    assert spec["rows"]
    metrics = {m.label: m.value for m in app.metric}
    assert "Gorard segregation index, January 2023 census" in metrics
    switch = app.button(key="concentration_switch_year")
    assert switch.label == "Show 2022/23 in every page's year filter"
    switch.click().run()
    assert app.session_state["filter_year"] == "2022/23"
    decks = _decks(_open(app, LA_MAP))
    assert decks[-1]["layers"][0]["id"] == "las"  # the LA map keeps 2021/22's LAIT figures


# --------------------------------------------------------------------------- one census


def test_manchester_is_compared_with_every_gm_la_and_england() -> None:
    ranking = _visit(RANKING, MANCHESTER_2019)
    assert ranking.title[0].value == "Where disadvantage concentrates: Manchester"
    spec = _chart(
        ranking, "Gorard segregation index, secondary schools (ever-FSM), January 2019 census"
    )
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
    assert (
        "Manchester's Gorard segregation index in the January 2019 census is 0.104"
        in spec["alt_text"]
    )


def test_the_page_says_which_counts_it_uses(manchester: Any) -> None:
    captions = [c.value for c in manchester.caption]
    counts = next(c for c in captions if c.startswith("Counts used: January 2019 census"))
    assert "pupils ever eligible for free school meals" in counts
    assert "NUMFSMEVER" not in counts  # DfE's codes one click away, not on the first screen
    codes = [e for e in manchester.expander if e.label == "About this figure"]
    assert codes and "NUMFSMEVER" in codes[0].caption[0].value
    metrics = {m.label: m.value for m in manchester.metric}
    assert metrics["Gorard segregation index, January 2019 census"] == "0.104"
    assert metrics["Schools counted, January 2019 census"] == "31"
    about = [e for e in manchester.expander if e.label == "About these indices"]
    assert about
    text = " ".join(m.value for m in about[0].markdown)
    assert "Torbay" in text and "NUMFSMEVER" in text and "NORFSMEVER" in text
    assert "housing" in text and "not** say whether a school takes fewer poor pupils" in text


def test_both_maps_are_drawn_offline_and_small() -> None:
    (school_map,) = _decks(_visit(SCHOOL_MAP, MANCHESTER_2019))
    (choropleth,) = _decks(_visit(LA_MAP, MANCHESTER_2019))
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
    maps_drawn = [
        *_visit(SCHOOL_MAP, MANCHESTER_2019).get("deck_gl_json_chart"),
        *_visit(LA_MAP, MANCHESTER_2019).get("deck_gl_json_chart"),
    ]
    for element in maps_drawn:
        assert len(element.proto.json.encode()) < maps.MAX_PAYLOAD
        assert "cartocdn" not in element.proto.json and "mapbox" not in element.proto.json
        assert element.proto.alt  # a text alternative travels with the map


def test_highest_share_table_and_distribution() -> None:
    schools_tab = _visit(SCHOOLS, MANCHESTER_2019)
    frames = {tuple(df.value.columns)[:2]: df.value for df in schools_tab.dataframe}
    highest = frames[("School", "URN")]
    assert highest["School"].iloc[0] == "Newall Green High School"
    assert highest["% ever-FSM"].iloc[0] == pytest.approx(67.3)
    spec = _chart(schools_tab, "How the share of ever-FSM pupils varies")
    bins = [r for r in spec["rows"] if "schools" in r]
    assert sum(r["schools"] for r in bins) == 31
    rate = [r["rate"] for r in spec["rows"] if "rate" in r]
    assert rate == [pytest.approx(47.6)]


def test_segregation_curve_has_the_even_spread_diagonal() -> None:
    spec = _chart(_visit(SCHOOLS, MANCHESTER_2019), "Segregation curve: Manchester")
    diagonal = [r for r in spec["rows"] if set(r) == {"x", "y"} and r["x"] in (0, 100)]
    assert {(r["x"], r["y"]) for r in diagonal} >= {(0, 0), (100, 100)}
    curve = [r for r in spec["rows"] if "pct_pupils" in r]
    assert curve[-1]["pct_pupils"] == pytest.approx(100)


def test_choosing_another_index_redraws_the_comparison_and_trend() -> None:
    app = run_page(page=PAGE, params=dict(MANCHESTER_2019))
    app.radio(key="concentration_index").set_value("isolation").run()
    trend = _chart(app, "Isolation index, secondary schools (ever-FSM), January 2018")
    own = {
        r["academic_year"]: r["value"] for r in _trend_rows(trend) if r["series"] == "Manchester"
    }
    assert own["2018/19"] == pytest.approx(0.5076, abs=1e-4)
    # The choice stays when another tab that draws the index opens (and its picker shows it).
    _open(app, RANKING)
    assert app.radio(key="concentration_index").value == "isolation"
    spec = _chart(app, "Isolation index, secondary schools (ever-FSM), January 2019")
    drawn = {r["area"]: r["value"] for r in spec["rows"] if "area" in r}
    assert drawn["Manchester"] == pytest.approx(0.5076, abs=1e-4)
    assert _chart(app, "Change in the isolation index")


def test_gm_default_compares_all_ten_las() -> None:
    # No year in the link opens 2024/25: the page shows the nearest census, January 2024.
    app = run_page(page=PAGE)
    trend = _chart(app, "Gorard segregation index, secondary schools (ever-FSM), January 2018")
    own = {r["series"] for r in _trend_rows(trend)}
    assert own == {"Greater Manchester", "England LA median"}
    context = {r["series"] for r in trend["rows"] if "line" in r and "segment" not in r}
    assert context == set(GREATER_MANCHESTER.values())
    spec = _chart(
        _open(app, RANKING), "Gorard segregation index, secondary schools (ever-FSM), January 2024"
    )
    gm = {r["area"] for r in spec["rows"] if r.get("Role") == "Greater Manchester LA"}
    assert gm == set(GREATER_MANCHESTER.values())
    assert "Selected LA" not in {r.get("Role") for r in spec["rows"]}
    (school_map,) = _decks(_open(app, SCHOOL_MAP))
    (choropleth,) = _decks(_open(app, LA_MAP))
    assert len(school_map["layers"][1]["data"]["features"]) == 10
    names = {row["name"] for row in school_map["layers"][-1]["data"]}
    assert set(GREATER_MANCHESTER.values()) <= names  # each GM LA's outline is named
    assert [layer["id"] for layer in choropleth["layers"]] == ["las", "gm-outline"]


def test_gm_primary_school_lines_become_a_band_but_movers_stay() -> None:
    app = run_page(
        page=PAGE, params={"la": "GM", "phase": "primary", "year": "2023-24", "section": SCHOOLS}
    )
    spec = _chart(app, "Each primary school's % ever-FSM pupils")
    band = [r for r in spec["rows"] if "high" in r and "low" in r]
    assert [r["academic_year"] for r in band] == CENSUS_YEARS
    assert all(r["low"] <= r["high"] for r in band)
    assert len(spec["rows"]) < 200  # aggregated before charting, not ~4,000 school-years
    movers = _chart(app, "The 10 primary schools whose % ever-FSM moved most")
    assert len(movers["rows"]) == 10


def test_other_pupil_groups_are_explained_and_eal_shows_its_share() -> None:
    boys = run_page(page=PAGE, params={"la": "352", "group": "boys"})
    assert any("every figure here is for ever-FSM pupils" in i.value for i in boys.info)
    eal = run_page(
        page=PAGE, params={"la": "352", "group": "eal", "year": "2018-19", "section": SCHOOLS}
    )
    spec = _chart(eal, "How the share of pupils with English as an additional language")
    assert sum(r["schools"] for r in spec["rows"] if "schools" in r) == 32


def test_charts_and_map_twins_can_join_a_story() -> None:
    buttons = {
        b.label: b
        for section in SECTIONS
        for b in _visit(section, MANCHESTER_2019).button
        if b.label.startswith("Add “")
    }
    titles = [label.removeprefix("Add “").removesuffix("” to story") for label in buttons]
    assert any(t.startswith("Manchester: secondary schools by share") for t in titles)
    assert any(t.startswith("% ever eligible for FSM") for t in titles)
    assert any(t.startswith("Change in the") for t in titles)
    assert any(t.startswith("The 10 secondary schools whose") for t in titles)
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
    assert view.title.startswith("Dissimilarity index, secondary schools (ever-FSM), January 2019")
    row = view.table.filter(view.table["LA code"] == "352").row(0, named=True)
    assert row["dissimilarity"] == pytest.approx(0.1991, abs=1e-4)
    trend = views.build({**ref, "v": "concentration-trend", "year": "2021/22"})
    assert trend.title.startswith("Dissimilarity index, secondary schools (ever-FSM), January 2018")
    assert "Manchester's Dissimilarity index" in trend.takeaway
    for view_id in ("concentration-change", "concentration-school-lines", "concentration-movers"):
        assert views.build({**ref, "v": view_id}).view_id == view_id
    choropleth = views.build({**ref, "v": "concentration-choropleth", "indicator": "gorard"})
    assert choropleth.chart.to_dict()["projection"]["type"] == "mercator"
    with pytest.raises(views.ViewError):
        views.build({**ref, "index": "<script>"})


def test_an_la_outside_gm_is_compared_with_its_region() -> None:
    # Hampshire (850): the other South East LAs, never "the rest of Greater Manchester".
    app = run_page(page=PAGE, params={"la": "850", "phase": "secondary", "year": "2018-19"})
    words = " ".join(m.value for m in app.markdown)
    assert "the other South East LAs and England" in words
    assert "Greater Manchester" not in words
    for section in SECTIONS:
        for spec in chart_specs(_open(app, section)):
            roles = {r.get("Role") for r in spec["rows"]} - {None}
            assert "Greater Manchester LA" not in roles, spec["alt_text"][:80]
            assert "GM's LAs" not in spec["alt_text"]


# --------------------------------------------------------------------------- tabs (issue 16)

TREND_2019 = "Gorard segregation index, secondary schools (ever-FSM), January 2018"
#: What each tab draws for Manchester's secondary schools in January 2019: charts (by the
#: start of their titles) and maps (by their first layer).
TAB_CONTENT: dict[str, tuple[list[str], list[str]]] = {
    OVER_TIME: ([TREND_2019], []),
    RANKING: (
        [
            "Change in the Gorard segregation index",
            "Gorard segregation index, secondary schools (ever-FSM), January 2019 census",
        ],
        [],
    ),
    SCHOOLS: (
        [
            "Each secondary school's % ever-FSM pupils",
            "The 10 secondary schools whose % ever-FSM moved most",
            "Segregation curve: Manchester",
            "How the share of ever-FSM pupils varies",
        ],
        [],
    ),
    SCHOOL_MAP: (["Colour key for the map"], ["areas"]),
    LA_MAP: (["Colour key for the map"], ["las"]),
}


def _titles(app: Any) -> list[str]:
    return [s["alt_text"] for s in chart_specs(app)]


def test_a_first_visit_draws_the_tiles_and_the_trend_only(manchester: Any) -> None:
    """The first screen: title, notices, tiles and the chosen index's trend; the rankings,
    schools and maps wait in their tabs (their code does not run)."""
    assert [t.label for t in manchester.tabs] == list(SECTIONS)
    titles = _titles(manchester)
    assert len(titles) == 1 and titles[0].startswith(TREND_2019), titles
    assert not _decks(manchester)
    assert not [df for df in manchester.dataframe if "School" in df.value.columns]
    assert {m.label for m in manchester.metric} >= {
        "Schools counted, January 2019 census",
        "Gorard segregation index, January 2019 census",
    }
    # The page's summary names what the first chart shows (the change since January 2018).
    assert "Has that changed since January 2018" in manchester.markdown[0].value


@pytest.mark.parametrize("section", SECTIONS)
def test_each_tab_opened_through_its_link_draws_only_its_own_charts(section: str) -> None:
    app = _visit(section, MANCHESTER_2019)
    charts, layers = TAB_CONTENT[section]
    titles = _titles(app)
    assert len(titles) == len(charts), titles
    for title, start in zip(titles, charts, strict=True):
        assert title.startswith(start), (title, start)
    assert [deck["layers"][0]["id"] for deck in _decks(app)] == layers
    # The tiles describe the whole page: above every tab.
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Gorard segregation index, January 2019 census"] == "0.104"


def test_each_tab_draws_the_right_data(store: Store) -> None:
    expected = conc.area_indices(store, "352", "2018/19", "secondary")
    trend = _chart(_visit(OVER_TIME, MANCHESTER_2019), TREND_2019)
    own = {
        r["academic_year"]: r["value"] for r in _trend_rows(trend) if r["series"] == "Manchester"
    }
    assert own["2018/19"] == pytest.approx(expected["gorard"], abs=1e-9)
    ranking = _chart(_visit(RANKING, MANCHESTER_2019), "Change in the Gorard segregation index")
    mine = concentration_trends.change_ranking(store, "secondary", "gorard").filter(
        pl.col("la_code") == "352"
    )
    drawn = {r["area"]: r for r in ranking["rows"] if "area" in r}
    assert drawn["Manchester"]["change"] == pytest.approx(mine["change"][0], abs=1e-4)
    curve = _chart(_visit(SCHOOLS, MANCHESTER_2019), "Segregation curve: Manchester")
    points = conc.curve(store, "352", "2018/19", "secondary")
    drawn_curve = [r["pct_pupils"] for r in curve["rows"] if "pct_pupils" in r]
    assert drawn_curve == pytest.approx(points["pct_pupils"].to_list(), abs=0.005)  # 2 d.p.
    (school_map,) = _decks(_visit(SCHOOL_MAP, MANCHESTER_2019))
    shares, _ = conc.school_shares(store, "352", "2018/19", "secondary")
    located = shares.filter(pl.col("lat").is_not_null())
    assert {p["name"] for p in school_map["layers"][2]["data"]} == set(located["name"].to_list())
    (choropleth,) = _decks(_visit(LA_MAP, MANCHESTER_2019))
    features = choropleth["layers"][0]["data"]["features"]
    assert len(features) == 152
