"""The academic year a file or folder name writes: the one parser of a year in a name.

DfE names its downloads by year (2018-2019_936_ks4final.csv, a 2018-19/ folder in a zip,
england_census_201819.csv): the registry reads a folder's year as a hint, the runner keeps
a year folder in a file's stored name, and the readers prefer the file's own name to its
folder's. All of them ask this module, so a name means the same year everywhere.
"""

from __future__ import annotations

import re
from typing import Final

from equity.schema import parse_academic_year

#: 2018-2019, 2018-19, 2018_19, 201819: a 20xx start, then the end year in full or in two
#: digits, not inside a longer number (an LA code or URN next to it stays out).
_YEAR_IN_NAME: Final = re.compile(r"(?<!\d)(20\d{2})[-_]?(20\d{2}|\d{2})(?!\d)")


def year_in_name(name: str) -> str | None:
    """The first academic year ("2018/19") the name writes, if any; a pair of numbers that
    is not a year (2018-2020, 2018_23) is skipped, not misread."""
    for match in _YEAR_IN_NAME.finditer(name):
        try:
            return parse_academic_year(f"{match.group(1)}-{match.group(2)}")
        except ValueError:
            continue
    return None
