"""What is loaded: per selected LA, school results per LA, every authority, year and file
kind, every file with its publisher and licence, and the rows not stored and why."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from components import data, sections
from components.data_page import own_files
from components.data_page.common import link, linked, page_link_column, table
from components.filters import Filters
from components.tables import csv_bytes, human_size
from components.text import plain
from equity import kinds, queries
from equity.analysis import coverage
from equity.store import Store


def intro(selection: Filters) -> None:
    st.markdown(
        plain(
            f"Where every figure comes from, which files are loaded for {selection.la_label}, "
            "how to add DfE downloads for any authority, and what each measure, index and "
            "status means."
        )
    )


def loaded_section(selection: Filters) -> None:
    st.header("What is loaded", anchor="loaded")
    loaded = data.shared(_loaded_tables)
    cov = loaded["cov"]
    sentences, shown = data.shared(_selected_status, selection.members)

    area = selection.la_label
    st.subheader(f"School-level files for {area}", anchor="selected")
    st.markdown("\n".join(f"- {linked(s)}" for s in sentences))
    st.caption(
        "LA-level figures (DfE's LAIT panel) cover every authority, so charts of published LA "
        "figures work everywhere; school-level files decide which school charts and indices "
        "can be drawn."
    )
    table(
        shown,
        key="data-selected-status",
        schools_latest=st.column_config.NumberColumn("Schools (latest year)", format="%d"),
    )

    st.subheader("School results split by disadvantage, every LA loaded", anchor="results")
    results = loaded["results"]
    if results.is_empty():
        st.info(
            "No KS2 or KS4 performance tables are loaded for any authority: load DfE "
            f"downloads in the {own_files.TAB_LABEL} tab."
        )
    else:
        st.markdown(
            plain(
                f"{results['la_code'].n_unique()} authorities have school results split by "
                f"disadvantage: {', '.join(sorted(set(results['authority'].to_list())))}."
            )
        )
        _results_table(results, loaded["results_csv"])

    # Drawn only while open (a rerun on opening): the per-authority table is some 150 rows
    # of long text, most of what a first visit of this tab sent to the browser.
    sections.on_request(
        f"Every authority, year and file kind ({cov.height:,} rows)",
        "data-every-authority",
        _every_authority_table,
    )


def _every_authority_table() -> None:
    st.caption(
        "One row per authority: the file kinds loaded and their years. The CSV has every "
        "authority, year and file kind with its files, publisher and page. School-level "
        "rows count schools with at least one stored figure; LA-level rows count "
        "published figures (suppressed and not-published cells excluded)."
    )
    every_la = data.shared(_every_authority)
    table(
        every_la["by_la"],
        key="data-coverage",
        school_level=st.column_config.TextColumn("School-level files", width="large"),
        schools_latest=st.column_config.NumberColumn(
            "Schools (latest year)",
            format="%d",
            help="Schools in the latest year loaded, for the file kind that lists most.",
        ),
        la_level=st.column_config.TextColumn("LA-level figures", width="large"),
        figures=st.column_config.NumberColumn("Figures", format="%d"),
    )
    # The full table goes as a download only (fetched over HTTP when clicked), made once
    # per store version: at national scale it is some 12,000 rows.
    payload = every_la["coverage_csv"]
    st.download_button(
        f"Download CSV, every authority, year and file kind ({human_size(len(payload))})",
        data=payload,
        file_name="coverage-by-la-year-kind.csv",
        mime="text/csv",
        key="csv-data-coverage",
        on_click="ignore",
    )


#: A results-by-authority table longer than this is drawn when its expander is opened.
INLINE_RESULT_ROWS = 12
#: Session-state key of that expander (True while it is open).
RESULTS_OPEN_KEY = "data-results-by-la-open"


def _results_table(results: pl.DataFrame, payload: bytes) -> None:
    """Each authority's years, schools and files of results: in place when short, drawn on
    request when long. Why: at national scale it is some 300 rows of long text (~200 kB
    sent, ~30 ms of a first visit in the browser) under a sentence that already names every
    authority; for a few authorities it is short enough to show at once."""
    if results.height <= INLINE_RESULT_ROWS:
        _results_grid(results, payload)
        return
    sections.on_request(
        f"Years, schools and files for each authority ({results.height:,} rows)",
        RESULTS_OPEN_KEY,
        lambda: _results_grid(results, payload),
    )


def _results_grid(results: pl.DataFrame, payload: bytes) -> None:
    table(
        results,
        key="data-results-by-la",
        file_stem="school-results-loaded",
        payload=payload,
        schools_latest=st.column_config.NumberColumn("Schools (latest year)", format="%d"),
        page=page_link_column(),
    )


def _loaded_tables(store: Store) -> dict[str, Any]:
    """What the "What is loaded" section shows for every selection, made once per store
    version: the coverage table, the results-by-LA table and its CSV."""
    # The school counts the Overview's coverage note already made for this store version.
    cov = coverage.coverage(store, data.school_level_coverage())
    results = _results_by_la(cov)
    return {
        "cov": cov,
        "results": results,
        "results_csv": csv_bytes(results),
        # For the selected LAs' status, made here once rather than on every rerun.
        "status_index": coverage.status_index(cov),
        "names": dict(queries.la_catalogue(store).select("la_code", "name").iter_rows()),
    }


def _every_authority(store: Store) -> dict[str, Any]:
    """The "Every authority" expander's table and the full coverage CSV, once per store
    version, made the first time someone opens it."""
    del store  # the coverage below is this store version's
    cov = data.shared(_loaded_tables)["cov"]
    return {
        "by_la": coverage.coverage_by_la(cov),
        "coverage_csv": csv_bytes(cov.rename({"academic_year": "year"})),
    }


def _selected_status(store: Store, members: tuple[str, ...]) -> tuple[list[str], pl.DataFrame]:
    """The selected LAs' sentences and status table (per store version and selection)."""
    del store  # the tables below are this store version's
    loaded = data.shared(_loaded_tables)
    names = loaded["names"]
    status = coverage.la_status(loaded["cov"], list(members), loaded["status_index"])
    # The years as runs ("2015/16 to 2024/25"): ten years listed one by one did not fit
    # the grid's column and were cut at its right edge. The sentences above list them all.
    shown = (
        status.with_columns(coverage.year_runs_of(status["years"], ", ").alias("runs"))
        .filter(pl.col("years").is_not_null() | pl.col("kind").is_in(kinds.PERFORMANCE))
        .select(
            pl.col("la_name").alias("authority"),
            "la_code",
            "what",
            pl.col("runs").fill_null("not loaded").alias("years"),
            "schools_latest",
            "files",
        )
    )
    where = f"in the {own_files.TAB_LABEL} tab"
    return coverage.status_sentences(status, names, load_where=where), shown


def _results_by_la(cov: pl.DataFrame) -> pl.DataFrame:
    part = cov.filter(
        (pl.col("level") == coverage.SCHOOL) & pl.col("kind").is_in(kinds.PERFORMANCE)
    )
    return (
        part.sort("academic_year")
        .group_by("la_code", "la_name", "kind", maintain_order=True)
        .agg(
            pl.col("academic_year").str.join(", ").alias("years"),
            pl.col("schools").last().alias("schools_latest"),
            pl.col("files").str.join("; ").alias("files"),
            pl.col("page").first(),
        )
        .rename({"la_name": "authority"})
        .select("authority", "la_code", "kind", "years", "schools_latest", "files", "page")
        .sort("authority", "kind")
    )


def files_section() -> None:
    st.subheader("Files, publishers and licences", anchor="files")
    layer = data.private_layer()
    # Named only when it holds files: sessions without uploads then share one cached table.
    mine = str(layer) if (layer / "manifest.parquet").is_file() else ""
    made = data.shared(_files_tables, mine)
    files, bad, mine = made["files"], made["bad"], made["mine"]
    st.markdown(
        plain(
            f"{files.height} files are loaded ({mine} by you). Every file is published under "
            f"the {coverage.LICENCE}"
        )
        + f" ({link('licence text', coverage.LICENCE_URL)}). "
        + plain(
            "Every row read is either stored or rejected with a reason"
            + (
                f": this holds for all {files.height} files."
                if bad.is_empty()
                else f", except in {bad.height} file(s): {', '.join(bad['file'].to_list())}."
            )
        )
    )
    table(
        made["shown"],
        key="data-files",
        file_stem="files-loaded",
        payload=made["csv"],
        las=st.column_config.NumberColumn("LAs with schools", format="%d"),
        suppressed_cells=st.column_config.NumberColumn(
            "Suppressed or not published cells",
            format="%d",
            help="Cells kept with their status (suppressed, not published, ...) and no number.",
        ),
        page=page_link_column(),
    )
    notes = made["notes"]
    with st.expander(f"What the ingest noted about each file ({notes.height} notes)"):
        table(notes, key="data-notes")


def _files_tables(store: Store, user_layer: str) -> dict[str, Any]:
    """The files table, its CSV and notes, made once per store version (`user_layer`: the
    session's private layer, whose files are "loaded by you"; a cache key, never shown)."""
    files = coverage.loaded_files(store, user_layer or None)
    shown = files.select(
        "file",
        "what",
        "level",
        "years",
        "las",
        "rows_read",
        "rows_stored",
        "rows_rejected",
        "suppressed_cells",
        "loaded_by",
        "publisher",
        "licence",
        "page",
    )
    notes = files.select("file", pl.col("notes").str.split(" | ")).explode("notes")
    notes = notes.filter(pl.col("notes").is_not_null() & (pl.col("notes") != ""))
    return {
        "files": files,
        "bad": files.filter(~pl.col("accounted")),
        "mine": files.filter(pl.col("loaded_by") == "you").height,
        "shown": shown,
        "csv": csv_bytes(shown),
        "notes": notes.rename({"notes": "note"}),
    }


def rejected_section() -> None:
    st.subheader("Rows not stored, and why", anchor="rejected")
    rejected, payload = data.shared(_rejected_tables)
    if rejected.is_empty():
        st.markdown("No row of any loaded file was rejected.")
        return
    st.markdown(
        plain(
            f"{int(rejected['rows'].sum()):,} rows in {rejected['file'].n_unique()} files were "
            "not stored. Row numbers count data rows from 1 (the header is not counted)."
        )
    )
    table(
        rejected,
        key="data-rejected",
        file_stem="rejected-rows",
        payload=payload,
        first_rows=st.column_config.TextColumn("First rows"),
    )


def _rejected_tables(store: Store) -> tuple[pl.DataFrame, bytes]:
    rejected = coverage.rejected_summary(store)
    return rejected, csv_bytes(rejected)
