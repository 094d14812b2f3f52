"""The national averages reader (equity/ingest/averages.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from equity.ingest.base import IngestError

from .dfe_files import (
    one,
    read,
)

# --------------------------------------------------------------------------- national averages


def test_national_averages(real: Path) -> None:
    result = read(real / "england_gcse_alevel_averages.csv")
    assert (result.rows_read, result.rows_stored) == (1, 1)
    res = result.results
    assert one(res, measure="ks4_attainment8")["value"] == 46.7
    basics = one(res, measure="ks4_basics_95_pct")
    assert (basics["value"], basics["original"]) == (43.0, "43%")
    assert set(res["entity"]) == {"970"}
    assert set(res["entity_kind"]) == {"england"}
    assert res["published"].all()


def test_national_averages_need_a_year(tiny: Path) -> None:
    with pytest.raises(IngestError, match=r"averages_small\.csv"):
        read(tiny / "averages_small.csv", None)
