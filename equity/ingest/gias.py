"""Get Information About Schools (GIAS) extracts: the school register and its census figures.

GIAS is DfE's register of establishments. An extract gives each school's name, LA, phase,
type and location, and the latest school census figures GIAS held on the extract date
(pupils on roll, % eligible for free school meals). Users download extracts with any subset
of GIAS's ~130 columns, so everything beyond URN, LA and name is optional.

Which census the figures describe: `CensusDate` says so when the extract has it. When it is
absent, the extract date in the file name stands in. GIAS loads January's census once DfE
publishes it in June, so an extract taken before July shows the previous January's census:
the 20220420 extract carries CensusDate 21-01-2021, not January 2022, and the 2021-05-07
extract's FSM rates differ from January 2021's for 715 of 729 schools (they are January
2020's). A January census belongs to the academic year it falls in (January 2021 = 2020/21).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from equity import kinds
from equity.geo import bng_to_wgs84
from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.cells import MeasureColumn, count_expr, melt_measures, value_expr
from equity.ingest.csvfile import read_text_csv
from equity.schema import REJECTED_SCHEMA, RESULTS_SCHEMA, SCHOOLS_SCHEMA, academic_year_from_end

REQUIRED: Final = ("URN", "LA (code)", "EstablishmentName")
#: Month from which a GIAS extract shows that year's January census (published in June).
CENSUS_LOADED_MONTH: Final = 7

#: GIAS establishment type groups whose schools are state-funded schools in DfE statistics.
STATE_FUNDED_GROUPS: Final = frozenset(
    {"Local authority maintained schools", "Academies", "Free Schools", "Special schools"}
)

# --------------------------------------------------------------------------- shared rules


def normalise_phase(phase: pl.Expr, is_special: pl.Expr) -> pl.Expr:
    """GIAS / Trafford phase names -> the schema's phases.

    "Not applicable" is what GIAS records for most special schools and PRUs: it becomes
    "special" for special schools and "other" otherwise. Unknown text becomes "other".
    """
    text = phase.cast(pl.String).str.strip_chars().str.to_lowercase()
    mapped = text.replace_strict(
        {
            "primary": "primary",
            "middle deemed primary": "primary",
            "secondary": "secondary",
            "middle deemed secondary": "secondary",
            "all-through": "all-through",
            "all through": "all-through",
            "16 plus": "16 plus",
            "post 16": "16 plus",
            "nursery": "nursery",
        },
        default=None,
        return_dtype=pl.String,
    )
    return (
        pl.when(mapped.is_not_null())
        .then(mapped)
        .when(text.is_null() | (text == ""))
        .then(pl.lit(None, dtype=pl.String))
        .when(is_special.fill_null(False))
        .then(pl.lit("special"))
        .otherwise(pl.lit("other"))
    )


def academic_year_of_census(day: date) -> str:
    """The academic year a census (or any dated event) falls in: September starts a year."""
    return academic_year_from_end(day.year + 1 if day.month >= 9 else day.year)


def census_year_of_extract(day: date) -> str:
    """The academic year of the census a GIAS extract taken on `day` shows."""
    january = day.year if day.month >= CENSUS_LOADED_MONTH else day.year - 1
    return academic_year_from_end(january)


_NAME_DATE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")


def date_in_name(name: str) -> date | None:
    """The extract date GIAS puts at the start of its file names (20220420 or 2022-04-20)."""
    match = _NAME_DATE.search(name)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def academic_year_expr(end_year: pl.Expr) -> pl.Expr:
    """`academic_year_from_end` as an expression: 2021 -> "2020/21", null stays null."""
    end = end_year.cast(pl.Int64)
    return pl.format("{}/{}", (end - 1).cast(pl.String), (end % 100).cast(pl.String).str.zfill(2))


def census_year_expr(dates: pl.Expr, fmt: str) -> pl.Expr:
    """Vectorised `academic_year_of_census` for a text column of dates (null if unreadable)."""
    parsed = dates.cast(pl.String).str.strip_chars().str.strptime(pl.Date, fmt, strict=False)
    year = parsed.dt.year().cast(pl.Int64)
    return academic_year_expr(pl.when(parsed.dt.month() >= 9).then(year + 1).otherwise(year))


def lat_lon_from_bng(frame: pl.DataFrame, easting: str, northing: str) -> pl.DataFrame:
    """`lat` and `lon` columns converted from grid references; null where there is none."""
    east = value_expr(easting)
    north = value_expr(northing)
    grid = frame.select(
        pl.when(east > 0).then(east).alias("e"), pl.when(north > 0).then(north).alias("n")
    )
    lons, lats = bng_to_wgs84(
        grid["e"].to_numpy().astype(np.float64), grid["n"].to_numpy().astype(np.float64)
    )
    return frame.with_columns(
        pl.Series("lat", lats, dtype=pl.Float64).fill_nan(None),
        pl.Series("lon", lons, dtype=pl.Float64).fill_nan(None),
    )


def blank_to_null(column: str) -> pl.Expr:
    text = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def mark_repeats(frame: pl.DataFrame, key: str, what: str) -> pl.DataFrame:
    """Reject later rows that repeat `key` among rows not already rejected.

    Only rows still in play compete, so a closed or malformed first row never shadows a
    usable later one. Expects `__row` (1-based) and `__reason` (null = kept) columns.
    """
    valid = pl.col("__reason").is_null()
    first = pl.col("__row").filter(valid).min().over(key)
    return frame.with_columns(
        pl.when(valid & pl.col(key).is_not_null() & (pl.col("__row") != first))
        .then(pl.lit(f"repeats {what} ") + pl.col(key).cast(pl.String) + pl.lit(" (first kept)"))
        .otherwise(pl.col("__reason"))
        .alias("__reason")
    )


# --------------------------------------------------------------------------- the reader


def _detect(path: Path, header: list[str]) -> bool:
    return path.suffix.lower() == ".csv" and set(REQUIRED) <= set(header)


def _optional(frame: pl.DataFrame, column: str) -> pl.Expr:
    return blank_to_null(column) if column in frame.columns else pl.lit(None, dtype=pl.String)


def read_gias(path: Path, year_hint: str | None = None) -> IngestResult:
    """Open schools -> `schools`; their census % FSM and pupil numbers -> `results`.

    Closed schools are rejected: they are not in today's school lists and their last census
    figures are years old. Rows without a URN, and repeats of a URN, are rejected too.
    """
    frame = read_text_csv(path)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise IngestError(f"{path.name}: not a GIAS extract; missing columns {missing}")
    notes: list[str] = []
    frame = frame.with_row_index("__row", offset=1).with_columns(
        pl.col("__row").cast(pl.Int64), blank_to_null("URN").alias("__urn")
    )
    status = _optional(frame, "EstablishmentStatus (name)").str.to_lowercase()
    reason = (
        pl.when(pl.col("__urn").is_null() | ~pl.col("__urn").fill_null("").str.contains(r"^\d+$"))
        .then(pl.lit("no URN"))
        .when(status == "closed")
        .then(pl.lit("closed before the extract date (not in current school lists)"))
        .otherwise(None)
    )
    frame = mark_repeats(frame.with_columns(reason.alias("__reason")), "__urn", "URN")
    kept = frame.filter(pl.col("__reason").is_null())
    rejected = frame.filter(pl.col("__reason").is_not_null()).select(
        pl.lit(path.name).alias("source"),
        pl.col("__row").alias("row"),
        pl.col("__reason").alias("reason"),
    )

    type_name = _optional(kept, "TypeOfEstablishment (name)")
    group = _optional(kept, "EstablishmentTypeGroup (name)")
    # Special academies and free schools sit in the Academies / Free Schools groups, so the
    # type name is checked too.
    is_special = (group == "Special schools").fill_null(
        False
    ) | type_name.str.to_lowercase().str.contains("special").fill_null(False)
    is_state_funded = (
        group.is_in(list(STATE_FUNDED_GROUPS))
        & (type_name.fill_null("") != "Non-maintained special school")
        & ~type_name.fill_null("").str.to_lowercase().str.contains("independent")
    )
    kept = kept.with_columns(is_special.alias("__special"))
    if {"Easting", "Northing"} <= set(kept.columns):
        kept = lat_lon_from_bng(kept, "Easting", "Northing")
    else:
        kept = kept.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("lat"), pl.lit(None, dtype=pl.Float64).alias("lon")
        )
        notes.append("no Easting/Northing columns: schools have no map position")
    pupils = (
        count_expr("NumberOfPupils")
        if "NumberOfPupils" in kept.columns
        else pl.lit(None, dtype=pl.Int64)
    )
    schools = kept.select(
        pl.col("__urn").alias("urn"),
        blank_to_null("EstablishmentName").alias("name"),
        blank_to_null("LA (code)").alias("la_code"),
        normalise_phase(_optional(kept, "PhaseOfEducation (name)"), pl.col("__special")).alias(
            "phase"
        ),
        pl.coalesce(type_name, group).alias("school_type"),
        pl.col("__special").alias("is_special"),
        is_state_funded.fill_null(False).alias("is_state_funded"),
        pl.col("lat"),
        pl.col("lon"),
        pupils.alias("pupils"),
        _optional(kept, "Postcode").alias("postcode"),
        pl.lit(path.name).alias("source"),
    ).cast(SCHOOLS_SCHEMA)  # type: ignore[arg-type]

    results = _census_results(kept, path, year_hint, notes)
    result = IngestResult(
        source=path.name,
        kind=kinds.GIAS,
        rows_read=frame.height,
        rows_stored=kept.height,
        results=results,
        schools=schools,
        rejected=rejected.cast(REJECTED_SCHEMA),  # type: ignore[arg-type]
        notes=notes,
    )
    result.check_accounting()
    return result


def _census_results(
    kept: pl.DataFrame, path: Path, year_hint: str | None, notes: list[str]
) -> pl.DataFrame:
    columns = [
        MeasureColumn("PercentageFSM", "pct_fsm", "all", "census"),
        MeasureColumn("NumberOfPupils", "pupils", "all", "census", pupils_column="NumberOfPupils"),
    ]
    if not any(c.column in kept.columns for c in columns):
        return pl.DataFrame(schema=RESULTS_SCHEMA)
    extract = date_in_name(path.name)
    fallback = census_year_of_extract(extract) if extract else year_hint
    if "CensusDate" in kept.columns:
        year = pl.coalesce(census_year_expr(pl.col("CensusDate"), "%d-%m-%Y"), pl.lit(fallback))
        if fallback is not None:
            notes.append(
                f"census year from CensusDate; rows without one use {fallback}"
                + (f" (extract date {extract:%Y-%m-%d})" if extract else " (folder year)")
            )
    elif fallback is not None:
        year = pl.lit(fallback, dtype=pl.String)
        how = (
            f"the extract date {extract:%Y-%m-%d} in the file name: GIAS then showed the "
            "previous January's census"
            if extract and extract.month < CENSUS_LOADED_MONTH
            else (f"the extract date {extract:%Y-%m-%d}" if extract else "the folder year")
        )
        notes.append(f"no CensusDate column: census figures dated {fallback} from {how}")
    else:
        year = pl.lit(None, dtype=pl.String)
    with_year = kept.with_columns(year.alias("__year"))
    undated = with_year.filter(pl.col("__year").is_null()).height
    if undated:
        notes.append(
            f"{undated} schools' census figures not stored: no CensusDate, no date in the file "
            "name and no folder year say which census they come from"
        )
    dated = with_year.filter(pl.col("__year").is_not_null())
    results = melt_measures(
        dated,
        columns,
        entity=pl.col("__urn"),
        entity_kind=pl.lit("school"),
        la_code=blank_to_null("LA (code)"),
        academic_year=pl.col("__year"),
        source=path.name,
        published=pl.lit(False),
    )
    return results


KINDS: list[FileKind] = [
    FileKind(
        name=kinds.GIAS,
        description="Get Information About Schools extract (school register with census figures)",
        suffixes=(".csv",),
        detect=_detect,
        read=read_gias,
    )
]
