"""The Data and methods page through app.py, and its upload component with real and broken files.

Uploads are tested by calling the component's functions directly with a session's private
layer (under EQUITY_PRIVATE_ROOT, a temporary folder; EQUITY_USER_STORE, the operator's
shared store, points at another), and the page is then run as that session (its layer id
seeded in session state) to check that it shows what was loaded. Isolation between sessions
and the upload widget itself are in test_private_uploads.py.
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from components import data, upload
from equity import private_layers
from equity.store import EMBEDDED_STORE, USER_STORE_ENV, Store, read_manifest
from tests.pages.conftest import APP, open_link, open_section, run_page, section_labels

pytestmark = pytest.mark.page

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
TINY_KS4 = ROOT / "tests" / "data" / "performance_tables" / "2018-2019_999_ks4final.csv"
SURREY_KS4 = ROOT / "data" / "sources" / "performance-tables" / "2018-2019_936_ks4final.csv"


def snapshot(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def named(path: Path, name: str | None = None) -> upload.NamedBytes:
    return upload.NamedBytes(name or path.name, path.read_bytes())


SESSION_ID = "0123456789abcdef0123456789abcdef"
LOADED, FILES, YOURS, DEFINITIONS = (
    "What is loaded",
    "Files and sources",
    "Load your files",
    "Definitions",
)


@pytest.fixture
def user_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The private layer of the session SESSION_ID (what `as_session` opens the page as)."""
    monkeypatch.setenv(USER_STORE_ENV, str(tmp_path / "operator-store"))
    monkeypatch.setenv(private_layers.PRIVATE_ROOT_ENV, str(tmp_path / "private"))
    return private_layers.session_layer(SESSION_ID)


def as_session(page: str, params: dict[str, str] | None = None) -> AppTest:
    """`run_page`, as the session whose private layer is `user_store`."""
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state[data.SESSION_ID_KEY] = SESSION_ID
    for key, value in (params or {}).items():
        app.query_params[key] = value
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.fixture(scope="module")
def embedded_before() -> dict[str, str]:
    return snapshot(EMBEDDED_STORE)


def frame_with(app: AppTest, *columns: str) -> pl.DataFrame:
    for element in app.dataframe:
        if list(element.value.columns)[: len(columns)] == list(columns):
            return pl.from_pandas(element.value)
    raise AssertionError(f"no table starting with columns {columns}")


def markdown_text(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown)


# --------------------------------------------------------------------------- the page


def test_loaded_table_lists_hampshire_and_surrey_ks4(user_store: Path) -> None:
    app = run_page(page="pages/data.py", params={"la": "350"})
    assert app.title[0].value == "Data and methods"
    results = frame_with(app, "authority", "la_code", "kind", "years")
    ks4 = results.filter(pl.col("kind") == "ks4_performance")
    assert sorted(ks4["authority"].to_list()) == ["Hampshire", "Surrey"]
    surrey = ks4.filter(pl.col("la_code") == "936").row(0, named=True)
    assert surrey["years"] == "2016/17, 2017/18, 2018/19"
    assert surrey["schools_latest"] == 130
    assert surrey["page"] == "https://www.compare-school-performance.service.gov.uk/download-data"


def test_bolton_is_told_what_is_missing_and_where_to_get_it(user_store: Path) -> None:
    app = run_page(page="pages/data.py", params={"la": "350"})
    text = markdown_text(app)
    assert r"No KS4 school results for Bolton \(350\): download the 'Key stage 4 final" in text
    assert "<https://www.compare-school-performance.service.gov.uk/download-data>" in text
    # The upload form has a tab of its own: the sentences send the reader there.
    assert "and load the CSV or zip in the Load your files tab" in text
    assert "load it in the Load your files tab" in text
    assert " below" not in text
    # Five census years are embedded (January 2018, 2019, 2021, 2023, 2024).
    assert (
        r"School census loaded for Bolton \(350\): 2017/18, 2018/19, 2020/21, 2022/23, 2023/24"
        in text
    )
    status = frame_with(app, "authority", "la_code", "what", "years")
    years = dict(status.select("what", "years").iter_rows())
    assert years["KS4 school results split by disadvantage (performance tables, final)"] == (
        "not loaded"
    )
    # The table gives the years as runs (a list of ten was cut at the grid's edge).
    assert years["School census: pupils, % ever-FSM, EAL and SEN per school"] == (
        "2017/18 to 2018/19, 2020/21, 2022/23 to 2023/24"
    )


def test_files_table_gives_publisher_licence_and_row_accounts(user_store: Path) -> None:
    app = run_page(page="pages/data.py", params={"la": "936"})
    text = markdown_text(app)
    assert r"KS4 school results loaded for Surrey \(936\): 2016/17, 2017/18, 2018/19" in text
    open_section(app, FILES)
    files = frame_with(app, "file", "what", "level")
    manifest = Store.open(EMBEDDED_STORE).manifest()
    assert files.height == manifest.height
    assert set(files["licence"]) == {"Open Government Licence v3.0"}
    assert set(files["loaded_by"]) == {"built in"}
    assert (files["rows_read"] == files["rows_stored"] + files["rows_rejected"]).all()
    lait = files.filter(pl.col("file") == "bds_long_0.parquet").row(0, named=True)
    assert lait["page"] == (
        "https://www.gov.uk/government/publications/local-authority-interactive-tool-lait"
    )
    rejected = frame_with(app, "file", "reason", "rows")
    assert int(rejected["rows"].sum()) == int(manifest["rows_rejected"].sum())


def test_definitions_are_on_the_page(user_store: Path) -> None:
    app = run_page(page="pages/data.py")
    # Gaps for the default group are summarised, not listed LA by LA.
    assert markdown_text(app).count("No KS4 school results for") == 1
    open_section(app, DEFINITIONS)
    text = markdown_text(app)
    assert r"GS = 0.5 \* sum \|F\_i/F - T\_i/T\|" in text
    assert "Against other pupils nationally" in text
    statuses = frame_with(app, "status", "codes_in_dfe_files", "meaning")
    assert "suppressed" in statuses["status"].to_list()
    breaks = frame_with(app, "year", "stage", "what_changed")
    assert breaks.height == 13
    lait = frame_with(app, "lait_code", "measure", "pupil_group")
    assert "DAP_KS4_ATT8" in lait["lait_code"].to_list()
    assert "No KS4 school results for" not in text


# --------------------------------------------------------------------------- uploads


def test_upload_of_real_files_reaches_the_user_store_only(
    user_store: Path, embedded_before: dict[str, str]
) -> None:
    report = upload.ingest_uploads([named(TINY_KS4), named(SURREY_KS4)], user_store)
    assert sorted(report.stored) == [SURREY_KS4.name, TINY_KS4.name]
    frame = report.frame()
    tiny = frame.filter(pl.col("file") == TINY_KS4.name).row(0, named=True)
    assert (tiny["kind"], tiny["years"], tiny["rows_read"]) == ("ks4_performance", "2018/19", 9)
    assert (tiny["rows_stored"], tiny["rows_rejected"]) == (7, 2)
    assert "no usable URN" in tiny["rejected_because"]
    assert frame["problem"].null_count() == frame.height
    assert sorted(read_manifest(user_store)["source"]) == [SURREY_KS4.name, TINY_KS4.name]
    assert upload.replaced_builtin(report.stored) == [SURREY_KS4.name]
    assert snapshot(EMBEDDED_STORE) == embedded_before


def test_uploaded_files_show_on_the_page_as_yours(user_store: Path) -> None:
    upload.ingest_uploads([named(TINY_KS4)], user_store)
    app = as_session("pages/data.py", params={"la": "936"})
    results = frame_with(app, "authority", "la_code", "kind", "years")
    assert "999" in results["la_code"].to_list()
    files = frame_with(open_section(app, FILES), "file", "what", "level")
    mine = files.filter(pl.col("loaded_by") == "you")
    assert mine["file"].to_list() == [TINY_KS4.name]
    open_section(app, YOURS)
    assert app.selectbox(key="data-remove-source").options == [TINY_KS4.name]


def test_removing_a_file_from_the_page(user_store: Path) -> None:
    upload.ingest_uploads([named(TINY_KS4)], user_store)
    app = open_section(as_session("pages/data.py"), YOURS)
    app.button[-1].click()  # "Remove from my data", the last button on the page
    app.run()
    assert not app.exception
    assert upload.user_sources(user_store) == []
    assert "Removed 2018-2019\\_999\\_ks4final.csv from your data." in [
        s.value for s in app.success
    ]


def test_the_load_report_is_shown_as_a_table_with_each_problem(user_store: Path) -> None:
    """What the page shows after "Load files" (the report survives the rerun it triggers)."""
    report = upload.ingest_uploads([named(TINY_KS4), named(BAD / "not_dfe.csv")], user_store)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.session_state["data_page_report"] = {
        "how": "upload",
        "message": "Loaded 1 file(s); 1 could not be used.",
        "frame": report.frame(),
    }
    app.run()
    app.switch_page("pages/data.py")
    app.run()
    open_section(app, YOURS)
    assert [w.value for w in app.warning] == ["Loaded 1 file\\(s\\); 1 could not be used."]
    shown = frame_with(app, "file", "problem", "kind", "years")
    assert shown["file"].to_list() == [TINY_KS4.name, "not_dfe.csv"]
    assert shown["rows_rejected"].to_list()[0] == 2
    assert any(r"not\_dfe.csv: not a file kind" in m.value for m in app.markdown)


@pytest.mark.parametrize("bad", sorted(p.name for p in BAD.iterdir()))
def test_a_broken_upload_is_reported_and_changes_nothing(
    user_store: Path, embedded_before: dict[str, str], bad: str
) -> None:
    upload.ingest_uploads([named(TINY_KS4)], user_store)
    before = snapshot(user_store)
    report = upload.ingest_uploads([named(BAD / bad)], user_store)
    assert not report.ok
    assert report.problems
    for problem in report.problems:
        assert "Traceback" not in problem and "/tmp" not in problem
    assert snapshot(user_store) == before
    assert snapshot(EMBEDDED_STORE) == embedded_before


def test_broken_uploads_get_plain_explanations(user_store: Path) -> None:
    report = upload.ingest_uploads(
        [named(BAD / p) for p in sorted(p.name for p in BAD.iterdir())], user_store
    )
    problems = dict(report.frame().select("file", "problem").iter_rows())
    assert problems["empty.csv"].endswith("The file is empty")
    assert "Excel workbook" in problems["workbook_saved_as.csv"]
    assert "Its header is name, colour, size (3 columns)" in problems["not_dfe.csv"]
    assert "zip bomb" in problems["bomb.zip"]
    assert "damaged, password-protected" in problems["damaged.zip"]
    assert "notes.docx" in problems["not_data.zip/notes.docx"]
    assert not report.stored
    assert not (user_store / "manifest.parquet").exists()


def test_one_bad_file_does_not_stop_the_good_ones(user_store: Path) -> None:
    report = upload.ingest_uploads([named(BAD / "damaged.zip"), named(TINY_KS4)], user_store)
    assert report.stored == [TINY_KS4.name]
    assert len(report.problems) == 1


class _Huge:
    """An upload that claims to be over the cap; reading it would fail the test."""

    name = "2018-2019_352_ks4final.csv"
    size = upload.MAX_UPLOAD_BYTES + 1

    def getvalue(self) -> bytes:
        raise AssertionError("an oversized upload must not be read")


def test_oversized_and_wrong_type_uploads_are_refused(user_store: Path) -> None:
    report = upload.ingest_uploads([_Huge(), upload.NamedBytes("tool.exe", b"MZ")], user_store)
    assert report.problems[0].endswith(
        "is over the 200 MB upload limit. Load it from a folder on this computer or with "
        "`python -m equity ingest` instead"
    )
    assert report.problems[1] == "tool.exe: only .csv and .zip files can be loaded"
    assert not report.stored


def test_client_file_names_never_choose_a_path(user_store: Path, tmp_path: Path) -> None:
    assert upload.safe_name("../../etc/2018-2019_352_ks4final.csv") == "2018-2019_352_ks4final.csv"
    assert upload.safe_name("C:\\Users\\me\\Downloads\\2018-2019_352_ks4final.CSV") == (
        "2018-2019_352_ks4final.csv"
    )
    assert upload.safe_name("my file (1).csv") == "my_file_1.csv"
    assert upload.safe_name("...csv") is None
    assert upload.safe_name("/") is None
    assert upload.safe_name("data.csv.exe") is None
    report = upload.ingest_uploads([named(TINY_KS4, "../../../" + TINY_KS4.name)], user_store)
    assert report.stored == [TINY_KS4.name]
    assert not (tmp_path.parent / TINY_KS4.name).exists()


def test_the_year_box_dates_files_whose_name_does_not(user_store: Path) -> None:
    undated = named(TINY_KS4, "999_ks4final.csv")
    report = upload.ingest_uploads([undated], user_store)
    assert "cannot tell which academic year" in report.problems[0]
    report = upload.ingest_uploads([undated], user_store, year="2017-18")
    assert report.stored == ["999_ks4final.csv"]
    manifest = read_manifest(user_store).row(0, named=True)
    assert manifest["academic_years"] == ["2017/18"]


def test_reusing_a_name_for_another_year_is_flagged(user_store: Path) -> None:
    upload.ingest_uploads([named(TINY_KS4, "999_ks4final.csv")], user_store, year="2017/18")
    report = upload.ingest_uploads(
        [named(TINY_KS4, "999_ks4final.csv")], user_store, year="2018/19"
    )
    notes = report.frame()["notes"][0]
    assert notes.startswith("REPLACED your earlier 999_ks4final.csv (2017/18)")


def test_a_zip_of_downloads_is_read_member_by_member(user_store: Path, tmp_path: Path) -> None:
    archive = tmp_path / "downloads.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.write(TINY_KS4, f"2018-2019/{TINY_KS4.name}")
        bundle.writestr("2018-2019/readme.txt", "DfE download")
        bundle.writestr("2018-2019/notes.txt", "not data")
    report = upload.ingest_uploads([named(archive)], user_store)
    assert report.stored == [TINY_KS4.name]
    assert report.problems == [
        "notes.txt: not a file kind Equity Explorer knows (expected a DfE performance table, "
        "school census, GIAS extract, LAIT panel or ONS boundary file)"
    ]


# --------------------------------------------------------------------------- folder, removal


def test_a_folder_is_read_not_changed_and_a_bad_zip_does_not_hide_good_files(
    user_store: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "downloads"
    (folder / "2018-19").mkdir(parents=True)
    shutil.copy(TINY_KS4, folder / "2018-19" / "999_ks4final.csv")
    shutil.copy(BAD / "bomb.zip", folder / "bomb.zip")
    shutil.copy(BAD / "not_dfe.csv", folder / "not_dfe.csv")
    (folder / "README.md").write_text("my notes")
    before = snapshot(folder)
    report = upload.ingest_folder(str(folder), user_store)
    assert report.stored == ["999_ks4final.csv"]
    assert read_manifest(user_store).row(0, named=True)["academic_years"] == ["2018/19"]
    assert len(report.problems) == 2
    assert snapshot(folder) == before


def test_folder_mistakes_are_explained(user_store: Path, tmp_path: Path) -> None:
    assert upload.ingest_folder(str(tmp_path / "nope"), user_store).problems == [
        f"{tmp_path / 'nope'}: no such folder"
    ]
    assert "built-in store" in upload.ingest_folder(str(EMBEDDED_STORE), user_store).problems[0]
    upload.ingest_uploads([named(TINY_KS4)], user_store)
    inside = upload.ingest_folder(str(user_store / "results"), user_store).problems[0]
    assert "your store" in inside
    other = private_layers.session_layer("f" * 32)
    other.mkdir(parents=True)
    assert "folder of uploaded files" in upload.ingest_folder(str(other), user_store).problems[0]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no .csv, .zip" in upload.ingest_folder(str(empty), user_store).problems[0]
    assert upload.ingest_folder("  ", user_store).problems == [
        "type the path of a folder with DfE downloads"
    ]


def test_only_user_files_can_be_removed(user_store: Path, embedded_before: dict[str, str]) -> None:
    upload.ingest_uploads([named(TINY_KS4)], user_store)
    assert upload.user_sources(user_store) == [TINY_KS4.name]
    assert not upload.remove_user_source("england_census.csv", user_store)
    assert upload.remove_user_source(TINY_KS4.name, user_store)
    assert upload.user_sources(user_store) == []
    assert not list(user_store.glob("**/*999_ks4final.csv.parquet"))
    assert snapshot(EMBEDDED_STORE) == embedded_before


def test_uploads_refuse_to_write_into_the_shared_stores(user_store: Path, tmp_path: Path) -> None:
    """The built-in store and the operator's (EQUITY_USER_STORE) are read-only to browsers."""
    with pytest.raises(ValueError, match="built-in store"):
        upload.ingest_uploads([named(TINY_KS4)], EMBEDDED_STORE)
    with pytest.raises(ValueError, match="shared store"):
        upload.ingest_uploads([named(TINY_KS4)], tmp_path / "operator-store")
    with pytest.raises(ValueError, match="shared store"):
        upload.remove_user_source(TINY_KS4.name, tmp_path / "operator-store")


@pytest.mark.parametrize(
    ("ip", "url", "local"),
    [
        (None, None, False),
        (None, "http://localhost:8501/data", True),
        (None, "http://127.0.0.1:8501/", True),
        (None, "http://[::1]:8501/", True),
        (None, "https://equity.example.org/data", False),  # a proxy on the same machine
        ("203.0.113.9", "http://localhost:8501/", False),
    ],
)
def test_folder_reading_is_offered_only_locally(
    ip: str | None, url: str | None, local: bool
) -> None:
    assert upload.is_local_request(ip, url) is local


# --------------------------------------------------------------------------- tabs


def test_a_first_visit_draws_what_is_loaded_only(user_store: Path) -> None:
    app = run_page(page="pages/data.py", params={"la": "936"})
    assert section_labels(app) == [LOADED, FILES, YOURS, DEFINITIONS]
    assert frame_with(app, "authority", "la_code", "kind", "years").height
    headers = [list(d.value.columns)[:3] for d in app.dataframe]
    assert ["file", "what", "level"] not in headers  # the files tab
    assert ["status", "codes_in_dfe_files", "meaning"] not in headers  # definitions
    assert not app.get("file_uploader")


def test_every_authority_table_is_drawn_when_its_expander_opens(user_store: Path) -> None:
    """The per-authority table and the full coverage CSV (some 150 rows of long text at
    national scale) are sent only once the reader opens their expander."""
    app = run_page(page="pages/data.py", params={"la": "936"})
    assert [e for e in app.expander if e.label.startswith("Every authority")]
    with pytest.raises(AssertionError):
        frame_with(app, "authority", "la_code", "school_level")
    assert not [b for b in app.get("download_button") if "every authority" in b.proto.label]
    app.session_state["data-every-authority"] = True
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    by_la = frame_with(app, "authority", "la_code", "school_level")
    assert "Surrey" in by_la["authority"].to_list()
    (csv,) = [b for b in app.get("download_button") if "every authority" in b.proto.label]
    assert csv.proto.label.startswith("Download CSV, every authority, year and file kind (")


@pytest.mark.parametrize(
    ("section", "first_columns"),
    [
        (FILES, ("file", "what", "level")),
        (DEFINITIONS, ("status", "codes_in_dfe_files", "meaning")),
    ],
)
def test_each_tab_opened_through_the_link_draws_its_own_tables(
    user_store: Path, section: str, first_columns: tuple[str, ...]
) -> None:
    app = open_link("pages/data.py", {"la": "936", "section": section})
    assert frame_with(app, *first_columns).height
    with pytest.raises(AssertionError):
        frame_with(app, "authority", "la_code", "kind", "years")  # the first tab's table
    if section == FILES:
        files = frame_with(app, "file", "what", "level")
        assert files.height == Store.open(EMBEDDED_STORE).manifest().height
    uploads = open_link("pages/data.py", {"la": "936", "section": YOURS})
    assert len(uploads.get("file_uploader")) == 1


def test_an_upload_stopped_by_a_tab_click_keeps_its_report(
    user_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A click on another tab while files are read makes Streamlit stop the run at its next
    element call (here: the spinner closing). The files are stored by then; the report must
    be too, and the page names the tab that shows it until it is seen."""
    from contextlib import contextmanager

    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    from components.data_page import own_files

    @contextmanager
    def stopped_on_close(text: str) -> Any:
        del text
        yield
        raise StopException()

    app = open_section(as_session("pages/data.py"), YOURS)
    monkeypatch.setattr(own_files.st, "spinner", stopped_on_close)
    app.get("file_uploader")[0].upload(TINY_KS4.name, TINY_KS4.read_bytes(), "text/csv")
    next(b for b in app.button if b.label == "Load files").click()
    app.run()
    monkeypatch.undo()
    assert upload.user_sources(user_store) == [TINY_KS4.name]
    open_section(app, DEFINITIONS)  # the tab the user clicked
    waiting = [i.value for i in app.info if "The report is in the" in i.value]
    assert waiting == ["Loaded 1 file\\(s\\). The report is in the Load your files tab."]
    open_section(app, YOURS)
    assert [s.value for s in app.success] == ["Loaded 1 file\\(s\\)."]
    open_section(app, LOADED)
    assert not [i.value for i in app.info if "The report is in the" in i.value]


def test_a_long_results_table_is_drawn_when_its_expander_opens(
    user_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At national scale the results-by-authority table is ~300 rows of long text: above
    INLINE_RESULT_ROWS it waits behind an expander, and the sentence before it still names
    every authority (the embedded store's two are made "long" here by lowering the bar)."""
    from components.data_page import loaded

    short = run_page(page="pages/data.py", params={"la": "936"})
    assert frame_with(short, "authority", "la_code", "kind", "years").height <= 12
    assert not [e for e in short.expander if e.label.startswith("Years, schools and files")]
    monkeypatch.setattr(loaded, "INLINE_RESULT_ROWS", 1)
    app = run_page(page="pages/data.py", params={"la": "936"})
    (closed,) = [e for e in app.expander if e.label.startswith("Years, schools and files")]
    rows = frame_with(short, "authority", "la_code", "kind", "years").height
    assert closed.label == f"Years, schools and files for each authority ({rows} rows)"
    with pytest.raises(AssertionError):
        frame_with(app, "authority", "la_code", "kind", "years")
    assert any("Hampshire, Surrey" in m.value for m in app.markdown)
    app.session_state[loaded.RESULTS_OPEN_KEY] = True
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert frame_with(app, "authority", "la_code", "kind", "years").height == rows
