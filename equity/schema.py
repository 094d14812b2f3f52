"""The vocabulary every layer shares: measures, pupil groups, value statuses, years, areas.

Kept in one module so a figure on screen can be traced to a single definition, and so that
ingest modules, metrics and pages never invent their own spellings of the same idea.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

import polars as pl

# The measure catalogue lives in its own module; re-exported so `from equity.schema import
# MEASURES` keeps working everywhere.
from equity.measures import HEADLINE_MEASURES as HEADLINE_MEASURES
from equity.measures import MEASURES as MEASURES
from equity.measures import Measure as Measure


class Status(StrEnum):
    """Why a cell has (or has no) number. Suppression is a state, never a zero."""

    VALUE = "value"
    SUPPRESSED = "suppressed"  # SUPP, c, x: hidden to protect individuals
    NOT_PUBLISHED = "not_published"  # NP, "-", z where DfE chose not to publish
    NOT_APPLICABLE = "not_applicable"  # NA in DfE files, z in EES files
    NOT_ENTERED = "not_entered"  # NE: no pupils entered / not eligible
    LOW_COVERAGE = "low_coverage"  # LOWCOV: too few pupils with prior attainment
    NEW = "new"  # NEW: new school, no results yet
    MISSING = "missing"  # blank cell


#: DfE status codes as they appear in published files (upper-cased, stripped).
STATUS_CODES: Final[dict[str, Status]] = {
    "SUPP": Status.SUPPRESSED,
    "C": Status.SUPPRESSED,
    "X": Status.SUPPRESSED,
    "LOW": Status.SUPPRESSED,
    "NP": Status.NOT_PUBLISHED,
    "-": Status.NOT_PUBLISHED,
    ":": Status.NOT_PUBLISHED,
    "NA": Status.NOT_APPLICABLE,
    "N/A": Status.NOT_APPLICABLE,
    "Z": Status.NOT_APPLICABLE,
    "NE": Status.NOT_ENTERED,
    "LOWCOV": Status.LOW_COVERAGE,
    "NEW": Status.NEW,
    # KS4 destination measures write SP in place of a small percentage (a few pupils): a
    # withheld figure, never a number (the downloads' meta files do not define it).
    "SP": Status.SUPPRESSED,
    "": Status.MISSING,
}


class PupilGroup(StrEnum):
    ALL = "all"
    DISADVANTAGED = "disadvantaged"  # FSM in last 6 years or looked after (FSM6CLA1A)
    OTHER = "other"  # not disadvantaged
    FSM = "fsm"  # eligible for FSM now
    NOT_FSM = "not_fsm"
    FSM6 = "fsm6"  # ever FSM in the last six years (school census)
    BOYS = "boys"
    GIRLS = "girls"
    EAL = "eal"
    SEN = "sen"
    LOW_PRIOR = "low_prior"
    MIDDLE_PRIOR = "middle_prior"
    HIGH_PRIOR = "high_prior"


PUPIL_GROUP_LABELS: Final[dict[str, str]] = {
    "all": "All pupils",
    "disadvantaged": "Disadvantaged pupils",
    "other": "Other (non-disadvantaged) pupils",
    "fsm": "Pupils eligible for FSM",
    "not_fsm": "Pupils not eligible for FSM",
    "fsm6": "Pupils ever eligible for FSM (last 6 years)",
    "boys": "Boys",
    "girls": "Girls",
    "eal": "Pupils with English as an additional language",
    "sen": "Pupils with special educational needs",
    "low_prior": "Low prior attainment",
    "middle_prior": "Middle prior attainment",
    "high_prior": "High prior attainment",
}

#: Pupil groups a user can pick in the global filter, in display order.
FILTER_PUPIL_GROUPS: Final[tuple[str, ...]] = (
    "all",
    "disadvantaged",
    "other",
    "boys",
    "girls",
    "eal",
    "low_prior",
    "middle_prior",
    "high_prior",
)


class KeyStage(StrEnum):
    KS2 = "ks2"
    KS4 = "ks4"
    CENSUS = "census"  # school census context (pupils, FSM, EAL, SEN)
    DESTINATIONS = "destinations"
    ABSENCE = "absence"


PHASE_KEY_STAGE: Final[dict[str, str]] = {"primary": "ks2", "secondary": "ks4"}
PHASE_LABELS: Final[dict[str, str]] = {
    "primary": "Primary (key stage 2)",
    "secondary": "Secondary (key stage 4)",
}


# --------------------------------------------------------------------------- years

_YEAR_PATTERNS = (
    re.compile(r"^(\d{4})\s*[-/]\s*(\d{4})$"),  # 2018-2019, 2018/2019
    re.compile(r"^(\d{4})\s*[-/]\s*(\d{2})$"),  # 2018-19, 2018/19
    re.compile(r"^(\d{4})(\d{2})$"),  # 201819 (EES time_period)
)


def parse_academic_year(text: str) -> str:
    """Normalise the ways DfE writes an academic year to "YYYY/YY".

    Raises ValueError when the text is not an academic year, so callers can report it.
    """
    cleaned = str(text).strip()
    for pattern in _YEAR_PATTERNS:
        match = pattern.match(cleaned)
        if match:
            start = int(match.group(1))
            end_text = match.group(2)
            end = int(end_text) if len(end_text) == 4 else (start // 100) * 100 + int(end_text)
            if end != start + 1 or not 1990 <= start <= 2100:
                break
            return f"{start}/{end % 100:02d}"
    raise ValueError(f"'{text}' is not an academic year: use 2018-19, 2018-2019, 2018/19 or 201819")


def academic_year_from_end(end_year: int) -> str:
    """LAIT labels attainment by the calendar year the academic year ends in (2019 = 2018/19)."""
    return f"{end_year - 1}/{end_year % 100:02d}"


def year_start(academic_year: str) -> int:
    return int(academic_year[:4])


# --------------------------------------------------------------------------- areas

GREATER_MANCHESTER: Final[dict[str, str]] = {
    "350": "Bolton",
    "351": "Bury",
    "352": "Manchester",
    "353": "Oldham",
    "354": "Rochdale",
    "355": "Salford",
    "356": "Stockport",
    "357": "Tameside",
    "358": "Trafford",
    "359": "Wigan",
}
GM_GROUP_CODE: Final = "GM"


def is_gm(la_code: str) -> bool:
    """Greater Manchester (the group) or one of its ten LAs: whose comparators are GM's."""
    return la_code == GM_GROUP_CODE or la_code in GREATER_MANCHESTER


GM_GROUP_LABEL: Final = "Greater Manchester (10 LAs)"
ENGLAND_CODE: Final = "970"  # LAIT's code for England

# --------------------------------------------------------------------------- store tables

RESULTS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "entity": pl.String(),  # URN for schools, 3-digit LA code, region or England code
    "entity_kind": pl.String(),  # school | la | region | england
    "la_code": pl.String(),  # the LA a school belongs to (3-digit); the LA itself for LA rows
    "academic_year": pl.String(),  # "2018/19"
    "key_stage": pl.String(),
    "measure": pl.String(),
    "pupil_group": pl.String(),
    "value": pl.Float64(),
    "pupils": pl.Int64(),  # pupils the value is based on, where the file says
    "status": pl.String(),
    "original": pl.String(),  # the cell exactly as published
    "source": pl.String(),  # file name the row came from
    "published": pl.Boolean(),  # True: DfE's own aggregate (LA/region/England rows)
}

SCHOOLS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "urn": pl.String(),
    "name": pl.String(),
    "la_code": pl.String(),
    "phase": pl.String(),  # primary | secondary | all-through | special | nursery | 16 plus | other
    "school_type": pl.String(),
    "is_special": pl.Boolean(),
    "is_state_funded": pl.Boolean(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "pupils": pl.Int64(),
    "postcode": pl.String(),
    "source": pl.String(),
}

AREAS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "la_code": pl.String(),  # 3-digit DfE code (regions/England use LAIT's 9xx codes)
    "ons_code": pl.String(),
    "name": pl.String(),
    "kind": pl.String(),  # la | region | england
    "region": pl.String(),
}

REJECTED_SCHEMA: Final[dict[str, pl.DataType]] = {
    "source": pl.String(),
    "row": pl.Int64(),  # 1-based data row number in the file (header excluded)
    "reason": pl.String(),
}


def empty_frame(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
