"""`tables.shown`: a frame reaches `st.dataframe` as the Arrow table Streamlit made of
`frame.to_pandas()` (same schema, pandas metadata, batches and values), without pandas
(hand-made frames and hypothesis-generated ones).

The bytes may differ only where no reader looks: under a null (pandas leaves a NaN there,
polars a 0) and in a validity bitmap's bits past a column's end (a slice of a longer column)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit import dataframe_util

from components import tables
from components.tables import arrow_as_pandas_sent, rows_label, shown


def same_arrow(ours: bytes, theirs: bytes) -> bool:
    """Two Arrow IPC streams hold the same table: schema with its metadata, record batches
    and every value (nulls where nulls are)."""
    mine, before = pa.ipc.open_stream(ours).read_all(), pa.ipc.open_stream(theirs).read_all()
    return (
        mine.schema.equals(before.schema, check_metadata=True)
        and [b.num_rows for b in mine.to_batches()] == [b.num_rows for b in before.to_batches()]
        and mine.equals(before)
    )


def sent_before(frame: pl.DataFrame) -> bytes:
    """What st.dataframe sent for `frame.to_pandas()`."""
    return dataframe_util.convert_pandas_df_to_arrow_bytes(frame.to_pandas())


def sent_now(frame: pl.DataFrame) -> bytes:
    """What st.dataframe sends for `shown(frame)` (an Arrow table is serialised as it is)."""
    data = shown(frame)
    if isinstance(data, pa.Table):
        return dataframe_util.convert_arrow_table_to_arrow_bytes(data)
    return dataframe_util.convert_pandas_df_to_arrow_bytes(data)


def same_as_before(frame: pl.DataFrame) -> bool:
    return same_arrow(sent_now(frame), sent_before(frame))


def test_a_panel_table_goes_as_arrow_with_the_bytes_pandas_gave() -> None:
    frame = pl.DataFrame(
        {
            "Authority": ["Bolton", None, "Bury", "=cmd"],
            "Year": ["2019/20", "2020/21", "2021/22", "2022/23"],
            "% FSM (yours 43.7)": [12.5, None, float("nan"), 3.0],  # NaN went as a null
            "Pupils": [120, None, 30, 4],  # an integer with a null went as float64
            "Rank": pl.Series([1, 2, 3, 4], dtype=pl.UInt32),
            "Schools": pl.Series([1, 2, 3, 4], dtype=pl.Int32),
            "Index": pl.Series([0.25, None, 0.5, 1.0], dtype=pl.Float32),
            "Published": [True, False, True, True],
            "Café √ñ": ["a", "b", "c", "d"],  # escaped in the metadata as pyarrow does
            "Empty": pl.Series([None, None, None, None], dtype=pl.String),
        }
    )
    assert isinstance(shown(frame), pa.Table)
    assert same_as_before(frame)
    assert same_as_before(frame.head(0))
    assert same_as_before(frame.head(1))
    # A chunked frame (a concat) is sent as one batch, as pandas sent it.
    assert same_as_before(pl.concat([frame, frame], rechunk=False))
    # A slice of a longer frame (a filter's result) too.
    assert same_as_before(frame.slice(1, 2))


@pytest.mark.parametrize(
    "column",
    [
        pl.Series("when", [dt.date(2024, 1, 1), None]),
        pl.Series("kind", ["a", "b"], dtype=pl.Categorical),
        pl.Series("flag", [True, None]),
        pl.Series("nothing", [None, None]),
        pl.Series("list", [[1], [2, 3]]),
    ],
)
def test_other_column_types_go_through_pandas_as_before(column: pl.Series) -> None:
    frame = pl.DataFrame([pl.Series("x", [1.0, 2.0]), column])
    assert arrow_as_pandas_sent(frame) is None
    assert same_as_before(frame)


def test_a_frame_without_columns_goes_through_pandas() -> None:
    assert arrow_as_pandas_sent(pl.DataFrame()) is None
    assert same_as_before(pl.DataFrame())


def test_headings_that_change_with_the_data_need_no_pandas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Similar's family table names a column after the chosen school's value: metadata is
    built per column type, so a new heading is not a new trip through pandas."""
    shown(pl.DataFrame({"Rank": [1], "% FSM (yours 43.7)": [12.5], "School": ["A"]}))
    monkeypatch.setattr(pl.DataFrame, "to_pandas", None)  # any use would fail
    frame = pl.DataFrame({"Rank": [1, 2], "% FSM (yours 12.0)": [1.5, None], "School": ["B", "é"]})
    table = arrow_as_pandas_sent(frame)
    assert table is not None
    monkeypatch.undo()
    assert same_arrow(dataframe_util.convert_arrow_table_to_arrow_bytes(table), sent_before(frame))


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.none() | st.text(max_size=6), min_size=0, max_size=8),
    data=st.data(),
)
def test_any_plain_frame_is_sent_as_pandas_sent_it(
    texts: list[str | None], data: st.DataObject
) -> None:
    n = len(texts)
    floats = data.draw(st.lists(st.none() | st.floats(allow_infinity=True), min_size=n, max_size=n))
    ints = data.draw(st.lists(st.none() | st.integers(-(2**53), 2**53), min_size=n, max_size=n))
    frame = pl.DataFrame(
        {
            "text": pl.Series(texts, dtype=pl.String),
            "float": pl.Series(floats, dtype=pl.Float64),
            "int": pl.Series(ints, dtype=pl.Int64),
        }
    )
    assert isinstance(shown(frame), pa.Table)
    assert same_as_before(frame)


PLAIN_TYPES = [
    pl.String(),
    pl.Float64(),
    pl.Float32(),
    pl.Boolean(),
    *(t() for t in (pl.Int8, pl.Int16, pl.Int32, pl.Int64)),
    *(t() for t in (pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)),
]


@pytest.mark.parametrize("dtype", PLAIN_TYPES, ids=str)
def test_each_plain_type_is_described_as_pyarrow_describes_it(dtype: pl.DataType) -> None:
    """The written-out metadata (no pandas import) is what pyarrow writes for pandas' frame
    of that type, key order included (the bytes are compared by the tests above too)."""
    import json

    import pandas as pd  # the oracle may import what the app does not

    del pd
    empty = pl.DataFrame(schema={"x": dtype}).to_pandas()
    expected = pa.Table.from_pandas(empty).schema.metadata[b"pandas"]
    template, column = tables._described(dtype)
    assert json.dumps(template) == json.dumps(json.loads(expected))
    assert column == template["columns"][0]


def test_a_plain_table_imports_no_pandas() -> None:
    """The first "Show data" table of a fresh process leaves pandas unimported (a cold start
    would pay some 0.25 s for it)."""
    import subprocess
    import sys

    code = (
        "import sys, polars as pl\n"
        "from components.tables import shown\n"
        "shown(pl.DataFrame({'a': [1, None], 'b': ['x', None], 'c': [0.5, 1.0], 'd': [True, False]}"
        "))"
        "\n"
        "print('pandas' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert done.stdout.strip() == "False", done.stdout + done.stderr


def test_rows_label() -> None:
    assert rows_label(1) == "1 row"
    assert rows_label(0) == "0 rows"
    assert rows_label(1024) == "1,024 rows"


_DRAW_ONE_TABLE = """
import sys, polars as pl, streamlit as st
from components.tables import show_table, shown
frame = pl.DataFrame({{'a': [1, None], 'b': ['x', None], 'c': [0.5, 1.0]}})
{draw}
print('pandas' in sys.modules)
"""


def _draws_import_pandas(draw: str) -> bool:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _DRAW_ONE_TABLE.format(draw=draw)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.strip().splitlines()[-1] == "True"


def test_a_drawn_table_imports_no_pandas() -> None:
    """`show_table` draws without Streamlit asking pandas whether the table is a pandas
    frame (its lazy-rows check imports pandas, ~0.3 s of a page's first visit on a fresh
    server); `st.dataframe` with its default would (the control: the check can fail)."""
    assert not _draws_import_pandas("show_table(frame, hide_index=True)")
    assert _draws_import_pandas("st.dataframe(shown(frame), hide_index=True)")


def test_every_table_is_drawn_through_show_table() -> None:
    """No page or component calls st.dataframe itself (it would import pandas again)."""
    root = Path(__file__).resolve().parents[2]
    callers = [
        path.relative_to(root).as_posix()
        for folder in ("components", "pages")
        for path in sorted((root / folder).rglob("*.py"))
        if ".dataframe(" in path.read_text(encoding="utf-8")
    ]
    assert callers == ["components/tables.py"], callers
