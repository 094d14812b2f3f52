"""Global filters: defaults, URL round trip, and bad links that fall back with a notice."""

from __future__ import annotations

import pytest

from tests.pages.conftest import rerun_default_page, run_page, tiles_of

pytestmark = pytest.mark.page


def _param(app, name: str) -> str:  # type: ignore[no-untyped-def]
    value = app.query_params[name]
    return value[0] if isinstance(value, list) else value


def test_link_values_select_the_filters() -> None:
    app = run_page(params={"la": "936", "phase": "primary", "group": "other", "year": "2017-2018"})
    assert app.selectbox(key="filter_la").value == "936"
    assert app.radio(key="filter_phase").value == "primary"
    assert app.selectbox(key="filter_group").value == "other"
    assert app.selectbox(key="filter_year").value == "2017/18"
    assert not app.warning


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("la", "999"),
        ("phase", "tertiary"),
        ("group", "<script>"),
        ("year", "2050-51"),
        ("year", "x"),
    ],
)
def test_bad_link_values_fall_back_with_a_notice(name: str, bad: str) -> None:
    app = run_page(params={name: bad})
    notices = [w.value for w in app.warning]
    assert any(name in n and "not available" in n for n in notices), notices
    assert app.selectbox(key="filter_la").value in {"GM", "936", "352"}


def test_a_crafted_link_value_is_shown_as_inert_code() -> None:
    crafted = "[click](https://example.org)\n# Heading " + "x" * 80
    app = run_page(params={"la": crafted})
    (notice,) = [w.value for w in app.warning if "link's la" in w.value]
    quoted = notice.split("`")[1]
    assert quoted.startswith("[click](https://example.org) # Heading")
    assert len(quoted) == 40 and quoted.endswith("…")
    assert notice.count("`") == 2


def test_filter_changes_are_written_to_the_url() -> None:
    app = run_page()
    app.selectbox(key="filter_la").set_value("352")
    rerun_default_page(app)
    app.radio(key="filter_phase").set_value("primary")
    rerun_default_page(app)
    assert _param(app, "la") == "352"
    assert _param(app, "phase") == "primary"
    assert app.title[0].value == "Equity overview: Manchester, 2024/25"  # the latest year


def test_filters_persist_across_pages() -> None:
    app = run_page(params={"la": "355", "phase": "primary"})
    app.switch_page("pages/data.py").run()
    assert app.session_state["equity_filters"].la_code == "355"
    app.switch_page("pages/overview.py").run()
    assert app.title[0].value == "Equity overview: Salford, 2024/25"
    assert tiles_of(app)[0].label == "Disadvantaged pupils"
