"""Turning published cells into (value, status, original) without ever reading a code as 0.

DfE files mix numbers ("47%", "12.5", "1,234") with status codes (SUPP, NE, NP, LOWCOV, x, c,
z, ...). Everything here is a polars expression so a whole file is parsed in one pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from equity.schema import RESULTS_SCHEMA, STATUS_CODES, Status

_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def cleaned(column: str | pl.Expr) -> pl.Expr:
    """The cell as text without padding, thousands separators or a trailing percent sign."""
    expr = pl.col(column) if isinstance(column, str) else column
    return (
        expr.cast(pl.String)
        .str.strip_chars()
        .str.replace_all(",", "", literal=True)
        .str.strip_suffix("%")
        .str.strip_chars()
    )


def value_expr(column: str | pl.Expr) -> pl.Expr:
    """The number in a cell, or null for any status code or unreadable text."""
    text = cleaned(column)
    number = text.cast(pl.Float64, strict=False)
    return (
        pl.when(text.str.contains(_NUMBER) & number.is_finite())
        .then(number)
        .otherwise(None)
        .cast(pl.Float64)
    )


def status_expr(column: str | pl.Expr) -> pl.Expr:
    """The cell's status: 'value' for a number, the mapped state for a known code.

    An unknown code is kept as status 'unknown:<CODE>' rather than guessed, so the
    ingest report can list it and the value stays null.
    """
    text = cleaned(column).fill_null("")
    upper = text.str.to_uppercase()
    known = upper.replace_strict(
        {code: str(status) for code, status in STATUS_CODES.items()},
        default=None,
        return_dtype=pl.String,
    )
    finite = text.cast(pl.Float64, strict=False).is_finite().fill_null(False)
    return (
        pl.when(text.str.contains(_NUMBER) & finite)
        .then(pl.lit(str(Status.VALUE)))
        .when(known.is_not_null())
        .then(known)
        .otherwise(pl.lit("unknown:") + upper.str.slice(0, 20))
    )


def count_expr(column: str | pl.Expr) -> pl.Expr:
    """A pupil count: an integer, or null when suppressed or unreadable."""
    return value_expr(column).round(0).cast(pl.Int64, strict=False)


@dataclass(frozen=True)
class MeasureColumn:
    """Where one canonical (measure, pupil group) lives in a wide DfE file."""

    column: str
    measure: str
    pupil_group: str
    key_stage: str
    #: Column holding the number of pupils the value is based on, if the file has one.
    pupils_column: str | None = None


def melt_measures(
    frame: pl.DataFrame,
    columns: list[MeasureColumn],
    *,
    entity: pl.Expr,
    entity_kind: pl.Expr,
    la_code: pl.Expr,
    academic_year: str | pl.Expr,
    source: str,
    published: pl.Expr,
) -> pl.DataFrame:
    """Wide file -> long `results` rows, one per (row, measure column) that the file has.

    Columns missing from this year's layout are skipped, not invented. Every cell is kept,
    suppressed ones included, with its status and original text. Rows come measure by
    measure, each in the file's row order.

    Cells repeat a lot (SUPP, NE, "45.6" in thousands of schools), so each distinct text is
    parsed once and joined back: a national file's 300,000 cells hold a few thousand texts.
    """
    present = [c for c in columns if c.column in frame.columns]
    if not present:
        return pl.DataFrame(schema=RESULTS_SCHEMA)
    year = pl.lit(academic_year) if isinstance(academic_year, str) else academic_year
    ids = ["entity", "entity_kind", "la_code", "academic_year", "published"]
    # One wide column per spec (a column can serve two specs), then one unpivot: the long
    # frame is spec 0's rows, then spec 1's... numbered as `_spec_table` numbers them.
    long = frame.select(
        entity.alias("entity"),
        entity_kind.alias("entity_kind"),
        la_code.alias("la_code"),
        year.alias("academic_year"),
        published.alias("published"),
        *[_text(spec.column).fill_null("").alias(str(n)) for n, spec in enumerate(present)],
    ).unpivot(index=ids, variable_name="spec", value_name="original")
    long = long.with_columns(pl.col("spec").cast(pl.Int32), _pupils(frame, present))
    values = _distinct(long, "original", value=value_expr, status=status_expr)
    # Each row's spec fields picked by its spec number (a gather: no join needed).
    specs = _spec_table(present)
    spec = long.get_column("spec")
    return (
        long.with_columns(specs.get_column(c).gather(spec) for c in specs.columns[1:])
        .join(values, on="original", how="left", maintain_order="left")
        .with_columns(pl.lit(source).alias("source"))
        .select(list(RESULTS_SCHEMA))
        .cast(RESULTS_SCHEMA)  # type: ignore[arg-type]
    )


def _pupils(frame: pl.DataFrame, present: list[MeasureColumn]) -> pl.Series:
    """Each long row's pupil count (`count_expr` of its spec's pupils column, null where the
    spec has none), spec after spec as the unpivot stacks the rows. The pupils columns are
    read in the wide frame: a KS4 file's 58 specs share 18 of them, so each is looked up
    once per row, not once per spec, and each distinct text is parsed once."""
    names = sorted({s.pupils_column for s in present if s.pupils_column in frame.columns})
    if not names:
        return pl.Series("pupils", [None] * (frame.height * len(present)), dtype=pl.Int64)
    texts = frame.select(_text(c) for c in names)
    counts = _distinct(texts.unpivot(value_name="text"), "text", pupils=count_expr)
    counted = texts.select(
        pl.col(c).replace_strict(
            counts.get_column("text"), counts.get_column("pupils"), default=None
        )
        for c in names
    )
    blank = pl.Series("pupils", [None] * frame.height, dtype=pl.Int64)
    blocks = [
        counted.get_column(s.pupils_column).cast(pl.Int64).alias("pupils")
        if s.pupils_column in counted.columns
        else blank
        for s in present
    ]
    return pl.concat(blocks, rechunk=True)


def _text(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String)


def _distinct(
    frame: pl.DataFrame, column: str, **parsers: Callable[[str], pl.Expr]
) -> pl.DataFrame:
    """Each distinct text of `column` once (nulls left out: they match nothing), with what
    each parser reads from it, in a column of the parser's keyword name: joined back onto
    `frame` by `column`."""
    distinct = frame.select(pl.col(column).unique().drop_nulls())
    return distinct.with_columns(parse(column).alias(name) for name, parse in parsers.items())


def _spec_table(present: list[MeasureColumn]) -> pl.DataFrame:
    """spec number -> (key_stage, measure, pupil_group), to join onto the long rows."""
    return pl.DataFrame(
        {
            "spec": list(range(len(present))),
            "key_stage": [s.key_stage for s in present],
            "measure": [s.measure for s in present],
            "pupil_group": [s.pupil_group for s in present],
        },
        schema={
            "spec": pl.Int32,
            "key_stage": pl.String,
            "measure": pl.String,
            "pupil_group": pl.String,
        },
    )
