"""LAIT's data dictionary reader (equity/ingest/lait_dictionary.py)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from equity.ingest import lait, lait_dictionary, lait_la_codes
from equity.ingest.base import IngestError
from equity.ingest.csvfile import read_header

#: The three LAIT files' readers: each file must be recognised by its own only.
LAIT_KINDS = (*lait.KINDS, *lait_dictionary.KINDS, *lait_la_codes.KINDS)


@pytest.fixture(scope="module")
def dictionary(sources: Path) -> pl.DataFrame:
    return lait_dictionary.read_dictionary(sources / "lait" / "lait_data_dictionary.csv").extra[
        "measure_dictionary"
    ]


def test_real_dictionary(sources: Path, dictionary: pl.DataFrame) -> None:
    path = sources / "lait" / "lait_data_dictionary.csv"
    assert [k.name for k in LAIT_KINDS if k.detect(path, read_header(path))] == ["lait_dictionary"]
    result = lait_dictionary.read_dictionary(path)
    result.check_accounting()
    assert (result.rows_read, result.rows_stored, result.rejected.height) == (448, 434, 14)
    assert dictionary["lait_code"].is_unique().all()
    row = dictionary.filter(pl.col("lait_code") == "DAP_KS4_Prog8").row(0, named=True)
    assert row["decimals"] == 2 and row["polarity"] == "high" and row["topic"] == "Key Stage 4"
    assert row["source_url"].startswith("https://")
    assert dictionary.filter(pl.col("lait_code") == "PriFSM")["decimals"].to_list() == [None]
    assert dictionary["description"].str.contains("\n").any()  # multi-line cells survive


def test_tiny_dictionary(test_data: Path) -> None:
    result = lait_dictionary.read_dictionary(test_data / "lait" / "lait_dictionary_tiny.csv")
    result.check_accounting()
    assert (result.rows_read, result.rows_stored) == (5, 3)
    assert dict(result.rejected.select("row", "reason").iter_rows()) == {
        4: "repeats measure code PriFSM (first kept)",
        5: "no measure code (Measure_short)",
    }
    table = {r["lait_code"]: r for r in result.extra["measure_dictionary"].iter_rows(named=True)}
    assert table["DAP_KS4_ATT8"]["description"] == (
        "Attainment 8 for disadvantaged pupils.\n\n"
        "Disadvantaged pupils: FSM in the last six years, or looked after."
    )
    assert table["DAP_KS4_ATT8"]["decimals"] is None
    assert table["DAP_KS4_Prog8"]["decimals"] == 2
    assert table["PriFSM"]["polarity"] == "neutral"  # "-" in the dictionary
    assert table["PriFSM"]["source_url"] is None  # R's NA
    assert table["PriFSM"]["year_type"] == "Annual - January"


# --------------------------------------------------------------------------- LA codes


def test_the_dictionary_refuses_another_lait_file(test_data: Path) -> None:
    path = test_data / "lait" / "la_codes_tiny.csv"
    assert not lait_dictionary.KINDS[0].detect(path, read_header(path))
    with pytest.raises(IngestError, match="missing columns"):
        lait_dictionary.read_dictionary(path)
