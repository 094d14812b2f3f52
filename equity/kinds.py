"""The one catalogue of file kinds: what each kind of file is, in data only.

Every module that needs a fact about a kind of file reads it here rather than keeping its own
string list: the ingest registry (each reader's `FileKind.name` is a key of `KINDS`), the
store (whose description of a school wins), the queries (whose LA figure wins, which files
carry the cohort counts), the Data page's coverage tables (label, level, publisher, page, the
key school-level kinds and how to get them) and Similar schools (which file a column comes
from). Adding a file kind = its ingest module (listed in the registry) + one `Kind(...)` line
below + tests (docs/ARCHITECTURE.md).

Nothing here reads a file or imports another part of the app, so any module may import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

# --------------------------------------------------------------------------- publishers' pages

PERFORMANCE_PAGE: Final = "https://www.compare-school-performance.service.gov.uk/download-data"
CENSUS_PAGE: Final = (
    "https://explore-education-statistics.service.gov.uk/find-statistics/"
    "school-pupils-and-their-characteristics"
)
GIAS_PAGE: Final = "https://get-information-schools.service.gov.uk/Downloads"
LAIT_PAGE: Final = (
    "https://www.gov.uk/government/publications/local-authority-interactive-tool-lait"
)
ONS_GEOGRAPHY_PAGE: Final = "https://geoportal.statistics.gov.uk/"
TRAFFORD_PAGE: Final = "https://github.com/traffordDataLab/schools"

DFE: Final = "Department for Education"
TRAFFORD_DFE: Final = "Trafford Data Lab, from Department for Education data"

# --------------------------------------------------------------------------- levels and years

#: Level: the rows a file is about (as the Data page's coverage tables word it).
SCHOOL: Final = "school-level"
LA: Final = "LA-level"  # LAs, regions or England
REFERENCE: Final = "reference"  # dictionaries, codes and boundaries: no figures of its own

#: Year meaning: what the academic year stored with a file's rows counts.
ACADEMIC_YEAR: Final = "academic year"  # the year the results or absence describe
JANUARY_CENSUS: Final = "January census"  # the census taken in January of that year
KS4_COHORT: Final = "KS4 cohort"  # the year the cohort finished KS4 (destinations)
NO_YEAR: Final = "no year"  # reference files

# --------------------------------------------------------------------------- ids

KS2_PERFORMANCE: Final = "ks2_performance"
KS4_PERFORMANCE: Final = "ks4_performance"
PERFORMANCE_META: Final = "performance_meta"
SCHOOL_CENSUS: Final = "school_census"
KS4_PROVISIONAL: Final = "ks4_provisional"
KS4_DESTINATIONS: Final = "ks4_destinations"
SCHOOL_ABSENCE: Final = "school_absence"
SCHOOL_LOCATIONS: Final = "school_locations"
NATIONAL_AVERAGES: Final = "national_averages"
LAIT_PANEL: Final = "lait_panel"
LAIT_DICTIONARY: Final = "lait_dictionary"
LA_CODES: Final = "la_codes"
GIAS: Final = "gias"
SCHOOL_LIST: Final = "school_list"
AREA_THEMES: Final = "area_themes"
BOUNDARIES: Final = "boundaries"


@dataclass(frozen=True)
class Kind:
    """One kind of file: what a reader should think of it and how the app ranks it."""

    id: str
    #: Plain English, for the Data page's "what" column.
    label: str
    level: str
    key_stages: tuple[str, ...]
    #: The file splits its results into disadvantaged and other pupils.
    by_disadvantage: bool
    year_meaning: str
    publisher: str
    page: str
    #: Whose description of a school (name, LA, phase) wins when several files describe it:
    #: low first (`Store.schools`); None = the kind describes no school.
    school_priority: int | None = None
    #: Whose LA, region or England figure is shown when two files publish it: low first
    #: (`queries.published_rows`); None = the kind publishes no such figure.
    published_rank: int | None = None
    #: Rank among the school-level kinds a reader of one LA is told about, loaded or not
    #: (the Data page's per-LA status, most important first); None = not one of them.
    key_rank: int | None = None
    #: Its name in a sentence ("No KS4 school results for Bolton"); key kinds only.
    short: str = ""
    #: How to add the file for an LA ({who}, {page}, {performance} and {where} are filled
    #: in; {where} says where the reader loads it: a tab of the app, a command); only for
    #: the key kinds a user can download per LA.
    how_to_get: str = ""


_PERFORMANCE_HOW = (
    "download the 'Key stage {stage} final results' for {{who}} from DfE's Compare school "
    "performance service ({{page}}; any year from 2016-2017) and load the CSV or zip {{where}}"
)

_ALL: Final = (
    Kind(
        KS4_PERFORMANCE,
        "KS4 school results split by disadvantage (performance tables, final)",
        level=SCHOOL,
        key_stages=("ks4",),
        by_disadvantage=True,
        year_meaning=ACADEMIC_YEAR,
        publisher=DFE,
        page=PERFORMANCE_PAGE,
        school_priority=3,
        published_rank=2,
        key_rank=1,
        short="KS4 school results",
        how_to_get=_PERFORMANCE_HOW.format(stage=4),
    ),
    Kind(
        KS2_PERFORMANCE,
        "KS2 school results split by disadvantage (performance tables, final)",
        level=SCHOOL,
        key_stages=("ks2",),
        by_disadvantage=True,
        year_meaning=ACADEMIC_YEAR,
        publisher=DFE,
        page=PERFORMANCE_PAGE,
        school_priority=3,
        published_rank=2,
        key_rank=2,
        short="KS2 school results",
        how_to_get=_PERFORMANCE_HOW.format(stage=2),
    ),
    Kind(
        SCHOOL_CENSUS,
        "School census: pupils, % ever-FSM, EAL and SEN per school",
        level=SCHOOL,
        key_stages=("census",),
        by_disadvantage=False,
        year_meaning=JANUARY_CENSUS,
        publisher=DFE,
        page=CENSUS_PAGE,
        school_priority=5,
        key_rank=3,
        short="school census",
        how_to_get="download the school-level census file for {who} ('census' in DfE's "
        "performance tables download, {performance}) and load it {where}; the statistics are "
        "explained at {page}",
    ),
    Kind(
        KS4_PROVISIONAL,
        "KS4 provisional results per school (all pupils only)",
        level=SCHOOL,
        key_stages=("ks4",),
        by_disadvantage=False,
        year_meaning=ACADEMIC_YEAR,
        publisher=DFE,
        page=PERFORMANCE_PAGE,
        school_priority=4,
        published_rank=4,
    ),
    Kind(
        KS4_DESTINATIONS,
        "KS4 destinations per school, disadvantaged and other pupils",
        SCHOOL,
        ("destinations",),
        True,
        KS4_COHORT,
        DFE,
        PERFORMANCE_PAGE,
        school_priority=7,
    ),
    Kind(
        SCHOOL_ABSENCE,
        "School absence: overall and persistent absence per school",
        level=SCHOOL,
        key_stages=("absence",),
        by_disadvantage=False,
        year_meaning=ACADEMIC_YEAR,
        publisher=DFE,
        page=PERFORMANCE_PAGE,
    ),
    Kind(
        SCHOOL_LOCATIONS,
        "School list with coordinates and headline results (all England)",
        level=SCHOOL,
        key_stages=("ks2", "ks4"),
        by_disadvantage=False,
        year_meaning=ACADEMIC_YEAR,
        publisher=DFE,
        page=PERFORMANCE_PAGE,
        school_priority=6,
    ),
    Kind(
        GIAS,
        "Get Information About Schools register extract",
        level=SCHOOL,
        key_stages=("census",),
        by_disadvantage=False,
        year_meaning=JANUARY_CENSUS,
        publisher=DFE,
        page=GIAS_PAGE,
        school_priority=1,
        key_rank=4,
        short="Get Information About Schools register extract",
        how_to_get="download the 'Establishment fields' CSV from Get Information About Schools "
        "({page}) and load it {where} (it gives school names, types and locations)",
    ),
    Kind(
        SCHOOL_LIST,
        "Trafford Data Lab school list (from DfE's register and census)",
        level=SCHOOL,
        key_stages=("census",),
        by_disadvantage=False,
        year_meaning=JANUARY_CENSUS,
        publisher=TRAFFORD_DFE,
        page=TRAFFORD_PAGE,
        school_priority=2,
    ),
    Kind(
        LAIT_PANEL,
        "Local Authority Interactive Tool (LAIT): LA, region and England figures",
        level=LA,
        key_stages=("ks2", "ks4", "census"),
        by_disadvantage=True,
        year_meaning=ACADEMIC_YEAR,
        publisher=DFE,
        page=LAIT_PAGE,
        published_rank=1,
    ),
    Kind(
        NATIONAL_AVERAGES,
        "England GCSE and A level averages",
        level=LA,
        key_stages=("ks4",),
        by_disadvantage=False,
        year_meaning=ACADEMIC_YEAR,
        publisher=DFE,
        page=PERFORMANCE_PAGE,
        published_rank=3,
    ),
    Kind(
        AREA_THEMES,
        "Trafford Data Lab themes: Trafford, its statistical neighbours and England",
        level=LA,
        key_stages=(),
        by_disadvantage=False,
        year_meaning=ACADEMIC_YEAR,
        publisher=TRAFFORD_DFE,
        page=TRAFFORD_PAGE,
    ),
    Kind(
        PERFORMANCE_META,
        "Performance tables column dictionary",
        level=REFERENCE,
        key_stages=("ks2", "ks4"),
        by_disadvantage=False,
        year_meaning=NO_YEAR,
        publisher=DFE,
        page=PERFORMANCE_PAGE,
    ),
    Kind(
        LAIT_DICTIONARY,
        "LAIT data dictionary: measure descriptions, polarity, sources",
        level=REFERENCE,
        key_stages=(),
        by_disadvantage=False,
        year_meaning=NO_YEAR,
        publisher=DFE,
        page=LAIT_PAGE,
    ),
    Kind(
        LA_CODES,
        "LA codes: DfE 3-digit codes, ONS codes and regions",
        level=REFERENCE,
        key_stages=(),
        by_disadvantage=False,
        year_meaning=NO_YEAR,
        publisher="Department for Education and Office for National Statistics",
        page=ONS_GEOGRAPHY_PAGE,
    ),
    Kind(
        BOUNDARIES,
        "Area boundaries (ONS counties and unitary authorities)",
        level=REFERENCE,
        key_stages=(),
        by_disadvantage=False,
        year_meaning=NO_YEAR,
        publisher="Office for National Statistics (contains OS data, Crown copyright 2022)",
        page=ONS_GEOGRAPHY_PAGE,
    ),
)

#: Every file kind the app knows, by id.
KINDS: Final = MappingProxyType({kind.id: kind for kind in _ALL})

#: The performance tables' school results split by disadvantage, one kind per key stage.
PERFORMANCE_BY_STAGE: Final = MappingProxyType({"ks2": KS2_PERFORMANCE, "ks4": KS4_PERFORMANCE})
PERFORMANCE: Final = tuple(PERFORMANCE_BY_STAGE.values())


def kind(kind_id: str | None) -> Kind:
    """The catalogue's entry; a kind it does not know (a user's file of a kind added to the
    registry later) still gets an entry named by its id, never a crash."""
    if kind_id in KINDS:
        return KINDS[str(kind_id)]
    name = str(kind_id or "unknown")
    return Kind(name, name, REFERENCE, (), False, NO_YEAR, "see the file", "")


def school_priority() -> dict[str, int]:
    """Kind -> rank of its description of a school (low wins), for the kinds that have one."""
    return {k.id: k.school_priority for k in _ALL if k.school_priority is not None}


def published_rank() -> dict[str, int]:
    """Kind -> rank of its published LA figures (low wins), for the kinds that publish any."""
    return {k.id: k.published_rank for k in _ALL if k.published_rank is not None}


def key_school_kinds() -> tuple[str, ...]:
    """The school-level kinds a reader of one LA is told about, most important first."""
    keyed = [k for k in _ALL if k.key_rank is not None]
    return tuple(k.id for k in sorted(keyed, key=lambda k: k.key_rank or 0))


def of_level(level: str) -> tuple[str, ...]:
    """The kinds of one level (SCHOOL, LA or REFERENCE), in catalogue order."""
    return tuple(k.id for k in _ALL if k.level == level)
