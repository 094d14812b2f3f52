"""Questions the CLI and the pages ask of the store, answered with lazy polars scans.

Every function takes the `Store` and plain filter values, so the UI can cache on those
values and tests can call the same code the app runs.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import polars as pl

from equity import kinds
from equity.analysis import census as census_analysis
from equity.analysis import destinations as destinations_analysis
from equity.analysis.coverage import school_counts as distinct_school_counts
from equity.metrics import segregation, trends
from equity.schema import (
    ENGLAND_CODE,
    GM_GROUP_CODE,
    GREATER_MANCHESTER,
    HEADLINE_MEASURES,
    PHASE_KEY_STAGE,
    parse_academic_year,
    year_start,
)
from equity.store import Store

#: Where two files publish the same LA figure, the lower rank is shown (LAIT is DfE's
#: curated LA panel; the performance tables' LA rows are the same figures per file).
PUBLISHED_SOURCE_RANK: Final[dict[str, int]] = kinds.published_rank()

#: Measures whose LA figure is phase-specific in LAIT but phase-neutral in the store's
#: vocabulary: (phase, canonical id) -> LAIT-derived id.
PHASE_SPECIFIC: Final[dict[tuple[str, str], str]] = {
    ("primary", "pct_fsm"): "pct_fsm_primary",
    ("secondary", "pct_fsm"): "pct_fsm_secondary",
    ("primary", "pct_fsm6"): "pct_fsm6_primary",
    ("secondary", "pct_fsm6"): "pct_fsm6_secondary",
}

GROUPS: Final = ("all", "disadvantaged", "other")


class UnknownSelectionError(ValueError):
    """A requested LA, year or phase is not in the store; the message lists what is."""


# --------------------------------------------------------------------------- areas


def la_catalogue(store: Store) -> pl.DataFrame:
    """The local authorities the store knows (LAIT's 152 plus any from school files)."""
    areas = store.areas().filter(pl.col("kind") == "la")
    return areas.select("la_code", "name", "ons_code", "region").sort("name")


#: Every English LA with its DfE code, name, ONS code and region, shipped with the package
#: (built from LAIT's la_codes.csv plus the codes LAIT lacks: 420 Isles of Scilly and the
#: reorganised 940/941 Northamptonshire and 942/943 Cumbria), so a store holding only one
#: school file still knows its LAs' names.
LA_NAMES_FILE: Final = Path(__file__).resolve().parent / "data" / "la_names.csv"


@functools.cache
def shipped_las() -> pl.DataFrame:
    """la_code, name, ons_code, region of every LA in the shipped list (equity/data)."""
    return pl.read_csv(LA_NAMES_FILE, infer_schema_length=0).select(
        "la_code", "name", "ons_code", "region"
    )


def _known_las(store: Store) -> pl.DataFrame:
    """The store's LAs, then the shipped list's for codes the store does not name."""
    stored = la_catalogue(store)
    extra = shipped_las().join(stored.select("la_code"), on="la_code", how="anti")
    return pl.concat([stored, extra.select(stored.columns)], how="vertical_relaxed")


@functools.lru_cache(maxsize=1024)
def la_name(store: Store, la_code: str) -> str:
    """The area's name. Kept per store and code: pages ask on every rerun, and each answer
    is a filter of the store's areas (~0.3 ms)."""
    if la_code == GM_GROUP_CODE:
        return "Greater Manchester"
    # Any area the store names (LAs, regions, England), then the shipped list of LAs.
    stored = store.areas().filter(pl.col("la_code") == la_code)
    if stored.height:
        return str(stored["name"][0])
    if la_code == ENGLAND_CODE:
        return "England"
    match = shipped_las().filter(pl.col("la_code") == la_code)
    return str(match["name"][0]) if match.height else f"LA {la_code}"


def resolve_la(store: Store, text: str) -> str:
    """A 3-digit LA code from a code, an ONS code or a name ("england" for England's
    figures); UnknownSelectionError otherwise."""
    wanted = str(text).strip()
    if wanted.upper() in {GM_GROUP_CODE, "GREATER MANCHESTER"}:
        return GM_GROUP_CODE
    if wanted.lower() in {"england", ENGLAND_CODE, "e92000001"}:
        return ENGLAND_CODE
    catalogue = _known_las(store)
    if wanted.endswith(".0"):
        wanted = wanted[:-2]
    hit = catalogue.filter(
        (pl.col("la_code") == wanted)
        | (pl.col("ons_code").str.to_uppercase() == wanted.upper())
        | (pl.col("name").str.to_lowercase() == wanted.lower())
    )
    if hit.height:
        return str(hit["la_code"][0])
    sample = ", ".join(
        f"{c} {n}" for c, n in catalogue.select("la_code", "name").head(8).iter_rows()
    )
    raise UnknownSelectionError(
        f"unknown local authority '{text}': use a 3-digit DfE code, an ONS code or a name "
        f"({catalogue.height} known, e.g. {sample}, ...; 'GM' for Greater Manchester, "
        "'england' for England)"
    )


def member_las(la_code: str) -> list[str]:
    return list(GREATER_MANCHESTER) if la_code == GM_GROUP_CODE else [la_code]


# --------------------------------------------------------------------------- years


#: Key stages whose years the pages' year filter offers: attainment and census years.
YEAR_KEY_STAGES: Final = ("ks2", "ks4", "census")
#: `--year` also accepts KS4 destinations cohorts (the year the cohort finished KS4).
CLI_YEAR_KEY_STAGES: Final = (*YEAR_KEY_STAGES, "destinations")


def years_available(
    store: Store, la_code: str | None = None, key_stages: tuple[str, ...] = YEAR_KEY_STAGES
) -> list[str]:
    """Academic years with any figure of these key stages (for the LA, when given; for
    England, "970", every row counts).

    Read from the per-source summaries (Store.summary), not from the result rows."""
    rows = store.summary().filter(pl.col("key_stage").is_in(key_stages))
    if la_code is not None and la_code != ENGLAND_CODE:
        rows = rows.filter(pl.col("la_code").is_in(member_las(la_code)))
    return sorted(y for y in rows["academic_year"].unique().to_list() if y)


def resolve_year(store: Store, text: str, la_code: str | None = None) -> str:
    try:
        year = parse_academic_year(text)
    except ValueError as exc:
        raise UnknownSelectionError(str(exc)) from exc
    available = years_available(store, la_code, CLI_YEAR_KEY_STAGES)
    if year not in available:
        raise UnknownSelectionError(
            f"no data for {year}"
            + (f" in LA {la_code}" if la_code else "")
            + f": available years are {', '.join(available) or 'none'}"
        )
    return year


def resolve_phase(text: str) -> str:
    phase = str(text).strip().lower()
    aliases = {"ks2": "primary", "ks4": "secondary"}
    phase = aliases.get(phase, phase)
    if phase not in PHASE_KEY_STAGE:
        raise UnknownSelectionError(f"unknown phase '{text}': use primary or secondary")
    return phase


# --------------------------------------------------------------------------- published LA figures


def published_rows(
    store: Store,
    entities: list[str],
    measures: list[str],
    years: list[str] | None = None,
    groups: tuple[str, ...] = GROUPS,
) -> pl.DataFrame:
    """DfE's own aggregate rows for areas, one per (entity, year, measure, group), best source.

    From `Store.published()` (the published rows, held once per store version), ranked once
    per store, measures and groups: the entities and years asked for are then a filter."""
    rows = best_published(store, tuple(sorted(set(measures))), tuple(sorted(set(groups))))
    rows = rows.filter(pl.col("entity").is_in(entities))
    if years is not None:
        rows = rows.filter(pl.col("academic_year").is_in(years))
    return rows


@functools.lru_cache(maxsize=32)
def best_published(
    store: Store, measures: tuple[str, ...], groups: tuple[str, ...]
) -> pl.DataFrame:
    """Every entity's and year's best-source row for these measures and groups (filtering
    entities or years afterwards keeps the same rows in the same order)."""
    ranked = (
        store.published()
        .lazy()
        .filter(pl.col("measure").is_in(list(measures)) & pl.col("pupil_group").is_in(list(groups)))
        .with_columns(
            pl.col("kind")
            .replace_strict(PUBLISHED_SOURCE_RANK, default=9, return_dtype=pl.Int64)
            .alias("__rank")
        )
        .sort("__rank", maintain_order=True)
    )
    return (
        ranked.group_by(
            ["entity", "academic_year", "key_stage", "measure", "pupil_group"], maintain_order=True
        )
        .first()
        .drop("__rank")
        .collect()
    )


def published_figures(store: Store, la_code: str, year: str, phase: str) -> dict[str, Any]:
    """The CLI's `published` object: measure -> {all, disadvantaged, other, source}."""
    headline = list(HEADLINE_MEASURES[phase])
    context = ["pct_disadvantaged", "pct_fsm", "pct_fsm6"]
    stored_ids = headline + [PHASE_SPECIFIC.get((phase, m), m) for m in context]
    rows = published_rows(store, [la_code], stored_ids, [year])
    key_stage = PHASE_KEY_STAGE[phase]
    # % disadvantaged is published per key stage cohort: keep the one for this phase.
    rows = rows.filter(
        (pl.col("measure") != "pct_disadvantaged") | (pl.col("key_stage") == key_stage)
    )
    out: dict[str, Any] = {}
    for measure in headline + context:
        stored = PHASE_SPECIFIC.get((phase, measure), measure)
        part = rows.filter(pl.col("measure") == stored)
        if part.is_empty():
            continue
        entry: dict[str, Any] = {group: None for group in GROUPS}
        for group, value in part.select("pupil_group", "value").iter_rows():
            entry[group] = _published_value(value)
        entry["source"] = "; ".join(sorted(set(part["source"].to_list())))
        out[measure] = entry
    return out


def _published_value(value: float | None) -> float | None:
    """As published: values were stored at DfE's precision, so only float noise is trimmed."""
    return None if value is None else round(float(value), 6)


# --------------------------------------------------------------------------- school counts


@dataclass(frozen=True)
class CountBasis:
    """Which pupil counts a figure rests on.

    `description` is plain English for the first screen; `codes` names DfE's columns and
    the arithmetic, for an "About this figure" expander, the Data and methods page and the
    CLI (whose `basis_detail` joins the two)."""

    kind: str  # "ks2_cohort" | "ks4_cohort" | "census" | "none"
    description: str
    codes: str = ""

    @property
    def detail(self) -> str:
        return f"{self.description}; {self.codes}" if self.codes else self.description


def cohort_counts(store: Store, la_codes: list[str], year: str, phase: str) -> pl.DataFrame:
    """Per-school disadvantaged (f) and other (n) pupils from the KS2/KS4 performance files."""
    key_stage = PHASE_KEY_STAGE[phase]
    rows = (
        store.results_of(kinds.PERFORMANCE, [year])
        .filter(
            (pl.col("entity_kind") == "school")
            & pl.col("la_code").is_in(la_codes)
            & (pl.col("academic_year") == year)
            & (pl.col("key_stage") == key_stage)
            & (pl.col("measure") == "pupils")
            & pl.col("pupil_group").is_in(["disadvantaged", "other"])
        )
        .select("entity", "la_code", "pupil_group", "value")
        .collect()
    )
    if rows.is_empty():
        return counts_empty()
    wide = _pivot(rows, "pupil_group", ("disadvantaged", "other"))
    return wide.select(
        pl.col("entity").alias("urn"),
        "la_code",
        pl.col("disadvantaged").alias("f"),
        pl.col("other").alias("n"),
    )


CENSUS_TYPES: Final[dict[str, str]] = census_analysis.CENSUS_TYPES


def census_rows(
    store: Store,
    la_codes: list[str],
    year: str,
    phase: str,
    wanted: Mapping[tuple[str, str], str],
) -> pl.DataFrame:
    """Long census rows (entity, la_code, field, value) of the phase's state-funded schools
    in these LAs: one row per school and wanted (measure, pupil group), `field` naming it.
    The EAL and SEN share pages read the census this way; ever-FSM counts for the indices
    come from `equity.analysis.census` (the census-basis contract)."""
    sources = (
        census_analysis.census_years(store)
        .filter(pl.col("academic_year") == year)["source"]
        .to_list()
    )
    empty = pl.DataFrame(
        schema={"entity": pl.String, "la_code": pl.String, "field": pl.String, "value": pl.Float64}
    )
    if not sources:
        return empty
    # The year's own census types (a file without SCHOOLTYPE: placed from a later census).
    schools = (
        census_analysis.school_types(store, year)
        .filter((pl.col("school_type") == CENSUS_TYPES[phase]) & pl.col("la_code").is_in(la_codes))
        .select("urn")
        .lazy()
    )
    return (
        store.results_of([kinds.SCHOOL_CENSUS], [year])
        .filter(
            pl.col("source").is_in(sources)
            & (pl.col("academic_year") == year)
            & pl.col("la_code").is_in(la_codes)
            & pl.struct("measure", "pupil_group").is_in(
                [{"measure": m, "pupil_group": g} for m, g in wanted]
            )
        )
        .with_columns(
            (pl.col("measure") + "|" + pl.col("pupil_group"))
            .replace_strict({f"{m}|{g}": v for (m, g), v in wanted.items()})
            .alias("field")
        )
        .join(schools, left_on="entity", right_on="urn", how="semi")
        .select("entity", "la_code", "field", "value")
        .collect()
    )


def census_counts(store: Store, la_codes: list[str], year: str, phase: str) -> pl.DataFrame:
    """Per-school ever-FSM (f) and other (n) pupils on the census basis
    (`equity.analysis.census`: F = NUMFSMEVER, T = NORFSMEVER or the denominator implied by
    PNUMFSMEVER; state-funded schools of the phase with F and T published and T > 0)."""
    return census_analysis.census_counts(store, la_codes, year, phase)


def school_counts(
    store: Store, la_codes: list[str], year: str, phase: str
) -> tuple[pl.DataFrame, CountBasis]:
    """Counts for the segregation indices: KS cohorts when a performance file is loaded,
    otherwise the school census of that year, otherwise nothing.

    One basis for the whole selection: for a group of LAs (Greater Manchester) the cohort
    counts are used only when EVERY member LA has a performance file for the year and
    phase; otherwise all members use the census, never a mix of the two.
    """
    kind = kinds.PERFORMANCE_BY_STAGE[PHASE_KEY_STAGE[phase]]
    if la_codes == [ENGLAND_CODE]:  # England: every LA's schools, census basis only
        la_codes = sorted(
            set(census_analysis.segregation_by_la(store, year, phase)["la_code"].to_list())
        )
    files = store.manifest().filter(
        (pl.col("kind") == kind) & pl.col("academic_years").list.contains(year)
    )
    covered = set(files["la_codes"].explode().drop_nulls().to_list())
    missing = sorted(set(la_codes) - covered)
    cohorts = counts_empty() if missing else cohort_counts(store, la_codes, year, phase)
    if not cohorts.is_empty():
        stage = PHASE_KEY_STAGE[phase].upper()
        column = "TNotFSM6CLA1A" if phase == "primary" else "TNOTFSM6CLA1A"
        return cohorts, CountBasis(
            f"{PHASE_KEY_STAGE[phase]}_cohort",
            f"each school's {stage} pupils in {year}, disadvantaged and other, from DfE's "
            "school performance tables (every mainstream and special school of the LA)",
            f"performance-table columns: disadvantaged = TFSM6CLA1A, other = {column}",
        )
    census = census_counts(store, la_codes, year, phase)
    if not census.is_empty():
        partial, partial_codes = "", ""
        if missing and len(missing) < len(set(la_codes)):
            partial = (
                f"; the {kind.split('_')[0].upper()} performance tables are not loaded for "
                f"every LA here in {year}, so the census is used for all of them alike"
            )
            partial_codes = f"; no {kind} file for {', '.join(missing)} in {year}"
        return census, CountBasis(
            "census",
            f"the January {year_start(year) + 1} school census ({year}): pupils ever eligible "
            f"for free school meals in the last six years in each "
            f"{CENSUS_TYPES[phase].lower()} school, out of the pupils counted for free school "
            f"meals{partial}",
            "census columns: ever-FSM pupils = NUMFSMEVER (not DfE's 'disadvantaged', which "
            "adds looked-after children); denominator = NORFSMEVER where published, else "
            f"NUMFSMEVER x 100 / PNUMFSMEVER (NOR where PNUMFSMEVER is 0){partial_codes}",
        )
    return counts_empty(), CountBasis("none", "no school-level counts loaded for this selection")


def _pivot(rows: pl.DataFrame, on: str, columns: tuple[str, ...]) -> pl.DataFrame:
    """One row per school with a column per `columns` value (null where a file lacks it)."""
    wide = rows.pivot(
        on=on, index=["entity", "la_code"], values="value", aggregate_function="first"
    )
    missing = [pl.lit(None, dtype=pl.Float64).alias(c) for c in columns if c not in wide.columns]
    return wide.with_columns(missing) if missing else wide


def counts_empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"urn": pl.String, "la_code": pl.String, "f": pl.Float64, "n": pl.Float64}
    )


# --------------------------------------------------------------------------- the CLI's answer


def indicators(store: Store, la: str, year: str, phase: str) -> dict[str, Any]:
    """The `python -m equity indicators` object for one LA, year and phase."""
    la_code = resolve_la(store, la)
    phase = resolve_phase(phase)
    academic_year = resolve_year(store, year, la_code)
    counts, basis = school_counts(store, member_las(la_code), academic_year, phase)
    usable = counts.filter(segregation.usable_rows())
    published: dict[str, Any] = {}
    if la_code != GM_GROUP_CODE:
        published = published_figures(store, la_code, academic_year, phase)
        published.update(destination_figures(store, la_code, academic_year, phase))
    seg: dict[str, Any] | None = None
    if not usable.is_empty():
        seg = {
            **segregation.indices(usable),
            "basis": basis.kind,
            "basis_detail": basis.detail,
        }
    return {
        "la": la_code,
        "la_name": la_name(store, la_code),
        "year": academic_year,
        "phase": phase,
        "published": published,
        "schools": {
            "count": usable.height,
            "pupils": int(usable.select((pl.col("f") + pl.col("n")).sum()).item() or 0),
            "disadvantaged": int(usable["f"].sum() or 0),
        },
        "segregation": seg,
        "basis": basis.kind,
        "breaks": year_breaks(academic_year, phase),
    }


def destination_figures(store: Store, la_code: str, cohort: str, phase: str) -> dict[str, Any]:
    """`published` entries from KS4 destinations: the LA (or England) row of the latest
    release that gives this cohort (the year pupils finished KS4); secondary only."""
    if phase != "secondary":
        return {}
    found = destinations_analysis.la_destinations(store, la_code, cohort)
    if all(found.get(group) is None for group in GROUPS):
        return {}
    entry: dict[str, Any] = {g: _published_value(found.get(g)) for g in GROUPS}
    entry["source"] = found["source"]
    entry["cohort"] = cohort
    return {destinations_analysis.SUSTAINED: entry}


def year_breaks(year: str, phase: str) -> list[dict[str, Any]]:
    """The series-break entries (equity.metrics.trends) a figure of this year sits on, for
    the phase's key stage, the census and KS4 destinations: a reader of the JSON can tell
    that a 2020/21 census index is not comparable with the years either side."""
    stages = {PHASE_KEY_STAGE[phase], "census", "destinations", trends.ALL_STAGES}
    return [
        {
            "series": entry.key_stage,
            "kind": entry.kind,
            "label": entry.label,
            "measures": list(entry.measures),
            "text": entry.text,
        }
        for entry in trends.SERIES_BREAKS
        if entry.year == year and entry.key_stage in stages
    ]


# --------------------------------------------------------------------------- coverage


def school_level_coverage(store: Store) -> pl.DataFrame:
    """Which LAs have which school-level files loaded, by year: la_code, academic_year,
    kind, schools (from the per-source summaries, Store.school_years): distinct schools,
    counted in runs (`coverage.school_counts`) rather than by hashing every row."""
    return (
        distinct_school_counts(store.school_years())
        .filter(pl.col("la_code").is_not_null())
        .sort("la_code", "academic_year", "kind")
    )
