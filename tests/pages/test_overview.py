"""The shell and the Overview page, run through app.py as a user opens them."""

from __future__ import annotations

import polars as pl
import pytest

from tests.pages.conftest import chart_specs, run_page, tiles_of

pytestmark = pytest.mark.page


def test_default_view_is_greater_manchester_secondary() -> None:
    app = run_page()
    # No URL parameters: the latest year with published LA figures, not 2018/19.
    assert app.title[0].value == "Equity overview: Greater Manchester (10 LAs), 2024/25"
    assert app.selectbox(key="filter_year").value == "2024/25"
    blocks = [m.value for m in app.markdown if m.value.startswith("**KS4")]
    assert blocks[0] == "**KS4 Attainment 8 score, 2024/25**"
    # Progress 8 stops at 2023/24 (no KS2 tests in 2020): its tiles say which year they show.
    assert blocks[1] == "**KS4 Progress 8 score, 2023/24**"
    assert any(
        c.value == "KS4 Progress 8 score figures are for 2023/24, the nearest year loaded to "
        "2024/25 (the sidebar)."
        for c in app.caption
    )
    # Every tile carries its unit; the takeaway uses the tile's precision.
    assert all(m.value.endswith(("points", "not published")) for m in tiles_of(app))
    p8 = chart_specs(app)[1]
    p8_tiles = [m.value for m in tiles_of(app)][4:]
    assert p8_tiles[3] in p8["alt_text"], (p8_tiles, p8["alt_text"])
    assert app.selectbox(key="filter_la").value == "GM"
    assert app.radio(key="filter_phase").value == "secondary"
    assert app.query_params["la"] == ["GM"] or app.query_params["la"] == "GM"


def test_manchester_figures_equal_dfe_published(sources) -> None:  # type: ignore[no-untyped-def]
    app = run_page(params={"la": "352", "phase": "secondary", "year": "2018-19"})
    lait = pl.read_parquet(sources / "lait" / "bds_long_0.parquet").filter(
        (pl.col("LA Number") == 352) & (pl.col("Years") == "2019")
    )
    published = dict(lait.select("Short Desc", "Values").iter_rows())
    # Four metrics per measure, Attainment 8 first, then Progress 8.
    values = [(m.label, m.value) for m in tiles_of(app)]
    assert values[0] == (
        "Disadvantaged pupils",
        f"{float(published['DAP_KS4_ATT8']):.1f} points",
    )
    assert values[1] == ("Other pupils", f"{float(published['NonDAP_KS4_ATT8']):.1f} points")
    assert values[4] == (
        "Disadvantaged pupils",
        f"{float(published['DAP_KS4_Prog8']):.2f} points",
    )
    # The chart draws the same published figures, for Manchester, GM, the region and England.
    spec = chart_specs(app)[0]
    rows = spec["rows"]
    drawn = {(r["area"], r["group"]): r["value"] for r in rows}
    assert drawn[("Manchester", "disadvantaged")] == pytest.approx(float(published["DAP_KS4_ATT8"]))
    assert {"England", "North West", "GM (mean of 10 LAs)"} <= {area for area, _ in drawn}


def test_an_la_outside_gm_is_compared_with_its_own_region() -> None:
    # Hampshire (850, South East): no Greater Manchester figure or wording anywhere.
    app = run_page(params={"la": "850", "phase": "secondary", "year": "2018-19"})
    headers = [h.value for h in app.header]
    assert "Compared with the South East and England" in headers
    text = " ".join([*headers, *(m.value for m in app.markdown)])
    assert "Greater Manchester" not in text
    for spec in chart_specs(app):
        areas = {r["area"] for r in spec["rows"]}
        assert areas == {"Hampshire", "South East", "England"}, areas
