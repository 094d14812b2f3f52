"""The loaded store and cached queries, keyed on paths and filter values only.

`st.cache_resource` holds the `Store` (a handle on Parquet files, cheap to keep); cached
queries take plain strings and tuples so the cache key is exact. A polars frame is never
a cache argument: Streamlit hashes only a sample of its rows, which gives stale answers.
The queries' answers are kept in components/answer_cache.py (which says why not in
Streamlit's caches), keyed on the query's name, the store version and those values.

Each session's store is the shared layers (embedded data, then the operator's store) plus
that session's private layer (equity/private_layers.py), which only the session's own
uploads write to. Every cache key carries `store_version()`, which names the private layer
once it holds data, so one session's uploads never reach another session's answers, while
sessions without uploads share one set of cached answers.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, TypeVar

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components.answer_cache import AnswerCache
from equity import answers, private_layers, queries
from equity.store import Store, default_store_path, layer_version, user_store_path

T = TypeVar("T")

#: The random id of this session's private layer, made on the session's first run.
SESSION_ID_KEY: Final = "_equity_private_layer_id"
#: When this session last touched its layer's heartbeat (at most once a minute).
_TOUCHED_KEY: Final = "_equity_private_layer_touched"
TOUCH_EVERY_S: Final = 60.0
#: How often (at most) a rerun sweeps idle session layers; the first run after start does.
SWEEP_EVERY_S: Final = 600.0
_sweep_lock = threading.Lock()
_last_sweep: list[float] = []
#: Where this run's layers and their version are kept (an attribute of the session's own
#: script-run context, see `_this_run`).
_RUN_ATTR: Final = "_equity_layers_this_run"


@st.cache_resource(show_spinner=False, max_entries=64)
def _open_store(paths: tuple[str, ...], version: str) -> Store:
    del version  # part of the key: a new upload opens the new layers
    return Store.open(*(Path(p) for p in paths))


def shared_paths() -> tuple[str, str]:
    """The layers every session reads and no browser writes: embedded, then operator."""
    return (str(default_store_path()), str(user_store_path()))


def user_claims() -> dict[str, object]:
    """`st.user`'s claims, or none when sign-in is not configured (or not available)."""
    try:
        return dict(st.user.to_dict())
    except Exception:  # noqa: BLE001 - no sign-in configured means an anonymous session
        return {}


def sign_in_providers() -> list[str | None]:
    """The sign-in providers the operator configured for `st.login` (`[auth]` in
    secrets.toml): None for a single default provider, else each `[auth.<name>]`. Empty
    when sign-in is not configured, which is the default: no secrets file ships."""
    try:
        if not st.secrets.load_if_toml_exists():
            return []
        auth = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - unreadable secrets mean no sign-in is offered
        return []
    if not isinstance(auth, Mapping):
        return []
    providers: list[str | None] = [None] if "client_id" in auth else []
    providers += [
        str(name) for name, v in auth.items() if isinstance(v, Mapping) and "client_id" in v
    ]
    return providers


def private_layer() -> Path:
    """This session's private layer: the signed-in user's folder, else one made for this
    session. Touches its heartbeat (so the sweeper keeps it) and runs the sweeper when due.
    Worked out once per run (`_this_run`)."""
    return Path(_this_run()[0][-1])


def _choose_private_layer() -> Path:
    session_id = st.session_state.get(SESSION_ID_KEY)
    if not private_layers.is_session_id(session_id):
        session_id = private_layers.new_session_id()
        st.session_state[SESSION_ID_KEY] = session_id
    layer = private_layers.choose_layer(user_claims(), str(session_id))
    _maybe_sweep()
    now = time.monotonic()
    touched = st.session_state.get(_TOUCHED_KEY)
    if layer.is_dir() and not (
        isinstance(touched, tuple) and touched[0] == str(layer) and now - touched[1] < TOUCH_EVERY_S
    ):
        private_layers.touch(layer)
        st.session_state[_TOUCHED_KEY] = (str(layer), now)
    return layer


def _this_run() -> tuple[tuple[str, ...], str]:
    """(store paths, store version) for this run of this session, worked out on its first
    use in the run and then reused: every cached query asks for both, a page makes a dozen
    such calls per rerun, and each meant resolving the private layer (user claims, session
    id, heartbeat) and listing three Delta logs.

    Kept on the session's own `ScriptRunContext` (one per session, so one session's answer
    is never another's), beside that run's `cursors` dict, which Streamlit replaces at the
    start of every run, fragment runs included: a new run, or a write of this session's
    layer (`refresh_store`), works them out again. Outside a run (bare mode, unit tests)
    nothing is kept."""
    ctx = get_script_run_ctx(suppress_warning=True)
    run = ctx.cursors if ctx is not None else None
    kept = getattr(ctx, _RUN_ATTR, None) if ctx is not None else None
    if kept is not None and run is not None and kept[0] is run:
        return kept[1], kept[2]
    paths = (*shared_paths(), str(_choose_private_layer()))
    stamps = [layer_version(Path(layer)) for layer in paths]
    version = "|".join(stamp for stamp in stamps if stamp) or "empty"
    if ctx is not None:
        setattr(ctx, _RUN_ATTR, (run, paths, version))
    return paths, version


def _maybe_sweep() -> None:
    """Delete idle session layers at start and then every SWEEP_EVERY_S, from one thread."""
    now = time.monotonic()
    if _last_sweep and now - _last_sweep[0] < SWEEP_EVERY_S:
        return
    if not _sweep_lock.acquire(blocking=False):
        return
    try:
        _last_sweep[:] = [now]
        private_layers.sweep()
    finally:
        _sweep_lock.release()


def store_paths() -> tuple[str, ...]:
    """The shared layers, then this session's private layer (once per run: `_this_run`)."""
    return _this_run()[0]


def get_store() -> Store:
    paths, version = _this_run()
    return _open_store(paths, version)


def store_version() -> str:
    """Changes whenever a file is ingested (each layer's catalogue version, read from its
    Delta log's file names), so cached answers never outlive the data; a directory listing
    per layer, once per run (`_this_run`). A layer with no store yet adds nothing, so
    sessions without uploads share one key."""
    return _this_run()[1]


def refresh_store() -> None:
    """After an upload or removal: this run's layers and version are worked out again on
    their next use (`_this_run`). No cache is cleared: every cached answer is keyed on
    `store_version()`, which the write changed, and clearing the caches here would make
    every other session recompute its answers for one session's upload."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is not None and getattr(ctx, _RUN_ATTR, None) is not None:
        setattr(ctx, _RUN_ATTR, None)


@st.cache_data(show_spinner=False, max_entries=64)
def la_catalogue(version: str) -> pl.DataFrame:
    del version
    return queries.la_catalogue(get_store())


@st.cache_data(show_spinner=False, max_entries=64)
def years_available(version: str, la_code: str | None) -> list[str]:
    del version
    return queries.years_available(get_store(), la_code)


@st.cache_data(show_spinner=False, max_entries=256)
def indicators(version: str, la_code: str, year: str, phase: str) -> dict[str, Any]:
    del version
    return queries.indicators(get_store(), la_code, year, phase)


def school_level_coverage() -> pl.DataFrame:
    """LAs x years x kinds of school-level files loaded (for the 'what is loaded' notes and
    the Data page's coverage). One frame per store version shared by every session whose
    version it is (only read, never changed: `shared`), and kept ahead with the store's
    answers: counted from the store, it was ~0.3 s of a fresh process's first Overview at
    national scale (issue 16's cold start)."""
    return shared(queries.school_level_coverage)


_QUERIES: dict[str, Callable[..., Any]] = {}
_PLAIN = (str, int, float, bool, type(None))


def _check_plain(args: tuple[Any, ...]) -> None:
    for arg in args:
        if isinstance(arg, tuple):
            _check_plain(arg)
        elif not isinstance(arg, _PLAIN):
            raise TypeError(
                f"cached queries take plain values (str, numbers, tuples), not {type(arg).__name__}"
            )


#: Answers each caller gets a copy of (`cached`), and answers every session shares (`shared`).
_COPIED: Final = AnswerCache(512, copies=True)
_SHARED: Final = AnswerCache(256, copies=False)


def _cached_call(name: str, version: str, args: tuple[Any, ...]) -> Any:
    return _COPIED.get((name, version, args), lambda: _answer(name, version, args))


def cached(func: Callable[..., T], *args: Any) -> T:
    """Call `func(store, *args)` once per store version and argument values.

    The cache key is the function's name and the plain argument values, never a frame.
    Each caller gets its own copy of the answer (answer_cache.own_copy).
    """
    _check_plain(args)
    name = f"{func.__module__}.{func.__qualname__}"
    _QUERIES[name] = func
    return _cached_call(name, store_version(), args)


def _shared_call(name: str, version: str, args: tuple[Any, ...]) -> Any:
    return _SHARED.get((name, version, args), lambda: _answer(name, version, args))


def clear_answers() -> None:
    """Forget every answer this process holds (tests; a new store version needs no clearing:
    it is part of every key)."""
    _COPIED.clear()
    _SHARED.clear()


#: Where `record_answers` keeps the answers it writes (None: not recording).
_recorded: list[Path] | None = None


def _answer(name: str, version: str, args: tuple[Any, ...]) -> Any:
    """An answer missing from memory: the one kept ahead in the store (equity/answers.py),
    else computed (and kept, while `record_answers` is on)."""
    kept_in, identity = _answers_store(version)
    # Recording computes everything afresh.
    if kept_in is not None and identity is not None and _recorded is None:
        found = answers.read(kept_in, identity, name, args)
        if found is not answers.MISSING:
            return found
    value = _QUERIES[name](get_store(), *args)
    if _recorded is not None and kept_in is not None and identity is not None:
        written = answers.write(kept_in, identity, name, args, value)
        if written is not None:
            _recorded.append(written)
    return value


@functools.lru_cache(maxsize=16)
def _answers_store(version: str) -> tuple[Path | None, str | None]:
    """The shared store folder this version is wholly made of, if any, and its contents'
    identity (equity/answers.py): answers are kept only there (never in a private layer,
    and not when two shared layers are combined). Once per store version, not per miss:
    a version names its layers' catalogue versions, so the answer cannot change."""
    for path in shared_paths():
        if layer_version(Path(path)) == version:
            return Path(path), answers.store_identity(Path(path))
    return None, None


def record_answers() -> list[Path]:
    """Start keeping every answer computed in this process in its store folder (for
    scripts/answers_ahead.py); the returned list fills with the files written."""
    global _recorded
    _recorded = []
    return _recorded


def shared(func: Callable[..., T], *args: Any) -> T:
    """`cached`, but every session gets the same object (no copy per call): for answers
    that are only read (polars frames, bytes, dicts no caller changes).

    Keys as `cached`: the function's name, the store version and plain argument values.
    """
    _check_plain(args)
    name = f"{func.__module__}.{func.__qualname__}"
    _QUERIES[name] = func
    return _shared_call(name, store_version(), args)
