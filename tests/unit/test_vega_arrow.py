"""Chart rows as Arrow written by polars (components/vega_arrow.py): the same table Streamlit
would send, nulls kept as nulls, anything not a plain table left for Streamlit."""

from __future__ import annotations

import json
import random
from typing import Any

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit import dataframe_util

from components import charts, vega, vega_arrow


def _decode(payload: bytes) -> pa.Table:
    return pa.ipc.open_stream(payload).read_all()


ROWS: list[dict[str, Any]] = [
    {"area": "Manchester", "pupils": "Disadvantaged pupils", "value": 34.5, "n": 12},
    {"area": "Manchester", "pupils": "Other pupils", "value": None, "n": None},  # suppressed
    {"area": "England", "pupils": "Other pupils", "value": -0.25, "n": 300},
]


def test_rows_decode_to_the_same_rows_nulls_kept() -> None:
    payload = vega_arrow.arrow_bytes(ROWS)
    assert payload is not None
    table = _decode(payload)
    assert table.to_pylist() == ROWS  # 12 == 12.0: see the pandas route below
    # A suppressed cell is a null, never 0 or NaN.
    assert table.column("value").null_count == 1
    assert table.column("n").to_pylist()[1] is None


def test_same_table_as_streamlits_pandas_route() -> None:
    """The rows Streamlit converted through pandas before: same Arrow types (an integer
    column with a null is float64 there), same values."""
    ours = _decode(vega_arrow.arrow_bytes(ROWS) or b"")
    theirs = _decode(dataframe_util.convert_anything_to_arrow_bytes(ROWS))
    assert ours.schema.equals(theirs.schema, check_metadata=False), (ours.schema, theirs.schema)
    assert ours.to_pylist() == theirs.to_pylist()
    assert ours.schema.field("area").type == pa.large_string()
    assert ours.schema.field("n").type == pa.float64()
    nan = [{"v": float("nan")}, {"v": 1.0}]
    assert _decode(vega_arrow.arrow_bytes(nan) or b"").to_pylist() == [{"v": None}, {"v": 1.0}]
    assert _decode(dataframe_util.convert_anything_to_arrow_bytes(nan)).to_pylist()[0] == {
        "v": None
    }
    counts = _decode(vega_arrow.arrow_bytes([{"n": 1}, {"n": 2}]) or b"")
    assert counts.schema.field("n").type == pa.int64()  # no nulls: int64, as pandas


def test_written_as_streamlit_writes_a_polars_frame() -> None:
    frame = pl.DataFrame({"area": ["Bury", None], "value": [1.5, None]})
    ours = _decode(vega_arrow.frame_bytes(frame))
    theirs = _decode(dataframe_util.convert_anything_to_arrow_bytes(frame))
    assert ours.schema.equals(theirs.schema, check_metadata=False)
    assert ours.to_pylist() == theirs.to_pylist()


def test_not_a_plain_table_is_left_alone() -> None:
    assert vega_arrow.arrow_bytes([]) is None
    assert vega_arrow.arrow_bytes([{"a": [1, 2]}]) is None  # nested values
    assert vega_arrow.arrow_bytes([{"a": {"b": 1}}]) is None
    assert vega_arrow.arrow_bytes([{"a": "x"}, {"a": 1}]) is None  # no common type
    mixed = vega_arrow.arrow_bytes([{"a": 1}, {"a": 2.5}])  # ints and floats: floats
    assert mixed is not None and _decode(mixed).to_pylist() == [{"a": 1.0}, {"a": 2.5}]
    assert vega_arrow.arrow_bytes(["x", "y"]) is None  # type: ignore[list-item]
    geo = {"type": "FeatureCollection", "features": []}
    spec = {"datasets": {"geo": geo, "rows": [{"a": 1}]}, "mark": "bar"}
    out = vega_arrow.with_arrow_datasets(spec)
    assert out["datasets"]["geo"] is geo
    assert _decode(out["datasets"]["rows"]).to_pylist() == [{"a": 1}]


def test_spec_is_not_changed_in_place() -> None:
    spec = {"datasets": {"d": [{"a": 1.5}]}, "data": {"name": "d"}, "mark": "bar"}
    out = vega_arrow.with_arrow_datasets(spec)
    assert spec["datasets"] == {"d": [{"a": 1.5}]}
    assert out["data"] is spec["data"] and out["mark"] == "bar"
    assert vega_arrow.with_arrow_datasets({"mark": "bar"}) == {"mark": "bar"}


def test_a_real_chart_sends_the_rows_its_spec_holds() -> None:
    frame = pl.DataFrame(
        {
            "area": ["Bolton", "Bolton", "England", "England"],
            "group": ["disadvantaged", "other", "disadvantaged", "other"],
            "value": [-0.61, None, -0.57, 0.16],
        }
    ).drop_nulls("value")
    chart = charts.group_bars(
        frame, title="P8", value_title="Progress 8", area_order=["Bolton", "England"]
    )
    compiled = vega.spec(chart)
    assert compiled is not None
    out = vega_arrow.with_arrow_datasets(compiled)
    assert out.keys() == compiled.keys()
    for name, rows in compiled["datasets"].items():
        assert _decode(out["datasets"][name]).to_pylist() == rows


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "area": st.one_of(st.none(), st.text(max_size=8)),
                "value": st.one_of(
                    st.none(), st.floats(allow_nan=False, allow_infinity=False, width=64)
                ),
                "pupils": st.one_of(st.none(), st.integers(-(2**53), 2**53)),
            }
        ),
        min_size=1,
        max_size=30,
    )
)
def test_rows_round_trip(rows: list[dict[str, Any]]) -> None:
    payload = vega_arrow.arrow_bytes(rows)
    assert payload is not None
    assert _decode(payload).to_pylist() == rows


@pytest.mark.parametrize(
    "rows",
    [
        [{"s": "a", "b": True}, {"s": None, "b": False}],  # a string null
        [{"s": "a", "b": None}, {"s": "c", "b": True}],  # a boolean null
        [{"z": None, "y": 1.0}, {"z": None, "y": 2.0}],  # a column with no value at all
        [{"a": "x", "v": 1.5}, {"a": "y"}],  # a key missing from a row
    ],
)
def test_nulls_of_every_kind_match_the_pandas_route(rows: list[dict[str, Any]]) -> None:
    ours = _decode(vega_arrow.arrow_bytes(rows) or b"")
    theirs = _decode(dataframe_util.convert_anything_to_arrow_bytes(rows))
    assert ours.schema.equals(theirs.schema, check_metadata=False), (ours.schema, theirs.schema)
    assert ours.to_pylist() == theirs.to_pylist()


_FRAMES = st.lists(
    st.fixed_dictionaries(
        {
            "area": st.one_of(st.none(), st.text(max_size=6)),
            "value": st.one_of(
                st.none(), st.floats(allow_infinity=False, width=64)
            ),  # NaN included: pandas made it a null
            "pupils": st.one_of(st.none(), st.integers(-(2**31), 2**31)),
            "rank": st.integers(0, 2**15),
        }
    ),
    min_size=1,
    max_size=20,
).map(
    lambda rows: pl.DataFrame(
        rows,
        schema={
            "area": pl.String,
            "value": pl.Float64,
            "pupils": pl.Int64,
            "rank": pl.Int32,
        },
    )
)


@settings(max_examples=60, deadline=None)
@given(_FRAMES)
def test_a_pandas_typed_frame_is_what_its_pandas_copy_was(frame: pl.DataFrame) -> None:
    """charts.chart_data hands Altair `pandas_typed(frame)` where builders handed it
    `frame.to_pandas()`: the browser gets the same Arrow table (types and rows) and an
    export the same JSON rows (so the same dataset name)."""
    import altair as alt

    typed = vega_arrow.pandas_typed(frame)
    assert typed is not None
    ours = _decode(vega_arrow.frame_bytes(typed))
    theirs = _decode(dataframe_util.convert_anything_to_arrow_bytes(frame.to_pandas()))
    assert ours.schema.equals(theirs.schema, check_metadata=False), (ours.schema, theirs.schema)
    assert ours.to_pylist() == theirs.to_pylist()

    def inline(data: Any) -> Any:
        return alt.Chart(data).mark_point().to_dict()["datasets"]

    assert json.dumps(inline(typed)) == json.dumps(inline(frame.to_pandas()))
    assert charts.chart_data(frame).equals(typed)


def test_types_pandas_changes_otherwise_go_through_pandas() -> None:
    import datetime as dt

    import pandas as pd

    dated = pl.DataFrame({"day": [dt.date(2024, 9, 1)]})
    assert vega_arrow.pandas_typed(dated) is None
    assert isinstance(charts.chart_data(dated), pd.DataFrame)
    assert vega_arrow.pandas_typed(pl.DataFrame({"c": ["a"]}, schema={"c": pl.Categorical})) is None
    # pandas makes a boolean column with a null objects, and an all-null one Arrow's null.
    assert vega_arrow.pandas_typed(pl.DataFrame({"b": [None]}, schema={"b": pl.Boolean})) is None
    # An infinity: Arrow keeps it, Altair's pandas route writes a null in JSON.
    assert vega_arrow.pandas_typed(pl.DataFrame({"v": [1.0, float("inf")]})) is None
    counts = vega_arrow.pandas_typed(pl.DataFrame({"n": [1, None], "m": [1, 2]}))
    assert counts is not None and counts.schema == {"n": pl.Float64, "m": pl.Int64}


def _two_passes(frame: pl.DataFrame) -> pl.DataFrame:
    """`as_pandas_has_it` as it was written before round 4 (two `with_columns`)."""
    return frame.with_columns(
        pl.col(name).cast(pl.Float64)
        for name, dtype in frame.schema.items()
        if dtype.is_integer() and frame[name].null_count()
    ).with_columns(pl.col(pl.Float64, pl.Float32).fill_nan(None))


def test_one_pass_types_as_the_two_passes_did() -> None:
    """One `with_columns` (or none) gives the frame the two passes gave, for every mix of
    integer, float, text and boolean columns with nulls, NaN and infinities."""
    rng = random.Random(16)
    kinds = [pl.Int64, pl.Int32, pl.Int8, pl.UInt32, pl.Float64, pl.Float32, pl.String, pl.Boolean]
    cells: dict[Any, list[Any]] = {
        pl.Float64: [1.5, -2.0, float("nan"), float("inf"), 0.0, None],
        pl.Float32: [1.5, float("nan"), None],
        pl.String: ["a", "", None],
        pl.Boolean: [True, False, None],
    }
    for _ in range(500):
        columns = []
        for index in range(rng.randint(0, 4)):
            kind = rng.choice(kinds)
            pool = cells.get(kind, [0, 7, 100, None])
            values = [rng.choice(pool) for _ in range(rng.randint(0, 5))]
            columns.append(pl.Series(f"c{index}", values, dtype=kind))
        lengths = {len(c) for c in columns}
        if len(lengths) > 1:
            columns = [c.head(min(lengths)) for c in columns]
        frame = pl.DataFrame(columns)
        new, old = vega_arrow.as_pandas_has_it(frame), _two_passes(frame)
        assert new.schema == old.schema
        assert new.equals(old, null_equal=True)
        plain = all(
            dtype in (pl.String, pl.Float64) or dtype.is_integer()
            for dtype in frame.schema.values()
        )
        floats = [name for name, dtype in frame.schema.items() if dtype == pl.Float64]
        infinite = (
            bool(floats)
            and frame.select(pl.any_horizontal(pl.col(floats).is_infinite().any())).item()
        )
        typed = vega_arrow.pandas_typed(frame)
        assert (typed is None) == (not plain or bool(infinite))
        if typed is not None:
            assert typed.equals(old, null_equal=True)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, float("nan"), None], True),
        ([float("nan")], True),
        ([float("inf"), float("-inf")], False),  # their sum is NaN, but no value is
        ([float("inf"), float("-inf"), float("nan")], True),
        ([1e308, 1e308, -1e308], False),
        ([None, None], False),
        ([], False),
        ([1.5, -2.0], False),
    ],
)
@pytest.mark.parametrize("dtype", [pl.Float64, pl.Float32])
def test_a_nan_is_found_only_where_there_is_one(
    values: list[float | None], expected: bool, dtype: pl.DataType
) -> None:
    column = pl.Series("value", values, dtype=dtype)
    assert vega_arrow._has_nan(column) is expected
    assert expected == bool(column.is_nan().any())
