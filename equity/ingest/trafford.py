"""Trafford Data Lab files: Trafford's school lists and its "themes" comparison tables.

Trafford (LA 358) is one of the ten Greater Manchester authorities. Its data lab republishes
GIAS and DfE figures as tidy CSVs written by R, so "NA" in these files is R's missing
value, not DfE's "not applicable": it is stored as status `missing` with the text kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from equity import kinds
from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.cells import count_expr, status_expr, value_expr
from equity.ingest.csvfile import read_text_csv
from equity.ingest.gias import (
    STATE_FUNDED_GROUPS,
    census_year_expr,
    mark_repeats,
    normalise_phase,
)
from equity.schema import (
    REJECTED_SCHEMA,
    RESULTS_SCHEMA,
    SCHOOLS_SCHEMA,
    Status,
    parse_academic_year,
)

TRAFFORD_LA: Final = "358"

#: The Trafford Data Lab's January 2024 school list (traffordDataLab/schools). It has no LA
#: column because every school in it is Trafford's.
TRAFFORD_2024_COLUMNS: Final = (
    "URN",
    "name",
    "type",
    "phase",
    "nursery_provision",
    "sixth_form",
    "gender",
    "lowest_admission_age",
    "highest_admission_age",
    "census_date",
    "number_of_pupils",
    "percent_fsm",
    "ofsted_rating",
    "ofsted_report",
    "compare_performance",
    "headteacher",
    "website",
    "lon",
    "lat",
)
_LIST_CORE: Final = ("name", "type", "percent_fsm", "lon", "lat")
_URN_COLUMNS: Final = ("URN", "unique_reference_number")
THEMES_COLUMNS: Final = ("area_code", "area_name", "period", "indicator", "value")

#: Indicator wording (lower-case fragments, all must match) -> canonical measure.
THEME_INDICATORS: Final[tuple[tuple[tuple[str, ...], str], ...]] = (
    (("expected standard", "key stage 2"), "ks2_rwm_expected_pct"),
    (("9-5", "english", "math"), "ks4_basics_95_pct"),
    (("9-4", "english", "math"), "ks4_basics_94_pct"),
    (("progress 8",), "ks4_progress8"),
    (("attainment 8",), "ks4_attainment8"),
)

AREA_THEMES_SCHEMA: Final[dict[str, pl.DataType]] = {
    "ons_code": pl.String(),
    "area_name": pl.String(),
    "academic_year": pl.String(),
    "measure": pl.String(),
    "pupil_group": pl.String(),
    "value": pl.Float64(),
    "status": pl.String(),
    "original": pl.String(),
    "published": pl.Boolean(),
    "source": pl.String(),
}


def _r_cell(column: str) -> pl.Expr:
    """The cell with R's NA read as blank, so `cells` reports it as missing."""
    text = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(text == "NA").then(pl.lit("")).otherwise(text)


def _r_text(column: str) -> pl.Expr:
    text = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(text.is_in(["", "NA"])).then(None).otherwise(text)


def _rejections(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    return (
        frame.filter(pl.col("__reason").is_not_null())
        .select(
            pl.lit(source).alias("source"),
            pl.col("__row").alias("row"),
            pl.col("__reason").alias("reason"),
        )
        .cast(REJECTED_SCHEMA)  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- school lists


def _is_school_list(path: Path, header: list[str]) -> bool:
    columns = set(header)
    return (
        path.suffix.lower() == ".csv"
        and set(_LIST_CORE) <= columns
        and any(c in columns for c in _URN_COLUMNS)
        and "EstablishmentName" not in columns  # a GIAS extract is the gias kind
    )


def _phase_from_ages(low: pl.Expr, high: pl.Expr) -> pl.Expr:
    """Phase from the admission age range, for lists that do not state it.

    The same boundaries DfE uses: primary ends at 11, secondary starts at 11, post-16
    provision starts at 16; a range spanning 11 is all-through.
    """
    return (
        pl.when(low.is_null() | high.is_null())
        .then(None)
        .when(low >= 16)
        .then(pl.lit("16 plus"))
        .when(high <= 11)
        .then(pl.lit("primary"))
        .when(low >= 11)
        .then(pl.lit("secondary"))
        .otherwise(pl.lit("all-through"))
    )


def read_school_list(path: Path, year_hint: str | None = None) -> IngestResult:
    """Trafford school lists -> `schools`, plus census % FSM and pupils where dated."""
    frame = read_text_csv(path)
    if not _is_school_list(path, frame.columns):
        raise IngestError(
            f"{path.name}: not a Trafford school list; needs a URN column and "
            f"{', '.join(_LIST_CORE)}"
        )
    notes: list[str] = []
    layout = tuple(frame.columns)
    urn_column = next(c for c in _URN_COLUMNS if c in frame.columns)
    frame = frame.with_row_index("__row", offset=1).with_columns(
        pl.col("__row").cast(pl.Int64), _r_text(urn_column).alias("__urn")
    )
    frame = frame.with_columns(
        pl.when(~pl.col("__urn").fill_null("").str.contains(r"^\d+$"))
        .then(pl.lit("no URN"))
        .otherwise(None)
        .alias("__reason")
    )
    frame = mark_repeats(frame, "__urn", "URN")
    kept = frame.filter(pl.col("__reason").is_null())

    if "local_authority_code" in kept.columns:
        la_code = _r_text("local_authority_code")
    elif layout == TRAFFORD_2024_COLUMNS:
        la_code = pl.lit(TRAFFORD_LA)
        notes.append(
            "no LA column: la_code 358 (Trafford) because this is the Trafford Data Lab's "
            "own school list (its exact column layout), which covers Trafford only"
        )
    else:
        la_code = pl.lit(None, dtype=pl.String)
        notes.append("no LA column: schools are stored without an LA code")

    group = _r_text("type")
    is_special = (group == "Special schools").fill_null(False)
    if "phase" in kept.columns:
        phase = normalise_phase(_r_text("phase"), is_special)
    else:
        low = (
            value_expr(_r_cell("lowest_admission_age"))
            if "lowest_admission_age" in kept.columns
            else None
        )
        high = (
            value_expr(_r_cell("highest_admission_age"))
            if "highest_admission_age" in kept.columns
            else None
        )
        if low is not None and high is not None:
            phase = _phase_from_ages(low, high)
            notes.append("no phase column: phase derived from the admission age range")
        else:
            phase = pl.lit(None, dtype=pl.String)
    has_pupils = "number_of_pupils" in kept.columns
    schools = kept.select(
        pl.col("__urn").alias("urn"),
        _r_text("name").alias("name"),
        la_code.alias("la_code"),
        phase.alias("phase"),
        group.alias("school_type"),
        is_special.alias("is_special"),
        group.is_in(list(STATE_FUNDED_GROUPS)).fill_null(False).alias("is_state_funded"),
        value_expr(_r_cell("lat")).alias("lat"),
        value_expr(_r_cell("lon")).alias("lon"),
        (
            count_expr(_r_cell("number_of_pupils")) if has_pupils else pl.lit(None, dtype=pl.Int64)
        ).alias("pupils"),
        (
            _r_text("postcode") if "postcode" in kept.columns else pl.lit(None, dtype=pl.String)
        ).alias("postcode"),
        pl.lit(path.name).alias("source"),
    ).cast(SCHOOLS_SCHEMA)  # type: ignore[arg-type]

    if "census_date" in kept.columns:
        year = census_year_expr(_r_text("census_date"), "%Y-%m-%d")
        if year_hint:
            year = pl.coalesce(year, pl.lit(year_hint))
    else:
        year = pl.lit(year_hint, dtype=pl.String)
    kept = kept.with_columns(year.alias("__year"), la_code.alias("__la"))
    dated = kept.filter(pl.col("__year").is_not_null())
    if dated.height < kept.height:
        notes.append(
            f"{kept.height - dated.height} schools' % FSM / pupils not stored as results: "
            "the file does not say which census they come from (no census_date, no folder year)"
        )
    parts = [_school_measure(dated, "percent_fsm", "pct_fsm", path.name)]
    if has_pupils:
        parts.append(_school_measure(dated, "number_of_pupils", "pupils", path.name))
    results = pl.concat(parts, how="vertical").cast(RESULTS_SCHEMA)  # type: ignore[arg-type]
    result = IngestResult(
        source=path.name,
        kind=kinds.SCHOOL_LIST,
        rows_read=frame.height,
        rows_stored=kept.height,
        results=results,
        schools=schools,
        rejected=_rejections(frame, path.name),
        notes=notes,
    )
    result.check_accounting()
    return result


def _school_measure(frame: pl.DataFrame, column: str, measure: str, source: str) -> pl.DataFrame:
    cell = _r_cell(column)
    is_count = measure == "pupils"
    return frame.select(
        pl.col("__urn").alias("entity"),
        pl.lit("school").alias("entity_kind"),
        pl.col("__la").cast(pl.String).alias("la_code"),
        pl.col("__year").alias("academic_year"),
        pl.lit("census").alias("key_stage"),
        pl.lit(measure).alias("measure"),
        pl.lit("all").alias("pupil_group"),
        value_expr(cell).alias("value"),
        (count_expr(cell) if is_count else pl.lit(None, dtype=pl.Int64)).alias("pupils"),
        status_expr(cell).alias("status"),
        pl.col(column).cast(pl.String).fill_null("").alias("original"),
        pl.lit(source).alias("source"),
        pl.lit(False).alias("published"),
    )


# --------------------------------------------------------------------------- themes


def _is_themes(path: Path, header: list[str]) -> bool:
    return path.suffix.lower() == ".csv" and set(THEMES_COLUMNS) <= set(header)


def _theme_measure(indicator: pl.Expr) -> pl.Expr:
    text = indicator.cast(pl.String).str.to_lowercase()
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for fragments, measure in reversed(THEME_INDICATORS):  # first rule wins
        condition = pl.all_horizontal([text.str.contains(f, literal=True) for f in fragments])
        expr = pl.when(condition).then(pl.lit(measure)).otherwise(expr)
    return expr


def _academic_years(periods: pl.Series) -> dict[str, str | None]:
    """Each distinct period parsed once with the schema's parser (None if not a year)."""
    parsed: dict[str, str | None] = {}
    for period in periods.drop_nulls().unique().to_list():
        try:
            parsed[period] = parse_academic_year(period)
        except ValueError:
            parsed[period] = None
    return parsed


def read_themes(path: Path, year_hint: str | None = None) -> IngestResult:
    """LA-vs-statistical-neighbours comparison tables -> extra "area_themes".

    These rows are keyed by ONS code, which `results` (keyed by DfE's 3-digit codes) has no
    place for; joining them to LAIT's figures is for the store, through `la_codes`.
    """
    del year_hint  # the file gives a period on every row
    frame = read_text_csv(path)
    missing = [c for c in THEMES_COLUMNS if c not in frame.columns]
    if missing:
        raise IngestError(f"{path.name}: not a themes table; missing columns {missing}")
    frame = frame.with_row_index("__row", offset=1).with_columns(
        pl.col("__row").cast(pl.Int64),
        _r_text("area_code").alias("__ons"),
        pl.col("period")
        .str.strip_chars()
        .replace_strict(
            _academic_years(frame["period"].str.strip_chars()), default=None, return_dtype=pl.String
        )
        .alias("__year"),
        _theme_measure(pl.col("indicator")).alias("__measure"),
    )
    frame = frame.with_columns(
        pl.when(~pl.col("__ons").fill_null("").str.contains(r"^[EWSN]\d{8}$"))
        .then(pl.lit("area_code is not an ONS code"))
        .when(pl.col("__year").is_null())
        .then(
            pl.lit("period '")
            + pl.col("period").fill_null("")
            + pl.lit("' is not an academic year")
        )
        .when(pl.col("__measure").is_null())
        .then(
            pl.lit("indicator not recognised: ")
            + pl.col("indicator").fill_null("").str.slice(0, 80)
        )
        .otherwise(None)
        .alias("__reason")
    )
    kept = frame.filter(pl.col("__reason").is_null())
    table = kept.select(
        pl.col("__ons").alias("ons_code"),
        _r_text("area_name").alias("area_name"),
        pl.col("__year").alias("academic_year"),
        pl.col("__measure").alias("measure"),
        pl.lit("all").alias("pupil_group"),
        value_expr(_r_cell("value")).alias("value"),
        status_expr(_r_cell("value")).alias("status"),
        pl.col("value").cast(pl.String).fill_null("").alias("original"),
        pl.lit(True).alias("published"),
        pl.lit(path.name).alias("source"),
    ).cast(AREA_THEMES_SCHEMA)  # type: ignore[arg-type]
    missing_values = table.filter(pl.col("status") == Status.MISSING).height
    notes = [
        "Keyed by ONS area code (E92000001 = England); stored in extra 'area_themes', not "
        "in results, because results use DfE's 3-digit LA codes.",
    ]
    if missing_values:
        notes.append(
            f"{missing_values} values are R's NA: no figure for that area and year (e.g. years "
            "without KS2 tests or Progress 8, Buckinghamshire before it became unitary in 2020)"
        )
    result = IngestResult(
        source=path.name,
        kind=kinds.AREA_THEMES,
        rows_read=frame.height,
        rows_stored=kept.height,
        rejected=_rejections(frame, path.name),
        extra={"area_themes": table},
        notes=notes,
    )
    result.check_accounting()
    return result


KINDS: list[FileKind] = [
    FileKind(
        name=kinds.SCHOOL_LIST,
        description="Trafford Data Lab school list (URN, type, % FSM, lon/lat)",
        suffixes=(".csv",),
        detect=_is_school_list,
        read=read_school_list,
    ),
    FileKind(
        name=kinds.AREA_THEMES,
        description="Trafford Data Lab themes table: LA vs statistical neighbours vs England",
        suffixes=(".csv",),
        detect=_is_themes,
        read=read_themes,
    ),
]
