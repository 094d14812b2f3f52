"""Questions the CLI and the pages ask of the store, answered with lazy polars scans.

Every function takes the `Store` and plain filter values, so the UI can cache on those
values and tests can call the same code the app runs.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from equity.metrics import segregation
from equity.schema import (
    ENGLAND_CODE,
    GM_GROUP_CODE,
    GREATER_MANCHESTER,
    HEADLINE_MEASURES,
    PHASE_KEY_STAGE,
    parse_academic_year,
)
from equity.store import Store

#: Where two files publish the same LA figure, the lower rank is shown (LAIT is DfE's
#: curated LA panel; the performance tables' LA rows are the same figures per file).
PUBLISHED_SOURCE_RANK: Final[dict[str, int]] = {
    "lait_panel": 1,
    "ks4_performance": 2,
    "ks2_performance": 2,
    "national_averages": 3,
    "ks4_provisional": 4,
}

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


def la_name(store: Store, la_code: str) -> str:
    if la_code == GM_GROUP_CODE:
        return "Greater Manchester"
    match = store.areas().filter(pl.col("la_code") == la_code)
    return str(match["name"][0]) if match.height else f"LA {la_code}"


def resolve_la(store: Store, text: str) -> str:
    """A 3-digit LA code from a code, an ONS code or a name; UnknownSelectionError otherwise."""
    wanted = str(text).strip()
    if wanted.upper() in {GM_GROUP_CODE, "GREATER MANCHESTER"}:
        return GM_GROUP_CODE
    catalogue = la_catalogue(store)
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
        f"({catalogue.height} known, e.g. {sample}, ...; 'GM' for Greater Manchester)"
    )


def member_las(la_code: str) -> list[str]:
    return list(GREATER_MANCHESTER) if la_code == GM_GROUP_CODE else [la_code]


# --------------------------------------------------------------------------- years


def years_available(store: Store, la_code: str | None = None) -> list[str]:
    """Academic years with any attainment figure (for the LA, when given).

    Read from the per-source summaries (Store.summary), not from the result rows."""
    rows = store.summary().filter(pl.col("key_stage").is_in(["ks2", "ks4", "census"]))
    if la_code is not None:
        rows = rows.filter(pl.col("la_code").is_in(member_las(la_code)))
    return sorted(y for y in rows["academic_year"].unique().to_list() if y)


def resolve_year(store: Store, text: str, la_code: str | None = None) -> str:
    try:
        year = parse_academic_year(text)
    except ValueError as exc:
        raise UnknownSelectionError(str(exc)) from exc
    available = years_available(store, la_code)
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
    rows = _best_published(store, tuple(sorted(set(measures))), tuple(sorted(set(groups))))
    rows = rows.filter(pl.col("entity").is_in(entities))
    if years is not None:
        rows = rows.filter(pl.col("academic_year").is_in(years))
    return rows


@functools.lru_cache(maxsize=32)
def _best_published(
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
        store.results_of(["ks2_performance", "ks4_performance"], [year])
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


CENSUS_TYPES: Final[dict[str, str]] = {
    "primary": "State-funded primary",
    "secondary": "State-funded secondary",
}


def census_rows(
    store: Store,
    la_codes: list[str],
    year: str,
    phase: str,
    wanted: Mapping[tuple[str, str], str],
) -> pl.DataFrame:
    """Long census rows (entity, la_code, field, value) of the phase's state-funded schools
    in these LAs: one row per school and wanted (measure, pupil group), `field` naming it.
    The share pages and the segregation indices read the census this one way."""
    sources = store.manifest().filter(pl.col("kind") == "school_census")["source"].to_list()
    empty = pl.DataFrame(
        schema={"entity": pl.String, "la_code": pl.String, "field": pl.String, "value": pl.Float64}
    )
    if not sources:
        return empty
    schools = (
        store.scan("schools")
        .filter(
            pl.col("source").is_in(sources)
            & (pl.col("school_type") == CENSUS_TYPES[phase])
            & pl.col("la_code").is_in(la_codes)
        )
        .select("urn")
        .unique()
    )
    return (
        store.results_of(["school_census"], [year])
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
    """Per-school ever-FSM (f) and other (n) pupils from the school census.

    The census gives NUMFSMEVER and PNUMFSMEVER, the percentage of pupils *counted for FSM*
    (not all pupils on roll: sixth formers and nursery pupils are not counted). The
    denominator is therefore taken as NUMFSMEVER * 100 / PNUMFSMEVER rounded to a whole
    pupil, and as NOR only when the percentage is 0 (so F_i = 0 and the rate is exact).
    """
    rows = census_rows(
        store,
        la_codes,
        year,
        phase,
        {("pupils", "fsm6"): "fsm6", ("pct_fsm6", "all"): "pct", ("pupils", "all"): "nor"},
    )
    if rows.is_empty():
        return counts_empty()
    wide = _pivot(rows, "field", ("fsm6", "pct", "nor"))
    total = (
        pl.when(pl.col("pct") > 0)
        .then((pl.col("fsm6") * 100 / pl.col("pct")).round(0))
        .when(pl.col("pct") == 0)
        .then(pl.col("nor"))
        .otherwise(None)
    )
    return wide.select(
        pl.col("entity").alias("urn"),
        "la_code",
        pl.col("fsm6").alias("f"),
        pl.max_horizontal(total - pl.col("fsm6"), pl.lit(0.0)).alias("n"),
    )


def school_counts(
    store: Store, la_codes: list[str], year: str, phase: str
) -> tuple[pl.DataFrame, CountBasis]:
    """Counts for the segregation indices: KS cohorts when a performance file is loaded,
    otherwise the school census of that year, otherwise nothing.

    One basis for the whole selection: for a group of LAs (Greater Manchester) the cohort
    counts are used only when EVERY member LA has a performance file for the year and
    phase; otherwise all members use the census, never a mix of the two.
    """
    kind = f"{PHASE_KEY_STAGE[phase]}_performance"
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
            f"the January school census of {year}: pupils ever eligible for free school meals "
            f"in the last six years in each {CENSUS_TYPES[phase].lower()} school, out of the "
            f"pupils counted for free school meals{partial}",
            "census columns: ever-FSM pupils = NUMFSMEVER; denominator = NUMFSMEVER x 100 / "
            f"PNUMFSMEVER (NOR where PNUMFSMEVER is 0){partial_codes}",
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
    published = (
        published_figures(store, la_code, academic_year, phase) if la_code != GM_GROUP_CODE else {}
    )
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
    }


# --------------------------------------------------------------------------- gaps and coverage

GM_MEAN_LABEL: Final = "GM (mean of 10 LAs)"


def region_code_of(store: Store, la_code: str) -> str | None:
    areas = store.areas()
    match = areas.filter(pl.col("la_code") == la_code)
    if match.is_empty() or match["region"][0] is None:
        return None
    region = areas.filter((pl.col("kind") == "region") & (pl.col("name") == match["region"][0]))
    return str(region["la_code"][0]) if region.height else None


def headline_gaps(
    store: Store, la_code: str, phase: str, years: list[str] | None = None
) -> pl.DataFrame:
    """Published disadvantaged/other figures and both gaps for the chosen area and its
    comparators, which follow the area (equity.analysis.comparators): for Greater
    Manchester or one of its LAs, every GM LA and the GM mean (of the ten LA figures: LAIT
    publishes no cohort sizes to weight by), plus the North West for a member LA; for any
    other LA, its region. England always."""
    from equity.analysis.comparators import is_gm
    from equity.metrics.gaps import gap_table, group_mean

    members = member_las(la_code)
    in_gm = is_gm(la_code)
    entities = sorted({*members, *(GREATER_MANCHESTER if in_gm else ()), ENGLAND_CODE})
    region = region_code_of(store, la_code) if la_code != GM_GROUP_CODE else None
    if region:
        entities.append(region)
    rows = published_rows(store, entities, list(HEADLINE_MEASURES[phase]), years)
    table = gap_table(rows.select("entity", "academic_year", "measure", "pupil_group", "value"))
    if in_gm:
        table = pl.concat([table, group_mean(table, list(GREATER_MANCHESTER), GM_MEAN_LABEL)])
    names = dict(store.areas().select("la_code", "name").iter_rows())
    names[GM_MEAN_LABEL] = GM_MEAN_LABEL
    return table.with_columns(
        pl.col("entity").replace_strict(names, default=pl.col("entity")).alias("area"),
        pl.when(pl.col("entity").is_in(members))
        .then(pl.lit("selected"))
        .when(pl.col("entity") == ENGLAND_CODE)
        .then(pl.lit("england"))
        .when(pl.col("entity") == (region or ""))
        .then(pl.lit("region"))
        .when(pl.col("entity") == GM_MEAN_LABEL)
        .then(pl.lit("gm_mean"))
        .otherwise(pl.lit("gm_la"))
        .alias("role"),
    )


SCHOOL_LEVEL_KINDS: Final = (
    "ks2_performance",
    "ks4_performance",
    "school_census",
    "ks4_provisional",
    "ks4_destinations",
    "school_absence",
    "gias",
    "school_list",
)


def school_level_coverage(store: Store) -> pl.DataFrame:
    """Which LAs have which school-level files loaded, by year: la_code, academic_year,
    kind, schools (from the per-source summaries, Store.school_years)."""
    return (
        store.school_years()
        .filter(pl.col("la_code").is_not_null())
        .group_by("la_code", "academic_year", "kind")
        .agg(pl.col("entity").n_unique().alias("schools"))
        .sort("la_code", "academic_year", "kind")
    )
