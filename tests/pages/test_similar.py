"""The Similar schools page, run through app.py as a headteacher opens it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from equity.analysis import similar
from equity.store import Store, default_store_path
from tests.pages.conftest import chart_specs, run_page

pytestmark = pytest.mark.page
PAGE = "pages/similar.py"


@pytest.fixture(scope="module")
def secondary() -> similar.Context:
    return similar.context_table(Store.open(default_store_path()), "secondary", "2018/19")


def _family(app: AppTest) -> pd.DataFrame:
    """The 'Why these schools are similar' table (the one with a Distance column)."""
    tables = [d.value for d in app.dataframe if "Distance" in d.value.columns]
    assert len(tables) == 1
    return tables[0]


def _params(app: AppTest) -> dict[str, Any]:
    return {k: app.query_params[k] for k in ("school", "family_size", "pool", "features")}


def _one(value: Any) -> str:
    return str(value[0] if isinstance(value, list) else value)


def test_manchester_secondary_school_gets_twenty_similar_gm_schools(
    secondary: similar.Context,
) -> None:
    app = run_page(page=PAGE, params={"la": "352", "phase": "secondary"})
    first = similar.school_options(secondary, ("352",)).row(0, named=True)
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
    assert any("against expectation" in t for t in specs)
    assert any("descriptive, not a causal judgement" in m.value for m in app.markdown)


def test_dropping_a_feature_changes_the_family() -> None:
    app = run_page(page=PAGE, params={"la": "352"})
    assert [c for c in _family(app).columns if c.startswith("% EAL (yours")]
    before = set(_family(app)["URN"])
    app.checkbox(key="similar_feature_eal").uncheck().run()
    assert not app.exception
    after = _family(app)
    assert len(after) == 20
    assert set(after["URN"]) != before
    assert not [c for c in after.columns if c.startswith("% EAL")]
    assert _one(app.query_params["features"]) == "fsm6,sen,pupils"


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
    assert app.slider(key="similar_size").value == 10
    assert app.radio(key="similar_pool").value == "england"
    assert app.checkbox(key="similar_feature_fsm6").value
    assert not app.checkbox(key="similar_feature_eal").value
    family = _family(app)
    assert len(family) == 10
    assert school["urn"] not in family["URN"].tolist()
    features = [c.split(" (yours")[0] for c in family.columns if "(yours" in c]
    assert features == ["% ever-FSM", "% SEN"]
    assert not app.warning
    code = [c.value for c in app.code]
    assert any(f"school={school['urn']}" in c and "family_size=10" in c for c in code)


def test_unknown_school_in_a_link_is_reported(secondary: similar.Context) -> None:
    app = run_page(page=PAGE, params={"la": "352", "school": "999999", "family_size": "500"})
    notices = " ".join(w.value for w in app.warning)
    assert "999999" in notices and "not a URN in the loaded data" in notices
    assert "family size '500'" in notices
    first = similar.school_options(secondary, ("352",))["urn"][0]
    assert app.selectbox(key="similar_school").value == first
    assert len(_family(app)) == 20


def test_surrey_head_sees_who_does_best_for_disadvantaged_pupils() -> None:
    app = run_page(page=PAGE, params={"la": "936"})
    assert app.radio(key="similar_pool").value == "la"
    assert set(_family(app)["LA"]) == {"Surrey"}
    visit = next(d.value for d in app.dataframe if "Disadvantaged pupils" in d.value.columns)
    published = [v for v in visit["Disadvantaged"] if v not in ("suppressed", "no data")]
    assert len(published) >= 15
    values = [float(v) for v in published]
    assert values == sorted(values, reverse=True)
    assert any(
        m.value.startswith("**Worth a visit** on Attainment 8 by disadvantage")
        for m in app.markdown
    )
    odds = next(
        s for s in chart_specs(app) if "odds" in s["alt_text"] or "expectation" in s["alt_text"]
    )
    assert any(r.get("verdict") for r in odds["rows"])


def test_primary_outcomes_by_disadvantage_explain_their_absence() -> None:
    app = run_page(page=PAGE, params={"la": "352", "phase": "primary"})
    assert len(_family(app)) == 20
    infos = " ".join(i.value for i in app.info)
    assert "Hampshire and Surrey" in infos
    titles = [s["alt_text"] for s in chart_specs(app)]
    progress = next(s for s in chart_specs(app) if s["alt_text"].startswith("KS2 progress"))
    assert {r["pupils"] for r in progress["rows"]} == {"Reading", "Writing", "Maths"}
    assert any(t.startswith("KS2 progress scores") for t in titles)


def test_hampshire_head_is_pointed_to_the_years_with_results_by_disadvantage() -> None:
    app = run_page(page=PAGE, params={"la": "850", "year": "2018-19"})
    notes = " ".join(c.value for c in app.caption)
    assert "For Hampshire, KS4 results by disadvantage are loaded for 2016/17, 2017/18" in notes
    earlier = run_page(page=PAGE, params={"la": "850", "year": "2017-18"})
    assert any(m.value.startswith("**Worth a visit** on Attainment 8") for m in earlier.markdown)
    odds = next(s for s in chart_specs(earlier) if "against expectation" in s["alt_text"])
    assert odds["rows"]
