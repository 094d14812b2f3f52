"""The Data and methods page's pieces: what is loaded, loading your own files, definitions.

The page exists so a reader can check any figure: which file it came from, who published
it and under what licence, which rows were refused and why, and what each measure, group,
index and status means. Text that comes from files or users (LA and file names, rejection
reasons) is escaped before it reaches Markdown, and nothing here uses unsafe HTML.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from components import data, upload
from components.filters import Filters
from components.tables import csv_bytes, human_size
from components.text import plain
from equity import private_layers, queries
from equity.analysis import coverage
from equity.store import Store

REPORT_KEY = "data_page_report"
UPLOADER_ROUND = "data_page_uploader_round"
_LABELS = {
    "la_code": "LA code",
    "las": "LAs",
    "id": "ID",
    "lait_code": "LAIT code",
    "lait_label": "LAIT label",
    "codes_in_dfe_files": "Codes in DfE files",
    "what": "What it is",
    "rows_read": "Rows read",
    "loaded_by": "Loaded by",
}
_WIDE_TEXT = {"description", "meaning", "what_changed", "reason", "notes", "note", "problem"}


_URL = re.compile(r"https?://[^\s;)]+")


def linked(text: str) -> str:
    """`plain(text)` with our own publication URLs made clickable; any other URL stays
    plain text, so a file or LA name can never add a link."""
    known = {
        coverage.PERFORMANCE_PAGE,
        coverage.CENSUS_PAGE,
        coverage.GIAS_PAGE,
        coverage.LAIT_PAGE,
        coverage.ONS_GEOGRAPHY_PAGE,
        coverage.TRAFFORD_PAGE,
    }
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(plain(text[last : match.start()]))
        url = match.group(0)
        out.append(f"<{url}>" if url in known else plain(url))
        last = match.end()
    out.append(plain(text[last:]))
    return "".join(out)


def _link(label: str, url: str) -> str:
    """A Markdown link to one of our own constant URLs (never a URL taken from data)."""
    return f"[{plain(label)}]({url})"


def _table(
    frame: pl.DataFrame,
    *,
    key: str,
    file_stem: str | None = None,
    payload: bytes | None = None,
    **config: Any,
) -> None:
    """A table with human column names, and its CSV when it is worth downloading
    (`payload`: the CSV made beforehand, for tables cached per store version)."""
    labels = {c: _LABELS.get(c, c.replace("_", " ").capitalize()) for c in frame.columns}
    column_config: dict[str, Any] = {
        c: st.column_config.TextColumn(labels[c], width="large") if c in _WIDE_TEXT else labels[c]
        for c in frame.columns
    }
    column_config.update(config)
    st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config, key=key)
    if file_stem:
        payload = csv_bytes(frame) if payload is None else payload
        st.download_button(
            f"Download CSV ({human_size(len(payload))})",
            data=payload,
            file_name=f"{file_stem}.csv",
            mime="text/csv",
            key=f"csv-{key}",
            on_click="ignore",
        )


def _page_link_column(label: str = "Publication page") -> Any:
    return st.column_config.LinkColumn(label, display_text=r"https?://(?:www\.)?([^/]+).*")


# --------------------------------------------------------------------------- what is loaded


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
    _table(
        shown,
        key="data-selected-status",
        schools_latest=st.column_config.NumberColumn("Schools (latest year)", format="%d"),
    )

    st.subheader("School results split by disadvantage, every LA loaded", anchor="results")
    results = loaded["results"]
    if results.is_empty():
        st.info(
            "No KS2 or KS4 performance tables are loaded for any authority: load DfE "
            "downloads below."
        )
    else:
        st.markdown(
            plain(
                f"{results['la_code'].n_unique()} authorities have school results split by "
                f"disadvantage: {', '.join(sorted(set(results['authority'].to_list())))}."
            )
        )
        _table(
            results,
            key="data-results-by-la",
            file_stem="school-results-loaded",
            payload=loaded["results_csv"],
            schools_latest=st.column_config.NumberColumn("Schools (latest year)", format="%d"),
            page=_page_link_column(),
        )

    with st.expander(f"Every authority, year and file kind ({cov.height:,} rows)"):
        st.caption(
            "One row per authority: the file kinds loaded and their years. The CSV has every "
            "authority, year and file kind with its files, publisher and page. School-level "
            "rows count schools with at least one stored figure; LA-level rows count "
            "published figures (suppressed and not-published cells excluded)."
        )
        _table(
            loaded["by_la"],
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
        payload = loaded["coverage_csv"]
        st.download_button(
            f"Download CSV, every authority, year and file kind ({human_size(len(payload))})",
            data=payload,
            file_name="coverage-by-la-year-kind.csv",
            mime="text/csv",
            key="csv-data-coverage",
            on_click="ignore",
        )

    files_section()
    rejected_section()


def _loaded_tables(store: Store) -> dict[str, Any]:
    """What the "What is loaded" section shows for every selection, made once per store
    version: the coverage table, its per-LA summary, the results-by-LA table, their CSVs."""
    cov = coverage.coverage(store)
    results = _results_by_la(cov)
    return {
        "cov": cov,
        "by_la": coverage.coverage_by_la(cov),
        "coverage_csv": csv_bytes(cov.rename({"academic_year": "year"})),
        "results": results,
        "results_csv": csv_bytes(results),
    }


def _selected_status(store: Store, members: tuple[str, ...]) -> tuple[list[str], pl.DataFrame]:
    """The selected LAs' sentences and status table (per store version and selection)."""
    cov = data.shared(_loaded_tables)["cov"]
    names = dict(queries.la_catalogue(store).select("la_code", "name").iter_rows())
    status = coverage.la_status(cov, list(members))
    shown = status.filter(
        pl.col("years").is_not_null() | pl.col("kind").is_in(["ks4_performance", "ks2_performance"])
    ).select(
        pl.col("la_name").alias("authority"),
        "la_code",
        "what",
        pl.col("years").fill_null("not loaded"),
        "schools_latest",
        "files",
    )
    return coverage.status_sentences(status, names), shown


def _results_by_la(cov: pl.DataFrame) -> pl.DataFrame:
    part = cov.filter(
        (pl.col("level") == coverage.SCHOOL)
        & pl.col("kind").is_in(["ks2_performance", "ks4_performance"])
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
        + f" ({_link('licence text', coverage.LICENCE_URL)}). "
        + plain(
            "Every row read is either stored or rejected with a reason"
            + (
                f": this holds for all {files.height} files."
                if bad.is_empty()
                else f", except in {bad.height} file(s): {', '.join(bad['file'].to_list())}."
            )
        )
    )
    _table(
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
        page=_page_link_column(),
    )
    notes = made["notes"]
    with st.expander(f"What the ingest noted about each file ({notes.height} notes)"):
        _table(notes, key="data-notes")


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
    _table(
        rejected,
        key="data-rejected",
        file_stem="rejected-rows",
        payload=payload,
        first_rows=st.column_config.TextColumn("First rows"),
    )


def _rejected_tables(store: Store) -> tuple[pl.DataFrame, bytes]:
    rejected = coverage.rejected_summary(store)
    return rejected, csv_bytes(rejected)


# --------------------------------------------------------------------------- load your own


def upload_section() -> None:
    st.header("Load your own DfE files", anchor="load")
    store = data.private_layer()
    st.markdown(
        "Download school-level files from "
        + _link("DfE's Compare school performance service", coverage.PERFORMANCE_PAGE)
        + " (choose an authority, a year and the KS2 or KS4 final results) and load the CSV "
        "or the zip here. Files are checked exactly as `python -m equity ingest` checks them; "
        "a file that cannot be used is reported and nothing already loaded changes."
    )
    st.caption(_privacy_note())
    _sign_in_offer()
    _show_last_report()

    round_ = st.session_state.get(UPLOADER_ROUND, 0)
    with st.form("data-upload-form", clear_on_submit=False, border=True):
        files = st.file_uploader(
            f"CSV or ZIP files (up to {upload.MAX_UPLOAD_MB} MB each)",
            type=list(upload.UPLOAD_TYPES),
            accept_multiple_files=True,
            max_upload_size=upload.MAX_UPLOAD_MB,
            key=f"data-uploader-{round_}",
            help="DfE's file names start with the academic year (2018-2019_352_ks4final.csv); "
            "keep them, or give the year below.",
        )
        year = st.selectbox(
            "Academic year, only for files whose name does not say it",
            ["", *(f"{y}/{(y + 1) % 100:02d}" for y in range(2024, 2014, -1))],
            format_func=lambda y: y or "(the file names say it)",
            key="data-upload-year",
        )
        submitted = st.form_submit_button("Load files", type="primary")
    if submitted:
        if not files:
            st.warning("Choose one or more CSV or ZIP files first.")
        else:
            waiting = st.empty()
            with st.spinner("Reading and checking the files..."):
                report = upload.ingest_uploads(
                    list(files),
                    store,
                    year=year or None,
                    on_wait=lambda: waiting.info(
                        upload.WAITING_MESSAGE, icon=":material/hourglass_top:"
                    ),
                )
            waiting.empty()
            _finish(report, "upload")

    _folder_form(store)
    _removal_form(store)


def _sign_in_offer() -> None:
    """Where the operator configured sign-in: a way to keep uploads from visit to visit
    (or to sign out). Nothing is shown when sign-in is not configured."""
    if data.user_claims().get("is_logged_in") is True:
        if st.button("Sign out", key="data-sign-out"):
            st.logout()
        return
    for provider in data.sign_in_providers():
        label = "Sign in to keep your files" + (f" ({provider})" if provider else "")
        if st.button(label, key=f"data-sign-in-{provider or 'default'}"):
            st.login(provider)


def _privacy_note() -> str:
    """Who sees an upload and how long it stays, in words (never the folder it is in)."""
    signed_in = private_layers.signed_in_identity(data.user_claims()) is not None
    lifetime = (
        "They are kept for your account, so they are here again next time you sign in, "
        "until you remove them."
        if signed_in
        else "They belong to this browser session: reloading the page or closing the tab "
        "ends it, and its files are deleted after "
        f"{private_layers.idle_limit_seconds() / 3600:g} hours unused. Where the server "
        "offers sign-in, signed-in users keep their files from one visit to the next."
    )
    return plain(
        "Files you load are private to you: other visitors never see them, and they do not "
        "change the built-in data. A file with the same name as a built-in one replaces it "
        f"for you only. {lifetime}"
    )


def _folder_form(store: Path) -> None:
    with st.expander("Read a folder on this computer"):
        local = upload.is_local_request(st.context.ip_address, st.context.url)
        if not local:
            st.info(
                "Reading a folder is only offered when the app runs on your own computer "
                "(opened at localhost). Upload the files above instead."
            )
            return
        agreed = st.checkbox(
            "The app runs on my own computer and may read a folder of my DfE downloads",
            key="data-folder-ok",
            help="The folder is only read: nothing in it is changed, moved or deleted.",
        )
        if not agreed:
            return
        st.caption(
            "Every CSV, ZIP, Parquet and GeoJSON file under the folder is read (sub-folders "
            "too, up to 500 files); the folder itself is not modified. A folder named for a "
            "year (2018-19) dates the files in it whose names do not."
        )
        with st.form("data-folder-form", border=False):
            folder = st.text_input(
                "Folder path", key="data-folder-path", placeholder="~/Downloads/dfe"
            )
            go = st.form_submit_button("Read folder")
        if go:
            with st.spinner("Reading the folder..."):
                report = upload.ingest_folder(
                    folder,
                    store,
                    on_wait=lambda: st.info(
                        upload.WAITING_MESSAGE, icon=":material/hourglass_top:"
                    ),
                )
            _finish(report, "folder")


def _removal_form(store: Path) -> None:
    sources = upload.user_sources(store)
    with st.expander(f"Remove a file you loaded ({len(sources)} loaded by you)"):
        if not sources:
            st.markdown("You have not loaded any files yet; built-in files cannot be removed.")
            return
        with st.form("data-remove-form", border=False):
            source = st.selectbox("File", sources, key="data-remove-source")
            go = st.form_submit_button("Remove from my data")
        if go and source:
            if upload.remove_user_source(source, store):
                st.session_state[REPORT_KEY] = {
                    "how": "remove",
                    "message": f"Removed {source} from your data.",
                    "frame": None,
                }
                data.refresh_store()
                st.rerun()
            else:
                st.warning(f"{source} is not in your data.")


def _finish(report: upload.LoadReport, how: str) -> None:
    """Keep the report across a rerun, which shows it above the form and the new data in
    every table and filter (the report is drawn before the form, so it needs the rerun)."""
    frame = report.frame()
    stored = sorted(set(report.stored))
    replaced = upload.replaced_builtin(stored)
    message = (
        f"Loaded {len(stored)} file(s)"
        + (f"; {len(report.problems)} could not be used" if report.problems else "")
        + "."
        + (f" Your copy now replaces the built-in {', '.join(replaced)}." if replaced else "")
        if stored
        else "Nothing was loaded: no file could be used, and your data is unchanged."
    )
    st.session_state[REPORT_KEY] = {"how": how, "message": message, "frame": frame}
    # A fresh uploader either way: the report now lists every file that was chosen.
    st.session_state[UPLOADER_ROUND] = st.session_state.get(UPLOADER_ROUND, 0) + 1
    if stored:
        data.refresh_store()
    st.rerun()


def _show_last_report() -> None:
    last = st.session_state.get(REPORT_KEY)
    if not last:
        return
    frame = last.get("frame")
    problems = 0 if frame is None else frame["problem"].drop_nulls().len()
    stored = 0 if frame is None else frame.height - problems
    show = st.success if not problems else st.warning if stored else st.error
    show(plain(last["message"]), icon=":material/fact_check:")
    if frame is not None and frame.height:
        st.markdown("**What each file held, and what happened to it**")
        _table(
            frame,
            key="data-upload-report",
            file_stem="load-report",
            las=st.column_config.NumberColumn("LAs", format="%d"),
        )
        for problem in frame["problem"].drop_nulls().to_list():
            st.markdown(f"- {plain(problem)}")


# --------------------------------------------------------------------------- definitions


def definitions_section() -> None:
    st.header("Definitions and methods", anchor="definitions")
    made = data.shared(_definition_tables)

    st.subheader("Measures", anchor="measures")
    _table(
        made["measures"], key="data-measures", file_stem="measures", payload=made["measures_csv"]
    )

    st.subheader("Pupil groups", anchor="groups")
    st.markdown(
        "Disadvantaged pupils are those eligible for free school meals (FSM) at any time in "
        "the last six years, or looked after or adopted from care: DfE's Pupil Premium "
        "definition, the `FSM6CLA1A` columns of the performance tables and LAIT's `DAP` "
        "measures. 'Other pupils' are everyone else in the same cohort."
    )
    _table(made["groups"], key="data-groups")

    st.subheader("How concentrated disadvantage is: segregation indices", anchor="segregation")
    st.markdown(
        "For an area's schools: F_i is the number of disadvantaged pupils in school i, N_i "
        "the number of other pupils, T_i = F_i + N_i, and F, N and T are the area's totals "
        "(Gorard and Taylor, 2002). Each index runs from 0 (every school has the area's "
        "mix) towards 1."
    )
    st.markdown("\n".join(f"- {plain(item)}" for item in coverage.segregation_definitions()))
    st.markdown("**Which pupil counts the indices use**")
    st.markdown("\n".join(f"- {plain(item)}" for item in coverage.counts_bases()))

    st.subheader("Disadvantage gaps", anchor="gaps")
    gap = coverage.gap_definitions()
    st.markdown(plain(gap.summary))
    st.markdown("\n".join(f"- {plain(item)}" for item in gap.ways))
    for rule in gap.rules:
        st.markdown(plain(rule))

    st.subheader("Suppressed and missing values", anchor="statuses")
    st.markdown(
        "DfE hides or withholds some cells. Equity Explorer keeps each one as a status with no "
        "number: it is shown in words, never as zero and never estimated from other cells. "
        "Cohorts under 10 pupils are flagged as small."
    )
    _table(made["statuses"], key="data-statuses")

    st.subheader("Series breaks", anchor="breaks")
    breaks = made["breaks"]
    st.markdown(
        "Results are not comparable across these changes. Trend charts draw them as breaks "
        "and never join a line across them."
    )
    _table(breaks.table, key="data-breaks", file_stem="series-breaks", payload=made["breaks_csv"])
    for note in breaks.notes[1:]:
        st.markdown(plain(note))
    if breaks.unconfirmed:
        st.caption(
            f"{breaks.unconfirmed} row(s) marked (check) have not yet been confirmed against a "
            "primary DfE source. "
            + plain(breaks.notes[0].split(" Items marked")[0] if breaks.notes else "")
        )

    st.subheader("LAIT measures used", anchor="lait")
    lait = made["lait"]
    st.markdown(
        "LA, region and England figures come from "
        + _link("DfE's Local Authority Interactive Tool (LAIT)", coverage.LAIT_PAGE)
        + ". Its data dictionary describes each measure; polarity is LAIT's own (which "
        "direction is better)."
    )
    _table(
        lait,
        key="data-lait",
        file_stem="lait-measures",
        payload=made["lait_csv"],
        lait_code=st.column_config.TextColumn("LAIT code"),
        lait_label="LAIT label",
        source_url=_page_link_column("Source"),
    )


def _definition_tables(store: Store) -> dict[str, Any]:
    """The definitions' tables and CSVs (from the code and the store's LAIT dictionary),
    made once per store version."""
    measures = coverage.measures_table()
    breaks = coverage.series_breaks()
    lait = coverage.lait_measures(store)
    return {
        "measures": measures,
        "measures_csv": csv_bytes(measures),
        "groups": coverage.pupil_groups_table(),
        "statuses": coverage.status_table(),
        "breaks": breaks,
        "breaks_csv": csv_bytes(breaks.table),
        "lait": lait,
        "lait_csv": csv_bytes(lait),
    }


def intro(selection: Filters) -> None:
    st.markdown(
        plain(
            f"Where every figure comes from, which files are loaded for {selection.la_label}, "
            "how to add DfE downloads for any authority, and what each measure, index and "
            "status means."
        )
    )
