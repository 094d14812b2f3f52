"""Pieces every all-England DfE school file reader shares (census, destinations, KS4, ...).

Each kind has its own module (census.py, destinations.py, ks4_provisional.py, absence.py,
locations.py, averages.py); this one holds what they have in common: reading a file with
upper-cased column names, the year from the file or folder name, URN and LA code checks,
aggregate (RECTYPE) rows, duplicate rows, the long results melt and the row accounting.
Every data row is either stored or rejected with a reason, so
``rows_read == rows_stored + rejected.height``.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from equity.ingest.base import IngestError, IngestResult
from equity.ingest.cells import MeasureColumn, cleaned, melt_measures
from equity.ingest.csvfile import read_text_csv
from equity.schema import (
    ENGLAND_CODE,
    REJECTED_SCHEMA,
    RESULTS_SCHEMA,
    SCHOOLS_SCHEMA,
    Status,
    parse_academic_year,
    year_start,
)

KS4 = "ks4"
VALUE = str(Status.VALUE)
SCHOOL, LA, ENGLAND = "school", "la", "england"


def header_columns(header: list[str]) -> set[str]:
    return {h.strip().lstrip("\ufeff").strip('"').strip().upper() for h in header}


def read_upper(path: Path, required: set[str], kind: str) -> pl.DataFrame:
    """The file as text with upper-cased names, so detection and reading agree on spelling."""
    frame = read_text_csv(path)
    upper = {c: c.upper() for c in frame.columns}
    if len(set(upper.values())) == len(upper):
        frame = frame.rename(upper)
    missing = sorted(required - set(frame.columns))
    if missing:
        raise IngestError(f"{path.name}: not a {kind} file: no column {', '.join(missing)}")
    return frame.with_row_index("__row", offset=1).with_columns(pl.col("__row").cast(pl.Int64))


_NAME_YEAR = re.compile(r"(?<!\d)(\d{4})[-_/ ]?(\d{4}|\d{2})(?!\d)")


def year_from_name(name: str) -> str | None:
    """A year in the file's own name ("2018-19_...", "..._201819") outranks its folder's."""
    for match in _NAME_YEAR.finditer(name):
        try:
            return parse_academic_year(f"{match.group(1)}-{match.group(2)}")
        except ValueError:
            continue
    return None


def file_year(path: Path, year_hint: str | None, meaning: str) -> tuple[str, list[str]]:
    """The file name's year, else the folder's: the name is the more specific of the two."""
    notes: list[str] = []
    hint: str | None = None
    if year_hint:
        try:
            hint = parse_academic_year(year_hint)
        except ValueError as exc:
            raise IngestError(f"{path.name}: the folder's year is unusable: {exc}") from exc
    named = year_from_name(path.name)
    if named and hint and named != hint:
        notes.append(f"The file name says {named} but its folder {hint}: the file name won.")
    year = named or hint
    if year is None:
        raise IngestError(
            f"{path.name}: the file does not say which academic year it describes ({meaning}). "
            "Put it in a folder named with the year, e.g. national-2018-19/, or start the "
            f"file name with it, e.g. 2018-19_{path.name}"
        )
    return year, notes


def shift_year(academic_year: str, years: int) -> str:
    start = year_start(academic_year) + years
    return f"{start}/{(start + 1) % 100:02d}"


def text_of(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars()


def optional(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A text column with blanks as null, or all null when this layout lacks the column."""
    if column in frame.columns:
        return pl.when(text_of(column) != "").then(text_of(column)).otherwise(None)
    return pl.lit(None, dtype=pl.String)


def urn_expr(column: str) -> pl.Expr:
    """A URN as digits, or null; a spreadsheet may have re-saved it as 100000.0."""
    text = text_of(column).str.replace(r"\.0+$", "")
    return pl.when(text.str.contains(r"^\d{5,8}$")).then(text).otherwise(None)


def la_code_expr(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A 3-digit LA code, or null; zero-padding restores codes a spreadsheet shortened."""
    if column not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    text = text_of(column).str.replace(r"\.0+$", "")
    return pl.when(text.str.contains(r"^\d{1,3}$")).then(text.str.zfill(3)).otherwise(None)


def urn_reason(column: str) -> pl.Expr:
    raw = text_of(column).fill_null("")
    return (
        pl.when(raw == "")
        .then(pl.lit("missing URN"))
        .otherwise(pl.format("bad URN '{}'", raw.str.slice(0, 20)))
    )


def all_blank(frame: pl.DataFrame, columns: list[str]) -> pl.Expr:
    present = [c for c in columns if c in frame.columns]
    if not present:
        return pl.lit(True)
    return pl.all_horizontal([cleaned(c).fill_null("") == "" for c in present])


def mark_duplicates(frame: pl.DataFrame) -> pl.DataFrame:
    """Keep the first row per (kind, entity) among rows still kept, reject the others."""
    key = (
        pl.when(pl.col("__reason").is_null())
        .then(pl.col("__kind") + ":" + pl.col("__entity"))
        .otherwise(None)
    )
    duplicate = key.is_not_null() & ~key.is_first_distinct()
    reason = (
        pl.when(pl.col("__kind") == SCHOOL)
        .then(pl.lit("duplicate URN"))
        .when(pl.col("__kind") == LA)
        .then(pl.lit("duplicate LA row"))
        .otherwise(pl.lit("duplicate England row"))
    )
    return frame.with_columns(
        pl.when(duplicate).then(reason).otherwise(pl.col("__reason")).alias("__reason")
    )


def school_list(frame: pl.DataFrame, reason: pl.Expr | None = None) -> pl.DataFrame:
    """Rows that are all schools (no aggregate codes): URN checks, then `reason` if given."""
    la = la_code_expr(frame, "LA") if "LA" in frame.columns else la_code_expr(frame, "LEA")
    frame = frame.with_columns(
        urn_expr("URN").alias("__entity"), pl.lit(SCHOOL).alias("__kind"), la.alias("__la")
    )
    checks = pl.when(pl.col("__entity").is_null()).then(urn_reason("URN")).otherwise(None)
    if reason is not None:
        checks = pl.when(reason.is_not_null()).then(reason).otherwise(checks)
    return mark_duplicates(frame.with_columns(checks.alias("__reason")))


def rectype_rows(
    frame: pl.DataFrame,
    *,
    kinds: dict[str, str],
    refused: dict[str, str],
    measure_cells: list[str],
) -> pl.DataFrame:
    """Schools, LA and England rows of files that flag aggregates with RECTYPE codes.

    The codes differ by file (KS4 results: 4 = LA, 5 = England all schools, 7 = England
    state-funded; destinations: "LA", "NAT"), so each reader passes what its codes mean
    (`kinds`) and which it will not store, with the reason (`refused`).
    """
    la_column = "LEA" if "LEA" in frame.columns else "LA"
    rectype = text_of("RECTYPE").fill_null("").str.to_uppercase().str.replace(r"\.0+$", "")
    frame = frame.with_columns(
        rectype.alias("__rectype"),
        rectype.replace_strict(kinds, default=None, return_dtype=pl.String).alias("__kind"),
        urn_expr("URN").alias("__urn"),
        la_code_expr(frame, la_column).alias("__la_raw"),
    )
    kind = pl.col("__kind")
    frame = frame.with_columns(
        pl.when(kind == SCHOOL)
        .then(pl.col("__urn"))
        .when(kind == LA)
        .then(pl.col("__la_raw"))
        .when(kind == ENGLAND)
        .then(pl.lit(ENGLAND_CODE))
        .alias("__entity"),
        pl.when(kind == ENGLAND)
        .then(pl.lit(ENGLAND_CODE))
        .otherwise(pl.col("__la_raw"))
        .alias("__la"),
    )
    refusal = pl.col("__rectype").replace_strict(refused, default=None, return_dtype=pl.String)
    reason = (
        pl.when(refusal.is_not_null())
        .then(refusal)
        .when(kind.is_null())
        .then(pl.format("unknown RECTYPE '{}'", pl.col("__rectype").str.slice(0, 10)))
        .when((kind == SCHOOL) & pl.col("__urn").is_null())
        .then(urn_reason("URN"))
        .when((kind == LA) & pl.col("__la_raw").is_null())
        .then(pl.lit("LA row without a valid LA code"))
        .when((kind != SCHOOL) & all_blank(frame, measure_cells))
        .then(pl.lit("aggregate row with every figure blank (e.g. an LA with no schools)"))
        .otherwise(None)
    )
    return mark_duplicates(frame.with_columns(reason.alias("__reason")))


def melt(frame: pl.DataFrame, specs: list[MeasureColumn], year: str, source: str) -> pl.DataFrame:
    return melt_measures(
        frame,
        specs,
        entity=pl.col("__entity"),
        entity_kind=pl.col("__kind"),
        la_code=pl.col("__la"),
        academic_year=year,
        source=source,
        published=pl.col("__kind") != SCHOOL,
    )


def summed(
    frame: pl.DataFrame,
    spec: MeasureColumn,
    plus: str,
    year: str,
    source: str,
    decimals: int,
    ceiling: float | None = None,
) -> pl.DataFrame:
    """A measure DfE splits over two cells (SEN support, EHC plan), added when both are numbers.

    `spec.column` holds the first cell, `plus` the second. Otherwise the sum carries the
    first cell's status when that is not a value, else the second's, so "NA" + 12 stays
    not_applicable instead of becoming 12. `original` keeps both cells ("17.5+1.8") so the
    figure can be traced. Two shares rounded apart can add up past 100 (93.8 + 6.3 in a
    special school), hence the `ceiling`.
    """
    if spec.column not in frame.columns or plus not in frame.columns:
        return pl.DataFrame(schema=RESULTS_SCHEMA)
    a = melt(frame, [spec], year, source)
    b = melt(
        frame, [MeasureColumn(plus, spec.measure, spec.pupil_group, spec.key_stage)], year, source
    )
    both = (pl.col("status") == VALUE) & (pl.col("__b_status") == VALUE)
    return (
        a.with_columns(
            b["value"].alias("__b_value"),
            b["status"].alias("__b_status"),
            b["original"].alias("__b_original"),
        )
        .with_columns(
            pl.when(both)
            .then((pl.col("value") + pl.col("__b_value")).round(decimals).clip(None, ceiling))
            .otherwise(None)
            .alias("value"),
            pl.when(pl.col("status") != VALUE)
            .then(pl.col("status"))
            .otherwise(pl.col("__b_status"))
            .alias("status"),
            (pl.col("original") + "+" + pl.col("__b_original")).alias("original"),
        )
        .select(list(RESULTS_SCHEMA))
    )


def schools_frame(frame: pl.DataFrame, source: str, **columns: pl.Expr) -> pl.DataFrame:
    """The schools table from one expression per column; those not given stay null."""
    exprs = [
        columns.get(name, pl.lit(None, dtype=dtype)).cast(dtype).alias(name)
        for name, dtype in SCHOOLS_SCHEMA.items()
        if name != "source"
    ]
    return frame.filter(pl.col("__kind") == SCHOOL).select(*exprs, pl.lit(source).alias("source"))


def ingest_result(
    path: Path,
    kind: str,
    frame: pl.DataFrame,
    results: list[pl.DataFrame],
    schools: pl.DataFrame | None,
    notes: list[str],
) -> IngestResult:
    kept = frame.filter(pl.col("__reason").is_null())
    rejected = (
        frame.filter(pl.col("__reason").is_not_null())
        .select(
            pl.lit(path.name).alias("source"),
            pl.col("__row").alias("row"),
            pl.col("__reason").alias("reason"),
        )
        .cast(REJECTED_SCHEMA)  # type: ignore[arg-type]
    )
    result = IngestResult(
        source=path.name,
        kind=kind,
        rows_read=frame.height,
        rows_stored=kept.height,
        results=pl.concat([pl.DataFrame(schema=RESULTS_SCHEMA), *results], how="vertical"),
        rejected=rejected,
        notes=notes,
    )
    if schools is not None:
        result.schools = schools
    if rejected.height:
        counts = rejected.group_by("reason").len().sort(["len", "reason"], descending=True)
        summary = "; ".join(f"{reason} ({n})" for reason, n in counts.head(5).iter_rows())
        result.notes.append(f"{rejected.height} rows not stored: {summary}.")
    result.check_accounting()
    return result


#: NFTYPE codes (DfE performance-tables abbreviations) of schools the state does not fund.
NOT_STATE_FUNDED = ("IND", "INDSPEC", "NMSS")


def nftype_state_funded(frame: pl.DataFrame) -> pl.Expr:
    nftype = optional(frame, "NFTYPE").str.to_uppercase()
    return pl.when(nftype.is_null()).then(None).otherwise(~nftype.is_in(NOT_STATE_FUNDED))


def secondary_schools(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """KS4 and destinations files list secondary-age schools; RECTYPE 2 marks special ones."""
    is_special = pl.col("__rectype") == "2"
    return schools_frame(
        frame,
        source,
        urn=pl.col("__entity"),
        name=optional(frame, "SCHNAME"),
        la_code=pl.col("__la"),
        school_type=optional(frame, "NFTYPE"),
        phase=pl.when(is_special).then(pl.lit("special")).otherwise(pl.lit("secondary")),
        is_special=is_special,
        is_state_funded=nftype_state_funded(frame),
    )
