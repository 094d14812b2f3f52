"""DfE's Local Authority Interactive Tool (LAIT): the LA / region / England panel.

Three files travel together: the long panel (`bds_long_0.parquet`, one row per measure code,
area and year), its data dictionary (labels, precision, year conventions) and a lookup from
DfE's 3-digit LA codes to ONS codes (equity/ingest/lait_dictionary.py and lait_la_codes.py
read those two; this module reads the panel). The panel is the only source with every LA's
disadvantaged-vs-other gap over ten years, so it is read in full for the equity codes and
its areas become the app's list of places.

Year convention (checked against the dictionary's `Year_Type`): every mapped code is labelled
by a plain calendar year. Attainment codes are "Academic Year" (2019 = results of summer
2019 = 2018/19); the census codes PriFSM, SecFSM and Ever6_* are "Annual - January"
(2019 = the January 2019 school census, which is also taken in 2018/19). Both therefore map
through `academic_year_from_end`. England's PriFSM 2019 = 15.8 matches DfE's published
January 2019 figure for state-funded primary schools, confirming the reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from equity import kinds
from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.cells import status_expr, value_expr
from equity.schema import (
    AREAS_SCHEMA,
    REJECTED_SCHEMA,
    RESULTS_SCHEMA,
    PupilGroup,
    academic_year_from_end,
)

# --------------------------------------------------------------------------- the mapping


@dataclass(frozen=True)
class LaitCode:
    """One LAIT measure code and the canonical (measure, pupil group) it publishes."""

    code: str
    measure: str
    pupil_group: str
    key_stage: str
    #: Published precision. The dictionary's `dps` where it gives one; where it says NA,
    #: the precision the values themselves carry (tests check both against the files).
    decimals: int


_D = PupilGroup.DISADVANTAGED.value
_O = PupilGroup.OTHER.value
_F = PupilGroup.FSM.value
_N = PupilGroup.NOT_FSM.value
_A = PupilGroup.ALL.value


def _ks2_progress() -> list[LaitCode]:
    codes = []
    for subject in ("Reading", "Writing", "Maths"):
        measure = f"ks2_{subject.lower()}_progress"
        for tag, group in (("DAP", _D), ("NonDAP", _O), ("FSM", _F), ("nonFSM", _N)):
            codes.append(LaitCode(f"KS2_{tag}_{subject}_Progress", measure, group, "ks2", 2))
        codes.append(LaitCode(f"KS2{subject[0]}_Prog_VA", measure, _A, "ks2", 2))
    return codes


LAIT_CODES: Final[tuple[LaitCode, ...]] = (
    # KS2 reading, writing and maths, expected standard (%; published as whole numbers)
    LaitCode("DAP_NEW_KS2_RWM", "ks2_rwm_expected_pct", _D, "ks2", 0),
    LaitCode("NonDAP_NEW_KS2_RWM", "ks2_rwm_expected_pct", _O, "ks2", 0),
    LaitCode("FSM_NEW_KS2_RWM", "ks2_rwm_expected_pct", _F, "ks2", 0),
    LaitCode("NonFSM_NEW_KS2_RWM", "ks2_rwm_expected_pct", _N, "ks2", 0),
    LaitCode("KS2RWM_Expected_STD", "ks2_rwm_expected_pct", _A, "ks2", 0),
    LaitCode("KS2RWM_Higher_STD", "ks2_rwm_higher_pct", _A, "ks2", 0),
    *_ks2_progress(),
    # KS4 Attainment 8 (1 decimal) and Progress 8 (2 decimals)
    LaitCode("DAP_KS4_ATT8", "ks4_attainment8", _D, "ks4", 1),
    LaitCode("NonDAP_KS4_ATT8", "ks4_attainment8", _O, "ks4", 1),
    LaitCode("FSM_AVG_Attain8_Score", "ks4_attainment8", _F, "ks4", 1),
    LaitCode("NonFSM_AVG_Attain8_Score", "ks4_attainment8", _N, "ks4", 1),
    LaitCode("AVG_Attain8_Score", "ks4_attainment8", _A, "ks4", 1),
    LaitCode("DAP_KS4_Prog8", "ks4_progress8", _D, "ks4", 2),
    LaitCode("NonDAP_KS4_Prog8", "ks4_progress8", _O, "ks4", 2),
    LaitCode("FSM_AVG_Prog8_Score", "ks4_progress8", _F, "ks4", 2),
    LaitCode("NonFSM_AVG_Prog8_Score", "ks4_progress8", _N, "ks4", 2),
    LaitCode("AVG_Prog8_Score", "ks4_progress8", _A, "ks4", 2),
    LaitCode("EngMaths9-4", "ks4_basics_94_pct", _A, "ks4", 1),
    LaitCode("EngMaths9-5", "ks4_basics_95_pct", _A, "ks4", 1),
    # School census context (January census). The phase is part of the measure id because
    # primary and secondary rates differ systematically and must not be mixed.
    LaitCode("PriFSM", "pct_fsm_primary", _A, "census", 1),
    LaitCode("SecFSM", "pct_fsm_secondary", _A, "census", 1),
    LaitCode("Ever6_FSM_Prim", "pct_fsm6_primary", _A, "census", 2),
    LaitCode("Ever6_FSM_Sec", "pct_fsm6_secondary", _A, "census", 2),
)
LAIT_CODE_BY_NAME: Final[dict[str, LaitCode]] = {c.code: c for c in LAIT_CODES}

# --------------------------------------------------------------------------- areas

#: LAIT's codes for England's regions (and the two halves of London), with ONS codes.
#: LA codes run up to 943 (Westmorland and Furness), so "9xx" alone does not mean region.
REGIONS: Final[dict[str, tuple[str, str]]] = {
    "980": ("North East", "E12000001"),
    "981": ("North West", "E12000002"),
    "982": ("Yorkshire and the Humber", "E12000003"),
    "983": ("East Midlands", "E12000004"),
    "984": ("West Midlands", "E12000005"),
    "985": ("East of England", "E12000006"),
    "986": ("London", "E12000007"),
    "987": ("London (Inner)", "E13000001"),
    "988": ("London (Outer)", "E13000002"),
    "989": ("South East", "E12000008"),
    "990": ("South West", "E12000009"),
}
ENGLAND_ONS: Final = "E92000001"
SUB_REGIONS: Final = {"987", "988"}  # halves of London, inside region 986

#: Spellings of a region, lower-cased, -> the region an LA belongs to (one of the nine).
#: LAIT's LA rows say "Inner London" / "Outer London" and "Yorkshire and The Humber";
#: mapping them to the region rows' names lets an LA be joined to its region.
_PARENT_REGION: Final[dict[str, str]] = {
    **{name.lower(): name for code, (name, _) in REGIONS.items() if code not in SUB_REGIONS},
    "inner london": "London",
    "outer london": "London",
    "london (inner)": "London",
    "london (outer)": "London",
}
#: Spellings of a region row's own name, lower-cased -> LAIT region code.
REGION_CODE_BY_NAME: Final[dict[str, str]] = {
    **{name.lower(): code for code, (name, _) in REGIONS.items()},
    "inner london": "987",
    "outer london": "988",
}
REGION_CODE_BY_ONS: Final[dict[str, str]] = {ons: code for code, (_, ons) in REGIONS.items()}


def parent_region(name: pl.Expr) -> pl.Expr:
    """The nine-region name an LA's region text refers to, or null (e.g. LAIT's "NA")."""
    return (
        name.cast(pl.String)
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(_PARENT_REGION, default=None, return_dtype=pl.String)
    )


def _area_kind(code: pl.Expr) -> pl.Expr:
    number = code.cast(pl.Int64, strict=False)
    return (
        pl.when(number < 970)
        .then(pl.lit("la"))
        .when(number == 970)
        .then(pl.lit("england"))
        .when(code.is_in(list(REGIONS)))
        .then(pl.lit("region"))
        .otherwise(None)
    )


def _region_of_area(kind: pl.Expr, code: pl.Expr, region_text: pl.Expr) -> pl.Expr:
    return (
        pl.when(kind == "la")
        .then(parent_region(region_text))
        .when(code.is_in(list(SUB_REGIONS)))
        .then(pl.lit("London"))
        .otherwise(None)
    )


# --------------------------------------------------------------------------- panel

PANEL_COLUMNS: Final = ("Short Desc", "Years", "LA and Regions", "Values", "LA Number")
_YEAR = r"^\d{4}$"


def _is_parquet_panel(path: Path, header: list[str]) -> bool:
    if path.suffix.lower() != ".parquet":
        return False
    columns = header
    if not columns:
        try:
            columns = list(pl.read_parquet_schema(path))
        except Exception:  # noqa: BLE001 - any unreadable file is simply not this kind
            return False
    return set(PANEL_COLUMNS) <= set(columns)


def _rounded(value: pl.Expr, decimals: pl.Expr) -> pl.Expr:
    """Round to each code's published precision, half away from zero as DfE does."""
    expr = value
    for places in (3, 2, 1, 0):
        rounded = value.round(places, mode="half_away_from_zero")
        expr = pl.when(decimals == places).then(rounded).otherwise(expr)
    return expr


def read_panel(path: Path, year_hint: str | None = None) -> IngestResult:
    """The equity codes of the LAIT panel as LA, region and England results.

    `rows_read` counts only the rows of the mapped codes: the other codes (social care,
    health, finance, ...) are outside the app's scope and are neither read nor rejected;
    a note gives both counts so nothing is hidden.
    """
    del year_hint  # LAIT states its own years
    try:
        lazy = pl.scan_parquet(path)
        names = lazy.collect_schema().names()
    except Exception as exc:
        raise IngestError(f"{path.name}: not a readable parquet file ({exc})") from exc
    missing = [c for c in PANEL_COLUMNS if c not in names]
    if missing:
        raise IngestError(f"{path.name}: not a LAIT panel; missing columns {missing}")
    region_column = pl.col("Region") if "Region" in names else pl.lit(None, dtype=pl.String)
    try:
        total_rows = int(lazy.select(pl.len()).collect().item())
        frame = (
            lazy.with_row_index("__row", offset=1)
            .filter(pl.col("Short Desc").is_in(list(LAIT_CODE_BY_NAME)))
            .select(
                pl.col("__row").cast(pl.Int64),
                pl.col("Short Desc").cast(pl.String).alias("code"),
                pl.col("Years").cast(pl.String).str.strip_chars().alias("years"),
                pl.col("LA and Regions").cast(pl.String).str.strip_chars().alias("name"),
                pl.col("Values").cast(pl.String).alias("values"),
                pl.col("LA Number").cast(pl.Float64, strict=False).alias("number"),
                region_column.cast(pl.String).alias("region_text"),
            )
            .collect()
        )
    except pl.exceptions.PolarsError as exc:
        raise IngestError(f"{path.name}: cannot read the LAIT panel ({exc})") from exc

    number = pl.col("number")
    integral = number.is_finite() & (number == number.round(0)) & number.is_between(100, 999)
    frame = frame.with_columns(
        pl.when(integral).then(number.cast(pl.Int64).cast(pl.String)).alias("la_code"),
        pl.when(pl.col("years").str.contains(_YEAR))
        .then(pl.col("years").cast(pl.Int64, strict=False))
        .alias("end_year"),
    ).with_columns(_area_kind(pl.col("la_code")).alias("kind"))
    reason = (
        pl.when(pl.col("la_code").is_null())
        .then(
            pl.lit("LA Number '")
            + number.cast(pl.String).fill_null("")
            + pl.lit("' is not a 3-digit DfE LA code")
        )
        .when(pl.col("kind").is_null())
        .then(
            pl.lit("LA Number ")
            + pl.col("la_code")
            + pl.lit(" is neither an LA (below 970), England (970) nor a region (980-990)")
        )
        .when(pl.col("end_year").is_null())
        .then(
            pl.lit("Years '")
            + pl.col("years").fill_null("")
            + pl.lit("' is not the calendar year LAIT uses for this measure")
        )
        .when(pl.col("name").fill_null("") == "")
        .then(pl.lit("no area name (LA and Regions)"))
        .otherwise(None)
    )
    frame = frame.with_columns(reason.alias("reason"))
    good = frame.filter(pl.col("reason").is_null())
    rejected = frame.filter(pl.col("reason").is_not_null()).select(
        pl.lit(path.name).alias("source"),
        pl.col("__row").alias("row"),
        pl.col("reason"),
    )

    code = pl.col("code")
    # One schema function names every year, applied to the few distinct years present.
    years = {int(y): academic_year_from_end(int(y)) for y in good["end_year"].unique()}
    academic_year = pl.col("end_year").replace_strict(years, return_dtype=pl.String)
    results = good.select(
        pl.col("la_code").alias("entity"),
        pl.col("kind").alias("entity_kind"),
        pl.col("la_code"),
        academic_year.alias("academic_year"),
        code.replace_strict({c.code: c.key_stage for c in LAIT_CODES}).alias("key_stage"),
        code.replace_strict({c.code: c.measure for c in LAIT_CODES}).alias("measure"),
        code.replace_strict({c.code: c.pupil_group for c in LAIT_CODES}).alias("pupil_group"),
        _rounded(
            value_expr("values"),
            code.replace_strict({c.code: c.decimals for c in LAIT_CODES}, return_dtype=pl.Int8),
        ).alias("value"),
        pl.lit(None, dtype=pl.Int64).alias("pupils"),
        status_expr("values").alias("status"),
        pl.col("values").fill_null("").alias("original"),
        pl.lit(path.name).alias("source"),
        pl.lit(True).alias("published"),
    ).cast(RESULTS_SCHEMA)  # type: ignore[arg-type]

    areas = (
        good.unique(subset="la_code", keep="first", maintain_order=True)
        .select(
            pl.col("la_code"),
            pl.lit(None, dtype=pl.String).alias("ons_code"),
            pl.col("name"),
            pl.col("kind"),
            _region_of_area(pl.col("kind"), pl.col("la_code"), pl.col("region_text")).alias(
                "region"
            ),
        )
        .sort("la_code")
        .cast(AREAS_SCHEMA)  # type: ignore[arg-type]
    )

    found = sorted(set(frame["code"].unique().to_list()))
    absent = sorted(set(LAIT_CODE_BY_NAME) - set(found))
    notes = [
        f"{total_rows:,} rows in the file; rows_read counts the {frame.height:,} rows of the "
        f"{len(found)} equity codes mapped to canonical measures. The other "
        f"{total_rows - frame.height:,} rows (children's social care, health, finance and "
        "other topics) are outside Equity Explorer's scope and are not read.",
        "Years 'YYYY' is read as the academic year ending in YYYY: summer YYYY results for "
        "attainment codes, the January YYYY school census for PriFSM, SecFSM and Ever6_* "
        "(data dictionary Year_Type 'Academic Year' / 'Annual - January').",
        "Values are rounded to the published precision (KS2 % 0 dp, Attainment 8 and % FSM "
        "1 dp, progress scores and Ever 6 FSM 2 dp) to remove float noise; 'original' keeps "
        "the text as stored. '-' is 'not published' with no value.",
    ]
    if absent:
        notes.append(f"mapped codes not in this file: {', '.join(absent)}")
    result = IngestResult(
        source=path.name,
        kind=kinds.LAIT_PANEL,
        rows_read=frame.height,
        rows_stored=good.height,
        results=results,
        areas=areas,
        rejected=rejected.cast(REJECTED_SCHEMA),  # type: ignore[arg-type]
        notes=notes,
    )
    result.check_accounting()
    return result


# --------------------------------------------------------------------------- text


def r_text(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A text column with R's NA and blanks as null (LAIT's dictionary and LA code lookup
    were written by R)."""
    if column not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    stripped = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(stripped.is_in(["", "NA"]) | stripped.is_null()).then(None).otherwise(stripped)


KINDS: list[FileKind] = [
    FileKind(
        name=kinds.LAIT_PANEL,
        description="DfE Local Authority Interactive Tool panel (LA, region, England; long form)",
        suffixes=(".parquet",),
        detect=_is_parquet_panel,
        read=read_panel,
    ),
]

__all__ = ["KINDS", "LAIT_CODES", "REGIONS", "r_text", "read_panel"]
