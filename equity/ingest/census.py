"""The January school census (england_census.csv), one row per school, every LA in England.

Key stage "census". Stored per school: ``pupils`` for all (NOR), girls (NORG), boys (NORB),
fsm6 (NUMFSMEVER), fsm (NUMFSM), eal (NUMEAL) and sen (TSENELK + TSENELSE);
``pct_ever_fsm`` (PNUMFSMEVER, with the ever-FSM denominator in ``pupils``), ``pct_fsm``
(NUMFSM / NOR, with NOR in ``pupils``), ``pct_eal`` (PNUMEAL), ``pct_sen_ehcp`` (PSENELSE) and
``pct_sen`` (PSENELK + PSENELSE). The census counts ever-FSM pupils, which is not DfE's
"disadvantaged" (looked-after children are left out): its measures say "ever-FSM".

The download's academic year is the census in it (folder 2017-2018 = the January 2018
census = 2017/18). Headers differ by year, as DfE's do, and every one is read:

- 2017/18 has no SCHOOLTYPE: the schools it lists get no type or phase here; readers place
  them by URN from a later census, then GIAS (`equity.queries.census_school_types`), and the
  ingest report says how many could not be placed. It gives PNUMFSM (a percentage) instead
  of NUMFSM, stored as ``pct_fsm`` as published (no ``pupils``/fsm count).
- ``ESTAB`` is ``Estab`` from 2022/23 (names are upper-cased on reading); 2023/24 spells
  PNUMUNCFL as PNUMUNCLF (read as PNUMUNCFL); percentages carry "%" from 2020/21.
- The ever-FSM denominator: NORFSMEVER where the file has it (2022/23 on), otherwise the one
  implied by the published share, NUMFSMEVER x 100 / PNUMFSMEVER to a whole pupil (NOR where
  PNUMFSMEVER is 0). In the January 2021 file PNUMFSMEVER is NUMFSMEVER / NOR, so 2020/21's
  denominator is NOR: a series break (`equity.metrics.trends.BREAKS`).

A sum is a value only when both cells are numbers; otherwise it carries the first non-value
status, so an "NA" never turns into a zero. ``pct_sen`` is capped at 100: two shares DfE
rounded apart add up to 100.1 in 17 special schools. A school with 0 pupils on roll has no
``pct_fsm`` (status missing), never 0. The census has no school names. Its "NAT" rows are
England totals for one school type only; the results table has no phase, so storing them as
England would pass a primary-only figure off as all schools: they are rejected with that
reason.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from equity.ingest.base import FileKind, IngestResult
from equity.ingest.cells import MeasureColumn, count_expr, value_expr
from equity.ingest.dfe_common import (
    VALUE,
    file_year,
    header_columns,
    ingest_result,
    melt,
    optional,
    read_upper,
    school_list,
    schools_frame,
    summed,
    text_of,
)
from equity.schema import RESULTS_SCHEMA, Status

CENSUS = "census"
#: The column holding the ever-FSM denominator this reader works out (see the docstring).
EVER_DENOMINATOR = "__NORFSMEVER"

_CENSUS_COLUMNS = [
    MeasureColumn("NOR", "pupils", "all", CENSUS),
    MeasureColumn("NORG", "pupils", "girls", CENSUS),
    MeasureColumn("NORB", "pupils", "boys", CENSUS),
    MeasureColumn("NUMFSMEVER", "pupils", "fsm6", CENSUS),
    MeasureColumn("NUMFSM", "pupils", "fsm", CENSUS),
    MeasureColumn("NUMEAL", "pupils", "eal", CENSUS),
    MeasureColumn("PNUMFSMEVER", "pct_ever_fsm", "all", CENSUS, pupils_column=EVER_DENOMINATOR),
    MeasureColumn("PNUMEAL", "pct_eal", "all", CENSUS),
    MeasureColumn("PSENELSE", "pct_sen_ehcp", "all", CENSUS, pupils_column="NOR"),
    # January 2018 publishes the FSM share only; other years give the count (below).
    MeasureColumn("PNUMFSM", "pct_fsm", "all", CENSUS, pupils_column="NOR"),
]

#: Misspellings DfE shipped, read under the usual name.
_RENAMED = {"PNUMUNCLF": "PNUMUNCFL"}


def _detect_census(path: Path, header: list[str]) -> bool:
    cols = header_columns(header)
    return (
        {"URN", "LA", "NOR"} <= cols
        and bool({"NUMFSMEVER", "PNUMFSMEVER", "NUMFSM", "PNUMFSM"} & cols)
        and "RECTYPE" not in cols
    )


def census_phase(school_type: pl.Expr) -> pl.Expr:
    """The phase a census SCHOOLTYPE names (primary, secondary, special, ...), or null."""
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
        .when(t.str.contains(r"pupil referral|^pru$|independent|alternative provision|\bap school"))
        .then(pl.lit("other"))
        .otherwise(None)
    )


def estab_phase(estab: pl.Expr) -> pl.Expr:
    """The phase a DfE establishment number implies, for a census without SCHOOLTYPE only.

    2xxx, 3xxx and 52xx are state-funded primary schools, 4xxx and 54xx state-funded
    secondary ones; checked on the January 2019 census, the numbers agree with SCHOOLTYPE for
    16,752 of 16,770 and 3,148 of 3,161 schools. Other numbers (nursery, PRU, independent and
    special ranges, 6xxx free schools among independents) place nothing: null.
    """
    digits = estab.str.replace(r"\.0+$", "").str.zfill(4)
    return (
        pl.when(digits.str.contains(r"^(?:[23]\d{3}|52\d{2})$"))
        .then(pl.lit("primary"))
        .when(digits.str.contains(r"^(?:4\d{3}|54\d{2})$"))
        .then(pl.lit("secondary"))
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


def _ever_fsm_denominator(frame: pl.DataFrame) -> pl.Expr:
    """The pupils PNUMFSMEVER is a share of, as text (the docstring gives the rule)."""
    if "NORFSMEVER" in frame.columns:
        return text_of("NORFSMEVER")
    if not {"NUMFSMEVER", "PNUMFSMEVER"} <= set(frame.columns):
        return pl.lit(None, dtype=pl.String)
    ever, pct = value_expr("NUMFSMEVER"), value_expr("PNUMFSMEVER")
    nor = value_expr("NOR") if "NOR" in frame.columns else pl.lit(None, dtype=pl.Float64)
    implied = (
        pl.when(pct > 0)
        .then((ever * 100 / pct).round(0, mode="half_away_from_zero"))
        .when(pct == 0)
        .then(nor)
        .otherwise(None)
    )
    return implied.cast(pl.Int64).cast(pl.String)


def _pct_fsm(frame: pl.DataFrame, year: str, source: str) -> pl.DataFrame:
    """``pct_fsm`` = NUMFSM / NOR x 100 to one decimal, NOR in ``pupils``.

    The share carries NUMFSM's status when that is not a number; with no pupils on roll it
    is missing (a school with no pupils has no share, not 0%). `original` keeps both cells
    ("37/270") so the figure can be traced.
    """
    if "NUMFSM" not in frame.columns or "NOR" not in frame.columns:
        return pl.DataFrame(schema=RESULTS_SCHEMA)
    spec = MeasureColumn("NUMFSM", "pct_fsm", "all", CENSUS, pupils_column="NOR")
    rows = melt(frame, [spec], year, source)
    nor_text = frame.select(text_of("NOR").fill_null("")).to_series()
    usable = (pl.col("status") == VALUE) & (pl.col("pupils") > 0)
    return rows.with_columns(
        pl.when(usable)
        .then((pl.col("value") * 100 / pl.col("pupils")).round(1, mode="half_away_from_zero"))
        .otherwise(None)
        .alias("value"),
        pl.when(usable | (pl.col("status") != VALUE))
        .then(pl.col("status"))
        .otherwise(pl.lit(str(Status.MISSING)))
        .alias("status"),
        (pl.col("original") + "/" + nor_text).alias("original"),
    )


def read_census(path: Path, year_hint: str | None) -> IngestResult:
    """The census is the only file here with an LA for every school, so it anchors the rest."""
    frame = read_upper(path, {"URN", "LA", "NOR"}, "school census")
    frame = frame.rename({k: v for k, v in _RENAMED.items() if k in frame.columns})
    year, notes = file_year(
        path, year_hint, "for the January 2019 census the academic year is 2018-19"
    )
    source = path.name
    national = pl.format(
        "England total for {} only: the results table has no phase, so it would read as "
        "all schools",
        optional(frame, "SCHOOLTYPE").fill_null(optional(frame, "ESTAB")).fill_null("?"),
    )
    is_national = text_of("URN").fill_null("").str.to_uppercase() == "NAT"
    frame = school_list(frame, pl.when(is_national).then(national).otherwise(None))
    kept = frame.filter(pl.col("__reason").is_null())
    kept = kept.with_columns(_ever_fsm_denominator(kept).alias(EVER_DENOMINATOR))
    results = [
        melt(kept, _CENSUS_COLUMNS, year, source),
        _pct_fsm(kept, year, source),
        summed(
            kept,
            MeasureColumn("PSENELK", "pct_sen", "all", CENSUS, pupils_column="NOR"),
            "PSENELSE",
            year,
            source,
            1,
            ceiling=100.0,
        ),
        summed(
            kept, MeasureColumn("TSENELK", "pupils", "sen", CENSUS), "TSENELSE", year, source, 0
        ),
    ]
    school_type = optional(kept, "SCHOOLTYPE")
    typed = "SCHOOLTYPE" in kept.columns
    estab = estab_phase(optional(kept, "ESTAB"))
    schools = schools_frame(
        kept,
        source,
        urn=pl.col("__entity"),
        la_code=pl.col("__la"),
        school_type=school_type,
        phase=census_phase(school_type) if typed else estab,
        is_special=school_type.str.to_lowercase().str.contains("special"),
        is_state_funded=(
            _census_state_funded(school_type)
            if typed
            else pl.when(estab.is_not_null()).then(True).otherwise(None)
        ),
        pupils=count_expr("NOR"),
    )
    notes.append(
        f"January school census stored as academic year {year}. pct_ever_fsm is PNUMFSMEVER, "
        "ever-FSM pupils (NUMFSMEVER, not DfE's 'disadvantaged') as a share of "
        + (
            "NORFSMEVER (its pupils)"
            if "NORFSMEVER" in kept.columns
            else "the pupils counted for FSM (NUMFSMEVER x 100 / PNUMFSMEVER in its pupils)"
        )
        + "; pct_sen adds PSENELK (SEN support) and PSENELSE (EHC plan); independent schools "
        "report no FSM or EAL, and their NA cells are kept as not_applicable."
    )
    if "PNUMFSM" in kept.columns and "NUMFSM" not in kept.columns:
        notes.append("This census gives PNUMFSM (the FSM share) but no NUMFSM count.")
    if year == "2020/21":
        notes.append(
            "In the January 2021 census PNUMFSMEVER is NUMFSMEVER / NOR (all pupils on roll), "
            "not a share of the pupils counted for FSM: a series break for ever-FSM shares "
            "and census-basis segregation."
        )
    if "SCHOOLTYPE" not in kept.columns:
        notes.append(
            f"No SCHOOLTYPE column: the {kept.height} schools' types are taken by URN from a "
            "later census, then GIAS, then (primary or secondary only) from the establishment "
            "number, when read (see the placement line of the ingest report)."
        )
    else:
        unknown = (
            kept.filter(census_phase(school_type).is_null())
            .select(school_type.fill_null("(blank)").unique().sort())
            .to_series()
            .to_list()
        )
        if unknown:
            notes.append(f"School types with no known phase (phase left blank): {unknown}.")
    return ingest_result(path, "school_census", frame, results, schools, notes)


KINDS: list[FileKind] = [
    FileKind(
        "school_census",
        "School census (DfE performance tables): pupils, FSM, EAL and SEN for every school",
        (".csv",),
        _detect_census,
        read_census,
    ),
]
