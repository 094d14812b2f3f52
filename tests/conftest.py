"""Shared fixtures: where the real DfE files are, and a scratch store."""

from __future__ import annotations

from pathlib import Path

import pytest

from equity.store import EMBEDDED_STORE, Store

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED_SOURCES = ROOT / "data" / "sources"
SHARED_DATA = ROOT.parent / "shared" / "data"
TEST_DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="session")
def sources() -> Path:
    """The real DfE files: ../shared/data when present (CI), else the embedded copy."""
    return SHARED_DATA if SHARED_DATA.is_dir() else EMBEDDED_SOURCES


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="session")
def embedded_store() -> Store:
    """The store shipped in data/store. It is committed, so its absence is a failure (a
    skipped test here would hide a broken checkout), not a reason to skip."""
    opened = Store.open(EMBEDDED_STORE)
    assert opened.layers, "data/store is missing: python3 -m equity ingest data/sources"
    return opened
