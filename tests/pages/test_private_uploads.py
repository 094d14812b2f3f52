"""Uploads belong to their owner: two sessions in one server process, through app.py.

Each AppTest below is one browser session; they run in this one process, so they share
every `st.cache_data` / `st.cache_resource` cache exactly as two sessions of one server do.
Uploads go through the page's real form (AppTest's file uploader), not the component.
The page's sections are tabs (only the open one runs): each helper below opens the tab
that shows what it reads, as a user clicks it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from components import data
from equity import private_layers
from equity.store import EMBEDDED_STORE, USER_STORE_ENV, Store, read_manifest
from tests.pages.conftest import APP, open_section

pytestmark = pytest.mark.page

ROOT = Path(__file__).resolve().parents[2]
TINY_KS4 = ROOT / "tests" / "data" / "performance_tables" / "2018-2019_999_ks4final.csv"
#: A built-in file: an upload under its name shadows it for its owner only.
SURREY_KS4 = ROOT / "data" / "sources" / "performance-tables" / "2018-2019_936_ks4final.csv"
ISSUER = "https://accounts.example.org"
LOADED, FILES, YOURS = "What is loaded", "Files and sources", "Load your files"


@pytest.fixture
def private_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(USER_STORE_ENV, str(tmp_path / "operator-store"))
    monkeypatch.setenv(private_layers.PRIVATE_ROOT_ENV, str(tmp_path / "private"))
    return tmp_path / "private"


def open_data_page(
    user: dict[str, object] | None = None, secrets: dict[str, object] | None = None
) -> AppTest:
    """A new session on the Data page (optionally signed in, as `st.user` would say, and
    with the operator's secrets.toml)."""
    app = AppTest.from_file(APP, default_timeout=120)
    if user is not None:
        app.user = user
    for key, value in (secrets or {}).items():
        app.secrets[key] = value
    app.query_params["la"] = "936"
    app.run()
    app.switch_page("pages/data.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return open_section(app, YOURS)


def upload_through_the_form(app: AppTest, *files: Path) -> AppTest:
    open_section(app, YOURS)
    uploader = app.get("file_uploader")[0]
    for file in files:
        uploader.upload(file.name, file.read_bytes(), "text/csv")
    next(b for b in app.button if b.label == "Load files").click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def files_table(app: AppTest) -> pl.DataFrame:
    open_section(app, FILES)
    for element in app.dataframe:
        if list(element.value.columns)[:3] == ["file", "what", "level"]:
            return pl.from_pandas(element.value)
    raise AssertionError("no files table")


def surrey_schools_latest(app: AppTest) -> int:
    open_section(app, LOADED)
    for element in app.dataframe:
        frame = pl.from_pandas(element.value)
        if list(frame.columns)[:4] == ["authority", "la_code", "kind", "years"]:
            row = frame.filter(
                (pl.col("la_code") == "936") & (pl.col("kind") == "ks4_performance")
            ).row(0, named=True)
            return int(row["schools_latest"])
    raise AssertionError("no results-by-LA table")


def removable(app: AppTest) -> list[str]:
    open_section(app, YOURS)
    boxes = [s for s in app.selectbox if s.key == "data-remove-source"]
    return list(boxes[0].options) if boxes else []


def page_text(app: AppTest) -> str:
    """The words of the Load your files tab: the report, the privacy note, the forms."""
    open_section(app, YOURS)
    parts = [str(getattr(e, "value", "")) for e in (*app.markdown, *app.caption)]
    parts += [str(e.value) for e in (*app.success, *app.warning, *app.info, *app.error)]
    return "\n".join(parts)


def test_one_sessions_upload_is_invisible_and_unremovable_to_another(private_root: Path) -> None:
    builtin_files = Store.open(EMBEDDED_STORE).manifest().height
    a, b = open_data_page(), open_data_page()
    b_before = files_table(b)

    upload_through_the_form(a, TINY_KS4)
    a_files = files_table(a)
    assert a_files.filter(pl.col("loaded_by") == "you")["file"].to_list() == [TINY_KS4.name]
    assert a_files.height == builtin_files + 1
    assert removable(a) == [TINY_KS4.name]

    b.run()  # B's next rerun, after A's upload, in the same process and caches
    assert not b.exception
    b_files = files_table(b)
    assert b_files.height == builtin_files
    assert TINY_KS4.name not in b_files["file"].to_list()
    assert b_files.equals(b_before)
    assert removable(b) == []
    assert "You have not loaded any files yet" in page_text(b)

    # A third session, started after A's upload, sees only the shared data too.
    c = open_data_page()
    assert files_table(c).height == builtin_files
    # A's file is in A's private layer and nowhere shared.
    assert not (private_root.parent / "operator-store" / "manifest.parquet").exists()
    layers = list((private_root / "sessions").iterdir())
    assert len(layers) == 1
    assert read_manifest(layers[0])["source"].to_list() == [TINY_KS4.name]


def test_a_file_named_like_a_built_in_one_shadows_it_for_its_owner_only(
    private_root: Path,
) -> None:
    a, b = open_data_page(), open_data_page()
    before = surrey_schools_latest(b)
    # Surrey's built-in KS4 file, cut to its header and first 10 data rows, under its name.
    lines = SURREY_KS4.read_bytes().splitlines(keepends=True)
    cut = private_root.parent / SURREY_KS4.name
    cut.write_bytes(b"".join(lines[:11]))
    upload_through_the_form(a, cut)
    assert "replaces the built-in 2018-2019\\_936\\_ks4final.csv" in page_text(a)
    assert surrey_schools_latest(a) < before
    b.run()
    assert surrey_schools_latest(b) == before
    assert removable(b) == []


def test_no_server_path_is_shown(private_root: Path) -> None:
    app = upload_through_the_form(open_data_page(), TINY_KS4)
    text = page_text(app)
    for path in (private_root, private_root.parent, EMBEDDED_STORE, Path.home()):
        assert str(path) not in text
    assert "private to you" in text


def signed_in(subject: str) -> dict[str, object]:
    return {"is_logged_in": True, "iss": ISSUER, "sub": subject, "email": f"{subject}@x.org"}


def test_signed_in_uploads_persist_across_sessions_for_that_user_alone(
    private_root: Path,
) -> None:
    first = upload_through_the_form(open_data_page(signed_in("alice")), TINY_KS4)
    assert removable(first) == [TINY_KS4.name]
    assert "kept for your account" in page_text(first)

    again = open_data_page(signed_in("alice"))  # a new session: another day, another tab
    assert removable(again) == [TINY_KS4.name]
    assert TINY_KS4.name in files_table(again)["file"].to_list()

    for other in (signed_in("bob"), None, {**signed_in("alice"), "iss": "https://evil.org"}):
        stranger = open_data_page(other)
        assert removable(stranger) == []
        assert TINY_KS4.name not in files_table(stranger)["file"].to_list()

    expected = private_layers.user_layer(ISSUER, "alice")
    assert read_manifest(expected)["source"].to_list() == [TINY_KS4.name]
    assert not (private_root / "sessions").exists() or not any(
        (private_root / "sessions").glob("*/manifest.parquet")
    )


def test_removing_ones_own_file_leaves_other_sessions_alone(private_root: Path) -> None:
    a = upload_through_the_form(open_data_page(), TINY_KS4)
    b = upload_through_the_form(open_data_page(), TINY_KS4)
    open_section(a, YOURS)
    next(btn for btn in a.button if btn.label == "Remove from my data").click()
    a.run()
    assert removable(a) == []
    b.run()
    assert removable(b) == [TINY_KS4.name]
    assert TINY_KS4.name in files_table(b)["file"].to_list()


def test_the_session_id_is_random_and_kept_for_the_session(private_root: Path) -> None:
    a, b = open_data_page(), open_data_page()
    ids = [app.session_state[data.SESSION_ID_KEY] for app in (a, b)]
    assert ids[0] != ids[1]
    assert all(private_layers.is_session_id(i) for i in ids)
    a.run()
    assert a.session_state[data.SESSION_ID_KEY] == ids[0]


AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret",
    "client_id": "equity-explorer",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://accounts.example.org/.well-known/openid-configuration",
}


def labels(app: AppTest) -> list[str]:
    return [b.label for b in app.button]


def test_sign_in_is_offered_only_where_the_operator_configured_it(private_root: Path) -> None:
    assert not [lab for lab in labels(open_data_page()) if "Sign" in lab]
    offered = open_data_page(secrets={"auth": AUTH})
    assert "Sign in to keep your files" in labels(offered)
    assert "Sign out" not in labels(offered)
    named = open_data_page(
        secrets={"auth": {"redirect_uri": "x", "cookie_secret": "y", "google": {"client_id": "g"}}}
    )
    assert "Sign in to keep your files (google)" in labels(named)
    signed = open_data_page(signed_in("alice"), secrets={"auth": AUTH})
    assert "Sign out" in labels(signed)
    assert not [lab for lab in labels(signed) if lab.startswith("Sign in")]
