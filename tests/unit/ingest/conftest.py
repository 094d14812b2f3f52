"""Fixtures: the real 2018-19 national files, the tiny ones, and three of them read once."""

from __future__ import annotations

from pathlib import Path

import pytest

from equity.ingest.base import IngestResult

from .dfe_files import read


@pytest.fixture(scope="module")
def real(sources: Path) -> Path:
    return sources / "national-2018-19"


@pytest.fixture(scope="module")
def tiny(test_data: Path) -> Path:
    return test_data / "national"


@pytest.fixture(scope="module")
def census(real: Path) -> IngestResult:
    return read(real / "england_census.csv")


@pytest.fixture(scope="module")
def provisional(real: Path) -> IngestResult:
    return read(real / "england_ks4provisional.csv")


@pytest.fixture(scope="module")
def destinations(real: Path) -> IngestResult:
    return read(real / "england_ks4-pupdest.csv")
