"""Where ever-FSM pupils concentrate in a census year: per-school shares, per-LA segregation,
LA figures (the same indices over the census years, and the schools that moved most:
equity/analysis/concentration_trends.py).

The page answers "how unevenly are ever-FSM pupils spread across this area's schools, how has
that moved since January 2018, compared with the rest of Greater Manchester (or the LA's
region) and England, and which schools' shares moved most?". Every function takes the store
and plain values so the UI can cache on them, and returns a small frame the page draws as it
is.

One basis for every figure: the school census (`equity.analysis.census`: F_i = NUMFSMEVER,
T_i = NORFSMEVER or the denominator implied by PNUMFSMEVER, state-funded schools of the
phase), five January censuses for every LA. KS2/KS4 cohort counts, loaded for a few LAs only,
are not mixed in, so a tile, a trend and a ranking never give two values for one index.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from equity import queries
from equity.analysis import census
from equity.analysis.outlines import boundaries
from equity.metrics import segregation
from equity.metrics.gaps import gap_table
from equity.queries import CENSUS_TYPES, CountBasis
from equity.schema import ENGLAND_CODE, GREATER_MANCHESTER, HEADLINE_MEASURES
from equity.store import Store

#: The share the indices rest on: ever-FSM pupils (NUMFSMEVER), not DfE's "disadvantaged".
EVER_FSM: Final = "ever_fsm"


@dataclass(frozen=True)
class Share:
    """A pupil group whose share of each school's pupils the census records."""

    label: str  # "disadvantaged", "EAL", ...
    pupils_group: str  # census `pupils` row for the group
    pct_measure: str | None  # census percentage giving the denominator (None: all on roll)
    description: str


SHARES: Final[dict[str, Share]] = {
    "eal": Share(
        "with English as an additional language",
        "eal",
        "pct_eal",
        "pupils with English as an additional language (NUMEAL); denominator = pupils of "
        "compulsory school age and above whose first language is recorded, "
        "NUMEAL x 100 / PNUMEAL (NOR where PNUMEAL is 0)",
    ),
    "sen": Share(
        "with special educational needs",
        "sen",
        None,
        "pupils with SEN support or an EHC plan (TSENELK + TSENELSE) of all pupils on roll (NOR)",
    ),
}

SCHOOL_COLUMNS: Final[dict[str, pl.DataType]] = {
    "urn": pl.String(),
    "name": pl.String(),
    "la_code": pl.String(),
    "la_name": pl.String(),
    "f": pl.Float64(),  # pupils in the group (disadvantaged, EAL, SEN)
    "n": pl.Float64(),  # the other pupils counted
    "t": pl.Float64(),
    "pct": pl.Float64(),
    "pupils": pl.Int64(),  # counted that census year (T_i), for the map's symbol size
    "lat": pl.Float64(),
    "lon": pl.Float64(),
}


# --------------------------------------------------------------------------- (a) schools


def _census_share_counts(
    store: Store, la_codes: list[str], year: str, phase: str, share: Share
) -> pl.DataFrame:
    """Per-school group (f) and other (n) pupils for a census share other than ever-FSM."""
    empty = queries.counts_empty()
    wanted = {("pupils", share.pupils_group): "f", ("pupils", "all"): "nor"}
    if share.pct_measure:
        wanted[(share.pct_measure, "all")] = "pct"
    rows = queries.census_rows(store, la_codes, year, phase, wanted)
    if rows.is_empty():
        return empty
    wide = rows.pivot(
        on="field", index=["entity", "la_code"], values="value", aggregate_function="first"
    )
    for field in ("f", "nor", "pct"):
        if field not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(field))
    total = (
        pl.col("nor")
        if share.pct_measure is None
        else pl.when(pl.col("pct") > 0)
        .then((pl.col("f") * 100 / pl.col("pct")).round(0))
        .when(pl.col("pct") == 0)
        .then(pl.col("nor"))
        .otherwise(None)
    )
    return wide.select(
        pl.col("entity").alias("urn"),
        "la_code",
        "f",
        pl.max_horizontal(total - pl.col("f"), pl.lit(0.0)).alias("n"),
    )


def _counts(
    store: Store, la_codes: list[str], year: str, phase: str, share: str
) -> tuple[pl.DataFrame, CountBasis]:
    if share == EVER_FSM:
        counts = census.census_counts(store, la_codes, year, phase)
        return counts, _ever_fsm_basis(year, phase, counted=not counts.is_empty())
    spec = SHARES[share]
    counts = _census_share_counts(store, la_codes, year, phase, spec)
    if counts.is_empty():
        return counts, CountBasis("none", f"no {census.census_label(year)} is loaded")
    return counts, CountBasis(
        "census",
        f"{census.census_label(year)} ({year}): {spec.description}, "
        f"{CENSUS_TYPES[phase].lower()} schools",
    )


def _ever_fsm_basis(year: str, phase: str, *, counted: bool) -> CountBasis:
    """What the ever-FSM counts of a census are (`counted`: the area has some)."""
    if not counted:
        return CountBasis("none", f"no {census.census_label(year)} is loaded")
    return CountBasis(
        "census",
        f"{census.census_label(year)} ({year}): pupils ever eligible for free school meals "
        "in the last six years (not DfE's 'disadvantaged', which also counts looked-after "
        f"children) in each {CENSUS_TYPES[phase].lower()} school, out of the pupils "
        "counted for free school meals",
        "census columns: ever-FSM pupils = NUMFSMEVER; denominator = NORFSMEVER where "
        "published, else NUMFSMEVER x 100 / PNUMFSMEVER (NOR where PNUMFSMEVER is 0)",
    )


def school_shares(
    store: Store, la_code: str, year: str, phase: str, share: str = EVER_FSM
) -> tuple[pl.DataFrame, CountBasis]:
    """One row per school of the area: the group's count and share, with name and place.

    `year` is a census year. Schools whose counts are not published, or with no pupils,
    stay out (a share cannot be shown for them: missing, never 0); `pupils` is the year's
    own count (T_i), never a roll from another year's file;
    schools the location files do not know keep null lat/lon and are listed, not mapped.
    Held per store and arguments: the page's indices and curve start from the same rows.
    """
    return _school_shares(store, la_code, year, phase, share)


@functools.lru_cache(maxsize=16)
def _school_shares(
    store: Store, la_code: str, year: str, phase: str, share: str
) -> tuple[pl.DataFrame, CountBasis]:
    codes = queries.member_las(la_code)
    if share == EVER_FSM and len(codes) == 1:  # one LA: its rows of every LA's, looked up
        rows = _ever_fsm_by_la(store, year, phase).get(codes[0], _no_school_rows())
        counted = not _counted_las(store, year, phase).isdisjoint(codes)
        basis = _ever_fsm_basis(year, phase, counted=counted)
    else:  # Greater Manchester (pooled), EAL, SEN: the area's own rows
        counts, basis = _counts(store, codes, year, phase, share)
        rows = _share_rows(store, counts)
    return rows.sort("pct", "urn", descending=[True, False]), basis


def _no_school_rows() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHOOL_COLUMNS)


@functools.lru_cache(maxsize=8)
def _ever_fsm_by_la(store: Store, year: str, phase: str) -> dict[str, pl.DataFrame]:
    """la_code -> its rows of `_share_rows` for ever-FSM (in the year's order), every LA's
    from one join (it costs what one LA's did: the join reads every school's place either
    way), once per store, year and phase: a new LA's rows are then a look-up."""
    every = _share_rows(store, census.census_counts_all(store, year, phase))
    parts = every.partition_by("la_code", as_dict=True, maintain_order=True)
    return {str(key[0]): part for key, part in parts.items() if key[0] is not None}


@functools.lru_cache(maxsize=8)
def _counted_las(store: Store, year: str, phase: str) -> frozenset[str]:
    """The LAs with census counts of the phase that year (`census.census_counts` of an
    area is empty exactly when none of its LAs is here), once per store."""
    codes = census.census_counts_all(store, year, phase)["la_code"].unique().to_list()
    return frozenset(c for c in codes if c is not None)


def _share_rows(store: Store, counts: pl.DataFrame) -> pl.DataFrame:
    """`school_shares`'s columns (unsorted) for these counts: the usable schools with their
    names, places, totals and shares."""
    usable = counts.filter(segregation.usable_rows())
    return (
        usable.join(_school_places(store), on="urn", how="left")
        .with_columns(
            (pl.col("f") + pl.col("n")).alias("t"),
            (100 * pl.col("f") / (pl.col("f") + pl.col("n"))).alias("pct"),
            pl.col("la_code")
            .replace_strict(_la_names(store), default=pl.col("la_code"))
            .alias("la_name"),
            (pl.col("f") + pl.col("n")).round(0).cast(pl.Int64).alias("pupils"),
        )
        .select(list(SCHOOL_COLUMNS))
    )


@functools.lru_cache(maxsize=4)
def catalogue_of(store: Store) -> pl.DataFrame:
    """`queries.la_catalogue`, once per store (a new LA's rerun asked for it four times)."""
    return queries.la_catalogue(store)


@functools.lru_cache(maxsize=4)
def _la_names(store: Store) -> dict[str, str]:
    """la_code -> name of every LA in the catalogue, once per store."""
    return dict(catalogue_of(store).select("la_code", "name").iter_rows())


@functools.lru_cache(maxsize=4)
def _school_places(store: Store) -> pl.DataFrame:
    """urn, name, lat, lon of every school, once per store (each area's rows join it)."""
    return store.schools().select("urn", "name", "lat", "lon")


def area_indices(store: Store, la_code: str, year: str, phase: str) -> dict[str, Any]:
    """The three indices for the selected area (the ten GM LAs pooled as one area)."""
    table, basis = school_shares(store, la_code, year, phase)
    f, t = float(table["f"].sum() or 0), float(table["t"].sum() or 0)
    return {
        **segregation.indices(table),
        "schools": table.height,
        "pupils": t,
        "disadvantaged": f,
        "pct": 100 * f / t if t else None,
        "basis": basis.kind,
        "basis_detail": basis.description,
    }


def curve(store: Store, la_code: str, year: str, phase: str) -> pl.DataFrame:
    """The segregation curve of the selected area, cumulative shares in percent."""
    table, _ = school_shares(store, la_code, year, phase)
    points = segregation.segregation_curve(table)
    return points.select(
        (100 * pl.col("cum_pupils")).alias("pct_pupils"),
        (100 * pl.col("cum_disadvantaged")).alias("pct_disadvantaged"),
        (100 * pl.col("rate")).alias("school_pct"),
    )


# --------------------------------------------------------------------------- (b) every LA

SEGREGATION_COLUMNS: Final = ("gorard", "dissimilarity", "isolation")


def segregation_by_la(store: Store, phase: str, year: str) -> pl.DataFrame:
    """The three census-basis indices for every LA in one census year (`year`), with the
    LA's name, region and whether it is in Greater Manchester; `basis` is "census"."""
    catalogue = queries.la_catalogue(store)
    table = census.segregation_by_la(store, year, phase)
    return (
        table.join(catalogue.select("la_code", "name", "ons_code", "region"), on="la_code")
        .with_columns(
            pl.lit("census").alias("basis"),
            pl.col("ever_fsm").alias("disadvantaged"),
            pl.col("pct_ever_fsm").alias("pct"),
            pl.col("la_code").is_in(list(GREATER_MANCHESTER)).alias("is_gm"),
        )
        .select(
            "la_code",
            "name",
            "ons_code",
            "region",
            "is_gm",
            "basis",
            "schools",
            "pupils",
            "disadvantaged",
            "pct",
            *SEGREGATION_COLUMNS,
        )
        .sort("basis", "name")
    )


def comparison_basis(table: pl.DataFrame) -> str | None:
    """The basis that covers most LAs (the census whenever it is loaded for the year)."""
    if table.is_empty():
        return None
    counts = table.group_by("basis").len().sort("len", "basis", descending=[True, False])
    return str(counts["basis"][0])


# --------------------------------------------------------------------------- (d) LA figures

INDICATORS: Final[dict[str, str]] = {
    "pct_fsm": "% eligible for free school meals",
    "pct_fsm6": "% ever eligible for FSM (last six years)",
    "gap": "Disadvantage gap to other pupils nationally",
    "gorard": "Gorard segregation index",
}


def la_indicators(
    store: Store, phase: str, year: str, census_year: str | None = None
) -> pl.DataFrame:
    """One row per LA: LAIT's % FSM and % ever-FSM and the gap of its disadvantaged pupils
    to England's other pupils on the phase's headline measure for `year`, and the census
    Gorard index of `census_year` (the nearest census; `year` when not given); `map_note`
    says why an LA cannot be drawn."""
    catalogue = queries.la_catalogue(store)
    las = catalogue["la_code"].to_list()
    measure = HEADLINE_MEASURES[phase][0]
    fsm, fsm6 = f"pct_fsm_{phase}", f"pct_fsm6_{phase}"
    rows = queries.published_rows(store, [*las, ENGLAND_CODE], [fsm, fsm6, measure], [year])
    level = (
        rows.filter(pl.col("measure").is_in([fsm, fsm6]) & (pl.col("pupil_group") == "all"))
        .pivot(on="measure", index="entity", values="value", aggregate_function="first")
        .rename({"entity": "la_code"}, strict=False)
    )
    for column in (fsm, fsm6):
        if column not in level.columns:
            level = level.with_columns(pl.lit(None, dtype=pl.Float64).alias(column))
    gaps = gap_table(
        rows.filter(pl.col("measure") == measure).select(
            "entity", "academic_year", "measure", "pupil_group", "value"
        )
    ).select(pl.col("entity").alias("la_code"), pl.col("gap_national").alias("gap"))
    seg = segregation_by_la(store, phase, census_year or year)
    mapped = set(boundaries(store)["ons_code"].to_list())
    table = (
        catalogue.join(level.select("la_code", fsm, fsm6), on="la_code", how="left")
        .join(gaps, on="la_code", how="left")
        .join(seg.select("la_code", "gorard"), on="la_code", how="left")
        .rename({fsm: "pct_fsm", fsm6: "pct_fsm6"})
        .filter(pl.any_horizontal(pl.col(*INDICATORS).is_not_null()))
    )
    return table.with_columns(
        pl.col("la_code").is_in(list(GREATER_MANCHESTER)).alias("is_gm"),
        pl.when(pl.col("ons_code").is_null())
        .then(pl.lit("not mapped: no ONS code in the LA code list"))
        .when(~pl.col("ons_code").is_in(list(mapped)))
        .then(pl.lit("not mapped: no boundary for this code in the 2022 boundary file"))
        .otherwise(None)
        .alias("map_note"),
        pl.lit(measure).alias("gap_measure"),
    ).select(
        "la_code",
        "name",
        "ons_code",
        "region",
        "is_gm",
        *INDICATORS,
        "gap_measure",
        "map_note",
    )
