"""What the Data page says is loaded, and the definitions it shows, checked by hand.

Tiny stores are built from the made-up fixtures (LA 998/999), where the answer can be read
off the file: the KS4 fixture has four schools with a URN, one row without a URN and one
row of an unknown record type (both rejected).
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from equity import queries
from equity.analysis import coverage
from equity.ingest import registry
from equity.ingest.lait import LAIT_CODES
from equity.ingest.runner import ingest_paths
from equity.schema import MEASURES, PUPIL_GROUP_LABELS, STATUS_CODES, Status
from equity.store import EMBEDDED_STORE, Store

ROOT = Path(__file__).resolve().parents[2]
TINY_KS4 = ROOT / "tests" / "data" / "performance_tables" / "2018-2019_999_ks4final.csv"
TINY_KS2 = ROOT / "tests" / "data" / "performance_tables" / "2017-2018_998_ks2final.csv"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = tmp_path_factory.mktemp("coverage") / "store"
    report = ingest_paths([TINY_KS4, TINY_KS2], store)
    assert len(report.ingested) == 2
    return Store.open(store)


@pytest.fixture(scope="module")
def embedded() -> Store:
    return Store.open(EMBEDDED_STORE)


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


def test_every_registered_file_kind_has_a_publisher_and_page() -> None:
    for kind in registry.KINDS:
        info = coverage.KIND_INFO[kind.name]
        assert info.publisher and info.page.startswith("https://"), kind.name
        assert info.level in {coverage.SCHOOL, coverage.LA, coverage.REFERENCE}
    assert coverage.kind_info("a_kind_from_the_future").label == "a_kind_from_the_future"


# --------------------------------------------------------------------------- definitions


def test_measures_table_lists_every_measure_with_its_polarity() -> None:
    table = coverage.measures_table()
    assert table["id"].to_list() == list(MEASURES)
    absence = table.filter(pl.col("id") == "absence_overall_pct").row(0, named=True)
    assert absence["polarity"] == "lower is better"
    att8 = table.filter(pl.col("id") == "ks4_attainment8").row(0, named=True)
    assert att8["polarity"] == "higher is better" and att8["unit"] == "score"


def test_pupil_groups_table_is_the_schema_labels() -> None:
    table = coverage.pupil_groups_table()
    assert dict(table.select("id", "group").iter_rows()) == PUPIL_GROUP_LABELS


def test_status_table_lists_every_dfe_code_under_its_status() -> None:
    table = coverage.status_table()
    assert table.height == len(Status)
    codes = dict(table.select("status", "codes_in_dfe_files").iter_rows())
    assert codes["suppressed"] == "'SUPP', 'C', 'X', 'LOW', 'SP'"
    assert codes["missing"] == "(blank cell)"
    listed = " ".join(codes.values())
    for code in STATUS_CODES:
        assert (f"'{code}'" if code else "(blank cell)") in listed
    assert table.filter(pl.col("meaning") == "").is_empty()


def test_segregation_definitions_are_the_metrics_formulas() -> None:
    items = coverage.segregation_definitions()
    assert len(items) == 3
    assert items[0].startswith("Gorard's segregation index GS = 0.5 * sum |F_i/F - T_i/T|")
    assert items[1].startswith("Dissimilarity D = 0.5 * sum |F_i/F - N_i/N|")
    assert items[2].startswith("Isolation = sum (F_i/F) * (F_i/T_i)")


def test_gap_definitions_give_both_conventions_and_the_sign() -> None:
    text = coverage.gap_definitions()
    assert text.summary.startswith("Disadvantage gaps")
    assert [w.split(":")[0] for w in text.ways] == [
        "Within the area",
        "Against other pupils nationally",
    ]
    assert any("positive when disadvantaged pupils trail" in r for r in text.rules)


def test_series_breaks_are_read_from_the_markdown(tmp_path: Path) -> None:
    md = tmp_path / "breaks.md"
    md.write_text(
        "# Title\n\nIntro line one.\nIntro line two.\n\n"
        "| year | stage | what changed |\n|---|---|---|\n"
        "| 2019/20 | KS2 | tests cancelled |\n| 2017/18 | KS4 | capped (check) |\n\n"
        "After the table.\n",
        encoding="utf-8",
    )
    breaks = coverage.series_breaks(md)
    assert breaks.table.columns == ["year", "stage", "what_changed"]
    assert breaks.table.rows() == [
        ("2019/20", "KS2", "tests cancelled"),
        ("2017/18", "KS4", "capped (check)"),
    ]
    assert breaks.notes == ("Intro line one. Intro line two.", "After the table.")
    assert breaks.unconfirmed == 1


def test_shipped_series_breaks_parse() -> None:
    breaks = coverage.series_breaks()
    assert breaks.table.height == 13
    assert breaks.table.row(0) == (
        "2015/16",
        "KS2",
        'new curriculum tests, scaled scores, "expected standard"; not comparable with '
        "earlier levels",
        "start KS2 series here",
    )
    assert breaks.unconfirmed == 1
    assert breaks.notes[0].startswith("Facts gathered from DfE")


def test_lait_measures_carry_the_dictionarys_description_and_link(embedded: Store) -> None:
    table = coverage.lait_measures(embedded)
    assert table["lait_code"].to_list() == [c.code for c in LAIT_CODES]
    att8 = table.filter(pl.col("lait_code") == "DAP_KS4_ATT8").row(0, named=True)
    assert att8["measure"] == MEASURES["ks4_attainment8"].label
    assert att8["pupil_group"] == "Disadvantaged pupils"
    assert att8["polarity"] == "high"
    assert att8["description"] and att8["source_url"].startswith("https://")
    assert table["description"].null_count() == 0


def test_lait_measures_without_a_dictionary_still_list_the_codes(tiny: Store) -> None:
    table = coverage.lait_measures(tiny)
    assert table.height == len(LAIT_CODES)
    assert table["description"].null_count() == len(LAIT_CODES)


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
