"""At most two uploads ingest at once per server; a third waits its turn, told so, and is
never refused (components/upload.py: ingest_slot)."""

from __future__ import annotations

import threading
from contextlib import ExitStack
from pathlib import Path

from components import upload
from equity.store import read_manifest

ROOT = Path(__file__).resolve().parents[2]
TINY_KS4 = ROOT / "tests" / "data" / "performance_tables" / "2018-2019_999_ks4final.csv"


def test_a_third_upload_waits_for_a_free_slot_then_loads(tmp_path: Path) -> None:
    layer = tmp_path / "private" / "sessions" / ("a" * 32)
    told = threading.Event()
    outcome: list[upload.LoadReport] = []

    def third() -> None:
        outcome.append(
            upload.ingest_uploads(
                [upload.NamedBytes(TINY_KS4.name, TINY_KS4.read_bytes())],
                layer,
                on_wait=told.set,
            )
        )

    with ExitStack() as held:
        for _ in range(upload.MAX_CONCURRENT_INGESTS):
            held.enter_context(upload.ingest_slot())  # two uploads in progress
        worker = threading.Thread(target=third)
        worker.start()
        assert told.wait(30), "the waiting upload was not told it waits"
        worker.join(0.5)
        assert worker.is_alive()  # still queued, not failed
        assert not (layer / "manifest.parquet").exists()
    worker.join(60)  # a slot is free: it runs
    assert not worker.is_alive()
    assert outcome[0].stored == [TINY_KS4.name]
    assert read_manifest(layer)["source"].to_list() == [TINY_KS4.name]


def test_with_a_slot_free_nobody_waits(tmp_path: Path) -> None:
    called: list[bool] = []
    with upload.ingest_slot():
        report = upload.ingest_uploads(
            [upload.NamedBytes(TINY_KS4.name, TINY_KS4.read_bytes())],
            tmp_path / "layer",
            on_wait=lambda: called.append(True),
        )
    assert report.stored == [TINY_KS4.name]
    assert called == []


def test_the_slots_are_released_after_a_failed_upload(tmp_path: Path) -> None:
    for _ in range(upload.MAX_CONCURRENT_INGESTS + 1):
        report = upload.ingest_uploads([upload.NamedBytes("x.csv", b"")], tmp_path / "layer")
        assert not report.ok
    called: list[bool] = []
    with ExitStack() as held:
        for _ in range(upload.MAX_CONCURRENT_INGESTS):
            held.enter_context(upload.ingest_slot(on_wait=lambda: called.append(True)))
    assert called == []
