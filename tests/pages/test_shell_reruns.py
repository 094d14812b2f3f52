"""The app shell's work per rerun: the store's layers resolved once per run (and again after
this session writes its layer), the address bar written only when it changes."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from components import data, urlstate
from equity import private_layers
from equity.store import USER_STORE_ENV
from tests.pages.conftest import rerun_default_page, run_page


@pytest.fixture
def private_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(USER_STORE_ENV, str(tmp_path / "operator-store"))
    monkeypatch.setenv(private_layers.PRIVATE_ROOT_ENV, str(tmp_path / "private"))
    return tmp_path / "private"


def _count_layer_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = data.layer_version

    def counted(layer: Path) -> str:
        reads.append(str(layer))
        return real(layer)

    monkeypatch.setattr(data, "layer_version", counted)
    return reads


@pytest.mark.page
def test_a_rerun_reads_each_layers_version_once(
    private_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_page()
    reads = _count_layer_reads(monkeypatch)
    app.selectbox(key="filter_la").set_value("352")
    rerun_default_page(app)
    # Embedded, operator and this session's layer: once each, however many cached queries
    # the sidebar and the Overview make (a dozen, each of which used to list all three).
    assert len(reads) == 3, reads
    assert len(set(reads)) == 3


class _Ctx(SimpleNamespace):
    """A stand-in for Streamlit's ScriptRunContext: `cursors` is replaced at each run."""


def test_layers_are_resolved_again_in_a_new_run_and_after_a_write(
    private_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _Ctx(cursors={})
    monkeypatch.setattr(data, "get_script_run_ctx", lambda suppress_warning=False: ctx)
    reads = _count_layer_reads(monkeypatch)
    first = data.store_version()
    assert data.store_version() == first and data.store_paths()[-1] == str(data.private_layer())
    assert len(reads) == 3
    data.refresh_store()  # this session wrote its layer: work it out again
    data.store_version()
    assert len(reads) == 6
    ctx.cursors = {}  # what Streamlit does at the start of every run
    data.store_version()
    data.store_version()
    assert len(reads) == 9


def test_each_session_keeps_its_own_layers(
    private_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What one run kept lives on that session's context: another session's context (with
    another session id) never answers with it."""
    sessions = {"a": _Ctx(cursors={}), "b": _Ctx(cursors={})}
    ids = {"a": "a" * 32, "b": "b" * 32}
    current = {"name": "a"}
    monkeypatch.setattr(
        data, "get_script_run_ctx", lambda suppress_warning=False: sessions[current["name"]]
    )
    state: dict[str, dict[str, Any]] = {"a": {}, "b": {}}
    for name in ("a", "b"):
        state[name][data.SESSION_ID_KEY] = ids[name]

    class _State:
        def get(self, key: str, default: Any = None) -> Any:
            return state[current["name"]].get(key, default)

        def __setitem__(self, key: str, value: Any) -> None:
            state[current["name"]][key] = value

    monkeypatch.setattr(data.st, "session_state", _State())
    seen = {}
    for name in ("a", "b", "a", "b"):
        current["name"] = name
        seen.setdefault(name, set()).add(data.store_paths()[-1])
    assert seen == {name: {str(private_layers.session_layer(ids[name]))} for name in ("a", "b")}


class _Params(dict[str, Any]):
    """st.query_params as urlstate uses it, recording every message to the browser."""

    def __init__(self, **values: Any) -> None:
        super().__init__(values)
        self.messages = 0

    def get_all(self, key: str) -> list[str]:
        value = self.get(key)
        return [] if value is None else value if isinstance(value, list) else [value]

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, str(value))
        self.messages += 1

    def update(self, other: Any = (), /, **kwds: Any) -> None:  # type: ignore[override]
        for key, value in dict(other, **kwds).items():
            super().__setitem__(key, str(value))
        self.messages += 1

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.messages += 1


@pytest.mark.parametrize(
    ("before", "new", "after", "messages"),
    [
        # Nothing changed: the address is left alone (it used to be written four times).
        (
            {"la": "352", "phase": "primary"},
            {"la": "352", "phase": "primary"},
            {"la": "352", "phase": "primary"},
            0,
        ),
        ({"la": "352", "phase": "primary"}, {"la": "330", "phase": "primary"}, None, 1),
        ({"la": "352"}, {"la": "330", "phase": "primary"}, None, 1),
        # A key a link gave twice is written once, as the widgets say.
        ({"la": ["352", "330"]}, {"la": "330"}, {"la": "330"}, 1),
        ({"la": "352", "slide": "3"}, {"la": "352", "slide": None}, {"la": "352"}, 1),
        ({"la": "352"}, {"la": "352", "slide": ""}, {"la": "352"}, 0),
    ],
)
def test_write_sends_only_what_changed(
    monkeypatch: pytest.MonkeyPatch,
    before: dict[str, Any],
    new: dict[str, str | None],
    after: dict[str, str] | None,
    messages: int,
) -> None:
    params = _Params(**before)
    session: dict[str, Any] = {}
    monkeypatch.setattr(urlstate, "st", SimpleNamespace(query_params=params, session_state=session))
    urlstate.write("g", new)
    expected = after if after is not None else {k: v for k, v in new.items() if v}
    assert dict(params) == expected
    assert params.messages == messages
    assert session["equity_url_g"] == {k: v or "" for k, v in new.items()}
