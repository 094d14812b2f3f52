"""The Attainment gaps page, run through app.py as a user opens it; asserts on chart data."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from components import tiles
from components.gaps.headline import SECTIONS
from equity.schema import year_start
from tests.pages.conftest import chart_specs, open_show_data, run_page, tiles_of

pytestmark = pytest.mark.page
PAGE = "pages/gaps.py"
LA_ROLES = {"selected", "gm_la", "other_la"}
THE_GAP, RANKING, OVER_TIME, SCHOOLS = SECTIONS


def _chart(app: Any, title: str) -> dict[str, Any]:
    """The one chart whose title (the start of its alt text) contains `title`."""
    found = [s for s in chart_specs(app) if title in s["alt_text"].split(". ", 1)[0]]
    assert len(found) == 1, [s["alt_text"][:80] for s in chart_specs(app)]
    return found[0]


def _open(app: Any, section: str) -> Any:
    """The same page with another tab open, as its link (`?section=`) opens it."""
    app.query_params["section"] = section
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _lait_las_with_gap(sources: Path, end_year: str) -> int:
    """LAs with both DAP_KS4_ATT8 and NonDAP_KS4_ATT8 published, straight from the file."""
    lait = pl.read_parquet(sources / "lait" / "bds_long_0.parquet")
    values = lait.filter(
        pl.col("Short Desc").is_in(["DAP_KS4_ATT8", "NonDAP_KS4_ATT8"])
        & (pl.col("Years") == end_year)
        & ~pl.col("LA Number").is_between(970, 990)  # England and the regions
    ).with_columns(pl.col("Values").cast(pl.Float64, strict=False).alias("v"))
    per_la = values.group_by("LA Number").agg(pl.col("v").is_not_null().sum().alias("n"))
    return per_la.filter(pl.col("n") == 2).height


def test_manchester_headline_and_ranking(sources: Path) -> None:
    app = run_page(PAGE, {"la": "352", "phase": "secondary", "year": "2018-19", "section": RANKING})
    assert app.title[0].value == "Attainment gaps: Manchester"
    metrics = [(m.label, m.value) for m in tiles_of(app)]
    # LAIT 2019: Manchester disadvantaged 37.6, other 48.9; England other 50.3.
    assert metrics[:4] == [
        ("Disadvantaged pupils", "37.6 points"),
        ("Other pupils", "48.9 points"),
        ("Gap within the area", "11.3 points"),
        ("Gap to other pupils nationally", "12.7 points"),
    ]
    ranking = _chart(app, "Attainment 8, gap to other pupils nationally: 150 LAs")
    las = [r for r in ranking["rows"] if r.get("role") in LA_ROLES]
    assert len(las) == _lait_las_with_gap(sources, "2019") == 150
    assert len({r["area"] for r in las}) == len(las)
    manchester = [r for r in las if r["area"] == "Manchester"]
    assert manchester[0]["role"] == "selected"
    assert manchester[0]["value"] == pytest.approx(50.3 - 37.6)
    assert sum(r["role"] == "gm_la" for r in las) == 9
    references = {r["area"]: r["value"] for r in ranking["rows"] if r.get("role") == "england"}
    assert references == {"England": pytest.approx(13.6)}
    assert any(r.get("role") == "region" and r["area"] == "North West" for r in ranking["rows"])
    assert "108th largest of 150" in ranking["alt_text"]


def test_ranking_has_every_la_in_2022_23(sources: Path) -> None:
    app = run_page(PAGE, {"la": "GM", "phase": "secondary", "year": "2022-23", "section": RANKING})
    ranking = _chart(app, "Attainment 8, gap to other pupils nationally: 152 LAs")
    las = [r for r in ranking["rows"] if r.get("role") in LA_ROLES]
    assert len(las) == _lait_las_with_gap(sources, "2023") == 152
    assert sum(r.get("role") == "england" for r in ranking["rows"]) == 1
    assert sum(r["role"] == "gm_la" for r in las) == 10  # every GM LA highlighted
    assert "Among Greater Manchester's LAs" in ranking["alt_text"]


def _segments(rows: list[dict[str, Any]], series: str) -> dict[str, int]:
    return {r["academic_year"]: r["segment"] for r in rows if r.get("series") == series}


def test_ks2_trend_never_joins_across_the_covid_years() -> None:
    app = run_page(PAGE, {"la": "352", "phase": "primary", "year": "2018-19", "section": OVER_TIME})
    trend = _chart(app, "gap to other pupils nationally, 2015/16 to 2024/25")
    rows = [r for r in trend["rows"] if "segment" in r]
    manchester = _segments(rows, "Manchester")
    assert "2019/20" not in manchester and "2020/21" not in manchester
    assert manchester["2018/19"] != manchester["2021/22"]
    # Within any one line (series + segment) the years are consecutive.
    key = lambda r: (r["series"], r["segment"])  # noqa: E731
    for _, part in groupby(sorted(rows, key=key), key=key):
        starts = sorted(year_start(r["academic_year"]) for r in part)
        assert starts == list(range(starts[0], starts[0] + len(starts)))
    labels = {r.get("label") for r in trend["rows"]}
    assert "No KS2 tests (COVID-19)" in labels


def test_ks4_trend_flags_pandemic_years() -> None:
    app = run_page(
        PAGE, {"la": "352", "phase": "secondary", "year": "2018-19", "section": OVER_TIME}
    )
    trend = _chart(app, "Attainment 8, gap to other pupils nationally, 2015/16 to 2024/25")
    rows = [r for r in trend["rows"] if "segment" in r]
    manchester = _segments(rows, "Manchester")
    assert manchester["2015/16"] != manchester["2016/17"]  # 9-1 break
    assert manchester["2016/17"] == manchester["2018/19"]
    alone = [manchester[y] for y in ("2018/19", "2019/20", "2020/21", "2021/22")]
    assert len(set(alone)) == 4  # teacher/centre-assessed years joined to nothing
    assert manchester["2021/22"] == manchester["2024/25"]
    flags = {r["academic_year"]: r["flag"] for r in rows if r["series"] == "Manchester"}
    assert flags["2020/21"] == "Teacher-assessed grades"
    assert {"9-1 GCSEs", "Centre-assessed grades"} <= {r.get("label") for r in trend["rows"]}


def test_surrey_school_table_shows_suppressed_cells_as_words() -> None:
    app = run_page(PAGE, {"la": "936", "phase": "secondary", "year": "2016-17", "section": SCHOOLS})
    tables = [t.value for t in app.dataframe if "School" in t.value.columns]
    assert tables, "the school table is missing"
    schools = tables[0].set_index("URN")
    chart_wood = schools.loc["125457"]  # Chart Wood School: 'SUPP' in DfE's file
    assert chart_wood["Disadvantaged: Attainment 8"] == "suppressed"
    assert chart_wood["Gap within school"] == "suppressed"
    assert schools.loc["125257", "Disadvantaged: Attainment 8"] == "35.1"
    assert schools.loc["141147", "Small cohort"] == "yes (6 pupils)"
    assert not (schools["Disadvantaged: Attainment 8"] == "0.0").any()
    scatter = _chart(app, "Attainment 8: disadvantaged and other pupils in each school, 2016/17")
    drawn = {r["urn"] for r in scatter["rows"] if "urn" in r}
    assert "125257" in drawn and "125457" not in drawn  # suppressed: in the table only


def test_bolton_secondary_says_no_school_files() -> None:
    app = run_page(PAGE, {"la": "350", "phase": "secondary", "year": "2018-19", "section": SCHOOLS})
    messages = [i.value for i in app.info]
    assert (
        "No school-level KS4 results for Bolton are loaded: download them from DfE's Compare "
        "school performance service and load them on the Data and methods page." in messages
    )


def test_pupil_group_filter_acts() -> None:
    everyone = run_page(
        PAGE,
        {"la": "352", "phase": "secondary", "year": "2018-19", "group": "all", "section": RANKING},
    )
    ranking = _chart(everyone, "All pupils: Attainment 8: 150 LAs")
    manchester = [r for r in ranking["rows"] if r.get("area") == "Manchester"]
    assert manchester[0]["value"] == pytest.approx(43.3)  # LAIT AVG_Attain8_Score, 2019
    boys = run_page(
        PAGE,
        {"la": "936", "phase": "secondary", "year": "2016-17", "group": "boys", "section": RANKING},
    )
    captions = " ".join(c.value for c in boys.caption)
    assert "not for the group chosen in the sidebar (boys)" in captions
    assert "The school table (the Schools tab) shows boys" in captions
    table = next(t.value for t in _open(boys, SCHOOLS).dataframe if "School" in t.value.columns)
    assert table.set_index("URN").loc["125257", "Boys: Attainment 8"] == "43.9"


DEST_TITLE = "Sustained destinations after KS4: gap within each"


def test_default_view_shows_gm_school_destinations() -> None:
    """Issue 17: at the default view (GM, secondary, no URL parameters: the latest year,
    2024/25) the school section has school-level content: every GM state-funded mainstream
    school's destinations, for the latest cohort at or before that year (2021/22)."""
    app = run_page(PAGE, {"section": SCHOOLS})
    chart = _chart(app, DEST_TITLE)
    assert "Greater Manchester" in chart["alt_text"] and "cohort 2021/22" in chart["alt_text"]
    schools = [r for r in chart["rows"] if "urn" in r]
    assert len(schools) >= 100
    assert len({r["urn"] for r in schools}) == len(schools)  # one point per school
    assert {r["la_code"] for r in schools} == {str(c) for c in range(350, 360)}
    for r in schools:
        assert r["gap_within"] == pytest.approx(r["other"] - r["disadvantaged"])


def test_suppressed_school_destinations_stay_suppressed() -> None:
    app = run_page(PAGE, {"year": "2018-19", "section": SCHOOLS})
    chart = _chart(app, DEST_TITLE)
    assert "cohort 2018/19" in chart["alt_text"]
    schools = [r for r in chart["rows"] if "urn" in r]
    assert "106270" not in {r["urn"] for r in schools}  # suppressed: in the table only
    table = next(
        t.value for t in app.dataframe if "Disadvantaged: % sustained" in t.value.columns
    ).set_index("URN")
    # St Damian's RC Science College: OVERALL_DESTPER_DIS_20 'SUPP' (2022-2023 file).
    assert table.loc["106270", "Disadvantaged: % sustained"] == "suppressed"
    assert table.loc["106270", "Gap within school (points)"] == "suppressed"
    assert table.loc["106270", "Disadvantaged pupils"] == "47"
    text = " ".join(c.value for c in app.caption) + " ".join(m.value for m in app.markdown)
    assert "DfE KS4 destination measures, 2022-23 download; cohort 2018/19" in text


def test_manchester_school_destinations_are_manchester_only() -> None:
    app = run_page(PAGE, {"la": "352", "year": "2024-25", "section": SCHOOLS})
    chart = _chart(app, DEST_TITLE)
    schools = [r for r in chart["rows"] if "urn" in r]
    assert {r["la_code"] for r in schools} == {"352"}
    # 2023-2024 file: Co-op Academy North Manchester, 86% of 116 vs 89% of 91.
    coop = next(r for r in schools if r["urn"] == "142762")
    assert (coop["disadvantaged"], coop["other"], coop["gap_within"]) == (86, 89, 3)
    notices = " ".join(i.value for i in app.info)
    assert "Showing the 2021/22 cohort" in notices and "2023-24 download" in notices


def test_pandemic_cohort_school_destinations_are_flagged() -> None:
    app = run_page(PAGE, {"year": "2020-21", "section": SCHOOLS})
    chart = _chart(app, DEST_TITLE)
    assert "cohort 2020/21" in chart["alt_text"]
    notes = " ".join(c.value for c in app.caption)
    assert "Pupils who finished KS4 in 2020/21 had teacher-assessed grades" in notes
    assert "DfE KS4 destination measures, 2022-23 download; cohort 2020/21" in notes


def test_school_destinations_rebuild_for_a_story() -> None:
    import components.gaps.references  # noqa: F401  (registers the gaps- views)
    from components import views

    ref = {"v": "gaps-school-destinations", "la": "GM", "phase": "secondary"}
    view = views.build({**ref, "group": "disadvantaged", "year": "2018/19"})
    assert view.title.endswith("cohort 2018/19") and view.table.height >= 100


# --------------------------------------------------------------------------- tabs (issue 16)

MANCHESTER_2019 = {"la": "352", "phase": "secondary", "year": "2018-19"}


def test_a_first_visit_draws_the_tiles_and_the_gap_only() -> None:
    """The first screen: title, tiles and the area's gap; the ranking, trend and schools
    wait in their tabs (their code does not run, so their charts are not drawn)."""
    app = run_page(PAGE, MANCHESTER_2019)
    assert [t.label for t in app.tabs] == list(SECTIONS)
    drawn = [s["alt_text"].split(". ", 1)[0] for s in chart_specs(app)]
    assert drawn == ["Attainment 8: the gap two ways, 2018/19"]
    assert not app.dataframe or all("School" not in t.value.columns for t in app.dataframe)
    assert tiles.GAP_NOTE in [c.value for c in app.caption]  # what the tooltips said
    assert [m.label for m in tiles_of(app)][:4] == [
        "Disadvantaged pupils",
        "Other pupils",
        "Gap within the area",
        "Gap to other pupils nationally",
    ]
    # The intro says what the first chart shows.
    assert "Measured **within the area**" in app.markdown[0].value


def test_the_gap_tab_draws_the_areas_two_dots() -> None:
    gap = _chart(run_page(PAGE, MANCHESTER_2019), "Attainment 8: the gap two ways, 2018/19")
    # LAIT 2019: Manchester disadvantaged 37.6, other 48.9 (the tiles' figures).
    drawn = {(r["area"], r["pupils"]): r["value"] for r in gap["rows"] if "pupils" in r}
    assert drawn[("Manchester", "Disadvantaged pupils")] == pytest.approx(37.6)
    assert drawn[("Manchester", "Other (non-disadvantaged) pupils")] == pytest.approx(48.9)
    assert drawn[("England", "Other (non-disadvantaged) pupils")] == pytest.approx(50.3)


@pytest.mark.parametrize(
    ("section", "title"),
    [
        (RANKING, "Attainment 8, gap to other pupils nationally: 150 LAs"),
        (OVER_TIME, "Attainment 8, gap to other pupils nationally, 2015/16 to 2024/25"),
        (SCHOOLS, DEST_TITLE),
    ],
)
def test_each_tab_opened_through_its_link_draws_its_own_charts(section: str, title: str) -> None:
    app = run_page(PAGE, {**MANCHESTER_2019, "section": section})
    assert app.query_params["section"] == [section] or app.query_params["section"] == section
    chart = _chart(app, title)
    assert not [s for s in chart_specs(app) if "the gap two ways" in s["alt_text"]]
    manchester = [r for r in chart["rows"] if r.get("area") == "Manchester"]
    if section == RANKING:
        assert manchester[0]["value"] == pytest.approx(50.3 - 37.6)
    if section == OVER_TIME:
        own = {
            r["academic_year"]: r["value"] for r in chart["rows"] if r.get("series") == "Manchester"
        }
        assert own["2018/19"] == pytest.approx(50.3 - 37.6)
    if section == SCHOOLS:
        schools = [r for r in chart["rows"] if "urn" in r]
        assert schools and {r["la_code"] for r in schools} == {"352"}


def test_the_ranking_choice_carries_to_the_trend() -> None:
    app = run_page(PAGE, {**MANCHESTER_2019, "section": RANKING})
    app.radio(key="gaps_metric_disadvantaged").set_value("gap_within").run()
    assert _chart(app, "Attainment 8, gap within the area: ")
    _open(app, OVER_TIME)
    assert app.radio(key="gaps_metric_disadvantaged").value == "gap_within"
    assert _chart(app, "Attainment 8, gap within the area, 2015/16 to 2024/25")


def test_show_data_draws_its_table_when_opened_and_keeps_it_open() -> None:
    """Each chart's "Show data" is there closed with nothing inside (a closed expander's
    table would still be built in the browser); opened, it holds the chart's table and its
    CSV, and stays open on the next run."""
    app = run_page(PAGE, MANCHESTER_2019)
    (show,) = [e for e in app.expander if e.label == "Show data"]
    assert not show.children and not app.dataframe
    assert not [b for b in app.get("download_button") if b.proto.label.startswith("Download CSV")]
    open_show_data(app)
    (show,) = [e for e in app.expander if e.label == "Show data"]
    (table,) = [d.value for d in app.dataframe]
    assert "Manchester" in " ".join(map(str, table.iloc[:, 0].tolist()))
    (csv,) = [b for b in app.get("download_button") if b.proto.label.startswith("Download CSV")]
    assert csv.proto.label == f"Download CSV ({len(table)} rows)"
    key = show.proto.id.split("-", 2)[2]
    assert app.session_state[key] is True
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert [d.value.shape for d in app.dataframe] == [table.shape]
