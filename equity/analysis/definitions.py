"""What every figure means, taken from the modules that implement it.

The Data and methods page's definitions: measures, pupil groups and statuses from the
schema's catalogues, the segregation indices and gap conventions from the metrics modules'
own docstrings, the series breaks from SERIES-BREAKS.md and the LAIT codes the ingest reads,
so the page says exactly what the code computes and cannot drift from it. (What is loaded
and from where: equity/analysis/coverage.py.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from equity.ingest.lait import LAIT_CODES
from equity.metrics import gaps, segregation
from equity.schema import MEASURES, PUPIL_GROUP_LABELS, STATUS_CODES, Status
from equity.store import EMBEDDED_SOURCES, Store

SERIES_BREAKS_FILE: Final = EMBEDDED_SOURCES / "SERIES-BREAKS.md"

POLARITY_TEXT: Final[dict[str, str]] = {
    "high": "higher is better",
    "low": "lower is better",
    "neutral": "context (neither better nor worse)",
}

#: What each status means to a reader, and what the app does with it.
STATUS_MEANINGS: Final[dict[Status, str]] = {
    Status.VALUE: "A published figure.",
    Status.SUPPRESSED: (
        "Hidden by DfE to protect individual pupils (small numbers). Shown as 'suppressed', "
        "never as zero and never estimated from other cells."
    ),
    Status.NOT_PUBLISHED: "DfE chose not to publish this figure (for example, too few schools).",
    Status.NOT_APPLICABLE: "The measure does not apply (for example, no pupils of that kind).",
    Status.NOT_ENTERED: "No pupils were entered for or eligible for this measure.",
    Status.LOW_COVERAGE: (
        "Too few pupils had prior attainment to calculate a progress score reliably."
    ),
    Status.NEW: "A new school, with no results yet.",
    Status.MISSING: "The cell was blank in the published file.",
}


def measures_table() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "measure": m.label,
                "id": m.id,
                "stage": m.key_stage or "any",
                "unit": m.unit,
                "polarity": POLARITY_TEXT.get(m.polarity, m.polarity),
                "decimals": m.decimals,
                "description": m.description,
            }
            for m in MEASURES.values()
        ]
    )


def pupil_groups_table() -> pl.DataFrame:
    return pl.DataFrame(
        {"group": list(PUPIL_GROUP_LABELS.values()), "id": list(PUPIL_GROUP_LABELS)}
    )


def status_table() -> pl.DataFrame:
    """Every status with the codes that produce it, straight from schema.STATUS_CODES."""
    codes: dict[Status, list[str]] = {status: [] for status in Status}
    for code, status in STATUS_CODES.items():
        codes[status].append(f"'{code}'" if code else "(blank cell)")
    return pl.DataFrame(
        [
            {
                "status": status.value.replace("_", " "),
                "codes_in_dfe_files": ", ".join(codes[status]) or "(a number)",
                "meaning": STATUS_MEANINGS.get(status, ""),
            }
            for status in Status
        ]
    )


def segregation_definitions() -> list[str]:
    """The index formulas as the metrics module documents them (its bullet list), so the
    page says exactly what the code computes."""
    return _bullets(segregation.__doc__ or "")


@dataclass(frozen=True)
class GapText:
    summary: str
    ways: tuple[str, ...]
    rules: tuple[str, ...]


def gap_definitions() -> GapText:
    """The gap conventions from equity.metrics.gaps: its summary, the two ways a gap is
    measured (its bullets) and the rules after them (sign, missing values)."""
    doc = gaps.__doc__ or ""
    summary, ways, rules = "", [], []
    for paragraph in doc.strip().split("\n\n"):
        if paragraph.lstrip().startswith("- "):
            ways.extend(_bullets(paragraph))
        elif paragraph.strip() and not summary:
            summary = " ".join(paragraph.split())
        elif paragraph.strip():
            rules.append(" ".join(paragraph.split()))
    return GapText(summary, tuple(ways), tuple(rules))


def _bullets(doc: str) -> list[str]:
    """'- ' items of a docstring, each joined onto one line."""
    items: list[str] = []
    current: list[str] | None = None
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.startswith("- "):
            if current:
                items.append(" ".join(current))
            current = [stripped[2:].strip()]
        elif current is not None and stripped and line.startswith("  "):
            current.append(stripped)
        elif current is not None:
            items.append(" ".join(current))
            current = None
    if current:
        items.append(" ".join(current))
    return items


def counts_bases() -> list[str]:
    """Which pupil counts the indices rest on, in the order queries.school_counts tries them."""
    return [
        "KS2 or KS4 cohort counts from the performance tables, when a file for the LA and year "
        "is loaded: disadvantaged = TFSM6CLA1A, other = TNOTFSM6CLA1A (TNotFSM6CLA1A in KS2), "
        "every mainstream and special school row (RECTYPE 1 and 2) with both counts published "
        "and at least one pupil.",
        "Otherwise the school census of that year: ever-FSM pupils (NUMFSMEVER) of state-funded "
        "primary or secondary schools; other pupils = pupils counted for FSM "
        "(NUMFSMEVER x 100 / PNUMFSMEVER) minus NUMFSMEVER.",
        "Schools with a suppressed or missing count are left out; every index is shown with "
        "the basis it used.",
    ]


_TABLE_ROW = re.compile(r"^\|(.+)\|\s*$")


@dataclass(frozen=True)
class SeriesBreaks:
    table: pl.DataFrame
    #: Paragraphs around the table, as written (the first says where the facts come from).
    notes: tuple[str, ...]
    #: Rows whose facts were not confirmed against a primary source ("(check)" in the file).
    unconfirmed: int


def series_breaks(path: Path = SERIES_BREAKS_FILE) -> SeriesBreaks:
    """SERIES-BREAKS.md as a table plus its notes, so the page shows the same facts the
    trend charts use and nobody keeps a second copy."""
    text = path.read_text(encoding="utf-8")
    header: list[str] | None = None
    rows: list[list[str]] = []
    paragraphs: list[list[str]] = [[]]
    for line in text.splitlines():
        stripped = line.strip()
        match = _TABLE_ROW.match(stripped)
        if match:
            cells = [c.strip() for c in match.group(1).split("|")]
            if all(set(c) <= {"-", ":", " "} for c in cells):
                continue
            if header is None:
                header = [c.replace(" ", "_") for c in cells]
            else:
                rows.append(cells)
        elif not stripped or stripped.startswith("#"):
            paragraphs.append([])
        else:
            paragraphs[-1].append(stripped)
    columns = header or ["year", "stage", "what_changed", "what_a_chart_must_do"]
    table = pl.DataFrame(
        [dict(zip(columns, row + [""] * (len(columns) - len(row)), strict=False)) for row in rows],
        schema={c: pl.String for c in columns},
    )
    notes = tuple(" ".join(p) for p in paragraphs if p)
    unconfirmed = sum(any("(check)" in cell for cell in row) for row in rows)
    return SeriesBreaks(table, notes, unconfirmed)


def lait_measures(store: Store) -> pl.DataFrame:
    """The LAIT codes the app reads, with DfE's own description, polarity and source link."""
    used = pl.DataFrame(
        {
            "lait_code": [c.code for c in LAIT_CODES],
            "measure": [
                MEASURES[c.measure].label if c.measure in MEASURES else c.measure
                for c in LAIT_CODES
            ],
            "pupil_group": [
                PUPIL_GROUP_LABELS.get(c.pupil_group, c.pupil_group) for c in LAIT_CODES
            ],
        }
    )
    dictionary = store.extra("measure_dictionary")
    wanted = ["lait_code", "measure_label", "polarity", "description", "source_url"]
    if dictionary.is_empty() or not set(wanted) <= set(dictionary.columns):
        dictionary = pl.DataFrame(schema={c: pl.String for c in wanted})
    dictionary = dictionary.select(wanted).unique("lait_code", keep="first", maintain_order=True)
    return used.join(dictionary, on="lait_code", how="left").rename({"measure_label": "lait_label"})
