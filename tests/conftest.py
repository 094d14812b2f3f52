"""Shared fixtures: where the real DfE files are, and a scratch store."""

from __future__ import annotations

from pathlib import Path

import pytest

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
