"""scripts/answers_ahead.py on a copy of the embedded store: the default view's answers are
kept, a server reads them instead of computing, and the pages it draws are the same."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st

from components import data
from equity import answers, private_layers
from equity.ingest.runner import ingest_paths
from equity.store import EMBEDDED_STORE, STORE_ENV, USER_STORE_ENV
from tests.pages.conftest import run_page

pytestmark = pytest.mark.page

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "answers_ahead.py"
TINY_KS4 = ROOT / "tests" / "data" / "performance_tables" / "2018-2019_999_ks4final.csv"


@pytest.fixture(scope="module")
def served_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("ahead") / "store"
    shutil.copytree(EMBEDDED_STORE, store, ignore=shutil.ignore_patterns(answers.FOLDER))
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--store", str(store)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Similar schools:" in done.stdout and " answers kept in " in done.stdout
    return store


@pytest.fixture
def serving(
    served_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], list[str]]:
    """Pages run on the served store alone, every cache empty; returns the names of the
    queries whose answers were read from the store (filled as pages run)."""
    monkeypatch.setenv(STORE_ENV, str(served_store))
    monkeypatch.setenv(USER_STORE_ENV, str(tmp_path / "no-operator-store"))
    monkeypatch.setenv(private_layers.PRIVATE_ROOT_ENV, str(tmp_path / "private"))
    read: list[str] = []
    real = answers.read

    def counting(store: Path, version: str, name: str, args: tuple[Any, ...]) -> Any:
        found = real(store, version, name, args)
        if found is not answers.MISSING:
            read.append(name)
        return found

    monkeypatch.setattr(answers, "read", counting)
    st.cache_data.clear()
    st.cache_resource.clear()
    data.clear_answers()
    return lambda: read


def _family(page: Any) -> pd.DataFrame:
    (table,) = [d.value for d in page.dataframe if "Distance" in d.value.columns]
    return table


def test_the_default_views_answers_are_kept(served_store: Path) -> None:
    kept = list((served_store / answers.FOLDER).glob(f"*{answers.SUFFIX}"))
    assert len(kept) >= 10
    assert not list((served_store / answers.FOLDER).glob(".*"))


def test_a_server_reads_them_and_draws_the_same_pages(
    served_store: Path, serving: Callable[[], list[str]]
) -> None:
    ahead = run_page("pages/similar.py")
    trends = run_page("pages/trends.py")
    read = serving()
    assert any(name.endswith(".context_table") for name in read), read
    assert any(name.endswith(".school_labels") for name in read), read
    # The same pages computed from the data: the answers moved away, every cache emptied.
    (served_store / answers.FOLDER).rename(served_store.parent / "answers-away")
    try:
        st.cache_data.clear()
        st.cache_resource.clear()
        data.clear_answers()
        before = len(read)
        computed = run_page("pages/similar.py")
        computed_trends = run_page("pages/trends.py")
        assert len(read) == before  # nothing left to read
    finally:
        (served_store.parent / "answers-away").rename(served_store / answers.FOLDER)
    pd.testing.assert_frame_equal(_family(ahead), _family(computed))
    assert [m.value for m in ahead.markdown] == [m.value for m in computed.markdown]
    assert [m.value for m in trends.markdown] == [m.value for m in computed_trends.markdown]
    assert trends.selectbox[-1].options == computed_trends.selectbox[-1].options


def test_each_authoritys_view_is_kept_too(serving: Callable[[], list[str]]) -> None:
    """A reader who changes the Authority (here a link naming Bolton) reads that authority's
    school list and default school instead of computing them."""
    run_page("pages/trends.py", params={"la": "350"})
    read = serving()
    assert any(name.endswith(".default_trend_school") for name in read), read
    assert any(name.endswith(".school_labels") for name in read), read


def test_another_stores_answers_are_never_read(
    served_store: Path,
    serving: Callable[[], list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A store with other contents (here: the same store with one more commit) finds none."""
    other = tmp_path / "other"
    shutil.copytree(served_store, other)
    ingest_paths([TINY_KS4], other)
    monkeypatch.setenv(STORE_ENV, str(other))
    run_page("pages/similar.py")
    assert serving() == []


def test_a_folder_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("answers_ahead", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--store", str(tmp_path)]) == 2
