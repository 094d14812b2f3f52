"""Smoke tests for the benchmark suite: the store generator's shape at a tiny scale and the
ratio/target arithmetic. No timing is asserted anywhere here."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchmarks import storegen
from benchmarks.__main__ import la_labels
from benchmarks.apptest_bench import la_sequences
from benchmarks.browser_bench import slope
from benchmarks.pages import Page, app_pages
from benchmarks.report import Metric, Target, table
from equity.ingest import aggregates
from equity.store import Store

TINY = storegen.Scale("tiny", ("352", "850", "936"), ("2017/18", "2018/19"))


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("bench") / "store"
    storegen.build_store(store, TINY, log=lambda _: None)
    return store


def test_generated_ks4_file_has_one_row_per_school_la_and_england(sources: Path) -> None:
    template = {t.year: t for t in storegen.load_templates(sources, "ks4")}["2018/19"]
    ids = storegen.school_identities(sources, TINY.la_codes, "ks4")
    frame = storegen.performance_frame(template, ids, TINY.la_codes, 0)
    # The real 2018-19 layout, column for column.
    assert (
        frame.columns
        == pl.read_csv(
            sources / "performance-tables" / "2018-2019_936_ks4final.csv", n_rows=0
        ).columns
    )
    # Schools + one LA row per LA + DfE's two England rows (RECTYPE 5 and 7).
    assert frame.height == ids.height + 3 + 2
    rectypes = frame["RECTYPE"].value_counts().sort("RECTYPE")
    assert dict(rectypes.iter_rows()).get("4") == 3
    assert sorted(frame.filter(pl.col("RECTYPE") == "4")["LEA"].to_list()) == ["352", "850", "936"]
    # Every school keeps its own URN (a new one for the copied row), each once.
    schools = frame.filter(pl.col("RECTYPE").is_in(["1", "2"]))
    assert schools["URN"].n_unique() == schools.height == ids.height
    assert set(schools["LEA"].unique().to_list()) == {"352", "850", "936"}


def test_tiny_store_has_every_la_and_year(tiny_store: Path) -> None:
    store = Store.open(tiny_store)
    results = store.results()
    per_cell = (
        results.filter(
            (pl.col("entity_kind") == "school")
            & pl.col("kind").is_in(["ks2_performance", "ks4_performance", "school_census"])
        )
        .group_by("kind", "la_code", "academic_year")
        .agg(pl.col("entity").n_unique().alias("schools"))
        .collect()
    )
    # 3 kinds x 3 LAs x 2 years, each with schools.
    assert per_cell.height == 3 * 3 * 2
    assert (per_cell["schools"] > 0).all()
    # A school is the same URN in both years (trends join across years).
    ks4 = per_cell.filter(pl.col("kind") == "ks4_performance").sort("la_code", "academic_year")
    assert ks4.group_by("la_code").agg(pl.col("schools").n_unique())["schools"].max() == 1
    # LA aggregate rows for each LA and year, published like DfE's.
    la_rows = (
        results.filter(
            (pl.col("kind") == "ks4_performance")
            & (pl.col("entity_kind") == "la")
            & (pl.col("measure") == "ks4_attainment8")
            & (pl.col("pupil_group") == "all")
        )
        .select("entity", "academic_year", "published")
        .collect()
    )
    assert la_rows.height == 3 * 2
    assert la_rows["published"].all()
    # The embedded Hampshire/Surrey files were replaced, the rest (LAIT, boundaries) kept.
    manifest = store.manifest()
    sources = set(manifest["source"].to_list())
    assert "2018-2019_england_ks4final.csv" in sources
    assert "2018-2019_936_ks4final.csv" not in sources
    assert {"bds_long_0.parquet", "CTYUA_Dec2022_UK_BUC.geojson"} <= sources


def test_tiny_store_has_fresh_summaries_for_every_results_file(tiny_store: Path) -> None:
    """The benchmark store is built by the app's own ingest, so it carries the per-source
    summaries (equity/ingest/aggregates.py) that pages read instead of scanning results."""
    results = sorted((tiny_store / "results").glob("*.parquet"))
    assert results
    for name in aggregates.TABLES:
        assert all(aggregates.fresh(path, name) for path in results), name


def test_scales() -> None:
    national = storegen.scale_for("national")
    assert len(national.la_codes) == 152
    assert national.years[0] == "2015/16" and national.years[-1] == "2024/25"
    assert len(national.years) == 10
    assert set(storegen.scale_for("quick").la_codes) >= {"350", "359", "850", "936"}
    with pytest.raises(ValueError):
        storegen.scale_for("galactic")


# --------------------------------------------------------------------------- ratios and targets


def test_ratio_is_value_over_floor() -> None:
    metric = Metric("rerun", value=300.0, unit="ms", floor=200.0, target=Target("<=", 1.5))
    assert metric.ratio == pytest.approx(1.5)
    assert metric.status == "PASS"  # 1.5 <= 1.5
    metric.value = 301.0
    assert metric.status == "FAIL"


def test_throughput_target_is_a_minimum() -> None:
    ingest = Metric("ingest", value=20_000.0, unit="rows/s", floor=10_000.0)
    ingest.target = Target(">=", 2.0)
    assert ingest.status == "PASS"
    ingest.value = 19_999.0
    assert ingest.status == "FAIL"


def test_value_targets_ignore_the_floor() -> None:
    memory = Metric("per session", value=9.9, unit="MB", target=Target("<", 10.0, on="value"))
    assert memory.ratio is None
    assert memory.status == "PASS"
    memory.value = 10.0
    assert memory.status == "FAIL"  # strictly below


def test_missing_values_and_errors_never_pass() -> None:
    assert Metric("x", value=None, unit="ms", floor=1.0, target=Target("<=", 2)).status == "n/a"
    no_floor = Metric("x", value=5.0, unit="ms", target=Target("<=", 2))
    assert no_floor.status == "n/a"
    broken = Metric("x", value=1.0, unit="ms", floor=1.0, target=Target("<=", 2), error="boom")
    assert broken.status == "ERROR"
    assert Metric("x", value=1.0, unit="MB").status == "info"


def test_table_shows_absolute_values_beside_both_ratios() -> None:
    metric = Metric(
        "rerun, AppTest: Overview",
        value=300.0,
        unit="ms",
        floor=100.0,
        floor_name="render floor",
        target=Target("<=", 1.5),
        second_floor=10.0,
        second_floor_name="empty app",
    )
    text = table([metric])
    assert "300 ms" in text and "100 ms render floor" in text and "10.0 ms empty app" in text
    assert "3.00x; 30.0x" in text and "FAIL" in text


def test_slope_is_least_squares_mb_per_session() -> None:
    # 100 MB + 4 MB per session, exactly.
    assert slope([(1, 104.0), (5, 120.0), (10, 140.0)]) == pytest.approx(4.0)
    assert slope([(1, 100.0)]) is None


# --------------------------------------------------------------------------- pages and filters


def test_every_router_page_is_benchmarked(tmp_path: Path) -> None:
    pages = app_pages()
    assert pages[0] == Page("pages/overview.py", "Overview", "Explore", default=True)
    assert pages[0].url_path == ""
    assert all(p.url_path == Path(p.path).stem for p in pages[1:])
    app = tmp_path / "app.py"
    app.write_text(
        'PAGES: dict = {"A": [("pages/a.py", "A", ":x:")], "B": [("pages/b.py", "B", ":y:")]}\n'
        "raise SystemExit('never imported')\n"
    )
    assert [p.path for p in app_pages(app)] == ["pages/a.py", "pages/b.py"]
    # No page marked default=: Streamlit opens the first at "/".
    assert [p.url_path for p in app_pages(app)] == ["", "b"]


def test_each_page_gets_its_own_las() -> None:
    pages = [Page(f"pages/{n}.py", n, "S") for n in ("a", "b")]
    runs = la_sequences(pages, ["350", "850", "936", "330", "202"], 2, exclude=("350",))
    assert runs == {"pages/a.py": ["850", "936"], "pages/b.py": ["330", "202"]}


def test_la_labels_from_the_authority_options() -> None:
    labels = la_labels(["Greater Manchester (10 LAs)", "Barnet (302)", "Manchester (352)"])
    assert labels == {
        "GM": "Greater Manchester (10 LAs)",
        "302": "Barnet (302)",
        "352": "Manchester (352)",
    }
