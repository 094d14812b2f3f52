"""Which census type each school of each census year has: the placement rule of
`equity.analysis.census.school_types`, as pure functions over school rows.

A floor under the store and the analysis: `equity.analysis.census` places the schools of
a store in memory, and each commit writes the same answer for its store folder beside the
merged schools (`equity.school_merge`), so a page reads some 120,000 placed rows instead of
placing them (about 0.1 s of polars work at national scale).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from equity import kinds
from equity.schema import SCHOOLS_SCHEMA

CENSUS_KIND: Final = kinds.SCHOOL_CENSUS
CENSUS_TYPES: Final[dict[str, str]] = {
    "primary": "State-funded primary",
    "secondary": "State-funded secondary",
}
#: The `schools` columns a placement reads (of the census and GIAS files only).
TYPING_COLUMNS: Final = (
    "urn",
    "la_code",
    "school_type",
    "source",
    "phase",
    "is_state_funded",
    "is_special",
)
TYPES_SCHEMA: Final[dict[str, pl.DataType]] = {
    "academic_year": pl.String(),
    "urn": pl.String(),
    "la_code": pl.String(),
    "school_type": pl.String(),
    "placed_from": pl.String(),
}


def census_files(manifest: pl.DataFrame) -> pl.DataFrame:
    """source, academic_year of every census file in a manifest (one year per file)."""
    return (
        manifest.filter(pl.col("kind") == CENSUS_KIND)
        .select("source", pl.col("academic_years").alias("academic_year"))
        .explode("academic_year")
        .drop_nulls("academic_year")
        .sort("academic_year", "source")
    )


def typing_sources(manifest: pl.DataFrame) -> set[str]:
    """The sources whose school rows a placement reads: census and GIAS files."""
    return set(manifest.filter(pl.col("kind").is_in([CENSUS_KIND, kinds.GIAS]))["source"])


def empty_rows() -> pl.DataFrame:
    return pl.DataFrame(schema={c: SCHOOLS_SCHEMA[c] for c in TYPING_COLUMNS})


def own_phase_type() -> pl.Expr:
    """A typeless census's own guess: the phase its reader took from the establishment
    number (state-funded primary or secondary ranges only; `equity.ingest.census`)."""
    own = pl.col("school_type").is_null() & pl.col("is_state_funded").fill_null(False)
    return (
        pl.when(own & (pl.col("phase") == "primary"))
        .then(pl.lit(CENSUS_TYPES["primary"]))
        .when(own & (pl.col("phase") == "secondary"))
        .then(pl.lit(CENSUS_TYPES["secondary"]))
        .otherwise(None)
    )


def gias_types() -> pl.Expr:
    """A GIAS row's type in the census's words, for mainstream state-funded schools only."""
    phase = pl.col("phase")
    mainstream = pl.col("is_state_funded").fill_null(False) & ~pl.col("is_special").fill_null(False)
    return (
        pl.when(mainstream & (phase == "primary"))
        .then(pl.lit(CENSUS_TYPES["primary"]))
        .when(mainstream & (phase == "secondary"))
        .then(pl.lit(CENSUS_TYPES["secondary"]))
        .otherwise(None)
    )


def place(rows: pl.DataFrame, files: pl.DataFrame, gias_sources: list[str]) -> pl.DataFrame:
    """Every census year's schools placed at once (TYPES_SCHEMA): each census's own rows
    (the first per URN), the nearest later census typing a URN its own file leaves untyped,
    then GIAS, then the establishment number. `rows`: the census and GIAS files' school
    rows (TYPING_COLUMNS) in (source, file) order; `files`: `census_files`."""
    census_rows = rows.join(files, on="source", how="inner", maintain_order="left")
    keys = ["academic_year", "urn"]
    listed = census_rows.select(
        *keys, "la_code", "school_type", own_phase_type().alias("__estab")
    ).unique(keys, keep="first", maintain_order=True)
    # Each untyped URN's type in the nearest later census that gives one (its first typed
    # row there; files of one year in source order).
    typed = (
        census_rows.filter(pl.col("school_type").is_not_null())
        .select("urn", pl.col("academic_year").alias("__later"), pl.col("school_type"))
        .unique(["__later", "urn"], keep="first", maintain_order=True)
    )
    later = (
        listed.filter(pl.col("school_type").is_null())
        .select(keys)
        .join(typed, on="urn", how="inner")
        .filter(pl.col("__later") > pl.col("academic_year"))
        .sort("__later", maintain_order=True)
        .unique(keys, keep="first", maintain_order=True)
        .select(
            *keys,
            pl.col("school_type").alias("__type"),
            (pl.lit("census ") + pl.col("__later")).alias("__from"),
        )
    )
    gias = (
        rows.filter(pl.col("source").is_in(gias_sources))
        .select("urn", gias_types().alias("__gias"))
        .drop_nulls("__gias")
        .unique("urn", keep="first", maintain_order=True)
    )
    placed = listed.join(later, on=keys, how="left", maintain_order="left").join(
        gias, on="urn", how="left", maintain_order="left"
    )
    return placed.select(
        *keys,
        "la_code",
        pl.coalesce("school_type", "__type", "__gias", "__estab").alias("school_type"),
        pl.when(pl.col("school_type").is_not_null())
        .then(pl.lit("census ") + pl.col("academic_year"))
        .when(pl.col("__type").is_not_null())
        .then(pl.col("__from"))
        .when(pl.col("__gias").is_not_null())
        .then(pl.lit("gias"))
        .when(pl.col("__estab").is_not_null())
        .then(pl.lit("estab number"))
        .alias("placed_from"),
    ).cast(TYPES_SCHEMA)  # type: ignore[arg-type]
