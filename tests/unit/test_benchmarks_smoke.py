"""Smoke tests for the benchmark suite: the store generator's shape at a tiny scale, the
ratio/target arithmetic, the load verdicts and capacity search on hand-made samples, and
the websocket load client against the empty app for a few seconds. No timing is asserted
anywhere here."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import load_bench, storegen
from benchmarks.__main__ import la_labels, load_codes
from benchmarks.apptest_bench import EMPTY_APP, la_sequences
from benchmarks.browser_bench import Server, free_port, slope
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
            # The real censuses cover every LA and more years: the scale's cells are checked.
            & pl.col("academic_year").is_in(list(TINY.years))
            & pl.col("la_code").is_in(list(TINY.la_codes))
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
    catalogue = Store.open(tiny_store).catalogue()
    tables = [{f.rsplit("/", 1)[0] for f in files} for files in catalogue["files"].to_list()]
    with_results = [held for held in tables if "results" in held]
    assert with_results
    for name in aggregates.TABLES:
        assert all(name in held for held in with_results), name


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


# --------------------------------------------------------------------------- load (open model)


def test_percentile_interpolates_like_numpy() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20
    # (20 - 1) * 0.95 = 18.05 -> between the 19th (19) and 20th (20) values.
    assert load_bench.percentile(values, 95) == pytest.approx(19.05)
    assert load_bench.percentile(values, 50) == pytest.approx(10.5)
    assert load_bench.percentile([7.0], 95) == 7.0
    assert load_bench.percentile([], 95) is None


def test_step_verdict_on_hand_made_samples() -> None:
    def step(times: list[float], errors: int = 0, rss: tuple[float, float] = (300, 320)) -> Any:
        results = [load_bench.SessionResult(offset_s=i, total_ms=t) for i, t in enumerate(times)]
        results += [load_bench.SessionResult(offset_s=0, error="timeout: ") for _ in range(errors)]
        return load_bench.summarise_step(2.0, results, 400.0, rss[0], rss[1], 10.0, 60.0)

    # 20 sessions of 400..1,350 ms: p95 = 1,302.5 ms <= 2.5 x 400 = 1,000? No: fails.
    slow = step([400.0 + 50 * i for i in range(20)])
    assert slow.p95_ms == pytest.approx(400 + 50 * 18.05)
    assert not slow.passed and "p95" in slow.why()
    # 20 sessions of 400..970 ms: p95 = 941.5 ms <= 1,000 ms, RSS +6.7%: passes.
    fine = step([400.0 + 30 * i for i in range(20)])
    assert fine.p95_ms == pytest.approx(400 + 30 * 18.05)
    assert fine.passed and fine.why() == "pass"
    # The same with one error, or memory not back within 10%, fails.
    assert not step([400.0 + 30 * i for i in range(20)], errors=1).passed
    leaky = step([400.0 + 30 * i for i in range(20)], rss=(300, 331))  # +10.3%
    assert not leaky.passed and "RSS" in leaky.why()
    assert step([500.0] * 5, rss=(300, 330)).passed  # exactly +10% is within
    assert not step([]).passed  # nothing finished is no pass


def test_capacity_search_finds_the_highest_passing_rate() -> None:
    """A server that copes up to 3.2 sessions/s: up from the start while steps pass, then
    bisection between the best pass and the lowest failure."""
    tried: list[float] = []

    def copes(rate: float) -> bool:
        tried.append(rate)
        return rate <= 3.2

    capacity, steps = load_bench.search_capacity(copes, 2.0, 4)
    # 2.0 pass -> 3.0 pass -> 4.5 fail -> 3.75 fail.
    assert tried == pytest.approx([2.0, 3.0, 4.5, 3.75])
    assert capacity == pytest.approx(3.0)
    assert [ok for _, ok in steps] == [True, True, False, False]
    # Starting too high: halve, then bisect up.
    tried.clear()
    capacity, _ = load_bench.search_capacity(copes, 8.0, 4)
    assert tried == pytest.approx([8.0, 4.0, 2.0, 3.0])
    assert capacity == pytest.approx(3.0)
    # Nothing passes: capacity 0.
    assert load_bench.search_capacity(lambda _: False, 1.0, 3)[0] == 0.0


@settings(max_examples=200, deadline=None)
@given(
    threshold=st.floats(0.05, 100),
    start=st.floats(0.05, 100),
    probes=st.integers(1, 8),
)
def test_capacity_is_the_best_rate_that_passed(threshold: float, start: float, probes: int) -> None:
    """Against any server that copes up to a threshold: never more steps than probes, every
    rate tried positive, and the capacity is the highest rate that passed (0 if none),
    so never above the threshold."""
    capacity, steps = load_bench.search_capacity(lambda r: r <= threshold, start, probes)
    assert 1 <= len(steps) <= probes
    assert all(rate > 0 for rate, _ in steps)
    assert all(ok == (rate <= threshold) for rate, ok in steps)
    assert capacity == max((rate for rate, ok in steps if ok), default=0.0)
    assert capacity <= threshold


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50), st.floats(0, 100), st.floats(0, 100))
def test_percentile_lies_within_the_samples_and_grows_with_q(
    values: list[float], q1: float, q2: float
) -> None:
    low, high = sorted((q1, q2))
    p_low, p_high = load_bench.percentile(values, low), load_bench.percentile(values, high)
    assert p_low is not None and p_high is not None
    ulp = 1e-9 * max(values)  # interpolation rounds; a few ulps either way are not a bug
    assert min(values) - ulp <= p_low <= p_high + ulp
    assert p_high <= max(values) + ulp


def test_cpu_limit_and_plans() -> None:
    # 2 cores, 0.25 CPU s per session -> 8 sessions/s if concurrency cost nothing.
    assert load_bench.cpu_limit(2, 0.25) == pytest.approx(8.0)
    assert load_bench.cpu_limit(2, 0.0) == float("inf")
    plans = load_bench.plans(["350", "352", "936"], 4)
    assert [p.first for p in plans] == ["la=350", "la=352", "la=936", "la=350"]
    assert plans[2].changes == ("350", "352")
    options = ["Greater Manchester (10 LAs)", "Bolton (350)", "Manchester (352)"]
    assert load_bench.option_for(options, "352") == "Manchester (352)"
    assert load_bench.option_for(["LA 351", "LA 352"], "352") == "LA 352"
    with pytest.raises(LookupError):
        load_bench.option_for(options, "999")


def test_cpu_seconds_reads_this_process() -> None:
    before = load_bench.cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:  # bounded busy loop: 0.2 s of CPU
        pass
    assert load_bench.cpu_seconds(os.getpid()) - before >= 0.1


def test_load_client_against_the_empty_app() -> None:
    """A few seconds of real sessions over the websocket protocol: the page view and two
    Authority changes each finish; an open-model step and its verdict come out whole."""
    settings = load_bench.LoadSettings(
        codes=["350", "352", "936"], duration_s=1.5, probes=1, session_ttl_s=1.0
    )
    with Server(EMPTY_APP, args=("--server.disconnectedSessionTTL=1",)).start() as server:
        server.wait_healthy()
        one = load_bench.OneProcess(server)
        assert load_bench.warm(one, settings) == []
        base = load_bench.baseline(one, settings)
        assert base.errors == [] and len(base.times_ms) == 3
        assert all(len(runs) == 3 for runs in base.runs_ms)  # page view + 2 changes
        assert base.cpu_per_session_s > 0
        step = load_bench.run_step(one, 2.0, settings, base.median_ms)
    assert step.sessions == 3  # due at 0, 0.5 and 1.0 s
    assert step.errors == 0 and step.p95_ms is not None
    assert step.rss_start_mb > 0 and step.rss_end_mb > 0 and step.cpu_s > 0


def test_a_session_reports_a_missing_server_as_an_error() -> None:
    result = asyncio.run(
        load_bench.run_session(
            f"http://127.0.0.1:{free_port()}", load_bench.Plan("la=352", ()), load_bench.Wire()
        )
    )
    assert result.total_ms is None and result.error


def test_load_codes_start_with_greater_manchester() -> None:
    codes = load_codes(storegen.scale_for("quick"))
    assert len(codes) == 6 and set(codes) <= set(storegen.GREATER_MANCHESTER)


@pytest.mark.parametrize(
    ("cpus", "expected"),
    [
        ({0, 1}, (frozenset({0}), frozenset({1}))),
        ({4, 2, 7, 1}, (frozenset({1, 2}), frozenset({4, 7}))),
        ({0, 1, 2}, (frozenset({0}), frozenset({1, 2}))),
        ({3}, None),
    ],
)
def test_the_load_generator_gets_cpus_of_its_own(
    monkeypatch: pytest.MonkeyPatch, cpus: set[int], expected: object
) -> None:
    """The server under test and the load client never share a CPU (one CPU: no split)."""
    from benchmarks import load_client

    monkeypatch.setattr(load_client.os, "sched_getaffinity", lambda _pid: cpus)
    assert load_client.split_cpus() == expected


def test_a_probe_browser_yields_the_cpu_to_the_servers() -> None:
    """descendants finds a grandchild; yield_cpu puts it under SCHED_IDLE (the load
    phase's Chromium: only CPU time the servers leave) and leaves other processes alone."""
    shell = subprocess.Popen(["sh", "-c", "sleep 30 & wait"])
    try:
        deadline = time.monotonic() + 10
        while len(load_bench.descendants(os.getpid())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        below = load_bench.descendants(os.getpid())
        assert shell.pid in below and len(below) >= 2  # the shell and its sleep
        sleeper = next(pid for pid in below if pid != shell.pid)
        load_bench.yield_cpu([sleeper])
        assert os.sched_getscheduler(sleeper) == os.SCHED_IDLE
        assert os.sched_getscheduler(shell.pid) != os.SCHED_IDLE
        load_bench.yield_cpu([2**22 + 12345])  # a process that is gone: no error
    finally:
        shell.kill()
        shell.wait()


def test_first_visit_floor_draws_each_pages_recorded_elements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """apps/first_visit_floor.py: one page per recorded page, named by its stem, each
    drawing that page's elements (the benchmark clicks the stems)."""
    from streamlit.testing.v1 import AppTest

    from benchmarks.apptest_bench import APPS, PROFILE_ENV, write_profiles

    profiles = {
        "overview": {"elements": [{"kind": "metric", "label": "Gap", "value": "12.3"}]},
        "gaps": {"elements": [{"kind": "markdown", "chars": 30}, {"kind": "alert", "chars": 12}]},
    }
    path = tmp_path / "profiles.json"
    write_profiles(path, profiles, {"GM": "Greater Manchester (10 LAs)"})
    monkeypatch.setenv(PROFILE_ENV, str(path))
    app = AppTest.from_file(str(APPS / "first_visit_floor.py"), default_timeout=60)
    app.run()
    assert not app.exception
    assert [m.value for m in app.metric] == ["12.3"]
    assert app.selectbox(key="filter_la").options == ["Greater Manchester (10 LAs)"]
    # AppTest switches only to pages with a script file; these are callables, so the page
    # is picked by its hash in the registry st.navigation filled.
    pages = {info.get("page_name"): page_hash for page_hash, info in app._registered_pages.items()}
    assert set(pages) == {"overview", "gaps"}  # titled by stem: what the benchmark clicks
    app._page_hash = pages["gaps"]
    app.run()
    assert not app.exception
    assert not app.metric
    assert [m.value.split() for m in app.markdown] == [["floor"] * 5]
    assert [a.value.split() for a in app.info] == [["floor"] * 2]
