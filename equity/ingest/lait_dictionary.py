"""LAIT's data dictionary (lait_data_dictionary.csv): one row per LAIT code.

The panel (equity/ingest/lait.py) travels with it: the dictionary gives each code's label,
topic, polarity, precision, year convention and source link, stored as the extra table
"measure_dictionary" that the Data page shows beside the codes the app reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from equity import kinds
from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.csvfile import read_text_csv
from equity.ingest.gias import mark_repeats
from equity.ingest.lait import r_text
from equity.schema import REJECTED_SCHEMA

DICTIONARY_SCHEMA: Final[dict[str, pl.DataType]] = {
    "lait_code": pl.String(),
    "measure_label": pl.String(),
    "topic": pl.String(),
    "polarity": pl.String(),  # high | low | neutral, null when the dictionary says NA
    "description": pl.String(),
    "source_url": pl.String(),
    "decimals": pl.Int64(),
    "year_type": pl.String(),  # how `Years` is labelled: Academic Year, Annual - January, ...
}
_DICTIONARY_REQUIRED: Final = ("Measure_short", "Measure", "dps")


def _is_dictionary(path: Path, header: list[str]) -> bool:
    return path.suffix.lower() == ".csv" and set(_DICTIONARY_REQUIRED) <= set(header)


def read_dictionary(path: Path, year_hint: str | None = None) -> IngestResult:
    """The dictionary's labels, polarity, precision and sources, one row per LAIT code.

    A code the dictionary defines twice is kept once (its first definition) so that joins
    on the code cannot multiply rows; the repeats are rejected with a reason.
    """
    del year_hint
    frame = read_text_csv(path)
    missing = [c for c in _DICTIONARY_REQUIRED if c not in frame.columns]
    if missing:
        raise IngestError(f"{path.name}: not a LAIT data dictionary; missing columns {missing}")
    polarity = r_text(frame, "Polarity").str.to_lowercase()
    table = frame.with_row_index("__row", offset=1).select(
        pl.col("__row").cast(pl.Int64),
        r_text(frame, "Measure_short").alias("lait_code"),
        r_text(frame, "Measure").alias("measure_label"),
        r_text(frame, "Topic").alias("topic"),
        pl.when(polarity.is_in(["high", "low"]))
        .then(polarity)
        .when(polarity == "-")
        .then(pl.lit("neutral"))
        .otherwise(None)
        .alias("polarity"),
        r_text(frame, "Description").alias("description"),
        r_text(frame, "Hyperlink(s)").alias("source_url"),
        r_text(frame, "dps").cast(pl.Int64, strict=False).alias("decimals"),
        r_text(frame, "Year_Type").alias("year_type"),
    )
    table = mark_repeats(
        table.with_columns(
            pl.when(pl.col("lait_code").is_null())
            .then(pl.lit("no measure code (Measure_short)"))
            .otherwise(None)
            .alias("__reason")
        ),
        "lait_code",
        "measure code",
    )
    good = table.filter(pl.col("__reason").is_null())
    rejected = table.filter(pl.col("__reason").is_not_null()).select(
        pl.lit(path.name).alias("source"),
        pl.col("__row").alias("row"),
        pl.col("__reason").alias("reason"),
    )
    result = IngestResult(
        source=path.name,
        kind=kinds.LAIT_DICTIONARY,
        rows_read=table.height,
        rows_stored=good.height,
        rejected=rejected.cast(REJECTED_SCHEMA),  # type: ignore[arg-type]
        extra={
            "measure_dictionary": good.select(list(DICTIONARY_SCHEMA)).cast(
                DICTIONARY_SCHEMA  # type: ignore[arg-type]
            )
        },
        notes=["dps 'NA' is stored as null decimals: the precision was not stated."],
    )
    result.check_accounting()
    return result


KINDS: list[FileKind] = [
    FileKind(
        name=kinds.LAIT_DICTIONARY,
        description="LAIT data dictionary: measure labels, polarity, precision, sources",
        suffixes=(".csv",),
        detect=_is_dictionary,
        read=read_dictionary,
    ),
]
