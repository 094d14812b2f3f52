"""All-England school files from DfE's performance-tables download (2018-19 and alike).

These six small formats give every school in England its context (census), headline KS2/KS4
figures, destinations, absence and coordinates, so the app can place the ten Greater
Manchester LAs against all of England even before anyone uploads LA-level files. The same
readers take any other year or an LA subset of the same layouts: every kind is recognised
from its header, never from its file name.

Kinds and the measures they store (results are long rows; see `equity.schema`):

- ``school_census`` (england_census.csv): key stage "census"; ``pupils`` for all (NOR),
  girls (NORG), boys (NORB), fsm6 (NUMFSMEVER), fsm (NUMFSM), eal (NUMEAL) and sen
  (TSENELK + TSENELSE); ``pct_fsm6`` (PNUMFSMEVER), ``pct_eal`` (PNUMEAL),
  ``pct_sen_ehcp`` (PSENELSE) and ``pct_sen`` (PSENELK + PSENELSE). A sum is a value only
  when both cells are numbers; otherwise it carries the first non-value status, so an "NA"
  never turns into a zero. ``pct_sen`` is capped at 100: two shares DfE rounded apart add
  up to 100.1 in 17 special schools. PNUMFSMEVER's denominator is the pupils counted for FSM, which
  is not NOR and is not in the file, so it gets no pupil count. The census has no school
  names. Its "NAT" rows are England totals for one school type only; the results table has
  no phase, so storing them as England would pass a primary-only figure off as all schools:
  they are rejected with that reason.
- ``ks4_provisional`` (england_ks4provisional.csv): key stage "ks4"; ``ks4_attainment8``,
  ``ks4_progress8`` (pupils P8PUP), ``ks4_progress8_ci_lower`` / ``ks4_progress8_ci_upper``
  (P8CILOW / P8CIUPP, the 95% confidence limits of the adjusted Progress 8 score),
  ``ks4_basics_94_pct``, ``ks4_basics_95_pct``, ``ks4_ebacc_aps`` and ``pupils`` (TPUP).
  P8MEA is DfE's headline score, in which extreme negative pupil scores are capped (2018
  methodology); the unadjusted P8MEA_ORIG is not stored. The figures are provisional, so
  `source` always contains the word "provisional" and a note says so: a consumer that
  also loads final figures for the same schools can tell them apart. RECTYPE 4 rows are
  the LA, RECTYPE 7 is England's state-funded total (stored as England, "970", the figure
  DfE and LAIT quote); RECTYPE 5 is England including independent schools and is rejected
  so that England has one figure per measure.
- ``ks4_destinations`` (england_ks4-pupdest.csv): key stage "destinations";
  ``destinations_sustained_pct`` for all (OVERALL_DESTPER), disadvantaged (_DIS) and other
  (_NONDIS) pupils, with ``pupils`` rows for COHORT / COHORT_DIS / COHORT_NONDIS. The file
  ships with the performance tables of one year but describes pupils who finished KS4
  two years earlier (2018-19 tables: the 2019 destination measures, KS4 in 2016/17), and
  ``academic_year`` is that KS4 year, because a destinations gap is read against the same
  cohort's GCSE results. Columns suffixed _18 / _17 repeat the measures from the 2018 and
  2017 publications and are stored for the cohorts of 2015/16 and 2014/15. Percentages
  are published as "94%"; a re-saved file holding fractions ("0.94") is scaled to 0-100,
  the original text kept.
- ``school_absence`` (england_abs.csv): key stage "absence"; ``absence_overall_pct``
  (PERCTOT) and ``absence_persistent_pct`` (PPERSABS10). SOURCES.md calls this file
  2017-18, but its own England rows (primary 4.0%, secondary 5.5%, special 10.1%) are the
  figures DfE published for 2018/19 (2017/18 was 4.2% primary and 10.2% special, per the
  "Pupil absence in schools in England 2018/19" release), so there is nothing to justify
  overriding the folder's year: the file's year comes from the folder or file name like
  every other kind, and a note records the discrepancy. Its "NAT" rows are per school type
  and rejected for the same reason as the census's.
- ``school_locations`` (trimmed england_ks2final / ks4final / ks5final.csv): the schools
  table with name, postcode, latitude/longitude and phase (Primary, Secondary, Post16 ->
  primary, secondary, 16 plus), but no LA code. Result columns ride along as school rows
  with a null LA (KS2 READPROG / WRITPROG / MATPROG; KS4 ATT8SCR / P8MEA / PTL2BASICS_95 /
  EBACCAPS); KS5 value-added has no canonical measure and is not stored. `source` is the
  file name, so these final KS4 figures stay distinguishable from the provisional ones.
- ``national_averages`` (england_gcse_alevel_averages.csv, one row): England ("970",
  published) ``ks4_attainment8`` (GCSEATT8), ``ks4_basics_95_pct`` (GCSEENGMAT5) and
  ``ks4_ebacc_aps`` (EBACCSCORE). The values match the state-funded final figures, the
  same population as RECTYPE 7 of the provisional file.

The academic year is a fact none of these files state. It comes from the file name when it
holds one (2018-19_england_census.csv) and otherwise from `year_hint`, the folder name
(national-2018-19); with neither, the file cannot be placed in time and `IngestError`
says how to name it. Every data row is either stored or rejected with a reason (bad or
missing URN, duplicate URN, aggregate rows with no home in the store), so
``rows_read == rows_stored + rejected.height``. Everything is vectorised: the 24k-row
census reads in a fraction of a second.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.cells import MeasureColumn, cleaned, count_expr, melt_measures, value_expr
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

#: Measures this module stores that `schema.MEASURES` does not (yet) define.
NEW_MEASURES: tuple[str, ...] = ("ks4_progress8_ci_lower", "ks4_progress8_ci_upper")

_VALUE = str(Status.VALUE)
_SCHOOL, _LA, _ENGLAND = "school", "la", "england"


# --------------------------------------------------------------------------- shared pieces


def _columns(header: list[str]) -> set[str]:
    return {h.strip().lstrip("\ufeff").strip('"').strip().upper() for h in header}


def _read(path: Path, required: set[str], kind: str) -> pl.DataFrame:
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


def _file_year(path: Path, year_hint: str | None, meaning: str) -> tuple[str, list[str]]:
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


def _shift_year(academic_year: str, years: int) -> str:
    start = year_start(academic_year) + years
    return f"{start}/{(start + 1) % 100:02d}"


def _text(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars()


def _optional(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A text column with blanks as null, or all null when this layout lacks the column."""
    if column in frame.columns:
        return pl.when(_text(column) != "").then(_text(column)).otherwise(None)
    return pl.lit(None, dtype=pl.String)


def _urn(column: str) -> pl.Expr:
    """A URN as digits, or null; a spreadsheet may have re-saved it as 100000.0."""
    text = _text(column).str.replace(r"\.0+$", "")
    return pl.when(text.str.contains(r"^\d{5,8}$")).then(text).otherwise(None)


def _la_code(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A 3-digit LA code, or null; zero-padding restores codes a spreadsheet shortened."""
    if column not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    text = _text(column).str.replace(r"\.0+$", "")
    return pl.when(text.str.contains(r"^\d{1,3}$")).then(text.str.zfill(3)).otherwise(None)


def _urn_reason(column: str) -> pl.Expr:
    raw = _text(column).fill_null("")
    return (
        pl.when(raw == "")
        .then(pl.lit("missing URN"))
        .otherwise(pl.format("bad URN '{}'", raw.str.slice(0, 20)))
    )


def _all_blank(frame: pl.DataFrame, columns: list[str]) -> pl.Expr:
    present = [c for c in columns if c in frame.columns]
    if not present:
        return pl.lit(True)
    return pl.all_horizontal([cleaned(c).fill_null("") == "" for c in present])


def _mark_duplicates(frame: pl.DataFrame) -> pl.DataFrame:
    """Keep the first row per (kind, entity) among rows still kept, reject the others."""
    key = (
        pl.when(pl.col("__reason").is_null())
        .then(pl.col("__kind") + ":" + pl.col("__entity"))
        .otherwise(None)
    )
    duplicate = key.is_not_null() & ~key.is_first_distinct()
    reason = (
        pl.when(pl.col("__kind") == _SCHOOL)
        .then(pl.lit("duplicate URN"))
        .when(pl.col("__kind") == _LA)
        .then(pl.lit("duplicate LA row"))
        .otherwise(pl.lit("duplicate England row"))
    )
    return frame.with_columns(
        pl.when(duplicate).then(reason).otherwise(pl.col("__reason")).alias("__reason")
    )


def _school_list(frame: pl.DataFrame, reason: pl.Expr | None = None) -> pl.DataFrame:
    """Rows that are all schools (no aggregate codes): URN checks, then `reason` if given."""
    la = _la_code(frame, "LA") if "LA" in frame.columns else _la_code(frame, "LEA")
    frame = frame.with_columns(
        _urn("URN").alias("__entity"), pl.lit(_SCHOOL).alias("__kind"), la.alias("__la")
    )
    checks = pl.when(pl.col("__entity").is_null()).then(_urn_reason("URN")).otherwise(None)
    if reason is not None:
        checks = pl.when(reason.is_not_null()).then(reason).otherwise(checks)
    return _mark_duplicates(frame.with_columns(checks.alias("__reason")))


def _rectype_rows(
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
    rectype = _text("RECTYPE").fill_null("").str.to_uppercase().str.replace(r"\.0+$", "")
    frame = frame.with_columns(
        rectype.alias("__rectype"),
        rectype.replace_strict(kinds, default=None, return_dtype=pl.String).alias("__kind"),
        _urn("URN").alias("__urn"),
        _la_code(frame, la_column).alias("__la_raw"),
    )
    kind = pl.col("__kind")
    frame = frame.with_columns(
        pl.when(kind == _SCHOOL)
        .then(pl.col("__urn"))
        .when(kind == _LA)
        .then(pl.col("__la_raw"))
        .when(kind == _ENGLAND)
        .then(pl.lit(ENGLAND_CODE))
        .alias("__entity"),
        pl.when(kind == _ENGLAND)
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
        .when((kind == _SCHOOL) & pl.col("__urn").is_null())
        .then(_urn_reason("URN"))
        .when((kind == _LA) & pl.col("__la_raw").is_null())
        .then(pl.lit("LA row without a valid LA code"))
        .when((kind != _SCHOOL) & _all_blank(frame, measure_cells))
        .then(pl.lit("aggregate row with every figure blank (e.g. an LA with no schools)"))
        .otherwise(None)
    )
    return _mark_duplicates(frame.with_columns(reason.alias("__reason")))


def _melt(frame: pl.DataFrame, specs: list[MeasureColumn], year: str, source: str) -> pl.DataFrame:
    return melt_measures(
        frame,
        specs,
        entity=pl.col("__entity"),
        entity_kind=pl.col("__kind"),
        la_code=pl.col("__la"),
        academic_year=year,
        source=source,
        published=pl.col("__kind") != _SCHOOL,
    )


def _summed(
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
    a = _melt(frame, [spec], year, source)
    b = _melt(
        frame, [MeasureColumn(plus, spec.measure, spec.pupil_group, spec.key_stage)], year, source
    )
    both = (pl.col("status") == _VALUE) & (pl.col("__b_status") == _VALUE)
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
            pl.when(pl.col("status") != _VALUE)
            .then(pl.col("status"))
            .otherwise(pl.col("__b_status"))
            .alias("status"),
            (pl.col("original") + "+" + pl.col("__b_original")).alias("original"),
        )
        .select(list(RESULTS_SCHEMA))
    )


def _schools(frame: pl.DataFrame, source: str, **columns: pl.Expr) -> pl.DataFrame:
    """The schools table from one expression per column; those not given stay null."""
    exprs = [
        columns.get(name, pl.lit(None, dtype=dtype)).cast(dtype).alias(name)
        for name, dtype in SCHOOLS_SCHEMA.items()
        if name != "source"
    ]
    return frame.filter(pl.col("__kind") == _SCHOOL).select(*exprs, pl.lit(source).alias("source"))


def _result(
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
_NOT_STATE_FUNDED = ("IND", "INDSPEC", "NMSS")


def _nftype_state_funded(frame: pl.DataFrame) -> pl.Expr:
    nftype = _optional(frame, "NFTYPE").str.to_uppercase()
    return pl.when(nftype.is_null()).then(None).otherwise(~nftype.is_in(_NOT_STATE_FUNDED))


def _secondary_schools(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """KS4 and destinations files list secondary-age schools; RECTYPE 2 marks special ones."""
    is_special = pl.col("__rectype") == "2"
    return _schools(
        frame,
        source,
        urn=pl.col("__entity"),
        name=_optional(frame, "SCHNAME"),
        la_code=pl.col("__la"),
        school_type=_optional(frame, "NFTYPE"),
        phase=pl.when(is_special).then(pl.lit("special")).otherwise(pl.lit("secondary")),
        is_special=is_special,
        is_state_funded=_nftype_state_funded(frame),
    )


# --------------------------------------------------------------------------- 1. school census


def _detect_census(path: Path, header: list[str]) -> bool:
    cols = _columns(header)
    return (
        {"URN", "LA", "SCHOOLTYPE", "NOR"} <= cols
        and bool({"NUMFSMEVER", "PNUMFSMEVER", "NUMFSM"} & cols)
        and "RECTYPE" not in cols
    )


_CENSUS = "census"
_CENSUS_COLUMNS = [
    MeasureColumn("NOR", "pupils", "all", _CENSUS),
    MeasureColumn("NORG", "pupils", "girls", _CENSUS),
    MeasureColumn("NORB", "pupils", "boys", _CENSUS),
    MeasureColumn("NUMFSMEVER", "pupils", "fsm6", _CENSUS),
    MeasureColumn("NUMFSM", "pupils", "fsm", _CENSUS),
    MeasureColumn("NUMEAL", "pupils", "eal", _CENSUS),
    MeasureColumn("PNUMFSMEVER", "pct_fsm6", "all", _CENSUS),
    MeasureColumn("PNUMEAL", "pct_eal", "all", _CENSUS),
    MeasureColumn("PSENELSE", "pct_sen_ehcp", "all", _CENSUS, pupils_column="NOR"),
]


def _census_phase(school_type: pl.Expr) -> pl.Expr:
    t = school_type.str.to_lowercase()
    return (
        pl.when(t.str.contains("primary"))
        .then(pl.lit("primary"))
        .when(t.str.contains("secondary"))
        .then(pl.lit("secondary"))
        .when(t.str.contains("special"))
        .then(pl.lit("special"))
        .when(t.str.contains("nursery"))
        .then(pl.lit("nursery"))
        .when(t.str.contains("all.?through"))
        .then(pl.lit("all-through"))
        .when(t.str.contains("pupil referral|^pru$|independent|alternative provision"))
        .then(pl.lit("other"))
        .otherwise(None)
    )


def _census_state_funded(school_type: pl.Expr) -> pl.Expr:
    t = school_type.str.to_lowercase()
    return (
        pl.when(t.str.contains(r"^state.funded|pupil referral|^pru$"))
        .then(True)
        .when(t.str.contains("independent|non-maintained"))
        .then(False)
        .otherwise(None)
    )


def read_census(path: Path, year_hint: str | None) -> IngestResult:
    """The census is the only file here with an LA for every school, so it anchors the rest."""
    frame = _read(path, {"URN", "LA", "SCHOOLTYPE", "NOR"}, "school census")
    year, notes = _file_year(
        path, year_hint, "for the January 2019 census the academic year is 2018-19"
    )
    source = path.name
    national = pl.format(
        "England total for {} only: the results table has no phase, so it would read as "
        "all schools",
        _optional(frame, "SCHOOLTYPE").fill_null(_optional(frame, "ESTAB")).fill_null("?"),
    )
    is_national = _text("URN").fill_null("").str.to_uppercase() == "NAT"
    frame = _school_list(frame, pl.when(is_national).then(national).otherwise(None))
    kept = frame.filter(pl.col("__reason").is_null())
    results = [
        _melt(kept, _CENSUS_COLUMNS, year, source),
        _summed(
            kept,
            MeasureColumn("PSENELK", "pct_sen", "all", _CENSUS, pupils_column="NOR"),
            "PSENELSE",
            year,
            source,
            1,
            ceiling=100.0,
        ),
        _summed(
            kept, MeasureColumn("TSENELK", "pupils", "sen", _CENSUS), "TSENELSE", year, source, 0
        ),
    ]
    school_type = _optional(kept, "SCHOOLTYPE")
    schools = _schools(
        kept,
        source,
        urn=pl.col("__entity"),
        la_code=pl.col("__la"),
        school_type=school_type,
        phase=_census_phase(school_type),
        is_special=school_type.str.to_lowercase().str.contains("special"),
        is_state_funded=_census_state_funded(school_type),
        pupils=count_expr("NOR"),
    )
    unknown = (
        kept.filter(_census_phase(school_type).is_null())
        .select(school_type.fill_null("(blank)").unique().sort())
        .to_series()
        .to_list()
    )
    notes.append(
        f"January school census stored as academic year {year}. PNUMFSMEVER is a share of "
        "the pupils counted for FSM, not of NOR, so it carries no pupil count; pct_sen adds "
        "PSENELK (SEN support) and PSENELSE (EHC plan); independent schools report no FSM or "
        "EAL, and their NA cells are kept as not_applicable."
    )
    if unknown:
        notes.append(f"School types with no known phase (phase left blank): {unknown}.")
    return _result(path, "school_census", frame, results, schools, notes)


# --------------------------------------------------------------------------- 2. KS4 provisional


def _detect_ks4_provisional(path: Path, header: list[str]) -> bool:
    """The slim provisional layout, not the 400+ column final file with disadvantage splits."""
    cols = _columns(header)
    return (
        {"RECTYPE", "URN", "ATT8SCR", "P8MEA"} <= cols
        and bool({"LEA", "LA"} & cols)
        and bool({"P8CILOW", "P8PUP", "TPUP"} & cols)
        and "LATITUDE" not in cols
        and not any("FSM6CLA1A" in c for c in cols)
        and len(cols) <= 60
    )


_KS4 = "ks4"
_KS4_PROVISIONAL_COLUMNS = [
    MeasureColumn("ATT8SCR", "ks4_attainment8", "all", _KS4, pupils_column="TPUP"),
    MeasureColumn("P8MEA", "ks4_progress8", "all", _KS4, pupils_column="P8PUP"),
    MeasureColumn("P8CILOW", "ks4_progress8_ci_lower", "all", _KS4, pupils_column="P8PUP"),
    MeasureColumn("P8CIUPP", "ks4_progress8_ci_upper", "all", _KS4, pupils_column="P8PUP"),
    MeasureColumn("PTL2BASICS_94", "ks4_basics_94_pct", "all", _KS4, pupils_column="TPUP"),
    MeasureColumn("PTL2BASICS_95", "ks4_basics_95_pct", "all", _KS4, pupils_column="TPUP"),
    MeasureColumn("EBACCAPS", "ks4_ebacc_aps", "all", _KS4, pupils_column="TPUP"),
    MeasureColumn("TPUP", "pupils", "all", _KS4),
]


def provisional_source(name: str) -> str:
    """Provisional rows must be recognisable from `source` alone, whatever the file is called."""
    return name if "provisional" in name.lower() else f"{name} (provisional)"


def read_ks4_provisional(path: Path, year_hint: str | None) -> IngestResult:
    """The only all-England KS4 file with LA codes and Progress 8 confidence limits."""
    frame = _read(path, {"RECTYPE", "URN"}, "KS4 provisional results")
    if not {"LEA", "LA"} & set(frame.columns):
        raise IngestError(f"{path.name}: not a KS4 provisional file: no column LEA")
    year, notes = _file_year(path, year_hint, "for GCSEs taken in summer 2019 use 2018-19")
    source = provisional_source(path.name)
    frame = _rectype_rows(
        frame,
        kinds={"1": _SCHOOL, "2": _SCHOOL, "": _SCHOOL, "4": _LA, "7": _ENGLAND},
        refused={
            "5": "England total including independent schools: England is stored once, as "
            "the state-funded total (RECTYPE 7)"
        },
        measure_cells=[c.column for c in _KS4_PROVISIONAL_COLUMNS],
    )
    kept = frame.filter(pl.col("__reason").is_null())
    results = [_melt(kept, _KS4_PROVISIONAL_COLUMNS, year, source)]
    notes.append(
        f"PROVISIONAL KS4 results for {year}: DfE revises them in the final tables, so their "
        f"rows carry source '{source}'; prefer final figures where both exist. Progress 8 is "
        "the adjusted headline score (P8MEA); its 95% confidence limits are stored as "
        "ks4_progress8_ci_lower / ks4_progress8_ci_upper."
    )
    return _result(path, "ks4_provisional", frame, results, _secondary_schools(kept, source), notes)


# --------------------------------------------------------------------------- 3. KS4 destinations


def _detect_destinations(path: Path, header: list[str]) -> bool:
    return {"URN", "COHORT", "OVERALL_DESTPER"} <= _columns(header)


_DEST = "destinations"
_DEST_GROUPS = (("", "all"), ("_DIS", "disadvantaged"), ("_NONDIS", "other"))
_EARLIER = re.compile(r"^OVERALL_DESTPER(?:_DIS|_NONDIS)?_(\d{2})$")


def _destination_columns(suffix: str) -> list[MeasureColumn]:
    specs = []
    for group_suffix, group in _DEST_GROUPS:
        cohort = f"COHORT{group_suffix}{suffix}"
        specs.append(
            MeasureColumn(
                f"OVERALL_DESTPER{group_suffix}{suffix}",
                "destinations_sustained_pct",
                group,
                _DEST,
                pupils_column=cohort,
            )
        )
        specs.append(MeasureColumn(cohort, "pupils", group, _DEST))
    return specs


def written_as_fractions(frame: pl.DataFrame, columns: list[str]) -> bool:
    """True when a file holds percentages as fractions (0.94), as a re-save can leave them.

    Decided for the whole file, never per cell: no cell carries "%", every number lies in
    0-1 and at least one lies strictly between, so a column of 0s and 1s stays percent.
    """
    present = [c for c in columns if c in frame.columns]
    if not present:
        return False
    has_percent = frame.select(
        pl.any_horizontal(
            pl.col(c).cast(pl.String).str.contains("%", literal=True).any() for c in present
        )
    ).item()
    numbers = pl.concat([frame.select(value_expr(c).alias("v")) for c in present])["v"]
    numbers = numbers.drop_nulls()
    return (
        not has_percent
        and numbers.len() > 0
        and float(numbers.max()) <= 1.0  # type: ignore[arg-type]
        and bool(numbers.is_between(0, 1, closed="none").any())
    )


def read_destinations(path: Path, year_hint: str | None) -> IngestResult:
    """Destinations are the one all-England file here split by disadvantage."""
    frame = _read(path, {"RECTYPE", "URN", "COHORT", "OVERALL_DESTPER"}, "KS4 destinations")
    earlier_publications = sorted(
        {2000 + int(m.group(1)) for c in frame.columns if (m := _EARLIER.match(c))},
        reverse=True,
    )
    try:
        tables_year, notes = _file_year(
            path,
            year_hint,
            "the performance-tables year it came with: 2018-19 for the 2019 destination "
            "measures of pupils who finished KS4 in 2016/17",
        )
    except IngestError:
        if not earlier_publications:
            raise
        # The suffixed columns name the previous publications, so this one is the next.
        end = earlier_publications[0] + 1
        tables_year = f"{end - 1}/{end % 100:02d}"
        notes = [
            f"No year in the folder or file name: its _{earlier_publications[0] % 100} "
            f"columns are the {earlier_publications[0]} publication, so this is the {end} one."
        ]
    publication = year_start(tables_year) + 1
    cohort_year = _shift_year(tables_year, -2)
    source = path.name
    frame = _rectype_rows(
        frame,
        kinds={"1": _SCHOOL, "2": _SCHOOL, "": _SCHOOL, "LA": _LA, "4": _LA, "NAT": _ENGLAND},
        refused={},
        measure_cells=[c.column for c in _destination_columns("")],
    )
    kept = frame.filter(pl.col("__reason").is_null())
    results = [_melt(kept, _destination_columns(""), cohort_year, source)]
    stored_earlier = []
    for earlier in earlier_publications:
        if earlier >= publication:
            continue  # not an earlier publication: no year can honestly be given to it
        year = _shift_year(cohort_year, earlier - publication)
        stored_earlier.append(year)
        results.append(_melt(kept, _destination_columns(f"_{earlier % 100:02d}"), year, source))
    percents = [c for c in frame.columns if c.startswith("OVERALL_DESTPER")]
    if written_as_fractions(kept, percents):
        results = [
            part.with_columns(
                pl.when(pl.col("measure") == "destinations_sustained_pct")
                .then(pl.col("value") * 100)
                .otherwise(pl.col("value"))
                .alias("value")
            )
            for part in results
        ]
        notes.append("Percentages were written as fractions (0.94): stored as 0-100.")
    notes.append(
        f"KS4 destinations from the {tables_year} performance tables (the {publication} "
        f"destination measures) describe pupils who finished KS4 in {cohort_year}: stored "
        f"under {cohort_year}, the cohort's KS4 year, so they sit beside that cohort's GCSEs."
        + (
            f" Earlier publications in the file: {', '.join(stored_earlier)}."
            if stored_earlier
            else ""
        )
    )
    return _result(
        path, "ks4_destinations", frame, results, _secondary_schools(kept, source), notes
    )


# --------------------------------------------------------------------------- 4. school absence


def _detect_absence(path: Path, header: list[str]) -> bool:
    return {"URN", "PERCTOT", "PPERSABS10"} <= _columns(header)


_ABSENCE_COLUMNS = [
    MeasureColumn("PERCTOT", "absence_overall_pct", "all", "absence"),
    MeasureColumn("PPERSABS10", "absence_persistent_pct", "all", "absence"),
]


def read_absence(path: Path, year_hint: str | None) -> IngestResult:
    """Absence takes its year like every kind here; the module docstring says why."""
    frame = _read(path, {"URN", "PERCTOT", "PPERSABS10"}, "school absence")
    year, notes = _file_year(path, year_hint, "the academic year the absence covers")
    national = pl.format(
        "England total for one school type ({}) only: the results table has no phase, so "
        "it would read as all schools",
        _optional(frame, "ESTAB").fill_null("?"),
    )
    is_national = (_optional(frame, "LA").str.to_uppercase() == "NAT") & _urn("URN").is_null()
    frame = _school_list(frame, pl.when(is_national).then(national).otherwise(None))
    kept = frame.filter(pl.col("__reason").is_null())
    results = [_melt(kept, _ABSENCE_COLUMNS, year, path.name)]
    notes.append(
        f"Absence stored as {year}, the year of its folder or file name, as the file does not "
        "state one. SOURCES.md calls the 2018-19 bundle's absence 2017-18, but that file's "
        "England rows (primary 4.0%, secondary 5.5%, special 10.1%) match DfE's 2018/19 "
        "release, not 2017/18's (primary 4.2%, special 10.2%)."
    )
    return _result(path, "school_absence", frame, results, None, notes)


# --------------------------------------------------------------------------- 5. school locations


def _detect_locations(path: Path, header: list[str]) -> bool:
    return {"URN", "SCHNAME", "LATITUDE", "LONGITUDE", "PHASE"} <= _columns(header)


_LOCATION_COLUMNS = [
    MeasureColumn("READPROG", "ks2_reading_progress", "all", "ks2"),
    MeasureColumn("WRITPROG", "ks2_writing_progress", "all", "ks2"),
    MeasureColumn("MATPROG", "ks2_maths_progress", "all", "ks2"),
    MeasureColumn("ATT8SCR", "ks4_attainment8", "all", _KS4),
    MeasureColumn("P8MEA", "ks4_progress8", "all", _KS4),
    MeasureColumn("PTL2BASICS_95", "ks4_basics_95_pct", "all", _KS4),
    MeasureColumn("EBACCAPS", "ks4_ebacc_aps", "all", _KS4),
]

_PHASES = {"primary": "primary", "secondary": "secondary", "post16": "16 plus"}


def _coordinates() -> tuple[pl.Expr, pl.Expr]:
    """Latitude and longitude inside England's bounding box, or both null.

    A pair is kept or dropped whole: longitude 0 is Greenwich, so only the pair tells a
    real point from a blank a spreadsheet filled with zeros.
    """
    lat, lon = value_expr("LATITUDE"), value_expr("LONGITUDE")
    inside = lat.is_between(49.0, 56.5) & lon.is_between(-7.0, 2.5)
    return (
        pl.when(inside).then(lat).otherwise(None),
        pl.when(inside).then(lon).otherwise(None),
    )


def read_locations(path: Path, year_hint: str | None) -> IngestResult:
    """The trimmed files are the only source of coordinates for all of England's schools."""
    frame = _read(path, {"URN", "SCHNAME", "LATITUDE", "LONGITUDE", "PHASE"}, "school list")
    year, notes = _file_year(path, year_hint, "the performance-tables year, e.g. 2018-19")
    source = path.name
    frame = _school_list(frame)
    kept = frame.filter(pl.col("__reason").is_null())
    results = [_melt(kept, _LOCATION_COLUMNS, year, source)]
    school_type = _optional(kept, "SCHTYPE")
    lat, lon = _coordinates()
    phase = _optional(kept, "PHASE").str.to_lowercase().str.replace_all(r"[\s_-]", "")
    is_special = (school_type.str.to_lowercase() == "special school").fill_null(False) | (
        _optional(kept, "RECTYPE") == "2"
    ).fill_null(False)
    schools = _schools(
        kept,
        source,
        urn=pl.col("__entity"),
        name=_optional(kept, "SCHNAME"),
        postcode=_optional(kept, "PCODE").str.to_uppercase(),
        lat=lat,
        lon=lon,
        phase=phase.replace_strict(_PHASES, default=None, return_dtype=pl.String),
        school_type=school_type,
        is_special=is_special,
        is_state_funded=pl.when(school_type.is_in(["Academy", "Maintained school"]))
        .then(True)
        .when(school_type == "Independent school")
        .then(False)
        .otherwise(None),
    )
    notes.append(
        f"School list stored as {year}. It has no LA code: its schools reach an LA through "
        f"the census, by URN. Its results are final figures with source '{source}', apart "
        "from any provisional ones; KS5 value-added columns are not stored."
    )
    return _result(path, "school_locations", frame, results, schools, notes)


# --------------------------------------------------------------------------- 6. national averages


def _detect_averages(path: Path, header: list[str]) -> bool:
    cols = _columns(header)
    return bool({"GCSEATT8", "GCSEENGMAT5"} & cols) and "URN" not in cols


_AVERAGE_COLUMNS = [
    MeasureColumn("GCSEATT8", "ks4_attainment8", "all", _KS4),
    MeasureColumn("GCSEENGMAT5", "ks4_basics_95_pct", "all", _KS4),
    MeasureColumn("EBACCSCORE", "ks4_ebacc_aps", "all", _KS4),
]


def read_averages(path: Path, year_hint: str | None) -> IngestResult:
    """England's final averages: the benchmark a school or an LA is read against."""
    frame = _read(path, set(), "national averages")
    if not {"GCSEATT8", "GCSEENGMAT5"} & set(frame.columns):
        raise IngestError(f"{path.name}: not a national averages file: no GCSEATT8 column")
    year, notes = _file_year(path, year_hint, "the performance-tables year, e.g. 2018-19")
    frame = frame.with_columns(
        pl.lit(ENGLAND_CODE).alias("__entity"),
        pl.lit(_ENGLAND).alias("__kind"),
        pl.lit(ENGLAND_CODE).alias("__la"),
        pl.when(_all_blank(frame, [c.column for c in _AVERAGE_COLUMNS]))
        .then(pl.lit("row with every figure blank"))
        .otherwise(None)
        .alias("__reason"),
    )
    frame = _mark_duplicates(frame)
    kept = frame.filter(pl.col("__reason").is_null())
    results = [_melt(kept, _AVERAGE_COLUMNS, year, path.name)]
    notes.append(f"England averages for {year}: state-funded schools, final figures.")
    return _result(path, "national_averages", frame, results, None, notes)


# --------------------------------------------------------------------------- registry entries

KINDS: list[FileKind] = [
    FileKind(
        "school_census",
        "School census (DfE performance tables): pupils, FSM, EAL and SEN for every school",
        (".csv",),
        _detect_census,
        read_census,
    ),
    FileKind(
        "ks4_provisional",
        "KS4 provisional results for every school, LA and England (slim 25-column file)",
        (".csv",),
        _detect_ks4_provisional,
        read_ks4_provisional,
    ),
    FileKind(
        "ks4_destinations",
        "KS4 destination measures: sustained education or employment, by disadvantage",
        (".csv",),
        _detect_destinations,
        read_destinations,
    ),
    FileKind(
        "school_absence",
        "School absence: overall and persistent absence rates for every school",
        (".csv",),
        _detect_absence,
        read_absence,
    ),
    FileKind(
        "school_locations",
        "School list with coordinates and headline results (trimmed KS2/KS4/KS5 files)",
        (".csv",),
        _detect_locations,
        read_locations,
    ),
    FileKind(
        "national_averages",
        "England's GCSE and A level averages (one row)",
        (".csv",),
        _detect_averages,
        read_averages,
    ),
]
