"""The floor for words: one Markdown escaper, ordinals and plurals, how a measure's value
is written, and the source lines charts cite.

Every component imports these from here, so a school, file or LA name is escaped the same
way on every page, and a measure's short label, unit and decimals are read from the one
catalogue (equity/schema.py `MEASURES`) rather than from a table per page.
"""

from __future__ import annotations

import re
from typing import Final

from equity.schema import MEASURES

LAIT_SOURCE: Final = "DfE Local Authority Interactive Tool, Open Government Licence v3.0"
PT_SOURCE: Final = (
    "DfE school performance tables (Compare school performance), Open Government Licence"
)

#: How charts and tables name the comparison roles (the legend's words, everywhere).
ROLE_LABELS: Final[dict[str, str]] = {
    "selected": "Selected LA",
    "gm_la": "Greater Manchester LA",
    "other_la": "Other LAs",
    "england": "England",
    "region": "Region",
    "gm_mean": "GM mean",
}

#: Characters that start Markdown, HTML or maths anywhere in a line.
_ANYWHERE = re.compile(r"([\\`*_{}\[\]()#+!|~<>$])")
#: A colon that could open an emoji or icon shortcode, coloured text or an autolink
#: (":smile:", ":material/x:", ":red[", "https://"); one before a space is inert.
_SHORTCODE = re.compile(r":(?=\S)")
#: Characters that make a list, a rule or a heading only at the start of a line.
_LINE_START = re.compile(r"(?m)^(\s*)([-=])")
_NUMBERED = re.compile(r"(?m)^(\s*\d+)\.")


def plain(text: object) -> str:
    """Text shown literally by st.markdown (names from files, author text, URL values): no
    links, emphasis, lists, headings, HTML, maths or shortcodes from the data.

    The one escaper of the app, so a crafted school or file name reads the same on every
    page. Characters that act only in some places (a colon before a name, a dash or equals
    sign or "1." at the start of a line) are escaped only there, so ordinary prose such as
    "Bolton (350): 2018/19" keeps its look in the page's source as well as on screen.
    """
    text = _ANYWHERE.sub(r"\\\1", str(text))
    text = _SHORTCODE.sub(r"\\:", text)
    text = _LINE_START.sub(r"\1\\\2", text)
    return _NUMBERED.sub(r"\1\\.", text)


def quoted(raw: str, limit: int = 40) -> str:
    """A value from a link, shortened and shown as code, so no Markdown or HTML in it acts
    (a crafted link must not draw its own links or headings into our notice)."""
    text = raw if len(raw) <= limit else raw[: limit - 1] + "…"
    text = text.replace("`", "'").replace("\n", " ").replace("\r", " ")
    return f"`{text}`"


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plural(n: int, noun: str, *, article: bool = True) -> str:
    """'1 school', '3 schools', '1,024 schools'; without the count when article is False
    ('feature' / 'features')."""
    word = noun if n == 1 else noun + "s"
    return f"{n:,} {word}" if article else word


# --------------------------------------------------------------------------- measures


def short_label(measure: str) -> str:
    """The measure's name where space is short (titles, pickers); its label if the catalogue
    gives no short one."""
    spec = MEASURES[measure]
    return spec.short_label or spec.label


def axis_label(measure: str) -> str:
    """The measure as an axis or column title: short enough to fit."""
    return "% expected standard" if measure == "ks2_rwm_expected_pct" else short_label(measure)


def shown_decimals(measure: str) -> int:
    """Places a value is written to: as published, but at least one (averages and gaps of
    whole-number percentages are not whole numbers)."""
    return max(1, MEASURES[measure].decimals)


def units(measure: str) -> str:
    """What a difference of this measure is counted in."""
    return "percentage points" if MEASURES[measure].unit == "%" else "points"


def fmt(value: float | None, measure: str) -> str:
    """'41.2%', '45.3', '-0.52'; 'not published' when there is no value."""
    if value is None:
        return "not published"
    suffix = "%" if MEASURES[measure].unit == "%" else ""
    return f"{value:.{shown_decimals(measure)}f}{suffix}"


def fmt_tile(value: float | None, measure: str) -> str:
    """A group's figure on a tile, with its unit: '35.7 points', '-0.61 points',
    '61.0% of pupils'; 'not published' when there is none."""
    if value is None:
        return "not published"
    if MEASURES[measure].unit == "%":
        return f"{fmt(value, measure)} of pupils"
    return f"{fmt(value, measure)} points"


def fmt_gap(value: float | None, measure: str) -> str:
    """'12.3 percentage points', '-0.45 points'; 'not published' when there is none."""
    if value is None:
        return "not published"
    return f"{value:.{shown_decimals(measure)}f} {units(measure)}"
