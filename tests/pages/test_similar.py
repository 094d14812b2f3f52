"""The Similar schools page, run through app.py as a headteacher opens it."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from components.filters import Filters
from components.similar import link, method, odds, widgets
from equity.analysis import similar
from equity.metrics.odds import beating_the_odds
from equity.store import Store, default_store_path
from tests.pages.conftest import (
    chart_specs,
    open_link,
    open_section,
    open_show_data,
    press_progressive,
    run_page,
    section_labels,
)

pytestmark = pytest.mark.page
PAGE = "pages/similar.py"
TABS = ["Family", "Results", "Best for disadvantaged", "Beating the odds"]


@pytest.fixture(scope="module")
def secondary() -> similar.Context:
    return similar.context_table(Store.open(default_store_path()), "secondary", "2018/19")


def _family(app: AppTest) -> pd.DataFrame:
    """The 'Why these schools are similar' table (the one with a Distance column)."""
    tables = [d.value for d in app.dataframe if "Distance" in d.value.columns]
    assert len(tables) == 1
    return tables[0]


SHARE = "**Link to this school and its family** (open, bookmark or share it): "
#: The share line's markdown link: [`url`](<url>).
SHARE_LINK = re.compile(r"\[`(?P<text>[^`]+)`\]\(<(?P<href>[^<>\s]+)>\)$")


def _share_links(app: AppTest) -> list[str]:
    """The share link's URL (its text and its destination are the same URL)."""
    urls = []
    for block in app.markdown:
        if block.value.startswith(SHARE):
            found = SHARE_LINK.match(block.value.removeprefix(SHARE))
            assert found is not None, block.value
            assert found["text"] == found["href"]
            urls.append(found["href"])
    return urls


def _params(app: AppTest) -> dict[str, Any]:
    return {k: app.query_params[k] for k in ("school", "family_size", "pool", "features")}


def _default(context: similar.Context, la_code: str) -> dict[str, Any]:
    urn = similar.default_school(context, (la_code,))
    options = similar.school_options(context, (la_code,))
    return options.filter(options["urn"] == urn).row(0, named=True)


def open_feature_editor(app: AppTest) -> AppTest:
    """Open "Change the features and their weights", as a click does (its inputs are drawn
    only while it is open), and rerun."""
    app.session_state[widgets.EDITOR_KEY] = True
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _one(value: Any) -> str:
    return str(value[0] if isinstance(value, list) else value)


def test_manchester_secondary_school_gets_twenty_similar_gm_schools(
    secondary: similar.Context,
) -> None:
    app = run_page(page=PAGE, params={"la": "352", "phase": "secondary"})
    first = _default(secondary, "352")
    assert app.selectbox(key="similar_school").value == first["urn"]
    family = _family(app)
    assert len(family) == 20
    assert first["urn"] not in family["URN"].tolist()
    assert family["Distance"].tolist() == sorted(family["Distance"].tolist())
    assert family["Rank"].tolist() == list(range(1, 21))
    gm = {"Bolton", "Bury", "Manchester", "Oldham", "Rochdale", "Salford", "Stockport"}
    assert set(family["LA"]) <= gm | {"Tameside", "Trafford", "Wigan"}
    # The family and its reasons, in the URL so the link reopens it.
    params = {k: _one(v) for k, v in _params(app).items()}
    assert params == {
        "school": first["urn"],
        "family_size": "20",
        "pool": "gm",
        "features": "fsm6,eal,sen,pupils",
    }
    # Destinations of disadvantaged and other pupils, the chosen school drawn once per group.
    open_section(app, "Results")
    specs = {s["alt_text"]: s for s in chart_specs(app)}  # "title. takeaway"
    dest = next(s for t, s in specs.items() if t.startswith("Sustained education"))
    mine = [r for r in dest["rows"] if r["role"] == "This school"]
    assert {r["pupils"] for r in mine} == {
        "Disadvantaged pupils",
        "Other (non-disadvantaged) pupils",
    }
    assert {r["school"] for r in mine} == {first["name"]}
    drawn = {r["school"] for r in dest["rows"]}
    assert drawn - {first["name"]} <= set(family["School"])
    assert any(t.startswith("Attainment 8, all pupils") for t in specs)
    open_section(app, "Beating the odds")
    assert any("against expectation" in s["alt_text"] for s in chart_specs(app))
    assert any("descriptive, not a causal judgement" in m.value for m in app.markdown)


def test_dropping_a_feature_changes_the_family() -> None:
    app = run_page(page=PAGE, params={"la": "352"})
    assert [c for c in _family(app).columns if c.startswith("% EAL (yours")]
    before = set(_family(app)["URN"])
    open_feature_editor(app).checkbox(key="similar_feature_eal").uncheck().run()
    assert not app.exception
    after = _family(app)
    assert len(after) == 20
    assert set(after["URN"]) != before
    assert not [c for c in after.columns if c.startswith("% EAL")]
    assert _one(app.query_params["features"]) == "fsm6,sen,pupils"


def test_the_features_are_summarised_and_their_inputs_drawn_on_request() -> None:
    """Fourteen inputs no longer fill the first screen: one line says what the family is
    compared on, and the ticks and weights are kept while their inputs are not drawn."""
    app = run_page(page=PAGE, params={"la": "352"})
    assert not app.checkbox and not app.number_input
    line = "**Compared on** % ever-FSM × 1, % EAL × 1, % SEN × 1, pupils on roll × 0.5 ("
    assert any(m.value.startswith(line) for m in app.markdown)
    editor = next(e for e in app.expander if e.label == "Change the features and their weights")
    assert editor.proto.expanded is False
    open_feature_editor(app).checkbox(key="similar_feature_eal").uncheck().run()
    app.number_input(key="similar_weight_pupils").set_value(2.0).run()
    narrowed = _family(app)["URN"].tolist()
    app.session_state[widgets.EDITOR_KEY] = False  # closed: the inputs go, the choice stays
    app.run()
    assert not app.checkbox and not app.number_input
    assert _family(app)["URN"].tolist() == narrowed
    assert any(
        m.value.startswith("**Compared on** % ever-FSM × 1, % SEN × 1, pupils on roll × 2 (")
        for m in app.markdown
    )
    assert _one(app.query_params["weights"]) == "fsm6:1,sen:1,pupils:2"
    open_feature_editor(app)  # reopened: the inputs show the kept choice
    assert not app.checkbox(key="similar_feature_eal").value
    assert app.number_input(key="similar_weight_pupils").value == 2.0
    assert app.number_input(key="similar_weight_eal").disabled


def test_permalink_is_read_back(secondary: similar.Context) -> None:
    school = similar.school_options(secondary, ("352",)).row(3, named=True)
    app = run_page(
        page=PAGE,
        params={
            "la": "352",
            "school": school["urn"],
            "family_size": "10",
            "pool": "england",
            "features": "fsm6,sen",
        },
    )
    assert app.selectbox(key="similar_school").value == school["urn"]
    assert app.selectbox(key="similar_size").value == 10
    assert app.radio(key="similar_pool").value == "england"
    assert any(
        m.value.startswith("**Compared on** % ever-FSM × 1, % SEN × 1 (") for m in app.markdown
    )
    open_feature_editor(app)
    assert app.checkbox(key="similar_feature_fsm6").value
    assert not app.checkbox(key="similar_feature_eal").value
    family = _family(app)
    assert len(family) == 10
    assert school["urn"] not in family["URN"].tolist()
    features = [c.split(" (yours")[0] for c in family.columns if "(yours" in c]
    assert features == ["% ever-FSM", "% SEN"]
    assert not app.warning
    links = _share_links(app)
    assert any(f"school={school['urn']}" in c and "family_size=10" in c for c in links)


def test_unknown_school_in_a_link_is_reported(secondary: similar.Context) -> None:
    app = run_page(
        page=PAGE, params={"la": "352", "school": "999999", "family_size": "500"}, press=False
    )
    notices = " ".join(w.value for w in app.warning)
    assert "999999" in notices and "not a URN in the loaded data" in notices
    assert "family size `500`" in notices  # quoted as code, as the filters' notices are
    assert "largest school with published results is shown" in notices
    assert app.selectbox(key="similar_school").value == _default(secondary, "352")["urn"]
    assert len(_family(press_progressive(app))) == 20


def test_surrey_head_sees_who_does_best_for_disadvantaged_pupils() -> None:
    app = run_page(page=PAGE, params={"la": "936"})
    assert app.radio(key="similar_pool").value == "la"
    assert set(_family(app)["LA"]) == {"Surrey"}
    open_section(app, "Best for disadvantaged")
    visit = next(d.value for d in app.dataframe if "Disadvantaged pupils" in d.value.columns)
    published = [v for v in visit["Disadvantaged"] if v not in ("suppressed", "no data")]
    assert len(published) >= 15
    values = [float(v) for v in published]
    assert values == sorted(values, reverse=True)
    assert any(m.value.startswith("**Worth a visit** on Sustained education") for m in app.markdown)
    app.selectbox(key="similar_best_outcome").set_value("a8").run()
    assert any(
        m.value.startswith("**Worth a visit** on Attainment 8 by disadvantage")
        for m in app.markdown
    )
    open_section(app, "Beating the odds")
    odds = next(
        s for s in chart_specs(app) if "odds" in s["alt_text"] or "expectation" in s["alt_text"]
    )
    assert any(r.get("verdict") for r in odds["rows"])


def test_primary_outcomes_by_disadvantage_explain_their_absence() -> None:
    app = run_page(page=PAGE, params={"la": "352", "phase": "primary"})
    assert len(_family(app)) == 20
    open_section(app, "Best for disadvantaged")
    infos = " ".join(i.value for i in app.info)
    assert "Hampshire and Surrey" in infos
    open_section(app, "Results")
    titles = [s["alt_text"] for s in chart_specs(app)]
    progress = next(s for s in chart_specs(app) if s["alt_text"].startswith("KS2 progress"))
    assert {r["pupils"] for r in progress["rows"]} == {"Reading", "Writing", "Maths"}
    assert any(t.startswith("KS2 progress scores") for t in titles)


def test_hampshire_head_is_pointed_to_the_years_with_results_by_disadvantage() -> None:
    app = run_page(page=PAGE, params={"la": "850", "year": "2018-19"})
    notes = " ".join(c.value for c in app.caption)
    assert "For Hampshire, KS4 results by disadvantage are loaded for 2016/17, 2017/18" in notes
    earlier = run_page(page=PAGE, params={"la": "850", "year": "2017-18"})
    # Pooled destinations are ranked first; the year's A8 by disadvantage is one choice away.
    open_section(earlier, "Best for disadvantaged")
    earlier.selectbox(key="similar_best_outcome").set_value("a8").run()
    assert any(m.value.startswith("**Worth a visit** on Attainment 8") for m in earlier.markdown)
    open_section(earlier, "Beating the odds")
    odds = next(s for s in chart_specs(earlier) if "against expectation" in s["alt_text"])
    assert odds["rows"]


def _texts(app: AppTest) -> str:
    parts = [*app.info, *app.warning, *app.caption, *app.markdown]
    return " ".join(str(p.value) for p in parts)


def _every_tab(app: AppTest) -> str:
    """The page's words in every tab, each opened in turn (the first one last, as found)."""
    texts = []
    for label in [*section_labels(app)[1:], section_labels(app)[0]]:
        texts.append(_texts(open_section(app, label)))
    return " ".join(texts)


@pytest.mark.parametrize("la_code", ["936", "850"])
def test_primary_opens_on_a_school_with_ks2_results_and_a_weak_line_says_so(la_code: str) -> None:
    app = run_page(page=PAGE, params={"la": la_code, "phase": "primary"})
    assert not app.exception
    urn = app.selectbox(key="similar_school").value
    context = similar.context_table(Store.open(default_store_path()), "primary", "2018/19")
    row = context.frame.filter(context.frame["urn"] == urn).row(0, named=True)
    assert row["rwm_dis"] is not None or row["rwm_other"] is not None  # not an infant school
    texts = _every_tab(app)
    # Hampshire and Surrey have results by disadvantage: absence is never blamed on the LA.
    for blame in ("exist only in the Hampshire", "exist only for Hampshire", "loaded only for"):
        assert blame not in texts
    # The line explains almost nothing (R² about 0.02): said plainly, and no ranked list.
    open_section(app, "Beating the odds")
    warning = " ".join(w.value for w in app.warning)
    assert "Context explains little of the differences here" in warning
    assert "residuals mostly restate the raw results" in warning
    assert not [d for d in app.dataframe if "Band from" in d.value.columns]
    assert any(c.value.startswith("Not listed") for c in app.caption)
    odds = next(s for s in chart_specs(app) if "against expectation" in s["alt_text"])
    assert "Context explains little here" in odds["alt_text"]
    assert "Hampshire" in texts and "% SEN" in texts  # fitted across both LAs, with % SEN


def test_surrey_secondary_names_slopes_that_cannot_be_told_from_zero() -> None:
    # The performance tables are 2018/19: judged on that year's census (the page's default
    # census is now the newest, January 2024, where fewer of those URNs survive).
    params = {"la": "936", "phase": "secondary", "census": "2018-19"}
    app = run_page(page=PAGE, params=params)
    open_section(app, "Beating the odds")
    app.selectbox(key="similar_odds").set_value("a8_dis").run()  # destinations come first
    captions = " ".join(c.value for c in app.caption)
    assert "fitted by least squares across the 54 loaded schools with the outcome (Surrey 54)" in (
        captions
    )
    assert "The slope on % disadvantaged (+0.27, 95% interval -0.14 to +0.68) cannot be told" in (
        captions
    )
    assert "Context explains little" not in " ".join(w.value for w in app.warning)


def test_unknown_features_in_a_link_are_dropped_and_the_defaults_used() -> None:
    app = run_page(page=PAGE, params={"la": "352", "features": "foo,bar"}, press=False)
    notices = " ".join(w.value for w in app.warning)
    assert "features foo, bar are not known here" in notices
    assert "the default features (% ever-FSM, % EAL, % SEN, pupils on roll) are used" in notices
    assert "Tick at least one feature" not in notices
    assert all(
        open_feature_editor(app).checkbox(key=f"similar_feature_{f}").value
        for f in similar.DEFAULT_FEATURES
    )
    assert len(_family(press_progressive(app))) == 20
    assert _one(app.query_params["features"]) == "fsm6,eal,sen,pupils"
    # A known feature beside an unknown one is kept on its own.
    mixed = run_page(page=PAGE, params={"la": "352", "features": "foo,sen"}, press=False)
    assert "feature foo is not known here" in " ".join(w.value for w in mixed.warning)
    assert open_feature_editor(mixed).checkbox(key="similar_feature_sen").value
    assert not mixed.checkbox(key="similar_feature_fsm6").value
    assert _one(mixed.query_params["features"]) == "sen"


def test_counts_read_as_sentences() -> None:
    app = run_page(page=PAGE, params={"la": "352", "pool": "england"})
    summary = next(m.value for m in app.markdown if "most similar schools" in m.value)
    assert "schools loaded across England, compared on" in summary
    assert "All loaded schools (England)" not in summary
    texts = _every_tab(app)
    assert " 1 have " not in texts and " 1 results are" not in texts
    # One school without a measure: "1 school has no ...".
    frame = pl.DataFrame(
        {
            "urn": ["a", "b", "c", "d", "e"],
            "y": [2.0, 3.0, 5.0, 6.0, 4.0],
            "x": [1.0, 2.0, 3.0, 4.0, None],
            "n": [4.0, 9.0, 16.0, 25.0, 9.0],
        }
    )
    fit = beating_the_odds(frame, "y", ["x"], "n")
    spec = similar.OddsSpec("y", "Y", "y", ("x",), "n", "performance")
    assert odds._excluded_text(fit, spec) == "1 school has no x"


@pytest.mark.parametrize(
    "size",
    ["²", "+20", "020", "-5", "٢٠", "9" * 5000],
    ids=["superscript", "sign", "leading-zero", "negative", "arabic-indic", "5000-digits"],
)
def test_a_family_size_that_is_not_a_plain_number_gets_the_usual_notice(size: str) -> None:
    """str.isdigit() took '²' for a number and int() then raised (a traceback with server
    paths); 5,000 digits are past what int() reads. Each is a bad value like any other."""
    app = run_page(page=PAGE, params={"la": "352", "family_size": size}, press=False)
    notices = " ".join(w.value for w in app.warning)
    assert "family size" in notices and "must be a whole number from 5 to 50" in notices
    assert app.selectbox(key="similar_size").value == 20
    assert len(_family(press_progressive(app))) == 20


def test_a_new_link_wins_over_the_widgets_and_the_widgets_then_own_the_state() -> None:
    """urlstate's one rule: link values new to the session are applied; values the page
    wrote itself are not mistaken for a new link."""
    app = run_page(page=PAGE, params={"la": "352", "family_size": "10"})
    assert app.selectbox(key="similar_size").value == 10
    app.selectbox(key="similar_size").set_value(15).run()
    assert app.selectbox(key="similar_size").value == 15
    assert app.query_params["family_size"] in ("15", ["15"])
    app.query_params["family_size"] = "30"  # the reader pastes another link
    app.run()
    assert not app.exception
    assert app.selectbox(key="similar_size").value == 30
    assert len(_family(app)) == 30


def test_the_last_authoritys_choices_left_in_the_address_are_not_a_link(
    secondary: similar.Context,
) -> None:
    """After a change to an authority with no school, the controls are seeded again from
    the address, which still holds the choices made for the authority before (Bolton's
    school and pool "gm"). Taken as a link, the pool stuck at Greater Manchester for every
    authority after; a link someone followed still wins."""
    bolton = _default(secondary, "350")
    address = {"school": bolton["urn"], "pool": "gm", "family_size": "30"}
    surrey = Filters("936", "secondary", "disadvantaged", "2018/19", "Surrey", ("936",))
    own = link.parse_choice(secondary, surrey, address, census="", link=False)
    assert own is not None
    assert (own.choice.pool, own.pool_given, own.choice.size) == ("la", False, 20)
    assert own.choice.urn == own.default and not own.problems
    followed = link.parse_choice(secondary, surrey, address, census="", link=True)
    assert followed is not None
    assert (followed.choice.pool, followed.pool_given, followed.choice.size) == ("gm", True, 30)
    # The page's own address naming one of this authority's schools is kept (a return).
    mine = _default(secondary, "936")
    back = link.parse_choice(
        secondary, surrey, {**address, "school": mine["urn"]}, census="", link=False
    )
    assert back is not None and (back.choice.urn, back.choice.pool) == (mine["urn"], "gm")


# ------------------------------------------------------------- pooled destinations, weights
CROMPTON = "137294"  # The Crompton House Church of England Academy, Oldham


def test_gm_secondary_family_has_pooled_destinations_with_cohort_sizes() -> None:
    """Hand-checked from data/sources/performance-downloads/2023-2024/england_ks4-pupdest.csv
    (URN 137294): disadvantaged pupils 2021/22 COHORT_DIS 26 at 92%; 2020/21
    (COHORT_DIS_22) 18 at 94%; 2019/20 (COHORT_DIS_21) 24 at 83%. Pooled: 68 pupils,
    (26 x 92 + 18 x 94 + 24 x 83) / 68 = 6076 / 68 = 89.35%."""
    app = run_page(page=PAGE, params={"school": CROMPTON})  # the default view: GM, secondary
    assert app.selectbox(key="similar_school").value == CROMPTON
    open_show_data(open_section(app, "Results"))
    chart = next(s for s in chart_specs(app) if "latest three cohorts pooled" in s["alt_text"])
    assert "2019/20 to 2021/22" in chart["alt_text"]
    assert "disadvantaged pupils 89 (68 pupils pooled)" in chart["alt_text"]
    mine = [r for r in chart["rows"] if r.get("role") == "This school"]
    dis = next(r for r in mine if r["pupils"] == "Disadvantaged pupils")
    assert dis["value"] == pytest.approx(89.0)  # drawn to the measure's 0 decimals
    table = next(
        d.value
        for d in app.dataframe
        if "Cohort" in d.value.columns and "Position in family" in d.value.columns
    )
    row = table[(table["Note"] == "this school") & (table["Pupils"] == "Disadvantaged pupils")]
    assert row["Cohort"].tolist() == [68]
    family_rows = table[(table["Note"] != "this school") & (table["Result"] != "suppressed")]
    assert len(family_rows) >= 15 and (family_rows["Cohort"] > 0).all()
    open_section(app, "Best for disadvantaged")
    visit = [m.value for m in app.markdown if m.value.startswith("**Worth a visit**")]
    assert visit and "2019/20 to 2021/22" in visit[0]
    open_section(app, "Beating the odds")
    odds = next(s for s in chart_specs(app) if "against expectation" in s["alt_text"])
    assert "89.4 against an expected" in odds["alt_text"]


def test_the_weights_are_shown_kept_in_the_link_and_change_the_family() -> None:
    app = open_feature_editor(run_page(page=PAGE, params={"school": CROMPTON}))
    assert app.number_input(key="similar_weight_pupils").value == 0.5
    assert app.number_input(key="similar_weight_fsm6").value == 1.0
    assert any(
        "pupils on roll × 0.5" in m.value and "% ever-FSM × 1" in m.value for m in app.markdown
    )
    assert _one(app.query_params["weights"]) == "fsm6:1,eal:1,sen:1,pupils:0.5"

    def size_gap(family: pd.DataFrame) -> float:
        column = next(c for c in family.columns if c.startswith("Pupils on roll (yours"))
        yours = float(column.split("yours ")[1].rstrip(")").replace(",", ""))
        return float((family[column] - yours).abs().mean())

    before_family = _family(app)
    before = before_family["URN"].tolist()
    app.number_input(key="similar_weight_pupils").set_value(5.0).run()
    assert not app.exception
    after = _family(app)["URN"].tolist()
    assert after != before
    assert _one(app.query_params["weights"]) == "fsm6:1,eal:1,sen:1,pupils:5"
    # Size now dominates: the family's sizes sit closer to the school's than before.
    assert size_gap(_family(app)) < size_gap(before_family)
    linked = run_page(
        page=PAGE, params={"school": CROMPTON, "weights": "fsm6:1,eal:1,sen:1,pupils:5"}
    )
    assert _family(linked)["URN"].tolist() == after


@pytest.mark.parametrize("weights", ["fsm6:abc", "fsm6:-1", "fsm6:99", "fsm6:²", "nope:1", "::"])
def test_a_bad_weight_in_the_link_gets_the_usual_notice(weights: str) -> None:
    app = run_page(page=PAGE, params={"school": CROMPTON, "weights": weights}, press=False)
    notices = " ".join(w.value for w in app.warning)
    assert "The link's weight" in notices, notices
    assert open_feature_editor(app).number_input(key="similar_weight_fsm6").value == 1.0
    assert len(_family(press_progressive(app))) == 20


def test_a_census_year_in_the_link_builds_the_family_from_that_census() -> None:
    app = run_page(page=PAGE, params={"school": CROMPTON, "census": "2018-19"}, press=False)
    assert app.selectbox(key="similar_census").value == "2018/19"
    assert any("January 2019 (2018/19) census" in m.value for m in app.markdown)
    bad = run_page(page=PAGE, params={"school": CROMPTON, "census": "1999-00"}, press=False)
    assert any("census year" in w.value for w in bad.warning)
    assert bad.selectbox(key="similar_census").value == "2023/24"


def test_a_junior_school_is_compared_with_junior_schools_unless_kinds_are_mixed() -> None:
    junior = "124979"  # Shottermill Junior School, Surrey
    app = run_page(page=PAGE, params={"la": "936", "phase": "primary", "school": junior})
    assert app.checkbox(key="similar_mix_kinds").value is False
    names = _family(app)["School"].tolist()
    assert len(names) == 20
    assert all("junior" in n.lower() for n in names), names
    app.checkbox(key="similar_mix_kinds").check().run()
    assert not app.exception
    mixed = _family(app)["School"].tolist()
    assert mixed != names and not all("junior" in n.lower() for n in mixed)
    assert _one(app.query_params["mix"]) == "1"


def test_a_reference_rebuilds_the_pooled_outcome_with_its_weights() -> None:
    from components import views

    ref = {
        "v": "similar-dest",
        "la": "GM",
        "phase": "secondary",
        "group": "disadvantaged",
        "year": "2018/19",
        "school": CROMPTON,
        "pool": "gm",
        "features": "fsm6,eal,sen,pupils",
        "weights": "fsm6:1,eal:1,sen:1,pupils:0.5",
        "census": "2023-24",
    }
    view = views.build(ref)
    assert "2019/20 to 2021/22" in view.title
    mine = view.table.filter(
        (view.table["Note"] == "this school") & (view.table["Pupils"] == "Disadvantaged pupils")
    )
    assert mine["Cohort"].to_list() == [68]
    heavier = views.build({**ref, "weights": "fsm6:1,eal:1,sen:1,pupils:5"})
    assert set(heavier.table["School"]) != set(view.table["School"])
    with pytest.raises(views.ViewError):
        views.build({**ref, "weights": "pupils:lots"})


# ------------------------------------------------------------------ sections as lazy tabs
CROMPTON_NAME = "The Crompton House Church of England Academy"


def test_a_first_visit_draws_the_family_tab_only() -> None:
    app = run_page(page=PAGE, params={"school": CROMPTON})
    assert section_labels(app) == TABS
    assert len(_family(app)) == 20
    assert chart_specs(app) == []  # the outcome and odds charts wait for their tabs
    assert not [d for d in app.dataframe if "Disadvantaged pupils" in d.value.columns]
    # The share link and the method are below the tabs, whichever is open.
    assert any(f"school={CROMPTON}" in c for c in _share_links(app))
    # A markdown link, not a code block: the browser's syntax highlighter that draws
    # st.code costs ~0.3-0.5 s of main-thread work on a first visit.
    assert not app.code
    assert any(e.label == "How families are formed" for e in app.expander)


def test_a_first_visit_draws_the_family_table_once_the_first_screen_is_drawn() -> None:
    """The data grid ~1,100 px down waits for the browser's press (components/progressive)
    instead of holding back the controls and summary above it; a button says what it is."""
    app = run_page(page=PAGE, params={"school": CROMPTON}, press=False)
    assert not [d for d in app.dataframe if "Distance" in d.value.columns]
    assert "Show the family's table" in [b.label for b in app.button]
    assert len(_family(press_progressive(app))) == 20
    app.selectbox(key="similar_size").set_value(10).run()  # later runs draw it at once
    assert len(_family(app)) == 10


def test_the_method_is_drawn_on_request() -> None:
    """~850 px of method text most readers never open: drawn once its expander is opened."""
    app = run_page(page=PAGE, params={"school": CROMPTON})
    assert not [m for m in app.markdown if m.value == method.METHOD.strip()]
    app.session_state[method.METHOD_KEY] = True
    app.run()
    assert not app.exception
    (drawn,) = [e for e in app.expander if e.label == "How families are formed"]
    assert [m.value for m in drawn.markdown] == [method.METHOD.strip()]


def test_each_tab_opened_through_the_link_draws_its_own_charts() -> None:
    params = {"la": "353", "school": CROMPTON}
    results = open_link(PAGE, {**params, "section": "Results"})
    assert results.selectbox(key="similar_school").value == CROMPTON
    titles = [s["alt_text"].split(". ", 1)[0] for s in chart_specs(results)]
    assert len(titles) >= 2 and all(f"{CROMPTON_NAME} in its family" in t for t in titles)
    pooled = next(s for s in chart_specs(results) if "three cohorts pooled" in s["alt_text"])
    assert "disadvantaged pupils 89 (68 pupils pooled)" in pooled["alt_text"]
    assert not [d for d in results.dataframe if "Distance" in d.value.columns]

    best = open_link(PAGE, {**params, "section": "Best for disadvantaged"})
    assert chart_specs(best) == []
    visit = next(d.value for d in best.dataframe if "Disadvantaged pupils" in d.value.columns)
    assert (visit["Note"] == "this school").sum() == 1

    odds = open_link(PAGE, {**params, "section": "Beating the odds"})
    [chart] = chart_specs(odds)
    assert "against expectation" in chart["alt_text"]
    assert "89.4 against an expected" in chart["alt_text"]


def test_the_data_note_says_where_results_are_loaded() -> None:
    app = run_page(PAGE)
    note = next(c.value for c in app.caption if "split by disadvantage" in c.value)
    # Embedded data: KS4 performance tables for 2018/19 are Surrey's only (data/sources).
    assert "KS4 results split by disadvantage for 2018/19 (DfE performance tables): Surrey." in note
    assert "Hampshire" not in note  # no claim the store does not back


def test_features_sit_at_most_four_to_a_row() -> None:
    """Seven features in one row left ~120 px each and broke labels mid-word."""
    app = run_page(PAGE, {"la": "936", "phase": "secondary", "year": "2018-19"})
    open_feature_editor(app)
    placed = [(c.weight, b.key) for c in app.columns for b in c.checkbox]
    keys = [key for _, key in placed if key.startswith("similar_feature_")]
    assert len(keys) == 7  # Surrey has performance tables: every feature is offered
    assert {weight for weight, key in placed if key in keys} == {0.25}
