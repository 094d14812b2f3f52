"""`aggregates.summarise` given the key columns that hold one value (`constant_keys`, what
`derived` passes) returns the same summary and school_years as grouping on every key."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from equity.ingest import aggregates
from equity.ingest.registry import read_file
from equity.schema import RESULTS_SCHEMA

TEST_DATA = Path(__file__).resolve().parents[1] / "data"


def _both(results: pl.DataFrame) -> None:
    constant = aggregates.constant_keys(results)
    fast = aggregates.summarise(results.lazy(), constant)
    full = aggregates.summarise(results.lazy())
    assert fast[0].equals(full[0])
    if "source" in constant:
        assert fast[1].equals(full[1])
    else:  # rows differing by source alone tie in the sort: their order is not defined
        every = list(aggregates.SCHOOL_YEARS_SCHEMA)
        assert fast[1].sort(every, nulls_last=True).equals(full[1].sort(every, nulls_last=True))
    assert aggregates.derived(results)[aggregates.SUMMARY_TABLE].equals(full[0])


def test_a_performance_file_has_three_constant_keys_and_the_same_summaries() -> None:
    result = read_file(TEST_DATA / "performance_tables" / "2018-2019_999_ks4final.csv", None)
    results = result.results.cast(RESULTS_SCHEMA)  # type: ignore[arg-type]
    assert aggregates.constant_keys(results) == {
        "source": "2018-2019_999_ks4final.csv",
        "academic_year": "2018/19",
        "key_stage": "ks4",
    }
    _both(results)


def test_a_null_or_a_second_value_is_not_constant() -> None:
    frame = pl.DataFrame(
        {
            "source": ["a", "a", "a"],
            "academic_year": ["2018/19", None, "2018/19"],
            "key_stage": [None, None, None],
        }
    )
    assert aggregates.constant_keys(frame) == {"source": "a"}
    assert aggregates.constant_keys(frame.clear()) == {}


_TEXT = st.sampled_from(["a", "b", None])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            _TEXT,
            st.sampled_from(["school", "la", None]),
            _TEXT,
            _TEXT,
            _TEXT,
            st.sampled_from(["1", "2", None]),
            st.sampled_from(["value", "suppressed", None]),
        ),
        max_size=30,
    ),
    st.booleans(),
)
def test_any_rows_give_the_same_summaries(rows: list[tuple[object, ...]], same: bool) -> None:
    columns = ["source", "entity_kind", "la_code", "academic_year", "key_stage", "entity"]
    frame = pl.DataFrame(rows, schema=[*columns, "status"], orient="row")
    if same:  # one file, one year, one key stage: the usual case
        frame = frame.with_columns(
            pl.lit("f.csv").alias("source"),
            pl.lit("2018/19").alias("academic_year"),
            pl.lit("ks4").alias("key_stage"),
        )
    results = frame.with_columns(
        pl.lit(None, dtype=c).alias(n) for n, c in RESULTS_SCHEMA.items() if n not in frame.columns
    ).cast(RESULTS_SCHEMA)  # type: ignore[arg-type]
    _both(results)
