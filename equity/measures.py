"""The measure catalogue: each measure's label, unit, polarity, decimals and source.

Split from `equity.schema` so the catalogue of measures is one module with one job; `schema`
re-exports `Measure`, `MEASURES` and `HEADLINE_MEASURES` so existing imports keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


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
