"""What the store holds, where each file comes from, and what every figure means.

The Data and methods page answers "can I trust this figure, and why is that one missing?".
That needs the store's own account (the manifest: rows read, stored, rejected and why), the
publisher and licence of each file kind, and the definitions the rest of the app relies on,
taken from the modules that implement them so the page cannot drift from the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from equity import kinds
from equity.ingest.lait import LAIT_CODES
from equity.metrics import gaps, segregation
from equity.schema import MEASURES, PUPIL_GROUP_LABELS, STATUS_CODES, Status
from equity.store import EMBEDDED_SOURCES, Store, read_manifest

LICENCE: Final = "Open Government Licence v3.0"
LICENCE_URL: Final = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
SERIES_BREAKS_FILE: Final = EMBEDDED_SOURCES / "SERIES-BREAKS.md"

# The catalogue's levels and publishers' pages, under the names the Data page reads here.
SCHOOL: Final = kinds.SCHOOL
LA: Final = kinds.LA
REFERENCE: Final = kinds.REFERENCE
PERFORMANCE_PAGE: Final = kinds.PERFORMANCE_PAGE
CENSUS_PAGE: Final = kinds.CENSUS_PAGE
GIAS_PAGE: Final = kinds.GIAS_PAGE
LAIT_PAGE: Final = kinds.LAIT_PAGE
ONS_GEOGRAPHY_PAGE: Final = kinds.ONS_GEOGRAPHY_PAGE
TRAFFORD_PAGE: Final = kinds.TRAFFORD_PAGE

# --------------------------------------------------------------------------- what is loaded


def winning_layer(store: Store) -> dict[str, Path]:
    """Each source's layer: the last layer that lists it wins, as Store.manifest() decides."""
    owner: dict[str, Path] = {}
    for layer in store.layers:
        for source in read_manifest(layer)["source"].to_list():
            owner[source] = layer
    return owner


def loaded_files(store: Store, user_layer: str | Path | None = None) -> pl.DataFrame:
    """One row per stored file: what it is, its rows' fate, publisher, licence, page.

    `accounted` checks the ingest contract (read = stored + rejected) for every file, so a
    reader can see that no row vanished without a reason.
    """
    manifest = store.manifest()
    owner = winning_layer(store)
    rows = []
    for row in manifest.iter_rows(named=True):
        info = kinds.kind(row["kind"])
        layer = owner.get(row["source"])
        mine = user_layer is not None and layer is not None and _same(layer, Path(user_layer))
        rows.append(
            {
                "file": row["source"],
                "kind": row["kind"],
                "what": info.label,
                "level": info.level,
                "years": ", ".join(row["academic_years"] or []) or "-",
                "las": len(row["la_codes"] or []),
                "rows_read": row["rows_read"],
                "rows_stored": row["rows_stored"],
                "rows_rejected": row["rows_rejected"],
                "accounted": row["rows_read"] == row["rows_stored"] + row["rows_rejected"],
                "suppressed_cells": row["suppressed_cells"],
                "loaded_by": "you" if mine else "built in",
                "publisher": info.publisher,
                "licence": LICENCE,
                "page": info.page,
                "ingested_at": row["ingested_at"],
                "notes": " | ".join(row["notes"] or []),
            }
        )
    schema = {
        "file": pl.String,
        "kind": pl.String,
        "what": pl.String,
        "level": pl.String,
        "years": pl.String,
        "las": pl.Int64,
        "rows_read": pl.Int64,
        "rows_stored": pl.Int64,
        "rows_rejected": pl.Int64,
        "accounted": pl.Boolean,
        "suppressed_cells": pl.Int64,
        "loaded_by": pl.String,
        "publisher": pl.String,
        "licence": pl.String,
        "page": pl.String,
        "ingested_at": pl.String,
        "notes": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


COVERAGE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "la_code": pl.String(),
    "la_name": pl.String(),
    "academic_year": pl.String(),
    "kind": pl.String(),
    "level": pl.String(),
    "schools": pl.Int64(),
    "figures": pl.Int64(),
    "files": pl.String(),
    "publisher": pl.String(),
    "page": pl.String(),
}


def coverage(store: Store) -> pl.DataFrame:
    """LAs x years x file kinds: schools with results (school-level files) or published
    figures (LA-level files), and the files they came from.

    Counted from the stored rows (through the per-source summaries written at ingest,
    `Store.summary` and `Store.school_years`), not from the manifest's lists, so a file that
    names an LA but holds none of its schools for a year does not show that year as covered.
    """
    keys = ["la_code", "academic_year", "kind", "entity_kind"]
    schools = (
        store.school_years()
        .filter(pl.col("la_code").is_not_null())
        .group_by("la_code", "academic_year", "kind")
        .agg(pl.col("entity").n_unique().alias("schools"))
        .with_columns(pl.lit("school").alias("entity_kind"))
    )
    counted = (
        store.summary()
        .filter(pl.col("entity_kind").is_in(["school", "la"]) & pl.col("la_code").is_not_null())
        .group_by(keys)
        .agg(
            pl.col("figures").sum().cast(pl.Int64).alias("figures"),
            pl.col("source").unique().sort().str.join("; ").alias("files"),
        )
        .join(schools, on=keys, how="left", nulls_equal=True)
        .with_columns(pl.col("schools").fill_null(0))
    )
    if counted.is_empty():
        return pl.DataFrame(schema=COVERAGE_SCHEMA)
    names = dict(store.areas().select("la_code", "name").iter_rows())
    info = {kind: kinds.kind(kind) for kind in counted["kind"].unique().to_list()}
    level = pl.col("kind").replace_strict(
        {k: v.level for k, v in info.items()}, default=REFERENCE, return_dtype=pl.String
    )
    return (
        counted.with_columns(
            pl.col("la_code")
            .replace_strict(names, default=None, return_dtype=pl.String)
            .fill_null(pl.lit("LA ") + pl.col("la_code"))
            .alias("la_name"),
            # A school-level file's LA aggregate row is an LA-level figure, and vice versa.
            pl.when(pl.col("entity_kind") == "school")
            .then(pl.lit(SCHOOL))
            .otherwise(pl.when(level == SCHOOL).then(pl.lit(LA)).otherwise(level))
            .alias("level"),
            pl.col("kind")
            .replace_strict({k: v.publisher for k, v in info.items()}, return_dtype=pl.String)
            .alias("publisher"),
            pl.col("kind")
            .replace_strict({k: v.page for k, v in info.items()}, return_dtype=pl.String)
            .alias("page"),
            pl.when(pl.col("entity_kind") == "school")
            .then(pl.col("schools").cast(pl.Int64))
            .otherwise(None)
            .alias("schools"),
        )
        .select(list(COVERAGE_SCHEMA))
        .sort("la_name", "academic_year", "level", "kind", descending=[False, True, True, False])
    )


def year_runs(years: list[str]) -> str:
    """Academic years as runs: ["2015/16", "2016/17", "2018/19"] -> "2015/16 to 2016/17,
    2018/19" (a year's successor starts one calendar year later)."""
    ordered = sorted({y for y in years if y})
    runs: list[list[str]] = []
    for year in ordered:
        previous = runs[-1][-1] if runs else None
        if previous and previous[:4].isdigit() and year[:4] == str(int(previous[:4]) + 1):
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs)


def coverage_by_la(cov: pl.DataFrame) -> pl.DataFrame:
    """`coverage` summarised to one row per authority: the school-level and LA-level file
    kinds loaded with their years, schools in the latest year (the largest count of any
    school-level kind) and the LA-level figures. The full table is the Data page's CSV."""
    if cov.is_empty():
        return pl.DataFrame(
            schema={
                "authority": pl.String,
                "la_code": pl.String,
                "school_level": pl.String,
                "schools_latest": pl.Int64,
                "la_level": pl.String,
                "figures": pl.Int64,
            }
        )
    per_kind = (
        cov.sort("academic_year")
        .group_by("la_code", "la_name", "level", "kind", maintain_order=True)
        .agg(
            pl.col("academic_year").alias("years"),
            pl.col("schools").last().alias("latest"),
            pl.col("figures").sum().alias("figures"),
        )
        .with_columns(
            (
                pl.col("kind").str.replace_all("_", " ")
                + pl.lit(" ")
                + pl.col("years").map_elements(year_runs, return_dtype=pl.String)
            ).alias("text")
        )
        .sort("la_code", "kind")
    )
    school = per_kind.filter(pl.col("level") == SCHOOL)
    other = per_kind.filter(pl.col("level") != SCHOOL)
    return (
        per_kind.select("la_code", "la_name")
        .unique("la_code", keep="first", maintain_order=True)
        .join(
            school.group_by("la_code").agg(
                pl.col("text").str.join("; ").alias("school_level"),
                pl.col("latest").max().cast(pl.Int64).alias("schools_latest"),
            ),
            on="la_code",
            how="left",
        )
        .join(
            other.group_by("la_code").agg(
                pl.col("text").str.join("; ").alias("la_level"),
                pl.col("figures").sum().cast(pl.Int64).alias("figures"),
            ),
            on="la_code",
            how="left",
        )
        .select(
            pl.col("la_name").alias("authority"),
            "la_code",
            "school_level",
            "schools_latest",
            "la_level",
            "figures",
        )
        .sort("authority", "la_code")
    )


def la_status(cov: pl.DataFrame, la_codes: list[str]) -> pl.DataFrame:
    """For each LA and each key school-level kind: the years loaded (or none) and files.

    Missing kinds are kept as rows with no years, so "not loaded" is a fact the page states
    rather than an absence the reader has to notice.
    """
    school = cov.filter((pl.col("level") == SCHOOL) & pl.col("la_code").is_in(la_codes))
    key = kinds.key_school_kinds()
    rows = []
    for la_code in la_codes:
        mine = school.filter(pl.col("la_code") == la_code)
        name = mine["la_name"][0] if mine.height else None
        for kind in (*key, *sorted(set(mine["kind"]) - set(key))):
            part = mine.filter(pl.col("kind") == kind).sort("academic_year")
            latest = part.tail(1)
            rows.append(
                {
                    "la_code": la_code,
                    "la_name": name,
                    "kind": kind,
                    "what": kinds.kind(kind).label,
                    "years": ", ".join(part["academic_year"].to_list()) or None,
                    "latest_year": latest["academic_year"][0] if latest.height else None,
                    "schools_latest": int(latest["schools"][0]) if latest.height else None,
                    "files": "; ".join(
                        sorted({f for files in part["files"] for f in files.split("; ")})
                    )
                    or None,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "la_code": pl.String,
            "la_name": pl.String,
            "kind": pl.String,
            "what": pl.String,
            "years": pl.String,
            "latest_year": pl.String,
            "schools_latest": pl.Int64,
            "files": pl.String,
        },
    )


def status_sentences(status: pl.DataFrame, names: dict[str, str]) -> list[str]:
    """Plain sentences for the selected authority or group: what is loaded, what is not and
    where to get it. LAs in the same position share one sentence, so a group of ten reads
    as a few lines rather than forty."""
    sentences = []
    for kind in kinds.key_school_kinds():
        part = status.filter(pl.col("kind") == kind)
        if part.is_empty():
            continue
        info = kinds.KINDS[kind]
        short = info.short
        label = part.with_columns(
            pl.col("la_code")
            .replace_strict(names, default=None, return_dtype=pl.String)
            .fill_null(pl.col("la_name"))
            .fill_null(pl.lit("LA ") + pl.col("la_code"))
            .alias("name")
        )
        loaded = label.filter(pl.col("years").is_not_null())
        for _, rows in loaded.group_by("years", maintain_order=True):
            years = str(rows["years"][0])
            who = _names_and_codes(rows)
            schools = int(rows["schools_latest"].sum())
            latest = str(rows["latest_year"].max())
            files = sorted({f for fs in rows["files"].drop_nulls() for f in fs.split("; ")})
            sentences.append(
                f"{short[0].upper()}{short[1:]} loaded for {who}: {years} "
                f"({schools:,} schools in {latest}; {_file_count(files)})."
            )
        lacking = label.filter(pl.col("years").is_null())
        if lacking.height:
            who = _names_and_codes(lacking)
            sentence = f"No {short} for {who}"
            if info.how_to_get:
                single = lacking.height == 1
                target = str(lacking["name"][0]) if single else "each LA"
                sentence += ": " + info.how_to_get.format(
                    who=target, page=info.page, performance=PERFORMANCE_PAGE
                )
            sentences.append(sentence + ".")
    return sentences


def _names_and_codes(rows: pl.DataFrame) -> str:
    parts = [f"{name} ({code})" for name, code in rows.select("name", "la_code").iter_rows()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _file_count(files: list[str]) -> str:
    count = len(files)
    return f"{count} file" if count == 1 else f"{count} files"


def rejected_summary(store: Store) -> pl.DataFrame:
    """Rejected rows by file and reason, with the first row numbers so a reader can look."""
    rejected = store.rejected()
    if rejected.is_empty():
        return pl.DataFrame(
            schema={
                "file": pl.String,
                "reason": pl.String,
                "rows": pl.Int64,
                "first_rows": pl.String,
            }
        )
    return (
        rejected.sort("source", "row")
        .group_by("source", "reason", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("rows"),
            pl.col("row").head(5).cast(pl.String).str.join(", ").alias("first_rows"),
        )
        .rename({"source": "file"})
        .sort("file", "rows", descending=[False, True])
    )


# --------------------------------------------------------------------------- definitions

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
