"""The vocabulary every layer shares: measures, pupil groups, value statuses, years, areas.

Kept in one module so a figure on screen can be traced to a single definition, and so that
ingest modules, metrics and pages never invent their own spellings of the same idea.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import polars as pl


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


@dataclass(frozen=True)
class Measure:
    """A canonical measure: its label, unit, polarity and how many decimals DfE publishes.

    `short_label` names it where space is short (chart titles, pickers; "" = use `label`);
    `source` names the publication it comes from ("" = said by the chart that shows it).
    """

    id: str
    label: str
    key_stage: str
    unit: str  # "%", "score", "pupils"
    polarity: str  # "high" is good, "low" is good, "neutral"
    decimals: int
    description: str
    #: A few words for tight spaces (axis titles, table headers); "" = use `label`.
    short_label: str = ""
    #: The publication and its year basis, e.g. "DfE school census (January of the year)".
    source: str = ""


_DEST_SOURCE: Final = (
    "DfE KS4 destination measures, performance tables download (year = the cohort's KS4 year)"
)

MEASURES: Final[dict[str, Measure]] = {
    m.id: m
    for m in (
        Measure(
            "ks2_rwm_expected_pct",
            "KS2 reading, writing and maths: % meeting the expected standard",
            "ks2",
            "%",
            "high",
            0,
            "Percentage of pupils at the end of key stage 2 meeting the expected standard "
            "in reading, writing and maths combined.",
            short_label="Reading, writing and maths (% at expected standard)",
        ),
        Measure(
            "ks2_rwm_higher_pct",
            "KS2 reading, writing and maths: % at the higher standard",
            "ks2",
            "%",
            "high",
            0,
            "Percentage of pupils achieving a high score in reading and maths and working at "
            "greater depth in writing.",
        ),
        Measure(
            "ks2_reading_progress",
            "KS2 reading progress score",
            "ks2",
            "score",
            "high",
            1,
            "Progress from key stage 1 to key stage 2 in reading, relative to pupils nationally "
            "with similar prior attainment (0 = national average).",
        ),
        Measure(
            "ks2_writing_progress",
            "KS2 writing progress score",
            "ks2",
            "score",
            "high",
            1,
            "Progress in writing from key stage 1 to key stage 2 (0 = national average).",
        ),
        Measure(
            "ks2_maths_progress",
            "KS2 maths progress score",
            "ks2",
            "score",
            "high",
            1,
            "Progress in maths from key stage 1 to key stage 2 (0 = national average).",
        ),
        Measure(
            "ks4_attainment8",
            "KS4 Attainment 8 score",
            "ks4",
            "score",
            "high",
            1,
            "Average Attainment 8 score per pupil: results across eight GCSE-level "
            "qualifications, English and maths double weighted.",
            short_label="Attainment 8",
        ),
        Measure(
            "ks4_progress8",
            "KS4 Progress 8 score",
            "ks4",
            "score",
            "high",
            2,
            "Progress from key stage 2 to key stage 4 relative to pupils nationally with "
            "similar prior attainment (0 = national average).",
            short_label="Progress 8",
        ),
        Measure(
            "ks4_basics_94_pct",
            "KS4 English and maths grade 4 or above (%)",
            "ks4",
            "%",
            "high",
            1,
            "Percentage of pupils achieving grade 4 or above in English and maths GCSEs.",
        ),
        Measure(
            "ks4_basics_95_pct",
            "KS4 English and maths grade 5 or above (%)",
            "ks4",
            "%",
            "high",
            1,
            "Percentage of pupils achieving grade 5 or above in English and maths GCSEs.",
        ),
        Measure(
            "ks4_ebacc_aps",
            "KS4 EBacc average point score",
            "ks4",
            "score",
            "high",
            2,
            "Average point score across the English Baccalaureate subjects.",
        ),
        Measure(
            "ks4_prior_attainment",
            "KS4 cohort's average KS2 prior attainment",
            "ks4",
            "score",
            "neutral",
            1,
            "Average key stage 2 point score of the key stage 4 cohort (context, not outcome).",
        ),
        Measure(
            "pupils",
            "Number of pupils",
            "",
            "pupils",
            "neutral",
            0,
            "Pupils counted in the cohort or census for the given pupil group.",
        ),
        Measure(
            "pct_disadvantaged",
            "% disadvantaged pupils",
            "",
            "%",
            "neutral",
            1,
            "Percentage of pupils eligible for FSM at any time in the last six years or looked "
            "after / adopted from care (the Pupil Premium definition).",
        ),
        Measure(
            "pct_fsm",
            "% pupils eligible for free school meals",
            "",
            "%",
            "neutral",
            1,
            "Percentage of pupils known to be eligible for free school meals at census day. "
            "From the school census: NUMFSM / NOR (January 2018: PNUMFSM, the published "
            "percentage), with NOR in `pupils`.",
            short_label="% FSM",
            source="DfE school census (January of the academic year); GIAS; LAIT",
        ),
        Measure(
            "pct_fsm6",
            "% pupils ever eligible for FSM (last six years)",
            "census",
            "%",
            "neutral",
            1,
            "LA figure (LAIT Ever6_FSM_Prim / Ever6_FSM_Sec, per phase) of pupils eligible for "
            "FSM at any time in the last six years. A school's own figure is pct_ever_fsm.",
        ),
        Measure(
            "pct_ever_fsm",
            "% pupils ever eligible for FSM (ever-FSM, last six years)",
            "census",
            "%",
            "neutral",
            1,
            "NUMFSMEVER as a share of the pupils counted for FSM (PNUMFSMEVER), school census. "
            "Ever-FSM is not DfE's 'disadvantaged' (it leaves out looked-after children). The "
            "denominator is in `pupils` (NORFSMEVER, or implied by PNUMFSMEVER); in January "
            "2021 it is all pupils on roll (NOR): a series break.",
            short_label="% ever-FSM",
            source="DfE school census (January of the academic year), performance tables download",
        ),
        Measure(
            "pct_eal",
            "% pupils with English as an additional language",
            "census",
            "%",
            "neutral",
            1,
            "Percentage of pupils whose first language is known or believed to be other than "
            "English.",
        ),
        Measure(
            "pct_sen",
            "% pupils with special educational needs",
            "census",
            "%",
            "neutral",
            1,
            "Percentage of pupils with SEN support or an education, health and care plan.",
        ),
        Measure(
            "pct_sen_ehcp",
            "% pupils with an EHC plan",
            "census",
            "%",
            "neutral",
            1,
            "Percentage of pupils with a statement of SEN or an education, health and care plan.",
        ),
        Measure(
            "pct_fsm_primary",
            "% primary pupils eligible for FSM",
            "census",
            "%",
            "neutral",
            1,
            "Percentage of pupils in state-funded primary schools known to be eligible for free "
            "school meals (LA figure published in LAIT).",
        ),
        Measure(
            "pct_fsm_secondary",
            "% secondary pupils eligible for FSM",
            "census",
            "%",
            "neutral",
            1,
            "Percentage of pupils in state-funded secondary schools known to be eligible for free "
            "school meals (LA figure published in LAIT).",
        ),
        Measure(
            "pct_fsm6_primary",
            "% primary pupils ever eligible for FSM (last six years)",
            "census",
            "%",
            "neutral",
            2,
            "Percentage of primary pupils eligible for FSM at any time in the last six years.",
        ),
        Measure(
            "pct_fsm6_secondary",
            "% secondary pupils ever eligible for FSM (last six years)",
            "census",
            "%",
            "neutral",
            2,
            "Percentage of secondary pupils eligible for FSM at any time in the last six years.",
        ),
        Measure(
            "ks4_progress8_ci_lower",
            "KS4 Progress 8: lower 95% confidence limit",
            "ks4",
            "score",
            "neutral",
            2,
            "Lower end of the 95% confidence interval DfE publishes around a school's Progress 8.",
        ),
        Measure(
            "ks4_progress8_ci_upper",
            "KS4 Progress 8: upper 95% confidence limit",
            "ks4",
            "score",
            "neutral",
            2,
            "Upper end of the 95% confidence interval DfE publishes around a school's Progress 8.",
        ),
        Measure(
            "ks4_sustained_destination_pct",
            "% in sustained education, apprenticeship or employment after KS4",
            "destinations",
            "%",
            "high",
            0,
            "Percentage of pupils in a sustained education, apprenticeship or employment "
            "destination for at least two terms in the year after key stage 4 "
            "(OVERALL_DESTPER). "
            "Cohort = pupils who finished KS4 in the academic year shown (published two years "
            "later); cohort size in `pupils`.",
            short_label="% sustained destination",
            source=_DEST_SOURCE,
        ),
        Measure(
            "ks4_destination_education_pct",
            "% in sustained education after KS4",
            "destinations",
            "%",
            "neutral",
            0,
            "Percentage of pupils in education throughout the first two terms after key "
            "stage 4 (EDUCATIONPER). "
            "Cohort = pupils who finished KS4 in the academic year shown (published two years "
            "later); cohort size in `pupils`.",
            short_label="% education",
            source=_DEST_SOURCE,
        ),
        Measure(
            "ks4_destination_apprenticeship_pct",
            "% in a sustained apprenticeship after KS4",
            "destinations",
            "%",
            "neutral",
            0,
            "Percentage of pupils who started an apprenticeship and continued it for at "
            "least six months (APPRENPER). "
            "Cohort = pupils who finished KS4 in the academic year shown (published two years "
            "later); cohort size in `pupils`.",
            short_label="% apprenticeship",
            source=_DEST_SOURCE,
        ),
        Measure(
            "ks4_destination_employment_pct",
            "% in sustained employment after KS4",
            "destinations",
            "%",
            "neutral",
            0,
            "Percentage of pupils in employment for at least two terms, not in sustained "
            "education or an apprenticeship (EMPLOYMENTPER). "
            "Cohort = pupils who finished KS4 in the academic year shown (published two years "
            "later); cohort size in `pupils`.",
            short_label="% employment",
            source=_DEST_SOURCE,
        ),
        Measure(
            "ks4_destination_not_sustained_pct",
            "% with no sustained destination after KS4",
            "destinations",
            "%",
            "low",
            0,
            "Percentage of pupils whose education or employment was not sustained from "
            "October to March, or who were NEET (NOT_SUSTAINEDPER). "
            "Cohort = pupils who finished KS4 in the academic year shown (published two years "
            "later); cohort size in `pupils`.",
            short_label="% not sustained",
            source=_DEST_SOURCE,
        ),
        Measure(
            "ks4_destination_unknown_pct",
            "% with no activity captured after KS4",
            "destinations",
            "%",
            "neutral",
            0,
            "Percentage of pupils not found in any education or employment data (UNKNOWNPER). "
            "Cohort = pupils who finished KS4 in the academic year shown (published two years "
            "later); cohort size in `pupils`.",
            short_label="% unknown",
            source=_DEST_SOURCE,
        ),
        Measure(
            "absence_overall_pct",
            "Overall absence rate (%)",
            "absence",
            "%",
            "low",
            1,
            "Percentage of possible sessions missed through authorised or unauthorised absence.",
        ),
        Measure(
            "absence_persistent_pct",
            "Persistent absence (%)",
            "absence",
            "%",
            "low",
            1,
            "Percentage of pupils missing 10% or more of possible sessions.",
        ),
    )
}

#: Headline measures per phase, in the order pages show them.
HEADLINE_MEASURES: Final[dict[str, tuple[str, ...]]] = {
    "primary": ("ks2_rwm_expected_pct",),
    "secondary": ("ks4_attainment8", "ks4_progress8"),
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
