"""Where disadvantaged pupils concentrate: per-school shares, per-LA segregation, LA figures.

The page answers "how unevenly are disadvantaged pupils spread across this area's schools,
compared with the rest of Greater Manchester and England, and where are the schools with
the highest shares?". Every function takes the store and plain values so the UI can cache
on them, and returns a small frame the page draws as it is.

Two count bases exist (equity.queries.school_counts picks between them): the KS2/KS4
cohort counts of a performance file, loaded for a few LAs, and the January 2019 school
census, which covers every LA but only 2018/19. Comparisons across LAs use one basis for
all of them, so every row says which one it rests on.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from equity import kinds, queries
from equity.metrics import segregation
from equity.metrics.gaps import gap_table
from equity.queries import CENSUS_TYPES, CountBasis
from equity.schema import ENGLAND_CODE, GREATER_MANCHESTER, HEADLINE_MEASURES, PHASE_KEY_STAGE
from equity.store import Store, source_slug

COORD_DECIMALS: Final = 4  # about 10 m: ample for schools and LA outlines, small payloads


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
    "pupils": pl.Int64(),  # on roll (GIAS / census), for the map's symbol size
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
    if share == "disadvantaged":
        return queries.school_counts(store, la_codes, year, phase)
    spec = SHARES[share]
    counts = _census_share_counts(store, la_codes, year, phase, spec)
    if counts.is_empty():
        return counts, CountBasis("none", f"no school census for {year} is loaded")
    return counts, CountBasis(
        "census",
        f"school census {year}: {spec.description}, {CENSUS_TYPES[phase].lower()} schools",
    )


def school_shares(
    store: Store, la_code: str, year: str, phase: str, share: str = "disadvantaged"
) -> tuple[pl.DataFrame, CountBasis]:
    """One row per school of the area: the group's count and share, with name and place.

    Schools whose counts are not published stay out (a share cannot be shown for them);
    schools the location files do not know keep null lat/lon and are listed, not mapped.
    Held per store and arguments: the page's indices and curve start from the same rows.
    """
    return _school_shares(store, la_code, year, phase, share)


@functools.lru_cache(maxsize=16)
def _school_shares(
    store: Store, la_code: str, year: str, phase: str, share: str
) -> tuple[pl.DataFrame, CountBasis]:
    counts, basis = _counts(store, queries.member_las(la_code), year, phase, share)
    usable = counts.filter(segregation.usable_rows())
    names = dict(queries.la_catalogue(store).select("la_code", "name").iter_rows())
    schools = store.schools().select("urn", "name", "pupils", "lat", "lon")
    table = (
        usable.join(schools, on="urn", how="left")
        .with_columns(
            (pl.col("f") + pl.col("n")).alias("t"),
            (100 * pl.col("f") / (pl.col("f") + pl.col("n"))).alias("pct"),
            pl.col("la_code").replace_strict(names, default=pl.col("la_code")).alias("la_name"),
            pl.col("pupils").cast(pl.Int64),
        )
        .select(list(SCHOOL_COLUMNS))
        .sort("pct", "urn", descending=[True, False])
    )
    return table, basis


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
    """The three indices for every LA with school counts, one `group_by` per basis.

    The census gives every LA in 2018/19; cohort counts exist only where a performance
    file is loaded. An LA with both has two rows, told apart by `basis`.
    """
    catalogue = queries.la_catalogue(store)
    las = catalogue["la_code"].to_list()
    parts = []
    for basis, counts in (
        ("census", queries.census_counts(store, las, year, phase)),
        (f"{PHASE_KEY_STAGE[phase]}_cohort", queries.cohort_counts(store, las, year, phase)),
    ):
        usable = counts.filter(segregation.usable_rows())
        if usable.is_empty():
            continue
        parts.append(
            usable.group_by("la_code")
            .agg(segregation.index_exprs())
            .with_columns(pl.lit(basis).alias("basis"))
        )
    schema: dict[str, pl.DataType] = {
        "la_code": pl.String(),
        "schools": pl.UInt32(),
        "pupils": pl.Float64(),
        "disadvantaged": pl.Float64(),
        "gorard": pl.Float64(),
        "dissimilarity": pl.Float64(),
        "isolation": pl.Float64(),
        "basis": pl.String(),
    }
    table = (
        pl.concat([p.select(pl.col(k).cast(v) for k, v in schema.items()) for p in parts])
        if parts
        else pl.DataFrame(schema=schema)
    )
    return (
        table.join(catalogue.select("la_code", "name", "ons_code", "region"), on="la_code")
        .with_columns(
            (100 * pl.col("disadvantaged") / pl.col("pupils")).alias("pct"),
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


def la_indicators(store: Store, phase: str, year: str) -> pl.DataFrame:
    """One row per LA with figures for the year: LAIT's % FSM and % ever-FSM, the gap of
    its disadvantaged pupils to England's other pupils on the phase's headline measure,
    and the census Gorard index; `map_note` says why an LA cannot be drawn."""
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
    seg = segregation_by_la(store, phase, year).filter(pl.col("basis") == "census")
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


# --------------------------------------------------------------------------- boundaries


def _round_coords(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, COORD_DECIMALS)
    if isinstance(value, list):
        return [_round_coords(v) for v in value]
    return value


def boundaries(store: Store) -> pl.DataFrame:
    """One outline per ONS code, coordinates rounded to 4 dp (about 10 m).

    Where files overlap (the national CTYUA file and Trafford's own outline), the file
    with the most areas wins: one generalisation for the whole country keeps neighbouring
    outlines consistent.
    """
    sources = store.manifest().filter(pl.col("kind") == kinds.BOUNDARIES)["source"].to_list()
    frames = []
    for source in sources:
        paths = [
            layer / "extra" / "boundaries" / f"{source_slug(source)}.parquet"
            for layer in store.layers
        ]
        existing = [p for p in paths if p.is_file()]
        if existing:
            frame = pl.read_parquet(existing[-1])
            frames.append(frame.with_columns(pl.lit(frame.height).alias("__areas")))
    schema = {
        "ons_code": pl.String,
        "name": pl.String,
        "geometry": pl.String,
        "min_lon": pl.Float64,
        "min_lat": pl.Float64,
        "max_lon": pl.Float64,
        "max_lat": pl.Float64,
    }
    if not frames:
        return pl.DataFrame(schema=schema)
    merged = (
        pl.concat(frames, how="diagonal_relaxed")
        .filter(pl.col("geometry_wgs84").is_not_null())
        .sort("__areas", descending=True)
        .unique("ons_code", keep="first", maintain_order=True)
        .sort("ons_code")
    )
    geometry = [
        json.dumps(_rounded_geometry(text), separators=(",", ":"))
        for text in merged["geometry_wgs84"].to_list()
    ]
    return merged.with_columns(pl.Series("geometry", geometry, dtype=pl.String)).select(
        list(schema)
    )


def _rounded_geometry(text: str) -> dict[str, Any]:
    geometry = json.loads(text)
    return {"type": geometry["type"], "coordinates": _round_coords(geometry["coordinates"])}
