"""The process's answer cache (components/answer_cache.py): bounded, one computation per key
however many threads ask at once, nothing kept from a failure, and a copy per caller where
the cache copies."""

from __future__ import annotations

import threading
import time

import polars as pl
import pytest

from components.answer_cache import AnswerCache, own_copy


def test_an_answer_is_computed_once_and_then_found() -> None:
    cache = AnswerCache(4, copies=False)
    calls: list[str] = []

    def compute() -> list[str]:
        calls.append("x")
        return ["answer"]

    first = cache.get(("q", "v1", ("352",)), compute)
    second = cache.get(("q", "v1", ("352",)), compute)
    assert first is second  # shared: the same object
    assert calls == ["x"]
    cache.get(("q", "v2", ("352",)), compute)  # another store version is another answer
    assert calls == ["x", "x"]


def test_the_least_recently_used_answer_goes_first() -> None:
    cache = AnswerCache(2, copies=False)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 99)  # a is now the most recent
    cache.get("c", lambda: 3)  # b goes
    assert len(cache) == 2
    assert cache.get("a", lambda: 100) == 1
    assert cache.get("b", lambda: 20) == 20


def test_threads_asking_at_once_wait_for_one_computation() -> None:
    cache = AnswerCache(8, copies=False)
    calls: list[int] = []
    started = threading.Event()

    def slow() -> str:
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return "made once"

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get("key", slow))) for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert started.is_set()
    assert results == ["made once"] * 5
    assert calls == [1]


def test_another_key_does_not_wait_for_a_slow_one() -> None:
    cache = AnswerCache(8, copies=False)
    release = threading.Event()
    slow = threading.Thread(target=lambda: cache.get("slow", lambda: release.wait(5)))
    slow.start()
    began = time.perf_counter()
    assert cache.get("fast", lambda: "fast") == "fast"
    assert time.perf_counter() - began < 1
    release.set()
    slow.join()


def test_a_failure_is_not_kept() -> None:
    cache = AnswerCache(4, copies=True)

    def fails() -> None:
        raise OSError("store unreadable")

    with pytest.raises(OSError, match="unreadable"):
        cache.get("key", fails)
    assert len(cache) == 0
    assert cache.get("key", lambda: "worked") == "worked"


def test_a_copying_cache_hands_each_caller_its_own_copy() -> None:
    cache = AnswerCache(4, copies=True)
    frame = pl.DataFrame({"la_code": ["352"], "value": [1.5]})
    made = {"rows": [1, 2], "frame": frame}
    got = cache.get("key", lambda: made)
    got["rows"].append(3)
    got["extra"] = True
    again = cache.get("key", lambda: {})
    assert again == {"rows": [1, 2], "frame": again["frame"]}
    assert again["frame"].equals(frame)
    assert again is not got
    alone = cache.get("frame", lambda: frame)
    assert alone is not frame and alone.equals(frame)


def test_plain_values_need_no_copy() -> None:
    for value in ("text", b"bytes", 3, 2.5, True, None):
        assert own_copy(value) is value
    listed = [("352", 1)]
    assert own_copy(listed) == listed and own_copy(listed) is not listed


def test_clear_forgets_every_answer() -> None:
    cache = AnswerCache(4, copies=False)
    cache.get("a", lambda: 1)
    cache.clear()
    assert len(cache) == 0
    assert cache.get("a", lambda: 2) == 2
