"""The process's cached answers: a bounded map from (query, store version, arguments) to the
answer, each computed once however many sessions ask for it at the same moment.

Why not `st.cache_data` / `st.cache_resource`: every call through them costs 0.2-0.5 ms
(hashing the arguments with Streamlit's hasher, its locks and stats; `cache_data` also
pickles each new answer and unpickles each hit), measured in AppTest on this machine. A
page asks for some ten answers a rerun, so that was 2-5 ms of every rerun, a tenth to a
fifth of the Concentration and School trends pages' own work (issue 16's AppTest rerun
rows). The keys here are already exact and plain (components/data.py checks them), so a
dict lookup does.

Two maps, as before: `shared` answers are handed out as they are (every session reads
the same object, as `st.cache_resource` did); `copied` answers are copied for each caller
(as `st.cache_data`'s unpickling did), so a caller that changes what it got changes only
its own copy. Frames are copied with `DataFrame.clone` (no data copied: polars frames
share their buffers and never change them in place).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Final

import polars as pl

#: Values handed out as they are even by a copying cache: they cannot be changed.
_IMMUTABLE: Final = (str, bytes, int, float, bool, type(None))


class AnswerCache:
    """At most `max_entries` answers, the least recently used dropped first. A key being
    computed is computed once: other threads asking for it wait for that answer (as
    Streamlit's caches do), while other keys go ahead. An answer that raises is not kept."""

    def __init__(self, max_entries: int, *, copies: bool) -> None:
        self.max_entries = max_entries
        self.copies = copies
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        found, value = self._lookup(key)
        if not found:
            with self._lock:
                key_lock = self._computing.setdefault(key, threading.Lock())
            with key_lock:
                found, value = self._lookup(key)  # another thread may have made it
                if not found:
                    try:
                        value = compute()
                        self._keep(key, value)
                    finally:
                        with self._lock:
                            self._computing.pop(key, None)
        return own_copy(value) if self.copies else value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _lookup(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return True, self._entries[key]
        return False, None

    def _keep(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def own_copy(value: Any) -> Any:
    """A copy the caller may change without changing the cached answer."""
    if isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, pl.DataFrame):
        return value.clone()
    return copy.deepcopy(value)  # a frame inside is cloned (DataFrame.__deepcopy__)
