"""Table helpers: CSV bytes of exactly what is shown, sizes people can read, and a frame as
`st.dataframe` shows it (`shown`).

`csv_bytes` is the app's only CSV writer: every CSV download goes through it (a test
checks that no other module writes CSV), so every download is safe to open in a
spreadsheet (`neutralised`).
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from components import vega_arrow

if TYPE_CHECKING:
    import pyarrow as pa

#: Significant digits kept in a float column whose decimals nobody gave: enough for any
#: published figure, index or coordinate here, and no binary noise (37.60000000000001).
SIGNIFICANT: Final = 6


#: What a spreadsheet reads as the start of a formula (OWASP's CSV injection list).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def csv_bytes(frame: pl.DataFrame, decimals: Mapping[str, int] | None = None) -> bytes:
    """UTF-8 with BOM so Excel opens names with accents correctly; floats rounded; text
    that a spreadsheet would run as a formula neutralised (`neutralised`).

    A float column named in `decimals` (a measure's published decimals, say) is rounded to
    that many places, half away from zero as DfE rounds; any other float column to
    SIGNIFICANT significant digits, never into its whole part (1234567.8 -> 1234568).
    """
    safe = neutralised(rounded(frame, decimals))
    return b"\xef\xbb\xbf" + safe.write_csv().encode("utf-8")


def neutral_text(text: str) -> str:
    """`text` with a single quote in front when it starts like a formula (OWASP's rule)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every text cell (and column name) that starts with =, +, -, @, tab or
    carriage return prefixed with a single quote, so a school name such as
    `=HYPERLINK(...)` is shown as text in Excel, LibreOffice or Sheets instead of run.

    Only text is changed: numeric columns keep their numbers (a negative gap stays -5.2),
    while "-5" in a text column is text and gets the quote like any other label.
    Categorical and enum columns are text to a spreadsheet too, so they are cast to text.
    """
    starts = "^[" + "".join(re.escape(c) for c in FORMULA_STARTS) + "]"
    columns = [
        pl.col(name)
        .cast(pl.String)
        .pipe(lambda c: pl.when(c.str.contains(starts)).then(pl.lit("'") + c).otherwise(c))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)
    ]
    safe = frame.with_columns(columns) if columns else frame
    names = {name: neutral_text(name) for name in safe.columns if neutral_text(name) != name}
    return safe.rename(names) if names else safe


def rounded(frame: pl.DataFrame, decimals: Mapping[str, int] | None = None) -> pl.DataFrame:
    """`frame` with every float column rounded as csv_bytes writes it."""
    places = dict(decimals or {})
    columns = [
        pl.col(name).round(places[name], mode="half_away_from_zero")
        if name in places
        else pl.Series(name, [significant(v) for v in frame[name].to_list()], dtype=dtype)
        for name, dtype in frame.schema.items()
        if dtype.is_float()
    ]
    return frame.with_columns(columns) if columns else frame


def significant(value: float | None, digits: int = SIGNIFICANT) -> float | None:
    """`value` to `digits` significant digits (exactly, at any magnitude), but whole numbers
    from 10 ** (digits - 1) up to the unit, half away from zero."""
    if value is None or not math.isfinite(value):
        return value
    if abs(value) >= 10 ** (digits - 1):
        return math.copysign(math.floor(abs(value) + 0.5), value)
    return float(f"{value:.{digits - 1}e}")


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def status_text(value: float | None, status: str | None, decimals: int = 1) -> str:
    """A cell as a reader should see it: the number, or why there is none."""
    labels = {
        "suppressed": "suppressed",
        "not_published": "not published",
        "not_applicable": "n/a",
        "not_entered": "no pupils entered",
        "low_coverage": "low coverage",
        "new": "new school",
        "missing": "no data",
    }
    if value is not None and status in (None, "value"):
        return f"{value:.{decimals}f}"
    return labels.get(status or "missing", str(status))


def rows_label(height: int) -> str:
    """'1 row', '1,024 rows': a download's size people can read, known without writing it."""
    return f"{height:,} {'row' if height == 1 else 'rows'}"


def show_table(frame: pl.DataFrame, **options: Any) -> Any:
    """`st.dataframe` of `frame` as `shown` hands it over, always drawn eagerly.

    Why `lazy=False`: with the default (`lazy=None`) Streamlit 1.67 imports pandas to ask
    whether a table that is not a polars frame is a pandas one
    (`streamlit.dataframe.lazy_df_source.resolve_lazy_source`): some 0.3 s on the first
    table a fresh server draws, paid on a user's click (the Data, Similar and School trends
    pages' first visits, issue 16). The answer for every table here, all far under its
    150,000-row threshold for serving rows lazily, is "eager" anyway."""
    import streamlit as st

    return st.dataframe(shown(frame), lazy=False, **options)


def shown(frame: pl.DataFrame) -> Any:
    """`frame` as `st.dataframe` should get it: the Arrow table Streamlit sent for
    `frame.to_pandas()` (the same schema, pandas schema metadata, which the browser reads to
    format columns, batches and values; bytes differ only under nulls and in bitmap padding,
    which no reader looks at), or `frame.to_pandas()` itself for a column type this does
    not cover.

    Why: `st.dataframe` turns anything but an Arrow table into pandas, and pandas into
    Arrow (`pa.Table.from_pandas`): about 1-3 ms a table, paid on every rerun by each
    chart's "Show data" table. A polars frame hands over its Arrow columns almost for free.
    """
    table = arrow_as_pandas_sent(frame)
    return frame.to_pandas() if table is None else table


#: Polars types whose pandas route is plain (`arrow_as_pandas_sent` says how nulls change
#: them).
_PLAIN: Final = (pl.String, pl.Float64, pl.Float32, pl.Boolean)


def arrow_as_pandas_sent(frame: pl.DataFrame) -> pa.Table | None:
    """The Arrow table `pa.Table.from_pandas(frame.to_pandas())` gives, built from polars'
    own Arrow columns, or None when a column is of a type whose pandas route is not plain
    (dates, categoricals, nested, all-null; booleans with a null, which pandas makes
    objects), or when it has no columns. Pandas has no integer null, so such a column went,
    and goes, as float64; a float NaN went as a null, and goes as one."""
    schema = frame.schema
    if not schema or not all(dtype in _PLAIN or dtype.is_integer() for dtype in schema.values()):
        return None
    if any(dtype == pl.Boolean and frame[name].null_count() for name, dtype in schema.items()):
        return None
    typed = vega_arrow.as_pandas_has_it(frame)
    table = typed.rechunk().to_arrow(compat_level=pl.CompatLevel.oldest())
    kinds = tuple(typed.schema.items())
    return table.replace_schema_metadata({b"pandas": _pandas_metadata(kinds, frame.height)})


def _pandas_metadata(kinds: tuple[tuple[str, pl.DataType], ...], height: int) -> bytes:
    """The `pandas` schema metadata pyarrow writes for a frame with these columns and
    `height` rows (a default RangeIndex): each column's entry is its type's (`_described`)
    with its own name, so a table whose headings change with the data (Similar's "(yours
    43.7)") costs no pandas either."""
    columns = []
    template: dict[str, Any] = {}
    for name, dtype in kinds:  # at least one (arrow_as_pandas_sent)
        template, column = _described(dtype)
        columns.append({**column, "name": name, "field_name": name})
    (index,) = template["index_columns"]
    metadata = {**template, "index_columns": [{**index, "stop": height}], "columns": columns}
    return json.dumps(metadata).encode("utf8")


#: The (pandas_type, numpy_type) pyarrow records for a column pandas 3 holds of each plain
#: polars type (`_described`); integer types are named as numpy names them ("int64").
_PANDAS_TYPES: Final[dict[pl.DataType, tuple[str, str]]] = {
    pl.String(): ("object", "str"),
    pl.Float64(): ("float64", "float64"),
    pl.Float32(): ("float32", "float32"),
    pl.Boolean(): ("bool", "bool"),
}


@functools.lru_cache(maxsize=64)
def _described(dtype: pl.DataType) -> tuple[dict[str, Any], dict[str, Any]]:
    """The `pandas` metadata pyarrow writes for an empty one-column frame of `dtype`, and
    that column's entry. Callers copy what they change.

    Written out rather than asked of pandas: importing pandas (about 0.25 s) for the first
    "Show data" table was the largest import left on a cold start's way to the Overview's
    first screen. tests/unit/test_shown_table.py holds this against pyarrow's own
    `Table.from_pandas` for every plain type, so a pandas or pyarrow upgrade that changes
    what they write fails there, not in a reader's browser."""
    import pyarrow as pa

    pandas_type, numpy_type = (
        _PANDAS_TYPES[dtype] if not dtype.is_integer() else (str(dtype).lower(),) * 2
    )
    column = {
        "name": "x",
        "field_name": "x",
        "pandas_type": pandas_type,
        "numpy_type": numpy_type,
        "metadata": None,
    }
    metadata = {
        "index_columns": [{"kind": "range", "name": None, "start": 0, "stop": 0, "step": 1}],
        "column_indexes": [
            {
                "name": None,
                "field_name": None,
                "pandas_type": "unicode",
                "numpy_type": "str",
                "metadata": {"encoding": "UTF-8"},
            }
        ],
        "columns": [column],
        "attributes": {},
        "creator": {"library": "pyarrow", "version": pa.__version__},
        "pandas_version": importlib.metadata.version("pandas"),
    }
    return metadata, column
