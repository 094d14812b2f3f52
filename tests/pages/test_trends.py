"""The School trends page through app.py: the school permalink, suppression, the movers
ranking and its cohort rule, LAs without school files, and its sections as lazy tabs
(a first visit draws the Attainment tab only; each tab opened through the link draws its
own charts)."""

from __future__ import annotations

from typing import Any

import pytest

from components.school_trends import school
from tests.pages.conftest import (
    chart_specs,
    open_link,
    open_section,
    open_show_data,
    run_page,
    section_labels,
)

pytestmark = pytest.mark.page
PAGE = "pages/trends.py"
SURREY = {"la": "936", "phase": "secondary", "year": "2018-19"}


def _chart(app: Any, title: str) -> dict[str, Any]:
    found = [s for s in chart_specs(app) if title in s["alt_text"].split(". ", 1)[0]]
    assert len(found) == 1, [s["alt_text"][:80] for s in chart_specs(app)]
    return found[0]


def _param(app: Any, name: str) -> str | None:
    value = app.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def test_school_from_the_url() -> None:
    app = run_page(PAGE, {**SURREY, "school": "125257"})
    assert app.selectbox(key="trends_school_936_secondary").value == "125257"
    assert _param(app, "school") == "125257"
    chart = _chart(app, "Reigate School: Attainment 8, 2016/17 to 2017/18")
    rows = [r for r in chart["rows"] if "series" in r and "value" in r]
    drawn = {(r["series"], r["academic_year"]): (r["value"], r.get("pupils")) for r in rows}
    # Performance tables 2016/17: disadvantaged 35.1 from 50 pupils; LAIT: Surrey 36.9.
    assert drawn[("This school: disadvantaged pupils", "2016/17")] == (pytest.approx(35.1), 50)
    assert drawn[("Surrey: disadvantaged pupils", "2016/17")][0] == pytest.approx(36.9)
    assert drawn[("England: other pupils", "2017/18")][0] == pytest.approx(50.3)
    assert "up 2.7 points since 2016/17" in chart["alt_text"]  # 37.8 - 35.1


def test_suppression_is_visible_never_zero() -> None:
    app = run_page(PAGE, {**SURREY, "school": "125457"})  # Chart Wood School: all 'SUPP'
    chart = _chart(app, "Chart Wood School: Attainment 8")
    withheld = [r for r in chart["rows"] if r.get("shown") == "suppressed"]
    assert {r["series"] for r in withheld} == {
        "This school: disadvantaged pupils",
        "This school: other pupils",
    }
    assert not [
        r
        for r in chart["rows"]
        if r.get("series", "").startswith("This school") and r.get("value") == 0
    ]
    assert "is suppressed" in chart["alt_text"]
    # The year-by-year table is drawn when its expander is opened (the chart's "Show data"
    # has the same figures), and says what it holds while closed.
    (closed,) = [e for e in app.expander if e.label.startswith("This school's Attainment 8")]
    assert closed.label == "This school's Attainment 8 year by year, as a table (3 years)"
    assert not [t for t in app.dataframe if "Disadvantaged: result" in t.value.columns]
    app.session_state[school.TABLE_OPEN_KEY] = True
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    table = next(t.value for t in app.dataframe if "Disadvantaged: result" in t.value.columns)
    assert set(table["Disadvantaged: result"]) == {"suppressed"}
    assert list(table["Disadvantaged pupils"]) == ["14", "17", "17"]


def test_picking_a_school_puts_it_in_the_url() -> None:
    app = run_page(PAGE, SURREY)
    assert _param(app, "school") is None
    app.selectbox(key="trends_school_936_secondary").set_value("136531").run()
    assert _param(app, "school") == "136531"
    assert _chart(app, "Weydon School: Attainment 8")


@pytest.mark.parametrize(
    ("urn", "expected"),
    [
        ("999999", "No school with URN 999999 is in the loaded files"),
        ("116038", "URN 116038 is Roman Way Primary School, in Hampshire"),
        ("not-a-urn", "The link's school is not a URN"),
    ],
)
def test_unknown_urn_in_the_url_is_explained(urn: str, expected: str) -> None:
    app = run_page(PAGE, {**SURREY, "school": urn})
    assert any(expected in w.value for w in app.warning), [w.value for w in app.warning]
    # The page opens on the area's default school instead (it used to show none).
    chosen = app.selectbox(key="trends_school_936_secondary").value
    assert chosen is not None and chosen != urn


def test_movers_follow_the_cohort_rule() -> None:
    app = run_page(PAGE, SURREY)
    assert not [m for m in app.markdown if "stand behind it" in m.value]  # not under the school
    open_section(app, "Schools that moved most")
    rule = "at least 10 disadvantaged pupils stand behind it in each year"
    assert any(rule in m.value for m in app.markdown)
    chart = _chart(app, "Surrey: change in disadvantaged pupils' Attainment 8, 2016/17 to 2018/19")
    rows = [r for r in chart["rows"] if "change" in r]
    assert len(rows) == 20  # the ten largest rises and falls
    assert all(r["pupils_first"] >= 10 and r["pupils_last"] >= 10 for r in rows)
    weydon = next(r for r in rows if r["name"] == "Weydon School")
    assert weydon["change"] == pytest.approx(52.8 - 37.0)
    assert max(r["change"] for r in rows) == weydon["change"]


def test_bolton_without_school_files_shows_its_published_trend() -> None:
    app = run_page(PAGE, {"la": "350", "phase": "secondary", "year": "2018-19"})
    open_section(app, "Attainment")
    assert (
        "No school-level KS4 results for Bolton are loaded: download them from DfE's Compare "
        "school performance service and load them on the Data and methods page."
        in [i.value for i in app.info]
    )
    chart = _chart(app, "Bolton: Attainment 8 by pupil group")
    rows = [r for r in chart["rows"] if "segment" in r]
    bolton = {r["academic_year"]: r["segment"] for r in rows if r["series"].startswith("Bolton: d")}
    assert bolton["2015/16"] != bolton["2016/17"]  # the 9-1 break
    assert len({bolton["2019/20"], bolton["2020/21"], bolton["2018/19"]}) == 3


def test_primary_school_in_hampshire() -> None:
    params = {"la": "850", "phase": "primary", "year": "2018-19", "school": "116038"}
    app = run_page(PAGE, params)
    chart = _chart(app, "Roman Way Primary School: Reading, writing and maths")
    assert {r["academic_year"] for r in chart["rows"] if "segment" in r} <= {
        "2016/17",
        "2017/18",
        "2018/19",
    }


# ------------------------------------------------------------------ census and destinations
# Hand-checked against data/sources/performance-downloads: The Crompton House Church of
# England Academy (Oldham, URN 137294), 2023-2024/england_census.csv: NUMFSM 286, NOR 1884,
# NUMFSMEVER 294, NORFSMEVER 1614, PNUMFSMEVER 18.2%; 2023-2024/england_ks4-pupdest.csv
# (cohort 2021/22): COHORT_DIS 26, OVERALL_DESTPER_DIS 92%, COHORT_NONDIS 201, 98%.
DEFAULT_GM_SCHOOL = "137294"
CENSUS_YEARS = {"2017/18", "2018/19", "2020/21", "2022/23", "2023/24"}
COHORTS = {f"{y}/{(y + 1) % 100:02d}" for y in range(2015, 2022)}


def _drawn(chart: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["series"], r["academic_year"]): r for r in chart["rows"] if "segment" in r}


def test_default_view_draws_a_gm_school_over_five_censuses_and_seven_cohorts() -> None:
    app = run_page(PAGE)
    assert app.selectbox(key="trends_school_GM_secondary").value == DEFAULT_GM_SCHOOL
    open_section(app, "Intake")
    census = _chart(app, "The Crompton House Church of England Academy: % ever-FSM and % FSM")
    drawn = _drawn(census)
    school = {y for (s, y) in drawn if s == "This school: % ever-FSM"}
    assert school == CENSUS_YEARS
    assert drawn[("This school: % ever-FSM", "2023/24")]["value"] == pytest.approx(18.2)
    assert drawn[("This school: % ever-FSM", "2023/24")]["pupils"] == 1614
    assert drawn[("This school: % FSM", "2023/24")]["value"] == pytest.approx(15.2)  # 286/1884
    assert {y for (s, y) in drawn if s == "Oldham: % ever-FSM"} == CENSUS_YEARS
    assert {y for (s, y) in drawn if s == "England: % ever-FSM"} == CENSUS_YEARS
    # The January 2021 basis is a break: 2020/21 shares no line with 2018/19 or 2022/23.
    seg = {y: drawn[("This school: % ever-FSM", y)]["segment"] for y in CENSUS_YEARS}
    assert len({seg["2018/19"], seg["2020/21"], seg["2022/23"]}) == 3
    breaks = [r for r in census["rows"] if r.get("kind") == "break"]
    assert {r["x0"] for r in breaks} == {2019.5, 2021.5}

    open_section(app, "Destinations")
    dest = _chart(app, "The Crompton House Church of England Academy: pupils in sustained")
    drawn = _drawn(dest)
    for series in ("This school: disadvantaged pupils", "This school: other pupils"):
        assert {y for (s, y) in drawn if s == series} == COHORTS
    latest = drawn[("This school: disadvantaged pupils", "2021/22")]
    assert (latest["value"], latest["pupils"]) == (pytest.approx(92.0), 26)
    assert drawn[("This school: other pupils", "2021/22")]["pupils"] == 201
    assert {y for (s, y) in drawn if s == "Oldham: disadvantaged pupils"} == COHORTS
    assert {y for (s, y) in drawn if s == "England: other pupils"} == COHORTS
    assert "26 disadvantaged pupils who finished KS4 in 2021/22, 92%" in dest["alt_text"]


def test_suppressed_cohorts_carry_their_status() -> None:
    # Atherton Community School (Wigan): the 2019/20 cohort is "SUPP" in
    # 2023-2024/england_ks4-pupdest.csv (COHORT_DIS_21 32, OVERALL_DESTPER_DIS_21 SUPP).
    app = run_page(PAGE, {"la": "359", "phase": "secondary", "school": "138233"})
    open_show_data(open_section(app, "Destinations"))
    dest = _chart(app, "Atherton Community School: pupils in sustained")
    withheld = [r for r in dest["rows"] if r.get("shown") == "suppressed"]
    assert ("This school: disadvantaged pupils", "2019/20") in {
        (r["series"], r["academic_year"]) for r in withheld
    }
    drawn = _drawn(dest)
    for row in withheld:
        assert (row["series"], row["academic_year"]) not in drawn  # no point, never 0
    table = next(t.value for t in app.dataframe if "cohort size" in t.value.columns)
    mine = table[table["series"] == "This school: disadvantaged pupils"]
    assert len(mine) == 7
    assert "suppressed" in set(mine["shown"])
    assert mine[mine["shown"] == "suppressed"]["value"].isna().all()


def test_movers_lists_give_years_and_pupil_counts() -> None:
    app = run_page(PAGE, {"la": "352", "phase": "secondary"})
    open_section(app, "Schools that moved most")
    census = _chart(app, "Manchester: schools whose % ever-FSM moved most")
    rows = [r for r in census["rows"] if "change" in r]
    assert len(rows) == 20
    assert all(r["pupils_first"] > 0 and r["pupils_last"] > 0 for r in rows)
    dest = _chart(app, "Manchester: schools whose disadvantaged pupils' sustained destinations")
    rows = [r for r in dest["rows"] if "change" in r]
    assert all(r["pupils_first"] >= 10 and r["pupils_last"] >= 10 for r in rows)
    assert all(r["change"] == pytest.approx(r["value_last"] - r["value_first"]) for r in rows)


def test_references_rebuild_the_census_and_destinations_views() -> None:
    from components import views

    ref = {"la": "353", "phase": "secondary", "group": "disadvantaged", "year": "2018/19"}
    census = views.build({**ref, "v": "school_trends-census", "urn": DEFAULT_GM_SCHOOL})
    school = census.table.filter(census.table["series"] == "This school: % ever-FSM")
    assert set(school["academic_year"]) == CENSUS_YEARS
    dest = views.build({**ref, "v": "school_trends-destinations"})  # no urn: the default
    mine = dest.table.filter(dest.table["series"] == "This school: disadvantaged pupils")
    assert set(mine["cohort"]) == COHORTS
    movers = views.build({**ref, "v": "school_trends-destination_movers"})
    assert movers.title.startswith("Oldham: schools whose disadvantaged pupils")
    with pytest.raises(views.ViewError):
        views.build({**ref, "v": "school_trends-census", "urn": "<script>"})


# ------------------------------------------------------------------ sections as lazy tabs
TABS = ["Attainment", "Intake", "Destinations", "Schools that moved most"]
#: Where no school results are loaded (GM by default), the school's intake comes first.
TABS_WITHOUT_RESULTS = ["Intake", "Destinations", "Attainment", "Schools that moved most"]


def _titles(app: Any) -> list[str]:
    return [s["alt_text"].split(". ", 1)[0] for s in chart_specs(app)]


def test_a_first_visit_draws_the_first_tab_only() -> None:
    app = run_page(PAGE)
    # GM has no school results: the default school's intake is the first tab and its one
    # chart (the attainment tab would show only the LA's published figures).
    assert section_labels(app) == TABS_WITHOUT_RESULTS
    assert [t.split(",")[0] for t in _titles(app)] == [
        "The Crompton House Church of England Academy: % ever-FSM and % FSM"
    ]
    assert not [i for i in app.info if "No school-level KS4 results" in i.value]
    open_section(app, "Attainment")
    assert [t.split(",")[0] for t in _titles(app)] == [
        "Greater Manchester: Attainment 8 by pupil group"
    ]
    # Surrey has performance tables: the school's attainment comes first.
    app = run_page(PAGE, {**SURREY, "school": "125257"})
    assert section_labels(app) == TABS
    assert _titles(app) == ["Reigate School: Attainment 8, 2016/17 to 2017/18"]
    # The area's movers, attainment first, are in their own tab.
    open_section(app, "Schools that moved most")
    assert [t.split(",")[0] for t in _titles(app)] == [
        "Surrey: change in disadvantaged pupils' Attainment 8",
        "Surrey: schools whose % ever-FSM moved most",
        "Surrey: schools whose disadvantaged pupils' sustained destinations moved most",
    ]
    # A primary phase has no destinations tab.
    app = run_page(PAGE, {"la": "850", "phase": "primary", "year": "2018-19"})
    assert section_labels(app) == ["Attainment", "Intake", "Schools that moved most"]
    app = run_page(PAGE, {"la": "352", "phase": "primary"})
    assert section_labels(app) == ["Intake", "Attainment", "Schools that moved most"]


def test_the_measure_chosen_for_the_school_holds_for_the_movers() -> None:
    app = run_page(PAGE, {**SURREY, "school": "125257"})
    app.radio(key="trends_measure_secondary").set_value("ks4_progress8").run()
    assert _titles(app)[0].startswith("Reigate School: Progress 8")
    open_section(app, "Schools that moved most")
    assert app.radio(key="trends_measure_secondary").value == "ks4_progress8"
    assert _titles(app)[0].startswith("Surrey: change in disadvantaged pupils' Progress 8")
    open_section(app, "Attainment")
    assert _titles(app)[0].startswith("Reigate School: Progress 8")


@pytest.mark.parametrize(
    ("section", "titles"),
    [
        ("Intake", ["Atherton Community School: % ever-FSM and % FSM, January census"]),
        ("Destinations", ["Atherton Community School: pupils in sustained education"]),
        (
            "Schools that moved most",
            [
                "Wigan: schools whose % ever-FSM moved most",
                "Wigan: schools whose disadvantaged pupils' sustained destinations",
            ],
        ),
    ],
)
def test_each_tab_opened_through_the_link_draws_its_own_charts(
    section: str, titles: list[str]
) -> None:
    app = open_link(
        PAGE, {"la": "359", "phase": "secondary", "school": "138233", "section": section}
    )
    assert app.selectbox(key="trends_school_359_secondary").value == "138233"
    drawn = _titles(app)
    assert len(drawn) == len(titles), drawn
    for title, expected in zip(drawn, titles, strict=True):
        assert title.startswith(expected), (title, expected)
    # The school's own rows (Wigan 359, URN 138233), not the area's default school.
    if section == "Destinations":
        rows = _drawn(chart_specs(app)[0])
        assert {y for (s, y) in rows if s == "This school: disadvantaged pupils"} <= COHORTS
        assert {y for (s, y) in rows if s == "Wigan: disadvantaged pupils"} == COHORTS
    if section == "Intake":
        rows = _drawn(chart_specs(app)[0])
        assert {y for (s, y) in rows if s == "Wigan: % ever-FSM"} == CENSUS_YEARS
    if section == "Schools that moved most":
        for spec in chart_specs(app):
            assert len([r for r in spec["rows"] if "change" in r]) > 0


def test_notes_beyond_the_first_three_are_one_list() -> None:
    """A chart with more than three notes shows three under it and the rest as one bulleted
    caption in "About this figure" (one element however many notes: the browser mounts a
    closed expander's content too)."""
    app = run_page(PAGE, {})  # Greater Manchester: a school's intake over five censuses
    about = [e for e in app.expander if e.label == "About this figure"]
    assert about, "no chart with more than three notes: the check would mean nothing"
    for expander in about:
        assert len(expander.caption) == 1
        items = expander.caption[0].value.split("\n")
        assert all(item.startswith("- ") for item in items)
        assert not any(item.startswith("- Note:") for item in items)
        assert all(len(item) > 20 for item in items)
