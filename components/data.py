"""The loaded store and cached queries, keyed on paths and filter values only.

`st.cache_resource` holds the `Store` (a handle on Parquet files, cheap to keep); cached
queries take plain strings and tuples so the cache key is exact. A polars frame is never
a cache argument: Streamlit hashes only a sample of its rows, which gives stale answers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import streamlit as st

from equity import queries
from equity.store import Store, default_store_path, user_store_path

T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _open_store(paths: tuple[str, ...], version: str) -> Store:
    del version  # part of the key: a new upload opens the new layers
    return Store.open(*(Path(p) for p in paths))


def store_paths() -> tuple[str, ...]:
    return (str(default_store_path()), str(user_store_path()))


def get_store() -> Store:
    return _open_store(store_paths(), store_version())


def store_version() -> str:
    """Changes whenever a file is ingested (the manifests' size and time), so cached answers
    never outlive the data; a stat call per layer, cheap enough for every rerun."""
    stamps = []
    for layer in store_paths():
        manifest = Path(layer) / "manifest.parquet"
        if manifest.is_file():
            info = manifest.stat()
            stamps.append(f"{layer}:{info.st_size}:{info.st_mtime_ns}")
    return "|".join(stamps) or "empty"


def refresh_store() -> None:
    """After an upload: reopen the layers and drop every cached answer."""
    _open_store.clear()
    st.cache_data.clear()
    _shared_call.clear()


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


@st.cache_data(show_spinner=False, max_entries=64)
def school_level_coverage(version: str) -> pl.DataFrame:
    """LAs x years x kinds of school-level files loaded (for the 'what is loaded' notes)."""
    del version
    return queries.school_level_coverage(get_store())


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


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_call(name: str, version: str, args: tuple[Any, ...]) -> Any:
    del version
    return _QUERIES[name](get_store(), *args)


def cached(func: Callable[..., T], *args: Any) -> T:
    """Call `func(store, *args)` once per store version and argument values.

    The cache key is the function's name and the plain argument values, never a frame.
    """
    _check_plain(args)
    name = f"{func.__module__}.{func.__qualname__}"
    _QUERIES[name] = func
    return _cached_call(name, store_version(), args)


@st.cache_resource(show_spinner=False, max_entries=256)
def _shared_call(name: str, version: str, args: tuple[Any, ...]) -> Any:
    del version
    return _QUERIES[name](get_store(), *args)


def shared(func: Callable[..., T], *args: Any) -> T:
    """`cached`, but every session gets the same object (no copy per call): for answers
    that are only read (polars frames, bytes), each rerun then skips unpickling them.

    Keys as `cached`: the function's name, the store version and plain argument values.
    """
    _check_plain(args)
    name = f"{func.__module__}.{func.__qualname__}"
    _QUERIES[name] = func
    return _shared_call(name, store_version(), args)
