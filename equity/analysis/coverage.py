"""What the store holds and where each file comes from.

The Data and methods page answers "can I trust this figure, and why is that one missing?".
That needs the store's own account (the manifest: rows read, stored, rejected and why) and
the publisher, page and licence of each file kind, read from the catalogue of kinds
(equity/kinds.py). What every figure means is equity/analysis/definitions.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import polars as pl

from equity import kinds
from equity.store import Store, read_manifest

LICENCE: Final = "Open Government Licence v3.0"
LICENCE_URL: Final = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

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


def coverage(store: Store, schools: pl.DataFrame | None = None) -> pl.DataFrame:
    """LAs x years x file kinds: schools with results (school-level files) or published
    figures (LA-level files), and the files they came from.

    Counted from the stored rows (through the per-source summaries written at ingest,
    `Store.summary` and `Store.school_years`), not from the manifest's lists, so a file that
    names an LA but holds none of its schools for a year does not show that year as covered.

    `schools`: `school_counts` of this store, if the caller holds them already (the app
    keeps them per store version for the Overview's coverage note): reading and counting
    `school_years`, some 700,000 rows at national scale, was most of the work here.
    """
    keys = ["la_code", "academic_year", "kind", "entity_kind"]
    if schools is None:
        schools = school_counts(store.school_years())
    schools = schools.filter(pl.col("la_code").is_not_null()).with_columns(
        pl.lit("school").alias("entity_kind")
    )
    counted = (
        figures_and_files(
            store.summary().filter(
                pl.col("entity_kind").is_in(["school", "la"]) & pl.col("la_code").is_not_null()
            ),
            keys,
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


def figures_and_files(summary: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per `keys` group of summary rows: the figures summed and the distinct sources, sorted
    and joined with "; ". Most groups (some 13,000 at national scale) have one source, which
    is its own answer; only the rest are made unique, sorted and joined (doing that for every
    group, in the group_by, was 18 of the Data page's first-visit milliseconds)."""
    files = pl.col("files")
    return (
        summary.group_by(keys)
        .agg(
            pl.col("figures").sum().cast(pl.Int64).alias("figures"),
            pl.col("source").alias("files"),
        )
        .with_columns(
            pl.when(files.list.len() == 1)
            .then(files.list.first())
            .otherwise(files.list.unique().list.sort().list.join("; "))
            .alias("files")
        )
    )


def school_counts(school_years: pl.DataFrame) -> pl.DataFrame:
    """la_code, academic_year, kind, schools: distinct schools with stored rows per LA, year
    and file kind, from `Store.school_years` (some 700,000 rows at national scale).

    Hashing every row to group them was most of the Data page's first visit, so the rows
    are counted in runs: `school_years` lists each (source, LA, year, school) once, each
    source's rows together and sorted, so a run of equal (source, LA, year) is that many
    distinct schools (a run split by any other order still sums to the same count). Where
    one file gives an LA, year and kind, its count is the answer; only where several do
    (overlapping destinations releases) are their schools counted distinct, from their rows.
    """
    keys = ["la_code", "academic_year", "kind"]
    runs = (
        school_years.select(pl.struct("source", *keys).rle().alias("run"))
        .unnest("run")
        .unnest("value")
        .with_columns(pl.col("source").n_unique().over(keys).alias("__sources"))
    )
    single = (
        runs.filter(pl.col("__sources") == 1)
        .group_by(keys)
        .agg(pl.col("len").sum().cast(pl.UInt32).alias("schools"))
    )
    shared = runs.select((pl.col("__sources") > 1).repeat_by("len").explode()).to_series()
    several = (
        school_years.filter(shared)
        .group_by(keys)
        .agg(pl.col("entity").n_unique().cast(pl.UInt32).alias("schools"))
    )
    return pl.concat([single, several])


_school_counts = school_counts  # the name the equality tests know it by


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


def year_runs_of(joined: pl.Series, separator: str) -> pl.Series:
    """Each of `joined`'s lists of academic years (one string, `separator` between years)
    as `year_runs`; nulls stay null. Worked out once per distinct list (a few dozen), not
    once per row (thousands at national scale)."""
    runs = {
        text: year_runs(text.split(separator)) for text in joined.drop_nulls().unique().to_list()
    }
    return joined.replace_strict(runs, default=None, return_dtype=pl.String)


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
        .with_columns(pl.col("years").list.join("|").alias("__years"))
        .sort("la_code", "kind")
    )
    per_kind = per_kind.with_columns(
        (
            pl.col("kind").str.replace_all("_", " ")
            + pl.lit(" ")
            + year_runs_of(per_kind["__years"], "|")
        ).alias("text")
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


#: Per LA: its name and, per school-level kind loaded, (years oldest first, the latest
#: year, its schools, the files).
StatusIndex = dict[str, tuple[str | None, dict[str, tuple[str, str, int | None, str | None]]]]


def status_index(cov: pl.DataFrame) -> StatusIndex:
    """What `la_status` reads, for every LA at once: made once per store version, so that
    a page showing one authority's status does not filter and group the national coverage
    table (~12,000 rows) on every rerun (the Data page's ~7 ms of its rerun, issue 16)."""
    school = cov.filter(pl.col("level") == SCHOOL)
    # Per LA and kind: years oldest first, the latest year's schools, the files.
    loaded = (
        school.sort("academic_year")
        .group_by("la_code", "kind")
        .agg(
            pl.col("academic_year").str.join(", ").alias("years"),
            pl.col("academic_year").last().alias("latest_year"),
            pl.col("schools").last().cast(pl.Int64).alias("schools_latest"),
            pl.col("files").str.split("; ").explode().unique().sort().str.join("; "),
        )
        .with_columns(pl.when(pl.col("files") != "").then(pl.col("files")).alias("files"))
    )
    names = dict(school.select("la_code", "la_name").iter_rows())
    index: StatusIndex = {}
    for la_code, kind, years, latest, schools, files in loaded.select(
        "la_code", "kind", "years", "latest_year", "schools_latest", "files"
    ).iter_rows():
        index.setdefault(la_code, (names.get(la_code), {}))[1][kind] = (
            years,
            latest,
            schools,
            files,
        )
    return index


#: la_status's columns.
STATUS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "la_code": pl.String(),
    "la_name": pl.String(),
    "kind": pl.String(),
    "what": pl.String(),
    "years": pl.String(),
    "latest_year": pl.String(),
    "schools_latest": pl.Int64(),
    "files": pl.String(),
}


def la_status(
    cov: pl.DataFrame, la_codes: list[str], index: StatusIndex | None = None
) -> pl.DataFrame:
    """For each LA and each key school-level kind: the years loaded (or none) and files.

    Missing kinds are kept as rows with no years, so "not loaded" is a fact the page states
    rather than an absence the reader has to notice. `index`: `status_index(cov)`, when the
    caller keeps it (a page does, once per store version).
    """
    index = status_index(cov) if index is None else index
    key = kinds.key_school_kinds()
    rows = []
    for la_code in la_codes:
        name, loaded = index.get(la_code, (None, {}))
        for kind in (*key, *sorted(set(loaded) - set(key))):
            years, latest, schools, files = loaded.get(kind, (None, None, None, None))
            rows.append(
                (la_code, name, kind, kinds.kind(kind).label, years, latest, schools, files)
            )
    return pl.DataFrame(rows, schema=STATUS_SCHEMA, orient="row")


#: Where a file is loaded outside the app.
LOAD_WITH_CLI = "with `python -m equity ingest <file> --store <store>`"


def status_sentences(
    status: pl.DataFrame, names: dict[str, str], *, load_where: str = LOAD_WITH_CLI
) -> list[str]:
    """Plain sentences for the selected authority or group: what is loaded, what is not and
    where to get it. LAs in the same position share one sentence, so a group of ten reads
    as a few lines rather than forty. `load_where` ends "... and load it <load_where>": the
    app names its upload tab, anything else the command line.

    `status` (la_status) has a few rows per LA, so they are read once as plain rows:
    a filter, a relabel and a group_by per file kind cost more than the sentences."""
    rows = status.select(
        "la_code", "la_name", "kind", "years", "latest_year", "schools_latest", "files"
    ).rows(named=True)
    sentences = []
    for kind in kinds.key_school_kinds():
        part = [row for row in rows if row["kind"] == kind]
        if not part:
            continue
        info = kinds.KINDS[kind]
        short = info.short
        for row in part:
            name = names.get(row["la_code"])
            name = row["la_name"] if name is None else name
            row["name"] = f"LA {row['la_code']}" if name is None else name
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in part:
            if row["years"] is not None:
                groups.setdefault(row["years"], []).append(row)
        for years, same in groups.items():
            who = _names_and_codes(same)
            schools = sum(row["schools_latest"] or 0 for row in same)
            latest = max(
                (r["latest_year"] for r in same if r["latest_year"] is not None), default=None
            )
            listed = [row["files"] for row in same if row["files"] is not None]
            files = sorted({f for joined in listed for f in joined.split("; ")})
            sentences.append(
                f"{short[0].upper()}{short[1:]} loaded for {who}: {years} "
                f"({schools:,} schools in {latest}; {_file_count(files)})."
            )
        lacking = [row for row in part if row["years"] is None]
        if lacking:
            who = _names_and_codes(lacking)
            sentence = f"No {short} for {who}"
            if info.how_to_get:
                target = str(lacking[0]["name"]) if len(lacking) == 1 else "each LA"
                sentence += ": " + info.how_to_get.format(
                    who=target, page=info.page, performance=PERFORMANCE_PAGE, where=load_where
                )
            sentences.append(sentence + ".")
    return sentences


def _names_and_codes(rows: list[dict[str, Any]]) -> str:
    parts = [f"{row['name']} ({row['la_code']})" for row in rows]
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
