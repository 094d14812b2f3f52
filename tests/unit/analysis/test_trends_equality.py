"""The cheaper School trends queries (issue 16, round 3) give exactly what the code they
replaced gave.

Each test keeps the replaced computation here as the reference (a scan of every
performance or census file per call; one filter per census year) and compares it with the
new one: the phase's performance rows read once per store (`school_trends._phase_rows`),
the area's census schools from one frame of every year's types, and the default school's
size from the per-store census figures. On the embedded store always, and on a
national-scale store (152 LAs x 10 years) when EQUITY_NATIONAL_STORE names one (for
example the benchmark's `python3 -m benchmarks --store /tmp/x --only ingest` output).
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from equity import queries
from equity.analysis import census as census_analysis
from equity.analysis import intake_trends, school_trends
from equity.analysis.gaps import performance_kind
from equity.schema import ENGLAND_CODE, HEADLINE_MEASURES
from equity.store import EMBEDDED_STORE, Store

NATIONAL_ENV = "EQUITY_NATIONAL_STORE"


def _stores() -> list[object]:
    found: list[object] = [pytest.param(EMBEDDED_STORE, id="embedded")]
    national = os.environ.get(NATIONAL_ENV)
    found.append(
        pytest.param(
            Path(national) if national else None,
            id="national",
            marks=pytest.mark.skipif(not national, reason=f"{NATIONAL_ENV} not set"),
        )
    )
    return found


@pytest.fixture(scope="module", params=_stores())
def store(request: pytest.FixtureRequest) -> Store:
    opened = Store.open(request.param)
    assert opened.layers, f"no store at {request.param}"
    return opened


def _areas(store: Store, phase: str, most: int = 6) -> list[tuple[str, ...]]:
    """A few single LAs with school results of the phase, and all of them at once."""
    codes = sorted(set(school_trends._headline_years(store, phase)["la_code"].drop_nulls()))
    step = max(1, len(codes) // most)
    return [(code,) for code in codes[::step][:most]] + [tuple(codes)]


# ---------------------------------------------------------------------- the references


def _reference_headline_years(store: Store, phase: str) -> pl.DataFrame:
    return (
        store.results_of([performance_kind(phase)])
        .filter(pl.col("entity_kind") == "school")
        .filter(
            pl.col("measure").is_in(list(HEADLINE_MEASURES[phase])) & (pl.col("status") == "value")
        )
        .select("entity", "la_code", "academic_year")
        .unique()
        .collect()
    )


def _reference_series_rows(store: Store, urn: str, phase: str, measure: str) -> pl.DataFrame:
    return (
        store.results_of([performance_kind(phase)])
        .filter(
            (pl.col("entity") == urn)
            & pl.col("measure").is_in([measure, "pupils"])
            & pl.col("pupil_group").is_in(["disadvantaged", "other"])
        )
        .select("la_code", "academic_year", "measure", "pupil_group", "value", "pupils", "status")
        .collect()
    )


def _reference_disadvantaged_rows(
    store: Store, phase: str, measure: str, first: str, last: str
) -> pl.DataFrame:
    return (
        store.results_of([performance_kind(phase)])
        .filter(pl.col("entity_kind") == "school")
        .filter(
            pl.col("academic_year").is_in([first, last])
            & (pl.col("pupil_group") == "disadvantaged")
            & pl.col("measure").is_in([measure, "pupils"])
        )
        .select("entity", "la_code", "academic_year", "measure", "value", "pupils", "status")
        .collect()
    )


def _reference_census_rows(store: Store, la_codes: tuple[str, ...], phase: str) -> pl.DataFrame:
    """census_schools' rows before its group_by: one filter per census year."""
    wanted = census_analysis.CENSUS_TYPES[phase]
    parts = [
        census_analysis.school_types(store, year)
        .filter(pl.col("la_code").is_in(list(la_codes)) & (pl.col("school_type") == wanted))
        .select("urn", "la_code", pl.lit(year).alias("academic_year"))
        for year in census_analysis.census_years(store)["academic_year"].unique().sort().to_list()
    ]
    return pl.concat(parts) if parts else pl.DataFrame()


def _reference_sizes(store: Store, urns: list[str]) -> pl.DataFrame:
    """default_trend_school's sizes before: a scan of the census results."""
    latest = max(census_analysis.census_years(store)["academic_year"].to_list())
    return (
        store.results_of([census_analysis.CENSUS_KIND])
        .filter(
            (pl.col("academic_year") == latest)
            & (pl.col("measure") == "pct_ever_fsm")
            & (pl.col("entity_kind") == "school")
            & pl.col("entity").is_in(urns)
        )
        .select(pl.col("entity").alias("urn"), pl.col("pupils").alias("base"))
        .collect()
        .unique("urn")
    )


def _reference_default(store: Store, la_codes: tuple[str, ...], phase: str) -> str | None:
    """default_trend_school as it was, over the reference rows and sizes."""
    schools = intake_trends.census_schools(store, la_codes, phase)
    if schools.is_empty():
        return None
    ranked = schools.select("urn", "census_years")
    cohorts = intake_trends.trend_cohorts(store)
    if phase == "secondary" and cohorts:
        from equity.analysis import destinations

        dest = destinations.latest_of(
            store, (destinations.SUSTAINED,), ("disadvantaged",), tuple(cohorts)
        )
        published = (
            dest.filter(
                (pl.col("entity_kind") == "school")
                & (pl.col("measure") == destinations.SUSTAINED)
                & (pl.col("pupil_group") == "disadvantaged")
                & pl.col("academic_year").is_in(cohorts)
                & pl.col("value").is_not_null()
            )
            .group_by(pl.col("entity").alias("urn"))
            .agg(pl.len().alias("cohorts"))
        )
        ranked = ranked.join(published, on="urn", how="left")
    else:
        ranked = ranked.with_columns(pl.lit(0, dtype=pl.UInt32).alias("cohorts"))
    sizes = _reference_sizes(store, ranked["urn"].to_list())
    best = (
        ranked.join(sizes, on="urn", how="left")
        .with_columns(pl.col("cohorts").fill_null(0), pl.col("base").fill_null(0))
        .sort(["census_years", "cohorts", "base", "urn"], descending=[True, True, True, False])
    )
    return str(best["urn"][0])


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


# ---------------------------------------------------------------------- the comparisons


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_headline_years_are_unchanged(store: Store, phase: str) -> None:
    new = school_trends._headline_years(store, phase)
    old = _reference_headline_years(store, phase)
    assert new.height > 0
    assert new.schema == old.schema
    assert _sorted(new).equals(_sorted(old))


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_school_options_are_unchanged(store: Store, phase: str) -> None:
    headline = _reference_headline_years(store, phase)
    names = store.schools().select("urn", "name")
    for la_codes in _areas(store, phase):
        old = (
            headline.filter(pl.col("la_code").is_in(list(la_codes)))
            .group_by("entity", "la_code")
            .agg(pl.col("academic_year").unique().sort().str.join(", ").alias("years"))
            .rename({"entity": "urn"})
            .join(names, on="urn", how="left")
            .with_columns(pl.col("name").fill_null("(unnamed school)"))
            .select("urn", "name", "la_code", "years")
            .sort("name", "urn")
        )
        new = school_trends.school_options(store, la_codes, phase)
        assert new.height > 0
        assert _sorted(new).equals(_sorted(old))


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_school_series_rows_and_answer_are_unchanged(
    store: Store, phase: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The panel's rows for a school are the scan's rows, and the whole answer equals the
    scan path's (kept for measures outside the panel) for schools of several LAs. (Row
    order is not compared: the scan's came out of a hash join, so it was never defined.)"""
    urns = school_trends._headline_years(store, phase)["entity"].unique().sort()
    sample = urns.gather_every(max(1, urns.len() // 25)).to_list()
    for measure in HEADLINE_MEASURES[phase]:
        for urn in sample:
            panel = (
                school_trends._phase_rows(store, phase)[1]
                .filter(
                    (pl.col("entity") == urn)
                    & pl.col("measure").is_in([measure, "pupils"])
                    & pl.col("pupil_group").is_in(["disadvantaged", "other"])
                )
                .select(
                    "la_code",
                    "academic_year",
                    "measure",
                    "pupil_group",
                    "value",
                    "pupils",
                    "status",
                )
            )
            assert _sorted(panel).equals(
                _sorted(_reference_series_rows(store, urn, phase, measure))
            )
        new = [school_trends.school_series(store, urn, phase, measure) for urn in sample]
        with monkeypatch.context() as patch:
            patch.setattr(school_trends, "_in_panel", lambda _phase, _measure: False)
            old = [school_trends.school_series(store, urn, phase, measure) for urn in sample]
        assert any(frame.height for frame in new)
        for a, b in zip(new, old, strict=True):
            assert a.schema == b.schema
            assert _sorted(a).equals(_sorted(b))


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_movers_are_unchanged(store: Store, phase: str) -> None:
    years = sorted(school_trends._headline_years(store, phase)["academic_year"].unique())
    spans = [(years[0], years[-1]), (years[-2], years[-1])] if len(years) > 1 else []
    for measure in HEADLINE_MEASURES[phase]:
        for first, last in spans:
            new = school_trends._disadvantaged_rows(store, phase, measure, first, last)
            old = _reference_disadvantaged_rows(store, phase, measure, first, last)
            assert new.height > 0
            assert _sorted(new).equals(_sorted(old))


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_census_schools_are_unchanged(store: Store, phase: str) -> None:
    codes = sorted(
        set(
            census_analysis.all_school_types(store)
            .filter(pl.col("school_type") == census_analysis.CENSUS_TYPES[phase])["la_code"]
            .drop_nulls()
        )
    )
    step = max(1, len(codes) // 6)
    for la_codes in [(code,) for code in codes[::step][:6]] + [("nowhere",)]:
        new = intake_trends.census_schools(store, la_codes, phase)
        rows = _reference_census_rows(store, la_codes, phase)
        assert sorted(new["urn"].to_list()) == sorted(rows["urn"].unique().to_list())
        old = (
            rows.sort("academic_year")
            .group_by("urn")
            .agg(
                pl.col("la_code").last(),
                pl.col("academic_year").n_unique().alias("census_years"),
                pl.col("academic_year").last().alias("latest"),
            )
            if rows.height
            else None
        )
        if old is None:
            assert new.is_empty()
            continue
        assert new.drop("name").sort("urn").equals(old.select(new.drop("name").columns).sort("urn"))


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_default_trend_school_is_unchanged(store: Store, phase: str) -> None:
    codes = sorted(
        set(
            census_analysis.all_school_types(store)
            .filter(pl.col("school_type") == census_analysis.CENSUS_TYPES[phase])["la_code"]
            .drop_nulls()
        )
    )
    step = max(1, len(codes) // 8)
    checked = 0
    for la_codes in [(code,) for code in codes[::step][:8]]:
        schools = intake_trends.census_schools(store, la_codes, phase)
        new_sizes = (
            census_analysis.ever_fsm_bases(
                store, max(census_analysis.census_years(store)["academic_year"].to_list())
            )
            .filter(pl.col("urn").is_in(schools["urn"].to_list()))
            .select("urn", pl.col("ever_fsm_base").cast(pl.Int64).alias("base"))
        )
        old_sizes = _reference_sizes(store, schools["urn"].to_list())
        # The same size for every school the ranking reads (missing and null both rank as 0).
        joined = schools.select("urn").join(new_sizes, on="urn", how="left")
        expected = schools.select("urn").join(old_sizes, on="urn", how="left")
        assert (
            joined.sort("urn")["base"]
            .fill_null(0)
            .equals(expected.sort("urn")["base"].fill_null(0))
        )
        assert intake_trends.default_trend_school(store, la_codes, phase) == _reference_default(
            store, la_codes, phase
        )
        checked += 1
    assert checked


def _reference_results_of(store: Store, kinds: list[str], years: list[str] | None) -> pl.DataFrame:
    """Store.results_of as it was: the kind joined on by source."""
    wanted = store.manifest().filter(pl.col("kind").is_in(sorted(set(kinds))))
    if years is not None:
        listed = pl.col("academic_years").list.set_intersection(sorted(set(years)))
        wanted = wanted.filter(listed.list.len() > 0)
    sources = set(wanted["source"].to_list())
    files = [path for path, source in store._file_sources("results") if source in sources]
    return (
        pl.scan_parquet(files, missing_columns="insert", extra_columns="ignore")
        .filter(pl.col("source").is_in(sorted(sources)))
        .join(wanted.select("source", "kind").lazy(), on="source", how="left")
        .collect()
    )


@pytest.mark.parametrize(
    ("kinds", "years"),
    [
        (["ks4_performance"], None),
        (["ks2_performance", "school_census"], None),
        (["ks4_destinations"], ["2019/20"]),
        (["school_census", "ks4_performance", "ks4_destinations"], ["2017/18", "2018/19"]),
    ],
)
def test_results_of_is_unchanged(store: Store, kinds: list[str], years: list[str] | None) -> None:
    """`kind` by a lookup of the source gives the rows and kinds the join gave."""
    new = store.results_of(kinds, years).collect()
    old = _reference_results_of(store, kinds, years)
    assert new.height > 0
    assert new.schema == old.schema
    assert _sorted(new).equals(_sorted(old))
    # And a query that reads no `kind` still filters the same rows.
    narrowed = store.results_of(kinds, years).filter(pl.col("entity_kind") == "school")
    assert (
        narrowed.select(pl.len()).collect().item()
        == old.filter(pl.col("entity_kind") == "school").height
    )


def test_one_census_year_is_that_year_of_every_year(store: Store) -> None:
    """`_wide_of_year` (one year's written table) gives `_wide_all`'s rows of that year."""
    years = census_analysis.census_years(store)["academic_year"].unique().sort().to_list()
    assert years
    for year in years:
        one = census_analysis._wide_of_year(store, year)
        every = census_analysis._wide_all(store).filter(pl.col("academic_year") == year)
        assert one.height > 0
        assert one.schema == every.schema
        assert one.equals(every)


# ------------------------------------------------- round 4: per-store frames, area filters


def _reference_census_schools(store: Store, la_codes: tuple[str, ...], phase: str) -> pl.DataFrame:
    """census_schools before its rows came from `_phase_census_rows`: every census year's
    types filtered to the area, grouped, then the names joined."""
    wanted = census_analysis.CENSUS_TYPES[phase]
    years = census_analysis.census_years(store)["academic_year"].unique().to_list()
    found = census_analysis.all_school_types(store).filter(
        pl.col("academic_year").is_in(years)
        & pl.col("la_code").is_in(list(la_codes))
        & (pl.col("school_type") == wanted)
    )
    names = store.schools().select("urn", "name")
    return (
        found.select("urn", "la_code", "academic_year")
        .sort("academic_year", maintain_order=True)
        .group_by("urn")
        .agg(
            pl.col("la_code").last(),
            pl.col("academic_year").n_unique().alias("census_years"),
            pl.col("academic_year").last().alias("latest"),
        )
        .join(names, on="urn", how="left")
        .with_columns(pl.col("name").fill_null(pl.lit("Unnamed school, URN ") + pl.col("urn")))
        .select("urn", "name", "la_code", "census_years", "latest")
        .sort(pl.col("name").str.to_lowercase(), "urn")
    )


def _census_areas(store: Store, phase: str) -> list[tuple[str, ...]]:
    codes = sorted(
        set(
            census_analysis.all_school_types(store)
            .filter(pl.col("school_type") == census_analysis.CENSUS_TYPES[phase])["la_code"]
            .drop_nulls()
        )
    )
    step = max(1, len(codes) // 6)
    # And LAs with a school listed under another LA in some census (boundary changes:
    # census_schools groups those areas' own rows), alone and beside another LA.
    moved = sorted(intake_trends._england_census_schools(store, phase)[1])[:3]
    return [
        *[(code,) for code in codes[::step][:6]],
        tuple(codes[:10]),
        ("nowhere",),
        *[(code,) for code in moved],
        *[(code, codes[0]) for code in moved[:1]],
    ]


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_census_schools_equal_the_area_filter_they_replaced(store: Store, phase: str) -> None:
    """Names, order and every column, for single LAs, a ten-LA area and an unknown code."""
    for la_codes in _census_areas(store, phase):
        intake_trends.census_schools.cache_clear()
        new = intake_trends.census_schools(store, la_codes, phase)
        old = _reference_census_schools(store, la_codes, phase)
        assert new.schema == old.schema
        assert new.equals(old), la_codes


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_school_options_keep_their_order(store: Store, phase: str) -> None:
    """The area's rows of the all-LA options are the per-area group_by's, in its order
    (name, URN; a school under two of the area's LAs may list them either way round)."""
    names = store.schools().select("urn", "name")
    for la_codes in _areas(store, phase):
        old = (
            school_trends._headline_years(store, phase)
            .filter(pl.col("la_code").is_in(list(la_codes)))
            .group_by("entity", "la_code")
            .agg(pl.col("academic_year").unique().sort().str.join(", ").alias("years"))
            .rename({"entity": "urn"})
            .join(names, on="urn", how="left")
            .with_columns(pl.col("name").fill_null("(unnamed school)"))
            .select("urn", "name", "la_code", "years")
            .sort("name", "urn", "la_code")
        )
        new = school_trends.school_options(store, la_codes, phase)
        assert new.select("urn", "name").equals(old.select("urn", "name"))
        assert _sorted(new).equals(_sorted(old))


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_picker_labels_are_unchanged(store: Store, phase: str) -> None:
    """`school_labels` is the dict the picker used to build on every rerun."""
    for la_codes in [*_census_areas(store, phase), *_areas(store, phase)]:
        census = _reference_census_schools(store, la_codes, phase)
        results = school_trends.school_options(store, la_codes, phase)
        both = pl.concat(
            [census.select("urn", "name"), results.select("urn", "name")], how="vertical_relaxed"
        ).unique("urn", keep="first")
        ordered = both.sort(pl.col("name").str.to_lowercase(), "urn")
        old = {urn: f"{name} (URN {urn})" for urn, name in ordered.iter_rows()}
        new = intake_trends.school_labels(store, la_codes, phase)
        assert list(new.items()) == list(old.items())


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_default_school_over_areas_is_unchanged(store: Store, phase: str) -> None:
    """With the per-store ranking figures, for areas of several LAs too."""
    for la_codes in _census_areas(store, phase):
        assert intake_trends.default_trend_school(store, la_codes, phase) == _reference_default(
            store, la_codes, phase
        )


def _reference_movers(
    store: Store,
    rows: pl.DataFrame,
    la_codes: tuple[str, ...],
    measure: str,
    first: str,
    last: str,
    min_cohort: int,
) -> pl.DataFrame:
    """`movers` as it was: the area's rows joined per school, on every call (the per-area
    computation `_movers_of`, which the England-wide table is built with and which areas
    with a school under two LAs still use)."""
    area = rows.filter(pl.col("la_code").is_in(list(la_codes)))
    return school_trends._movers_of(store, area, measure, first, last, min_cohort)


def _same_movers(new: pl.DataFrame, old: pl.DataFrame) -> None:
    assert new.schema == old.schema
    assert _sorted(new).equals(_sorted(old))
    # The ranking's order (rows tied on change and name may come either way round).
    assert new.select("change", "name").equals(old.select("change", "name"))


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_movers_from_englands_table_are_unchanged(store: Store, phase: str) -> None:
    years = sorted(school_trends._headline_years(store, phase)["academic_year"].unique())
    spans = [(years[0], years[-1]), (years[-2], years[-1])] if len(years) > 1 else []
    areas = [*_areas(store, phase), ("nowhere",)]
    checked = 0
    for measure in HEADLINE_MEASURES[phase]:
        for first, last in spans:
            rows = school_trends._disadvantaged_rows(store, phase, measure, first, last)
            for la_codes in areas:
                for cohort in (school_trends.MIN_COHORT, 1):
                    new = school_trends.movers(store, la_codes, phase, measure, first, last, cohort)
                    old = _reference_movers(store, rows, la_codes, measure, first, last, cohort)
                    _same_movers(new, old)
                    checked += new.height
    assert checked


def test_movers_of_an_area_with_a_school_under_two_las_join_the_areas_rows(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A school whose last-year rows name another LA: areas with either LA, both or
    neither give what the area's own rows gave (the England table leaves it out)."""
    phase, measure = "secondary", HEADLINE_MEASURES["secondary"][0]
    years = sorted(school_trends._headline_years(store, phase)["academic_year"].unique())
    first, last = years[0], years[-1]
    rows = school_trends._disadvantaged_rows(store, phase, measure, first, last)
    codes = sorted(set(rows["la_code"].drop_nulls()))
    assert len(codes) >= 2
    both_years = set(rows.filter(pl.col("academic_year") == first)["entity"]) & set(
        rows.filter(pl.col("academic_year") == last)["entity"]
    )
    moved = sorted(both_years)[0]
    home = rows.filter(pl.col("entity") == moved)["la_code"][0]
    codes = [home, next(code for code in codes if code != home)]
    changed = rows.with_columns(
        pl.when((pl.col("entity") == moved) & (pl.col("academic_year") == last))
        .then(pl.lit(codes[1]))
        .otherwise(pl.col("la_code"))
        .alias("la_code")
    )
    monkeypatch.setattr(school_trends, "_disadvantaged_rows", lambda *_args: changed)
    school_trends._england_movers.cache_clear()
    try:
        table, mixed = school_trends._england_movers(
            store, phase, measure, first, last, school_trends.MIN_COHORT
        )
        assert mixed == {codes[0], codes[1]}
        assert moved not in set(table["urn"])
        for la_codes in [(codes[0],), (codes[1],), (codes[0], codes[1]), ("nowhere",)]:
            new = school_trends.movers(store, la_codes, phase, measure, first, last)
            old = _reference_movers(
                store, changed, la_codes, measure, first, last, school_trends.MIN_COHORT
            )
            _same_movers(new, old)
    finally:
        school_trends._england_movers.cache_clear()


# ------------------------------------------------ school_series worked out in Python (round 4)


def _series_parts(
    store: Store, urn: str, phase: str, measure: str
) -> tuple[pl.DataFrame, pl.DataFrame, str] | None:
    """(the school's panel rows, the comparators' published rows, the LA's name) as
    `school_series` gives them to `_series_of_rows` and `_series_frame`."""
    rows = school_trends._phase_rows(store, phase)[1].filter(pl.col("entity") == urn)
    values = rows.filter(pl.col("measure") == measure)
    if values.is_empty():
        return None
    la_code = str(values["la_code"][0])
    years = sorted(set(values["academic_year"].to_list()))
    published = queries.published_rows(
        store, [la_code, ENGLAND_CODE], [measure], years, ("disadvantaged", "other")
    ).filter((pl.col("entity") == la_code) | (pl.col("pupil_group") == "other"))
    return rows, published, queries.la_name(store, la_code)


def _python_series(
    rows: pl.DataFrame, measure: str, published: pl.DataFrame, la_name: str
) -> pl.DataFrame | None:
    columns = ("la_code", "academic_year", "measure", "pupil_group", "value", "pupils", "status")
    found = rows.select(columns).rows()
    return school_trends._series_of_rows(
        [row for row in found if row[2] == measure],
        [row for row in found if row[2] == "pupils"],
        published,
        la_name,
    )


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_school_series_in_python_is_the_frame_route_row_for_row(store: Store, phase: str) -> None:
    """The Python route gives the polars steps' frame exactly: same schema, same rows in
    the same order (the chart's data is sent in this order), for schools of every LA."""
    urns = school_trends._headline_years(store, phase)["entity"].unique().sort()
    sample = urns.gather_every(max(1, urns.len() // 60)).to_list()
    compared = 0
    for measure in HEADLINE_MEASURES[phase]:
        for urn in sample:
            parts = _series_parts(store, urn, phase, measure)
            if parts is None:
                continue
            rows, published, la_name = parts
            fast = _python_series(rows, measure, published, la_name)
            slow = school_trends._series_frame(rows, measure, published, la_name)
            assert fast is not None
            assert fast.schema == slow.schema
            assert fast.equals(slow), urn
            assert school_trends.school_series(store, urn, phase, measure).equals(slow)
            compared += 1
    assert compared


def test_school_series_leaves_repeated_rows_to_the_frame_route(store: Store) -> None:
    """A school listed twice for a year (two files of one year) joins and sorts as polars
    decides: the Python route declines, and the answer is the frame route's; a cohort
    count that is not a number the cast accepts is declined too."""
    phase, measure = "secondary", HEADLINE_MEASURES["secondary"][0]
    urns = school_trends._headline_years(store, phase)["entity"].unique().sort().to_list()
    parts = next(p for p in (_series_parts(store, u, phase, measure) for u in urns) if p)
    rows, published, la_name = parts
    twice = pl.concat([rows, rows.filter(pl.col("measure") == measure).head(1)])
    assert _python_series(twice, measure, published, la_name) is None
    counted_twice = pl.concat([rows, rows.filter(pl.col("measure") == "pupils").head(1)])
    assert _python_series(counted_twice, measure, published, la_name) is None
    if rows.filter(pl.col("measure") == "pupils").height:
        odd = rows.with_columns(
            pl.when(pl.col("measure") == "pupils")
            .then(pl.lit(float("nan")))
            .otherwise(pl.col("value"))
            .alias("value")
        )
        assert _python_series(odd, measure, published, la_name) is None
    # And a count with a fraction is cut as the cast cuts it.
    fraction = rows.with_columns(
        pl.when(pl.col("measure") == "pupils")
        .then(pl.col("value") + 0.7)
        .otherwise(pl.col("value"))
        .alias("value"),
        pl.lit(None, dtype=pl.Int64).alias("pupils"),
    )
    fast = _python_series(fraction, measure, published, la_name)
    assert fast is not None
    assert fast.equals(school_trends._series_frame(fraction, measure, published, la_name))


def test_picker_labels_in_python_and_with_accents_are_polars_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Names and URNs given to `school_labels` directly: ASCII ones are ordered in Python,
    a list with an accent by polars, each as the polars steps order them (a URN in both
    lists keeps its census name)."""
    store = Store.open(EMBEDDED_STORE)
    empty_results = pl.DataFrame(schema={"urn": pl.String, "name": pl.String})
    for names in (
        [("3", "b school"), ("1", "B School"), ("2", "a school"), ("4", "Zed")],
        [("3", "École b"), ("1", "ecole a"), ("2", "Ecole b"), ("9", "ÉCOLE A")],
    ):
        census = pl.DataFrame(names, schema=["urn", "name"], orient="row")
        results = pl.DataFrame(
            [("2", "other name"), ("8", "aardvark")], schema=["urn", "name"], orient="row"
        )
        for res in (results, empty_results):
            monkeypatch.setattr(intake_trends, "census_schools", lambda *_a, c=census: c)
            monkeypatch.setattr(intake_trends, "school_options", lambda *_a, r=res: r)
            both = pl.concat([census, res], how="vertical_relaxed").unique(
                "urn", keep="first", maintain_order=True
            )
            ordered = both.sort(pl.col("name").str.to_lowercase(), "urn")
            old = {urn: f"{name} (URN {urn})" for urn, name in ordered.iter_rows()}
            new = intake_trends.school_labels(store, ("x",), "secondary")
            assert list(new.items()) == list(old.items())


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_a_schools_panel_rows_are_the_panels_filter(store: Store, phase: str) -> None:
    """The index gives each school the rows a filter of the panel gives, in the same order
    (file order), with the same columns and types; an unknown URN gets none."""
    panel = school_trends._phase_rows(store, phase)[1]
    urns = panel["entity"].unique().sort()
    sample = urns.gather_every(max(1, urns.len() // 40)).to_list()
    for urn in [*sample, "no such school"]:
        found = school_trends.school_panel_rows(store, phase, urn)
        assert found.equals(panel.filter(pl.col("entity") == urn)), urn
    assert any(school_trends.school_panel_rows(store, phase, urn).height for urn in sample)
