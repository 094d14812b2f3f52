"""What the Data page says is loaded, checked by hand on the tiny stores (conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from equity import queries
from equity.analysis import coverage
from equity.ingest.runner import ingest_paths
from equity.store import Store

from .conftest import TINY_KS2, TINY_KS4

# --------------------------------------------------------------------------- what is loaded


def test_coverage_counts_schools_and_la_figures_per_file(tiny: Store) -> None:
    cov = coverage.coverage(tiny)
    ks4 = cov.filter((pl.col("la_code") == "999") & (pl.col("kind") == "ks4_performance"))
    school = ks4.filter(pl.col("level") == coverage.SCHOOL).row(0, named=True)
    # URNs 100001, 100002, 100003 and 100005; the no-URN and RECTYPE 9 rows are rejected.
    assert school["schools"] == 4
    assert school["academic_year"] == "2018/19"
    assert school["files"] == TINY_KS4.name
    assert school["la_name"] == "LA 999"  # no area names in this store
    assert school["page"] == coverage.PERFORMANCE_PAGE
    la_level = ks4.filter(pl.col("level") == coverage.LA).row(0, named=True)
    assert la_level["schools"] is None and la_level["figures"] > 0
    ks2 = cov.filter((pl.col("la_code") == "998") & (pl.col("level") == coverage.SCHOOL))
    assert ks2.select("kind", "academic_year", "schools").rows() == [
        ("ks2_performance", "2017/18", 3)
    ]
    # England rows (la_code 970) are not an LA's coverage.
    assert "970" not in cov["la_code"].to_list()


def test_school_level_coverage_agrees_with_queries(embedded: Store) -> None:
    mine = (
        coverage.coverage(embedded)
        .filter(pl.col("level") == coverage.SCHOOL)
        .select("la_code", "academic_year", "kind", "schools")
        .sort("la_code", "academic_year", "kind")
    )
    theirs = (
        queries.school_level_coverage(embedded)
        .with_columns(pl.col("schools").cast(pl.Int64))
        .sort("la_code", "academic_year", "kind")
    )
    assert mine.equals(theirs)


def test_coverage_from_the_apps_school_counts_is_the_same(embedded: Store) -> None:
    """The Data page hands coverage the school counts the app holds per store version
    (queries.school_level_coverage) instead of counting school_years again."""
    given = coverage.coverage(embedded, queries.school_level_coverage(embedded))
    assert given.height > 50
    assert given.equals(coverage.coverage(embedded))


def test_embedded_store_has_ks4_results_for_hampshire_and_surrey(embedded: Store) -> None:
    cov = coverage.coverage(embedded)
    ks4 = cov.filter((pl.col("kind") == "ks4_performance") & (pl.col("level") == coverage.SCHOOL))
    assert sorted(set(ks4["la_name"])) == ["Hampshire", "Surrey"]
    surrey = ks4.filter(pl.col("la_code") == "936").sort("academic_year")
    assert surrey["academic_year"].to_list() == ["2016/17", "2017/18", "2018/19"]
    assert surrey["files"].to_list()[-1] == "2018-2019_936_ks4final.csv"


def test_status_says_plainly_what_is_missing_and_where_to_get_it(tiny: Store) -> None:
    status = coverage.la_status(coverage.coverage(tiny), ["999", "350"])
    sentences = coverage.status_sentences(status, {"999": "Testshire", "350": "Bolton"})
    assert sentences[0] == (
        "KS4 school results loaded for Testshire (999): 2018/19 (4 schools in 2018/19; 1 file)."
    )
    no_ks4 = [s for s in sentences if s.startswith("No KS4 school results for Bolton (350):")]
    assert len(no_ks4) == 1
    assert "for Bolton from DfE's Compare school performance service" in no_ks4[0]
    assert coverage.PERFORMANCE_PAGE in no_ks4[0]
    # Outside the app the sentences name the command, not a form "below" on some page.
    assert no_ks4[0].endswith(f"load the CSV or zip {coverage.LOAD_WITH_CLI}.")
    assert not any("below" in s or "{" in s for s in sentences)
    in_app = coverage.status_sentences(status, {"350": "Bolton"}, load_where="in the X tab")
    assert all("load it in the X tab" in s for s in in_app if s.startswith("No school census"))
    assert any(
        s.startswith("No KS2 school results for Testshire (999) and Bolton (350)")
        for s in sentences
    )
    assert any(coverage.GIAS_PAGE in s for s in sentences if s.startswith("No Get Information"))


def test_a_group_is_summarised_in_one_sentence_per_kind(embedded: Store) -> None:
    gm = [str(code) for code in range(350, 360)]
    names = dict(embedded.areas().select("la_code", "name").iter_rows())
    sentences = coverage.status_sentences(
        coverage.la_status(coverage.coverage(embedded), gm), names
    )
    ks4 = [s for s in sentences if "KS4 school results" in s]
    assert len(ks4) == 1
    assert ks4[0].startswith("No KS4 school results for Bolton (350), Bury (351),")
    assert "Wigan (359): download the 'Key stage 4 final results' for each LA" in ks4[0]
    census = [s for s in sentences if s.startswith("School census loaded")]
    assert len(census) == 1 and "2018/19" in census[0]


def test_loaded_files_account_for_every_row_and_name_the_licence(embedded: Store) -> None:
    files = coverage.loaded_files(embedded)
    assert files.height == embedded.manifest().height
    assert files["accounted"].all()
    assert set(files["licence"]) == {"Open Government Licence v3.0"}
    assert set(files["loaded_by"]) == {"built in"}
    assert files.filter(pl.col("page") == "").is_empty()
    census = files.filter(pl.col("file") == "england_census.csv").row(0, named=True)
    assert census["page"] == coverage.CENSUS_PAGE and census["level"] == coverage.SCHOOL
    lait = files.filter(pl.col("file") == "bds_long_0.parquet").row(0, named=True)
    assert lait["page"] == coverage.LAIT_PAGE and lait["level"] == coverage.LA


def test_loaded_files_mark_the_users_own(tmp_path: Path, tiny: Store) -> None:
    user = tmp_path / "user"
    ingest_paths([TINY_KS2], user)
    layered = Store.open(*tiny.layers, user)
    files = coverage.loaded_files(layered, str(user))
    by = dict(files.select("file", "loaded_by").iter_rows())
    assert by == {TINY_KS2.name: "you", TINY_KS4.name: "built in"}


def test_rejected_rows_are_summarised_with_their_reasons(tiny: Store) -> None:
    summary = coverage.rejected_summary(tiny)
    assert summary["file"].to_list() == [TINY_KS4.name, TINY_KS4.name]
    assert summary["rows"].to_list() == [1, 1]
    reasons = dict(summary.select("first_rows", "reason").iter_rows())
    assert "no usable URN" in reasons["4"]
    assert "unknown RECTYPE '9'" in reasons["9"]


# --------------------------------------------------------------------------- summaries


def _scanned(store: Store) -> dict[str, object]:
    """What the summaries stand for, counted from every result row (the slow way)."""
    rows = store.results()
    return {
        "years": sorted(
            y
            for y in rows.filter(pl.col("key_stage").is_in(["ks2", "ks4", "census"]))
            .select(pl.col("academic_year").unique())
            .collect()["academic_year"]
            .to_list()
            if y
        ),
        "coverage": rows.filter(
            (pl.col("entity_kind") == "school") & pl.col("la_code").is_not_null()
        )
        .group_by("la_code", "academic_year", "kind")
        .agg(pl.col("entity").n_unique().alias("schools"))
        .sort("la_code", "academic_year", "kind")
        .collect(),
        "published": rows.filter(pl.col("published")).collect(),
    }


def _assert_summaries_match(store: Store) -> None:
    scanned = _scanned(store)
    assert queries.years_available(store) == scanned["years"]
    assert queries.school_level_coverage(store).equals(scanned["coverage"])
    published = scanned["published"]
    assert isinstance(published, pl.DataFrame)
    assert store.published().sort(pl.all()).equals(published.sort(pl.all()))


def test_summaries_written_at_ingest_match_a_scan_of_the_results(tiny: Store) -> None:
    for table in ("summary", "school_years", "published"):
        assert len(list((tiny.layers[0] / table).glob("*.parquet"))) == 2
    _assert_summaries_match(tiny)


def test_summaries_are_recomputed_when_missing_or_stale(tiny: Store, tmp_path: Path) -> None:
    import shutil

    from equity.store import source_slug

    # The store in the layout before Delta tables (one Parquet file per source and table,
    # a manifest.parquet), as written before the summaries existed (no summary files) and
    # with published files older than their results files (no longer trusted).
    copy = tmp_path / "store"
    for source, files in tiny.catalogue().select("source", "files").iter_rows():
        for relative in files:
            table = relative.rsplit("/", 1)[0]
            if table == "summary":
                continue
            (copy / table).mkdir(parents=True, exist_ok=True)
            target = copy / table / f"{source_slug(source)}.parquet"
            shutil.copy(tiny.layers[0] / relative, target)
            if table == "published":
                os.utime(target, ns=(1, 1))
    tiny.manifest().write_parquet(copy / "manifest.parquet")
    assert (
        not Store.open(copy)
        .catalogue()["files"]
        .list.eval(pl.element().str.starts_with("published/"))
        .list.any()
        .any()
    )
    _assert_summaries_match(Store.open(copy))


def test_coverage_from_summaries_equals_the_per_row_count(embedded: Store) -> None:
    cov = coverage.coverage(embedded)
    rows = (
        embedded.results()
        .filter(pl.col("entity_kind").is_in(["school", "la"]) & pl.col("la_code").is_not_null())
        .group_by("la_code", "academic_year", "kind", "entity_kind")
        .agg(
            pl.col("entity").filter(pl.col("entity_kind") == "school").n_unique().alias("n"),
            (pl.col("status") == "value").sum().cast(pl.Int64).alias("figures"),
            pl.col("source").unique().sort().str.join("; ").alias("files"),
        )
        .collect()
    )
    assert cov.height == rows.height
    assert cov["figures"].sum() == rows["figures"].sum()
    school = rows.filter(pl.col("entity_kind") == "school")
    assert cov.filter(pl.col("level") == coverage.SCHOOL)["schools"].sum() == school["n"].sum()


def test_coverage_by_la_is_one_row_per_authority(tiny: Store) -> None:
    by_la = coverage.coverage_by_la(coverage.coverage(tiny))
    assert by_la["la_code"].to_list() == ["998", "999"]
    row = by_la.filter(pl.col("la_code") == "999").row(0, named=True)
    assert row["school_level"] == "ks4 performance 2018/19"
    assert row["schools_latest"] == 4
    assert row["la_level"] == "ks4 performance 2018/19"
    assert coverage.year_runs(["2016/17", "2014/15", "2015/16", "2018/19"]) == (
        "2014/15 to 2016/17, 2018/19"
    )


def test_year_runs_of_a_column_keeps_rows_and_nulls() -> None:
    joined = pl.Series(["2015/16, 2016/17, 2018/19", None, "2017/18", "2015/16, 2016/17, 2018/19"])
    assert coverage.year_runs_of(joined, ", ").to_list() == [
        "2015/16 to 2016/17, 2018/19",
        None,
        "2017/18",
        "2015/16 to 2016/17, 2018/19",
    ]
