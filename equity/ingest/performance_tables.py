"""DfE "Compare school performance" downloads: KS2 and KS4 final results and their dictionaries.

These files are the only place school-level results come split by disadvantage, so they carry
the equity story for schools. One reader serves any LA, an all-England download and any year
from 2016/17 on: DfE adds, drops and re-cases columns from year to year (TNotFSM6CLA1A in KS2,
TNOTFSM6CLA1A in KS4), so every column is looked up case-insensitively and a column a year
lacks is skipped, never invented.

Record types. Each file ends with DfE's own aggregates, coded differently per key stage
(checked against the 2018-19 dictionaries and the pupil counts in every sample file):

    KS2: 1 mainstream school, 2 special school, 3 the LA,
         4 England, all schools (incl. independent),  5 England, state-funded schools
    KS4: 1 mainstream school, 2 special school, 4 the LA,
         5 England, all schools (incl. independent),  7 England, state-funded ("maintained")

In every sample the state-funded row has the smaller cohort (KS2 2018/19: TELIG 644,967 vs
649,249; KS4 2018/19: TPUP 542,621 vs 604,963) and, in KS4, the all-schools row has no
disadvantage, prior-attainment or Progress 8 figures at all. The state-funded row is the one
DfE's headline statistics and LAIT's England figures use, and the LA rows are state-funded too,
so it is stored as THE England figure (entity "970", entity_kind "england"). The all-schools
row is deliberately not stored: a second "england" entity would give every England comparison
two candidates that differ (KS4 2018/19 Attainment 8: 46.7 vs 44.7). It still counts as stored
(the file's figures were read and superseded, not faulty) and a note on the result says so.

Pupil counts. `pupils` on a result row is the size of the pupil group the figure describes
(TELIG / TPUP, TFSM6CLA1A, TNOTFSM6CLA1A, boys, girls, EAL, prior-attainment bands); for
Progress 8 it is the number in the measure (P8PUP*), which the file gives. KS2 files give no
per-group count of pupils with a KS1 baseline, so KS2 progress rows carry the group's cohort.

Academic year: the DfE file name (2018-2019_936_ks4final.csv), else the caller's folder hint.
The content is not used: the only year signal in it is the prior-year columns (ATT8SCR_18),
and those skip the pandemic years, so "latest prior year + 1" would date 2021/22 and 2022/23
files wrongly. It is only used to warn when the name and the columns disagree.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import polars as pl

from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.cells import MeasureColumn, count_expr, melt_measures
from equity.ingest.csvfile import open_text_csv, read_text_csv
from equity.schema import (
    ENGLAND_CODE,
    REJECTED_SCHEMA,
    SCHOOLS_SCHEMA,
    empty_frame,
    parse_academic_year,
)

# --------------------------------------------------------------------------- record types

_SCHOOL = "school"
_LA = "la"
_ENGLAND = "england"
_ENGLAND_ALL = "england_all_schools"  # read, superseded by the state-funded row, not stored

RECTYPES: Final[dict[str, dict[str, str]]] = {
    "ks2": {"1": _SCHOOL, "2": _SCHOOL, "3": _LA, "4": _ENGLAND_ALL, "5": _ENGLAND},
    "ks4": {"1": _SCHOOL, "2": _SCHOOL, "4": _LA, "5": _ENGLAND_ALL, "7": _ENGLAND},
}
_SPECIAL_RECTYPE: Final = "2"

#: Cohort column per key stage: used to check which England row is the state-funded one.
_COHORT: Final[dict[str, str]] = {"ks2": "TELIG", "ks4": "TPUP"}

# --------------------------------------------------------------------------- measures

# (pupil group, column suffix as DfE writes it, cohort-count column) per key stage. Upper
# case throughout: headers are matched case-insensitively.
_KS2_GROUPS: Final = (
    ("all", "", "TELIG"),
    ("disadvantaged", "_FSM6CLA1A", "TFSM6CLA1A"),
    ("other", "_NOTFSM6CLA1A", "TNOTFSM6CLA1A"),
    ("boys", "_B", "BELIG"),
    ("girls", "_G", "GELIG"),
    ("eal", "_EAL", "TEALGRP2"),
    ("low_prior", "_L", "TKS1GROUP_L"),
    ("middle_prior", "_M", "TKS1GROUP_M"),
    ("high_prior", "_H", "TKS1GROUP_H"),
)
_KS4_GROUPS: Final = (
    ("all", "", "TPUP"),
    ("disadvantaged", "_FSM6CLA1A", "TFSM6CLA1A"),
    ("other", "_NFSM6CLA1A", "TNOTFSM6CLA1A"),
    ("boys", "_BOYS", "BPUP"),
    ("girls", "_GIRLS", "GPUP"),
    ("eal", "_EAL", "TEALGRP2"),
    ("low_prior", "_LO", "TPRIORLO"),
    ("middle_prior", "_AV", "TPRIORAV"),
    ("high_prior", "_HI", "TPRIORHI"),
)

# KS4 basics (English and maths) columns do not follow the suffix pattern.
_KS4_BASICS: Final[dict[str, tuple[str, ...]]] = {
    grade: (
        f"PTL2BASICS_{grade}",
        f"PTFSM6CLA1ABASICS_{grade}",
        f"PTNOTFSM6CLA1ABASICS_{grade}",
        f"PBL2BASICS_{grade}",
        f"PGL2BASICS_{grade}",
        f"PTL2BASICSEAL_{grade}",
        f"PTBASICSLO_{grade}",
        f"PTBASICSAV_{grade}",
        f"PTBASICSHI_{grade}",
    )
    for grade in ("94", "95")
}


def _ks2_candidates() -> list[tuple[str, str, str, str | None]]:
    """(column, measure, group, pupils column) for KS2, upper-cased."""
    out: list[tuple[str, str, str, str | None]] = []
    for group, suffix, count in _KS2_GROUPS:
        out.append((f"PTRWM_EXP{suffix}", "ks2_rwm_expected_pct", group, count))
        out.append((f"PTRWM_HIGH{suffix}", "ks2_rwm_higher_pct", group, count))
        for prefix, measure in (
            ("READPROG", "ks2_reading_progress"),
            ("WRITPROG", "ks2_writing_progress"),
            ("MATPROG", "ks2_maths_progress"),
        ):
            out.append((f"{prefix}{suffix}", measure, group, count))
        out.append((count, "pupils", group, count))
    out += [
        ("PTFSM6CLA1A", "pct_disadvantaged", "all", "TELIG"),
        ("PTEALGRP2", "pct_eal", "all", "TELIG"),
        ("PSENELEK", "pct_sen", "all", "TELIG"),
    ]
    return out


def _ks4_candidates() -> list[tuple[str, str, str, str | None]]:
    """(column, measure, group, pupils column) for KS4, upper-cased."""
    out: list[tuple[str, str, str, str | None]] = []
    for index, (group, suffix, count) in enumerate(_KS4_GROUPS):
        out.append((f"ATT8SCR{suffix}", "ks4_attainment8", group, count))
        out.append((f"P8MEA{suffix}", "ks4_progress8", group, f"P8PUP{suffix}"))
        out.append((_KS4_BASICS["94"][index], "ks4_basics_94_pct", group, count))
        out.append((_KS4_BASICS["95"][index], "ks4_basics_95_pct", group, count))
        out.append((f"EBACCAPS{suffix}", "ks4_ebacc_aps", group, count))
        out.append((count, "pupils", group, count))
    out += [
        ("KS2APS", "ks4_prior_attainment", "all", "TPUP"),
        ("PTFSM6CLA1A", "pct_disadvantaged", "all", "TPUP"),
        ("PTEALGRP2", "pct_eal", "all", "TPUP"),
        ("PSEN_ALL", "pct_sen", "all", "TPUP"),
    ]
    return out


CANDIDATES: Final[dict[str, list[tuple[str, str, str, str | None]]]] = {
    "ks2": _ks2_candidates(),
    "ks4": _ks4_candidates(),
}


def measure_columns(columns: list[str], key_stage: str) -> list[MeasureColumn]:
    """The measure columns this file has, spelt as the file spells them."""
    lookup: dict[str, str] = {}
    for column in columns:
        lookup.setdefault(column.upper(), column)
    specs = []
    for column, measure, group, pupils in CANDIDATES[key_stage]:
        actual = lookup.get(column)
        if actual is None:
            continue
        specs.append(
            MeasureColumn(
                column=actual,
                measure=measure,
                pupil_group=group,
                key_stage=key_stage,
                pupils_column=lookup.get(pupils) if pupils else None,
            )
        )
    return specs


# --------------------------------------------------------------------------- school types

#: NFTYPE codes -> (GIAS-style type name, state-funded?). None: not inferable from the code.
SCHOOL_TYPES: Final[dict[str, tuple[str, bool | None]]] = {
    "AC": ("Academy sponsor led", True),
    "ACC": ("Academy converter", True),
    "CY": ("Community school", True),
    "VA": ("Voluntary aided school", True),
    "VC": ("Voluntary controlled school", True),
    "FD": ("Foundation school", True),
    "F": ("Free schools", True),
    "CTC": ("City technology college", True),
    "UTC": ("University technical college", True),
    "SS": ("Studio schools", True),
    "CYS": ("Community special school", True),
    "FDS": ("Foundation special school", True),
    "ACS": ("Academy special sponsor led", True),
    "ACCS": ("Academy special converter", True),
    "FS": ("Free schools special", True),
    "IND": ("Other independent school", False),
    "INDSPEC": ("Other independent special school", False),
    "NMSS": ("Non-maintained special school", False),
    # FE colleges teaching 14-16s: publicly funded, but outside DfE's "state-funded schools".
    "FESI": ("Further education sector institution", None),
}

# --------------------------------------------------------------------------- detection

_DISADVANTAGE_COLUMNS: Final = frozenset(
    {"TFSM6CLA1A", "PTFSM6CLA1A", "PTRWM_EXP_FSM6CLA1A", "ATT8SCR_FSM6CLA1A"}
)
_SCHOOL_ID_COLUMNS: Final = frozenset({"RECTYPE", "LEA", "URN"})


def _upper(header: list[str]) -> set[str]:
    return {h.strip().upper() for h in header}


def is_ks2_final(header: list[str]) -> bool:
    """Full KS2 school file: school ids, the RWM headline and a disadvantage split.

    The trimmed all-England KS2 file has RECTYPE and URN but no LEA, no PTRWM_EXP and no
    disadvantage columns, so it is left to the kind that reads it.
    """
    cols = _upper(header)
    return (
        cols >= _SCHOOL_ID_COLUMNS
        and "PTRWM_EXP" in cols
        and "ATT8SCR" not in cols
        and bool(cols & _DISADVANTAGE_COLUMNS)
    )


def is_ks4_final(header: list[str]) -> bool:
    """Full KS4 school file. The 25-column provisional file and the trimmed final file both
    lack the disadvantage columns (and the trimmed one the LEA), so neither matches."""
    cols = _upper(header)
    return (
        cols >= _SCHOOL_ID_COLUMNS
        and "ATT8SCR" in cols
        and ("TPUP" in cols or "P8MEA" in cols)
        and "PTRWM_EXP" not in cols
        and bool(cols & _DISADVANTAGE_COLUMNS)
    )


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


# --------------------------------------------------------------------------- year

_YEAR_IN_NAME: Final = re.compile(r"(?<!\d)(20\d{2})[-_]?(20\d{2}|\d{2})(?!\d)")
_PRIOR_YEAR_COLUMN: Final = re.compile(r"^(?:ATT8SCR|PTRWM_EXP|TELIG)_(\d{2})$", re.IGNORECASE)


def year_from_name(name: str) -> str | None:
    for match in _YEAR_IN_NAME.finditer(name):
        try:
            return parse_academic_year(f"{match.group(1)}-{match.group(2)}")
        except ValueError:
            continue
    return None


def academic_year_for(path: Path, year_hint: str | None) -> str:
    from_name = year_from_name(path.name)
    if from_name:
        return from_name
    if year_hint:
        try:
            return parse_academic_year(year_hint)
        except ValueError as exc:
            raise IngestError(f"{path.name}: {exc}") from exc
    raise IngestError(
        f"{path.name}: cannot tell which academic year this file describes. Keep the name DfE "
        "gave the download, which starts with the year (e.g. 2018-2019_352_ks4final.csv), or "
        "put the file in a folder named for the year (e.g. 2018-19)."
    )


def _year_notes(columns: list[str], academic_year: str) -> list[str]:
    end = (int(academic_year[:4]) + 1) % 100
    later = sorted(
        {
            int(m.group(1))
            for c in columns
            if (m := _PRIOR_YEAR_COLUMN.match(c)) and int(m.group(1)) >= end
        }
    )
    if not later:
        return []
    return [
        f"the file name says {academic_year}, but it has prior-year columns for "
        f"20{later[-1]:02d}: check the file is really {academic_year}"
    ]


# --------------------------------------------------------------------------- reading


def _code(column: str) -> pl.Expr:
    """A code cell as text without padding or the '.0' a spreadsheet may have added."""
    return pl.col(column).cast(pl.String).str.strip_chars().str.replace(r"\.0+$", "")


def _optional(frame: pl.DataFrame, column: str) -> pl.Expr:
    if column not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    text = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _classify(frame: pl.DataFrame, key_stage: str) -> pl.DataFrame:
    """Adds __rectype/__urn/__la/__kind/__reason; a non-null __reason means rejected.

    The codes are worked out once into columns, then the reason is read from those (an
    expression used twice in one polars select is computed twice).
    """
    lea = _code("LEA")
    coded = frame.with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("__row"),
        _code("RECTYPE").fill_null("").alias("__rectype"),
        _code("URN").alias("__urn"),
        pl.when(lea.str.contains(r"^\d{1,3}$")).then(lea.str.zfill(3)).alias("__la"),
    ).with_columns(
        pl.col("__rectype")
        .replace_strict(RECTYPES[key_stage], default=None, return_dtype=pl.String)
        .alias("__kind"),
        pl.col("__urn").fill_null("").str.contains(r"^\d{5,7}$").alias("__usable_urn"),
    )
    rectype, urn, la_code, kind = (pl.col(f"__{c}") for c in ("rectype", "urn", "la", "kind"))
    # A school, LA or England row repeated in the file: the first copy is stored, the later
    # ones are rejected, or every sum over schools would count the school once per copy and
    # an LA would have two different published figures for one measure.
    identity = (
        pl.when((kind == _SCHOOL) & pl.col("__usable_urn"))
        .then(urn)
        .when((kind == _LA) & la_code.is_not_null())
        .then(la_code)
        .when(kind.is_in([_ENGLAND, _ENGLAND_ALL]))
        .then(pl.lit(""))
    )
    repeat = identity.is_not_null() & ~pl.struct(kind, identity).is_first_distinct()
    reason = (
        pl.when(rectype == "")
        .then(pl.lit("no RECTYPE (blank or malformed row)"))
        .when(kind.is_null())
        .then(
            pl.lit("unknown RECTYPE '")
            + rectype.str.slice(0, 20)
            + pl.lit(f"' for a {key_stage.upper()} file")
        )
        .when((kind == _SCHOOL) & ~pl.col("__usable_urn"))
        .then(
            pl.lit("school row (RECTYPE ")
            + rectype
            + pl.lit(") has no usable URN ('")
            + urn.fill_null("").str.slice(0, 20)
            + pl.lit("')")
        )
        .when(pl.col("__repeat") & (kind == _SCHOOL))
        .then(pl.lit("duplicate URN ") + urn)
        .when(pl.col("__repeat") & (kind == _LA))
        .then(pl.lit("a second LA row for LA ") + la_code + pl.lit(" (the first is stored)"))
        .when(pl.col("__repeat"))
        .then(
            pl.lit("a second England row of RECTYPE ") + rectype + pl.lit(" (the first is stored)")
        )
        .when((kind == _LA) & la_code.is_null())
        .then(pl.lit("LA row (RECTYPE ") + rectype + pl.lit(") has no usable LEA code"))
    )
    return (
        coded.with_columns(repeat.alias("__repeat"))
        .with_columns(reason.alias("__reason"))
        .drop("__usable_urn", "__repeat")
    )


def _england_check(frame: pl.DataFrame, key_stage: str) -> list[str]:
    """Warn if the row stored as England does not look like the state-funded one."""
    cohort = _COHORT[key_stage]
    if cohort not in frame.columns:
        return []
    counts = (
        frame.filter(pl.col("__kind").is_in([_ENGLAND, _ENGLAND_ALL]))
        .group_by("__kind")
        .agg(count_expr(cohort).max().alias("n"))
    )
    by_kind = dict(counts.iter_rows())
    state, everyone = by_kind.get(_ENGLAND), by_kind.get(_ENGLAND_ALL)
    if state is not None and everyone is not None and state > everyone:
        return [
            f"the England row stored as state-funded has more pupils ({state}) than the "
            f"all-schools row ({everyone}): DfE's RECTYPE codes may have changed this year"
        ]
    return []


def _schools(kept: pl.DataFrame, key_stage: str, source: str) -> pl.DataFrame:
    schools = kept.filter(pl.col("__kind") == _SCHOOL)
    nftype = _optional(schools, "NFTYPE").str.to_uppercase()
    type_names = {code: name for code, (name, _) in SCHOOL_TYPES.items()}
    funded = {code: flag for code, (_, flag) in SCHOOL_TYPES.items()}
    pupils = count_expr("TOTPUPS") if "TOTPUPS" in schools.columns else pl.lit(None, dtype=pl.Int64)
    return (
        schools.select(
            pl.col("__urn").alias("urn"),
            _optional(schools, "SCHNAME").alias("name"),
            pl.col("__la").alias("la_code"),
            pl.lit("primary" if key_stage == "ks2" else "secondary").alias("phase"),
            nftype.replace_strict(type_names, default=nftype, return_dtype=pl.String).alias(
                "school_type"
            ),
            (pl.col("__rectype") == _SPECIAL_RECTYPE).alias("is_special"),
            nftype.replace_strict(funded, default=None, return_dtype=pl.Boolean).alias(
                "is_state_funded"
            ),
            pl.lit(None, dtype=pl.Float64).alias("lat"),
            pl.lit(None, dtype=pl.Float64).alias("lon"),
            pupils.alias("pupils"),
            _optional(schools, "PCODE").alias("postcode"),
            pl.lit(source).alias("source"),
        )
        .unique(subset="urn", keep="first", maintain_order=True)
        .cast(SCHOOLS_SCHEMA)  # type: ignore[arg-type]
    )


#: Row identity and school description columns, renamed to these spellings when re-cased.
_INFO_COLUMNS: Final = ("RECTYPE", "URN", "LEA", "SCHNAME", "NFTYPE", "PCODE", "TOTPUPS")


def read_performance(path: Path, year_hint: str | None, key_stage: str) -> IngestResult:
    source = path.name
    kind_name = f"{key_stage}_performance"
    csv_file = open_text_csv(path)
    upper = {c.upper(): c for c in csv_file.header}
    missing = [c for c in ("RECTYPE", "URN", "LEA") if c not in upper]
    if missing:
        raise IngestError(
            f"{source}: not a DfE {key_stage.upper()} performance table (no "
            f"{', '.join(missing)} column)"
        )
    renames = {upper[c]: c for c in _INFO_COLUMNS if c in upper and c not in csv_file.header}
    header = [renames.get(c, c) for c in csv_file.header]
    specs = measure_columns(header, key_stage)
    if not specs:
        raise IngestError(
            f"{source}: has none of the {key_stage.upper()} measures Equity Explorer reads"
        )
    academic_year = academic_year_for(path, year_hint)
    notes = _year_notes(header, academic_year)
    if "provisional" in source.lower():
        notes.append(f"the file name says provisional: {academic_year} figures may be revised")

    needed = sorted(
        {s.column for s in specs}
        | {s.pupils_column for s in specs if s.pupils_column}
        | (set(_INFO_COLUMNS) & set(header))
    )
    # Only the ~70 columns used are parsed (of ~500 in a KS4 file): most of the read time.
    as_published = [upper.get(c, c) for c in needed]
    frame = csv_file.read(as_published).rename(renames)
    del csv_file  # the file's bytes (1x its size) are not needed past this point: free them
    classified = _classify(frame.select(needed), key_stage)
    rejected = (
        classified.filter(pl.col("__reason").is_not_null())
        .select(
            pl.lit(source).alias("source"),
            pl.col("__row").alias("row"),
            pl.col("__reason").alias("reason"),
        )
        .cast(REJECTED_SCHEMA)  # type: ignore[arg-type]
    )
    valid = classified.filter(pl.col("__reason").is_null())
    notes += _england_check(valid, key_stage)
    dropped = valid.filter(pl.col("__kind") == _ENGLAND_ALL).height
    if dropped:
        notes.append(
            f"{dropped} England all-schools row(s) not stored: England figures are DfE's "
            "state-funded totals, as LA rows and DfE headlines are"
        )
    kept = valid.filter(pl.col("__kind") != _ENGLAND_ALL)
    # Only `kept` is needed from here: free the other copies of the rows before the melt,
    # the ingest's peak of memory (issue 14: peak memory within a few times the file).
    rows_read = frame.height
    del frame, classified, valid
    kind = pl.col("__kind")
    results = melt_measures(
        kept,
        specs,
        entity=pl.when(kind == _SCHOOL)
        .then(pl.col("__urn"))
        .when(kind == _LA)
        .then(pl.col("__la"))
        .otherwise(pl.lit(ENGLAND_CODE)),
        entity_kind=kind,
        la_code=pl.when(kind == _ENGLAND).then(pl.lit(ENGLAND_CODE)).otherwise(pl.col("__la")),
        academic_year=academic_year,
        source=source,
        published=kind != _SCHOOL,
    )
    missing_la = kept.filter((kind == _SCHOOL) & pl.col("__la").is_null()).height
    if missing_la:
        notes.append(f"{missing_la} school row(s) have no usable LEA code: LA left blank")
    result = IngestResult(
        source=source,
        kind=kind_name,
        rows_read=rows_read,
        rows_stored=rows_read - rejected.height,
        results=results,
        schools=_schools(kept, key_stage, source),
        rejected=rejected,
        notes=notes,
    )
    result.check_accounting()
    return result


def read_ks2(path: Path, year_hint: str | None) -> IngestResult:
    return read_performance(path, year_hint, "ks2")


def read_ks4(path: Path, year_hint: str | None) -> IngestResult:
    return read_performance(path, year_hint, "ks4")


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
    year = year_from_name(source)
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
        kind="performance_meta",
        rows_read=frame.height,
        rows_stored=dictionary.height,
        rejected=rejected if rejected.height else empty_frame(REJECTED_SCHEMA),
        extra={"column_dictionary": dictionary},
    )
    result.check_accounting()
    return result


KINDS: list[FileKind] = [
    FileKind(
        name="ks2_performance",
        description="DfE school performance tables, key stage 2 final results (*_ks2final.csv)",
        suffixes=(".csv",),
        detect=lambda path, header: is_ks2_final(header),
        read=read_ks2,
    ),
    FileKind(
        name="ks4_performance",
        description="DfE school performance tables, key stage 4 final results (*_ks4final.csv)",
        suffixes=(".csv",),
        detect=lambda path, header: is_ks4_final(header),
        read=read_ks4,
    ),
    FileKind(
        name="performance_meta",
        description="DfE performance tables column dictionary (ks2_meta / ks4_meta)",
        suffixes=(".csv",),
        detect=_detect_meta,
        read=read_meta,
    ),
]
