"""Turning published cells into (value, status, original) without ever reading a code as 0.

DfE files mix numbers ("47%", "12.5", "1,234") with status codes (SUPP, NE, NP, LOWCOV, x, c,
z, ...). Everything here is a polars expression so a whole file is parsed in one pass.
"""

from __future__ import annotations

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
    suppressed ones included, with its status and original text.
    """
    present = [c for c in columns if c.column in frame.columns]
    if not present:
        return pl.DataFrame(schema=RESULTS_SCHEMA)
    year = pl.lit(academic_year) if isinstance(academic_year, str) else academic_year
    base = frame.with_columns(
        entity.alias("__entity"),
        entity_kind.alias("__kind"),
        la_code.alias("__la"),
        year.alias("__year"),
        published.alias("__published"),
    )
    parts = []
    for spec in present:
        pupils = (
            count_expr(spec.pupils_column)
            if spec.pupils_column and spec.pupils_column in frame.columns
            else pl.lit(None, dtype=pl.Int64)
        )
        parts.append(
            base.select(
                pl.col("__entity").alias("entity"),
                pl.col("__kind").alias("entity_kind"),
                pl.col("__la").alias("la_code"),
                pl.col("__year").alias("academic_year"),
                pl.lit(spec.key_stage).alias("key_stage"),
                pl.lit(spec.measure).alias("measure"),
                pl.lit(spec.pupil_group).alias("pupil_group"),
                value_expr(spec.column).alias("value"),
                pupils.alias("pupils"),
                status_expr(spec.column).alias("status"),
                pl.col(spec.column).cast(pl.String).fill_null("").alias("original"),
                pl.lit(source).alias("source"),
                pl.col("__published").alias("published"),
            )
        )
    return pl.concat(parts, how="vertical").cast(RESULTS_SCHEMA)  # type: ignore[arg-type]
