"""What every file-kind reader returns, and the error it raises for an unusable file.

One small contract keeps the registry, the CLI, the upload page and the fuzz tests blind to
the details of each DfE format: add a format by writing one module that returns an
`IngestResult`, then list it in `registry.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from equity.schema import (
    AREAS_SCHEMA,
    REJECTED_SCHEMA,
    RESULTS_SCHEMA,
    SCHOOLS_SCHEMA,
    empty_frame,
)


class IngestError(Exception):
    """A file cannot be used at all. The message names the file and says what is wrong."""


def first_line(exc: BaseException) -> str:
    """An exception's first line (or its type's name), at most 200 characters: enough to say
    what went wrong in one line of an ingest report, never a traceback."""
    return ((str(exc).splitlines() or [""])[0] or type(exc).__name__)[:200]


@dataclass
class IngestResult:
    """The rows one source file contributes to the store, and the account of its rows.

    `rows_read` counts the file's data rows; every one of them is either stored (it
    contributed at least one school, area or result row, suppressed cells included) or
    rejected with a reason, so `rows_read == rows_stored + len(rejected)` always holds.
    """

    source: str
    kind: str
    rows_read: int
    rows_stored: int
    results: pl.DataFrame = field(default_factory=lambda: empty_frame(RESULTS_SCHEMA))
    schools: pl.DataFrame = field(default_factory=lambda: empty_frame(SCHOOLS_SCHEMA))
    areas: pl.DataFrame = field(default_factory=lambda: empty_frame(AREAS_SCHEMA))
    rejected: pl.DataFrame = field(default_factory=lambda: empty_frame(REJECTED_SCHEMA))
    #: Other tables a kind owns outright (e.g. "measure_dictionary", "boundaries").
    extra: dict[str, pl.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def academic_years(self) -> list[str]:
        return sorted(self.results["academic_year"].drop_nulls().unique().to_list())

    @property
    def la_codes(self) -> list[str]:
        schools_with_results = self.results.select(
            pl.col("la_code").filter(pl.col("entity_kind") == "school").unique()
        )
        codes = set(schools_with_results.to_series().to_list())
        codes |= set(self.schools["la_code"].drop_nulls().unique().to_list())
        return sorted(c for c in codes if c)

    @property
    def suppressed_cells(self) -> int:
        return int(self.results.select((pl.col("status") != "value").sum()).item())

    def check_accounting(self) -> None:
        if self.rows_read != self.rows_stored + self.rejected.height:
            raise AssertionError(
                f"{self.source}: rows read {self.rows_read} != stored {self.rows_stored} "
                f"+ rejected {self.rejected.height}"
            )


@dataclass(frozen=True)
class FileKind:
    """A DfE/ONS file format the ingest recognises from its header and contents."""

    name: str
    description: str
    #: Suffixes this kind can read (".csv", ".parquet", ".geojson", ...).
    suffixes: tuple[str, ...]
    #: True when the file (header, first rows, name) is of this kind.
    detect: Callable[[Path, list[str]], bool]
    #: Reads the file. `year_hint` is an academic year taken from the folder name, if any.
    read: Callable[[Path, str | None], IngestResult]
