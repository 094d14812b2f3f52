"""A compiled Vega-Lite spec's inline datasets as Arrow IPC bytes written by polars.

Why: Streamlit moves each `datasets` entry of a spec into Arrow before sending it, and for a
list of rows (what `chart.to_dict()` gives) it does that through pandas
(`dataframe_util.convert_anything_to_arrow_bytes`): importing pandas and pyarrow on the first
chart a process draws, about 0.4 s of CPU (measured 2026-12-06, national store), all of it
on the cold start's path to the Overview's first chart. Bytes are passed through untouched,
so writing them here with polars (no pandas, no pyarrow) takes that off the first paint.

The bytes hold the same columns, Arrow types and values as Streamlit's pandas route made
of the same rows (large strings, float64, int64 where a column has no nulls, float64 where
an integer column has some), written as its polars route writes a frame (an IPC stream, no
view types). Anything that is not a plain table of scalars (GeoJSON, nested values, a
column mixing strings and numbers) is left as it was, for Streamlit to convert as before.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

import polars as pl


def _kind(value: object) -> str:
    """A JSON scalar's column kind (ints and floats are one: numbers)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "str" if isinstance(value, str) else "other"


def arrow_bytes(rows: list[Mapping[str, Any]]) -> bytes | None:
    """The rows as an Arrow IPC stream (polars' oldest compatibility level, uncompressed,
    as Streamlit writes a polars frame), or None when they are not a table of scalars."""
    if not rows or not all(isinstance(row, Mapping) for row in rows):
        return None
    kinds: dict[str, set[str]] = {}
    for row in rows:
        for key, value in row.items():
            if value is not None:
                kinds.setdefault(key, set()).add(_kind(value))
    # One kind per column: polars would turn a column of 1 and "x" into strings, pandas
    # keeps objects; such a column is left for Streamlit (none of our charts has one).
    if any(len(found) != 1 or "other" in found for found in kinds.values()):
        return None
    try:
        frame = pl.DataFrame(rows, infer_schema_length=None)
    except (TypeError, ValueError, pl.exceptions.PolarsError):
        return None
    return frame_bytes(as_pandas_has_it(frame))


def as_pandas_has_it(frame: pl.DataFrame) -> pl.DataFrame:
    """Pandas (Streamlit's route) has no integer null: such a column went as float64, and
    still does, so the browser gets the types it always got; a float NaN went as a null.
    Charts (here) and "Show data" tables (components/tables.py) both go this way.

    One `with_columns` for both changes (an integer column cast to floats holds no NaN),
    and none when no column needs one (no integer column with a null, no NaN): each is a
    query of its own, and a page's rerun made some fifteen of them for small frames, where
    the Series checks below cost microseconds."""
    changed = [
        pl.col(name).cast(pl.Float64) if dtype.is_integer() else pl.col(name).fill_nan(None)
        for name, dtype in frame.schema.items()
        if (dtype.is_integer() and frame[name].null_count())
        or (dtype in (pl.Float64, pl.Float32) and _has_nan(frame[name]))
    ]
    return frame.with_columns(changed) if changed else frame


def _has_nan(column: pl.Series) -> bool:
    """Whether a float column holds a NaN. A sum is NaN whenever a NaN is summed (and
    otherwise only when infinities of both signs are), and it is read without a query:
    `Series.is_nan` is one (~70 us, measured), which for every float column of every
    chart and table was a few milliseconds of a rerun."""
    total = column.sum()
    return total is not None and math.isnan(total) and bool(column.is_nan().any())


def pandas_typed(frame: pl.DataFrame) -> pl.DataFrame | None:
    """The frame with each column of the type it had in pandas (`frame.to_pandas()`, which
    chart builders used to hand Altair): integers with a null as floats, NaN as null.

    Why: a chart's frame is written to Arrow twice over, for the browser (`frame_bytes`) and
    as JSON rows for an export (Altair), and both must stay what they were when builders
    gave Altair `frame.to_pandas()`: the same Arrow types (float64, not int64, for a count
    with a suppressed cell), the same JSON numbers (3.0, not 3) and so the same dataset
    names. Converting to pandas cost more than the chart's whole spec. None when a column
    is of a type pandas changes otherwise (dates, categoricals, nested; booleans, which
    pandas makes objects, and an all-null one Arrow's null type), or holds an
    infinity (Altair's pandas route writes it as a null in JSON, while Arrow keeps it):
    those frames go through pandas as before.
    """
    if not all(
        dtype in (pl.String, pl.Float64) or dtype.is_integer() for dtype in frame.schema.values()
    ):
        return None
    floats = [name for name, dtype in frame.schema.items() if dtype == pl.Float64]
    if any(frame[name].is_infinite().any() for name in floats):  # Series checks, no query
        return None
    return as_pandas_has_it(frame)


def frame_bytes(frame: pl.DataFrame) -> bytes:
    """A polars frame as the Arrow IPC stream Streamlit would send for it (the schema of
    `frame.to_arrow()`), written by polars itself: no pyarrow import."""
    buffer = io.BytesIO()
    frame.write_ipc_stream(buffer, compression="uncompressed", compat_level=pl.CompatLevel.oldest())
    return buffer.getvalue()


def with_arrow_datasets(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` with every tabular `datasets` entry as Arrow bytes (a new top-level dict; the
    rest is shared, not copied). Pass the result to `st.vega_lite_chart`."""
    datasets = spec.get("datasets")
    if not isinstance(datasets, Mapping) or not datasets:
        return spec
    converted: dict[str, Any] = {}
    for name, data in datasets.items():
        payload = arrow_bytes(data) if isinstance(data, list) else None
        converted[name] = payload if payload is not None else data
    return {**spec, "datasets": converted}
