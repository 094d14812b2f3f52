"""Load your own DfE files: uploads and server folders go into the session's private layer
(components/upload.py), with a report of what was read, stored and refused."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components import data
from components.data_page.common import link, table
from components.text import plain
from equity import private_layers
from equity.analysis import coverage

if TYPE_CHECKING:
    from components import upload

# components/upload.py (and with it every ingest reader) is imported by the functions that
# read or remove files, which run only when this tab is open: the Data page's first visit
# opens "What is loaded" and should not wait on the ingest's modules.

#: The Data page's tab holding this section (pages/data.py), named wherever the page
#: sends a reader to it.
TAB_LABEL = "Load your files"
REPORT_KEY = "data_page_report"
UPLOADER_ROUND = "data_page_uploader_round"
REPORT_UNSEEN = "data_page_report_unseen"


def upload_section() -> None:
    from components import upload

    st.header("Load your own DfE files", anchor="load")
    store = data.private_layer()
    st.markdown(
        "Download school-level files from "
        + link("DfE's Compare school performance service", coverage.PERFORMANCE_PAGE)
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
                _keep(report, "upload")  # before any element call: see _keep
            waiting.empty()
            st.rerun()

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
    from components import upload

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
                _keep(report, "folder")  # before any element call: see _keep
            st.rerun()


def _removal_form(store: Path) -> None:
    from components import upload

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


def _keep(report: upload.LoadReport, how: str) -> None:
    """Keep the report for the next run, which shows it above the form and the new data in
    every table and filter (the report is drawn before the form, so it needs a rerun).

    Only session state is touched here, never an element: any element call is where
    Streamlit stops a run for a newer one (a tab or sidebar click while the files were
    read), so the report is kept before the spinner closes and survives such a click; the
    page then points to it from whichever tab is open (`point_to_report`)."""
    from components import upload

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
    st.session_state[REPORT_UNSEEN] = True
    # A fresh uploader either way: the report now lists every file that was chosen.
    st.session_state[UPLOADER_ROUND] = st.session_state.get(UPLOADER_ROUND, 0) + 1
    if stored:
        data.refresh_store()


def point_to_report(place: DeltaGenerator, tab_label: str) -> None:
    """When a load's report has not been shown yet (the user opened another tab while the
    files were read), say so above the tabs and name the tab that shows it."""
    last = st.session_state.get(REPORT_KEY)
    if last and st.session_state.get(REPORT_UNSEEN):
        place.info(
            f"{plain(last['message'])} The report is in the {tab_label} tab.",
            icon=":material/fact_check:",
        )


def _show_last_report() -> None:
    last = st.session_state.get(REPORT_KEY)
    if not last:
        return
    st.session_state[REPORT_UNSEEN] = False
    frame = last.get("frame")
    problems = 0 if frame is None else frame["problem"].drop_nulls().len()
    stored = 0 if frame is None else frame.height - problems
    show = st.success if not problems else st.warning if stored else st.error
    show(plain(last["message"]), icon=":material/fact_check:")
    if frame is not None and frame.height:
        st.markdown("**What each file held, and what happened to it**")
        table(
            frame,
            key="data-upload-report",
            file_stem="load-report",
            las=st.column_config.NumberColumn("LAs", format="%d"),
        )
        for problem in frame["problem"].drop_nulls().to_list():
            st.markdown(f"- {plain(problem)}")
