"""Tiny stores for the analysis modules' tests, built from the made-up fixtures (LA
998/999), where the answer can be read off the file: the KS4 fixture has four schools with a
URN, one row without a URN and one row of an unknown record type (both rejected)."""

from __future__ import annotations

from pathlib import Path

import pytest

from equity.ingest.runner import ingest_paths
from equity.store import EMBEDDED_STORE, Store

ROOT = Path(__file__).resolve().parents[3]
TINY_KS4 = ROOT / "tests" / "data" / "performance_tables" / "2018-2019_999_ks4final.csv"
TINY_KS2 = ROOT / "tests" / "data" / "performance_tables" / "2017-2018_998_ks2final.csv"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = tmp_path_factory.mktemp("coverage") / "store"
    report = ingest_paths([TINY_KS4, TINY_KS2], store)
    assert len(report.ingested) == 2
    return Store.open(store)


@pytest.fixture(scope="module")
def embedded() -> Store:
    return Store.open(EMBEDDED_STORE)
