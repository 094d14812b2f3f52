"""DfE performance tables' column dictionaries (ks2_meta.csv, ks4_meta.csv).

Kept whole, one row per column, so pages can show DfE's own label for a column of the KS2
or KS4 results files (equity/ingest/performance_tables.py). A dictionary is recognised by
its field-name and label columns and by listing RECTYPE with a key stage's headline column
(PTRWM_EXP for KS2, ATT8SCR for KS4); its year comes from its name, else its folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from equity import kinds
from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.csvfile import read_text_csv
from equity.ingest.file_years import year_in_name
from equity.schema import REJECTED_SCHEMA, empty_frame, parse_academic_year

_META_FIELD_HEADERS: Final = ("FIELD NAME", "METAFILE HEADING", "FIELD", "VARIABLE", "COLUMN NAME")
_META_LABEL_HEADERS: Final = (
    "LABEL/DESCRIPTION",
    "METAFILE DESCRIPTION",
    "DESCRIPTION",
    "LABEL",
)


def _pick(header: list[str], wanted: tuple[str, ...]) -> str | None:
    by_upper = {h.strip().upper(): h for h in header}
    for name in wanted:
        if name in by_upper:
            return by_upper[name]
    return None


def _meta_key_stage(fields: set[str]) -> str | None:
    if "RECTYPE" not in fields:
        return None
    if "PTRWM_EXP" in fields:
        return "ks2"
    if "ATT8SCR" in fields:
        return "ks4"
    return None


def _detect_meta(path: Path, header: list[str]) -> bool:
    field = _pick(header, _META_FIELD_HEADERS)
    if field is None or _pick(header, _META_LABEL_HEADERS) is None:
        return False
    try:
        frame = read_text_csv(path)
    except IngestError:
        return False
    if field not in frame.columns:
        return False
    fields = set(frame[field].drop_nulls().str.strip_chars().str.to_uppercase().to_list())
    return _meta_key_stage(fields) is not None


def read_meta(path: Path, year_hint: str | None) -> IngestResult:
    """A column dictionary: kept whole so pages can show DfE's own label for a column."""
    source = path.name
    frame = read_text_csv(path)
    field = _pick(frame.columns, _META_FIELD_HEADERS)
    label = _pick(frame.columns, _META_LABEL_HEADERS)
    if field is None or label is None:
        raise IngestError(f"{source}: not a DfE column dictionary (no field name/label columns)")
    names = pl.col(field).cast(pl.String).str.strip_chars()
    fields = set(frame.select(names.str.to_uppercase()).to_series().drop_nulls().to_list())
    key_stage = _meta_key_stage(fields)
    if key_stage is None:
        raise IngestError(f"{source}: not a KS2 or KS4 performance-table column dictionary")
    year = year_in_name(source)
    if year is None and year_hint:
        try:
            year = parse_academic_year(year_hint)
        except ValueError:
            year = None
    marked = frame.with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("__row"),
        pl.when(names == "").then(None).otherwise(names).alias("__column"),
    )
    rejected = (
        marked.filter(pl.col("__column").is_null())
        .select(
            pl.lit(source).alias("source"),
            pl.col("__row").alias("row"),
            pl.lit("dictionary row with no column name").alias("reason"),
        )
        .cast(REJECTED_SCHEMA)  # type: ignore[arg-type]
    )
    dictionary = marked.filter(pl.col("__column").is_not_null()).select(
        pl.lit(key_stage).alias("key_stage"),
        pl.col("__column").alias("column"),
        pl.col(label).cast(pl.String).str.strip_chars().alias("label"),
        pl.lit(year, dtype=pl.String).alias("academic_year"),
        pl.lit(source).alias("source"),
    )
    result = IngestResult(
        source=source,
        kind=kinds.PERFORMANCE_META,
        rows_read=frame.height,
        rows_stored=dictionary.height,
        rejected=rejected if rejected.height else empty_frame(REJECTED_SCHEMA),
        extra={"column_dictionary": dictionary},
    )
    result.check_accounting()
    return result


KINDS: list[FileKind] = [
    FileKind(
        name=kinds.PERFORMANCE_META,
        description="DfE performance tables column dictionary (ks2_meta / ks4_meta)",
        suffixes=(".csv",),
        detect=_detect_meta,
        read=read_meta,
    ),
]
