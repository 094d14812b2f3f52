"""DfE performance tables' column dictionaries (equity/ingest/performance_meta.py)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from equity.ingest.csvfile import read_header

from .test_performance_tables import FAMILY, read


@pytest.fixture(scope="module")
def tables(sources: Path) -> Path:
    return sources / "performance-tables"


def test_only_the_dictionary_reader_claims_a_dictionary(tables: Path) -> None:
    for name in ("ks2_meta_2018-2019.csv", "ks4_meta_2018-2019.csv"):
        path = tables / name
        header = read_header(path)
        assert [k.name for k in FAMILY if k.detect(path, header)] == ["performance_meta"]


@pytest.mark.parametrize(
    ("name", "key_stage", "column", "label_start"),
    [
        ("ks2_meta_2018-2019.csv", "ks2", "PTRWM_EXP_FSM6CLA1A", "Percentage of disadvantaged"),
        ("ks4_meta_2018-2019.csv", "ks4", "ATT8SCR_FSM6CLA1A", "Average Attainment 8 score"),
    ],
)
def test_column_dictionaries(
    tables: Path, name: str, key_stage: str, column: str, label_start: str
) -> None:
    result = read(tables / name)
    assert result.kind == "performance_meta"
    assert result.rows_read == result.rows_stored
    assert result.results.is_empty()
    dictionary = result.extra["column_dictionary"]
    assert {"key_stage", "column", "label"} <= set(dictionary.columns)
    assert set(dictionary["key_stage"]) == {key_stage}
    assert dictionary.height == result.rows_read
    label = dictionary.filter(pl.col("column") == column)["label"].to_list()
    assert len(label) == 1 and label[0].startswith(label_start)
    rectype = dictionary.filter(pl.col("column") == "RECTYPE")["label"].item()
    assert "state-funded" in rectype or "maintained" in rectype
