"""LAIT's LA code lookup (la_codes.csv): DfE's 3-digit LA codes, ONS codes and regions.

The panel (equity/ingest/lait.py) names areas by DfE code only; this lookup gives each LA
its ONS code (so boundaries can join) and region, and its region and England rows are
matched to LAIT's own region codes (980-990), so areas from both files meet on `la_code`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from equity import kinds
from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.csvfile import read_text_csv
from equity.ingest.gias import mark_repeats
from equity.ingest.lait import (
    ENGLAND_ONS,
    REGION_CODE_BY_NAME,
    REGION_CODE_BY_ONS,
    REGIONS,
    SUB_REGIONS,
    parent_region,
    r_text,
)
from equity.schema import AREAS_SCHEMA, ENGLAND_CODE, REJECTED_SCHEMA

_LA_CODES_REQUIRED: Final = ("old_la_code", "new_la_code", "local_authority")
_ONS_LA = r"^E(06|08|09|10)\d{6}$"
#: ONS codes that ONS replaced while the area stayed the same education authority (same
#: DfE code): boundary files from 2020 on use the new code, so it is stored to let
#: boundaries join. Names confirmed against CTYUA_Dec2022_UK_BUC.geojson.
ONS_RECODES: Final[dict[str, str]] = {
    "E06000048": "E06000057",  # Northumberland, recoded 2013 (boundary tweak with Gateshead)
    "E08000020": "E08000037",  # Gateshead, recoded 2013
    "E10000002": "E06000060",  # Buckinghamshire, county -> unitary authority in April 2020
}


def _is_la_codes(path: Path, header: list[str]) -> bool:
    return path.suffix.lower() == ".csv" and set(_LA_CODES_REQUIRED) <= set(header)


def read_la_codes(path: Path, year_hint: str | None = None) -> IngestResult:
    """DfE 3-digit LA codes with their ONS codes, plus the file's region and England rows.

    The region rows carry only an ONS code and a name; they are matched to LAIT's region
    codes (980-990) so that areas from both files meet on `la_code`.
    """
    del year_hint
    frame = read_text_csv(path)
    missing = [c for c in _LA_CODES_REQUIRED if c not in frame.columns]
    if missing:
        raise IngestError(f"{path.name}: not an LA code lookup; missing columns {missing}")
    old = r_text(frame, "old_la_code")
    new = r_text(frame, "new_la_code")
    name = r_text(frame, "local_authority")
    region_name = r_text(frame, "region")
    region_ons = r_text(frame, "region_code")
    country_ons = r_text(frame, "country_code")
    region_code = pl.coalesce(
        region_ons.replace_strict(REGION_CODE_BY_ONS, default=None, return_dtype=pl.String),
        region_name.str.to_lowercase().replace_strict(
            REGION_CODE_BY_NAME, default=None, return_dtype=pl.String
        ),
    )
    table = frame.with_row_index("__row", offset=1).select(
        pl.col("__row").cast(pl.Int64),
        old.alias("old"),
        new.alias("new"),
        name.alias("name"),
        region_name.alias("region_name"),
        region_ons.alias("region_ons"),
        region_code.alias("region_code"),
        country_ons.alias("country_ons"),
        r_text(frame, "country").alias("country"),
    )
    is_la = pl.col("old").is_not_null()
    is_region = ~is_la & pl.col("region_code").is_not_null()
    is_england = ~is_la & pl.col("region_ons").is_null() & (pl.col("country_ons") == ENGLAND_ONS)
    la_code = (
        pl.when(is_la)
        .then(pl.col("old"))
        .when(is_region)
        .then(pl.col("region_code"))
        .when(is_england)
        .then(pl.lit(ENGLAND_CODE))
    )
    table = table.with_columns(la_code.alias("la_code"))
    reason = (
        pl.when(is_la & ~pl.col("old").str.contains(r"^\d{3}$"))
        .then(pl.lit("old_la_code '") + pl.col("old") + pl.lit("' is not a 3-digit DfE code"))
        .when(is_la & ~pl.col("new").fill_null("").str.contains(_ONS_LA))
        .then(
            pl.lit("new_la_code '")
            + pl.col("new").fill_null("")
            + pl.lit("' is not an ONS upper-tier LA code (E06/E08/E09/E10)")
        )
        .when(is_la & pl.col("name").is_null())
        .then(pl.lit("no local_authority name"))
        .when(pl.col("la_code").is_null())
        .then(pl.lit("neither an LA (old_la_code) nor a region or England summary row"))
        .otherwise(None)
    )
    table = mark_repeats(table.with_columns(reason.alias("__reason")), "la_code", "code")
    good = table.filter(pl.col("__reason").is_null())
    region_names = {code: name for code, (name, _) in REGIONS.items()}
    areas = good.select(
        pl.col("la_code"),
        pl.when(is_la)
        .then(pl.col("new").replace(ONS_RECODES))
        .when(is_region)
        .then(pl.col("region_code").replace_strict({c: o for c, (_, o) in REGIONS.items()}))
        .otherwise(pl.lit(ENGLAND_ONS))
        .alias("ons_code"),
        pl.when(is_la)
        .then(pl.col("name"))
        .when(is_region)
        .then(pl.col("region_code").replace_strict(region_names))
        .otherwise(pl.coalesce(pl.col("country"), pl.lit("England")))
        .alias("name"),
        pl.when(is_la)
        .then(pl.lit("la"))
        .when(is_region)
        .then(pl.lit("region"))
        .otherwise(pl.lit("england"))
        .alias("kind"),
        pl.when(is_la)
        .then(parent_region(pl.col("region_name")))
        .when(pl.col("region_code").is_in(list(SUB_REGIONS)))
        .then(pl.lit("London"))
        .otherwise(None)
        .alias("region"),
    ).cast(AREAS_SCHEMA)  # type: ignore[arg-type]
    rejected = table.filter(pl.col("__reason").is_not_null()).select(
        pl.lit(path.name).alias("source"),
        pl.col("__row").alias("row"),
        pl.col("__reason").alias("reason"),
    )
    notes = [
        "Region rows are matched to LAIT's region codes (980-990) by ONS code; an LA's "
        "region is one of the nine English regions (Inner/Outer London -> London)."
    ]
    recoded = good.filter(pl.col("new").is_in(list(ONS_RECODES)))
    if recoded.height:
        notes.append(
            "outdated ONS codes replaced by their current codes (same authority): "
            + ", ".join(
                f"{name} {code} -> {ONS_RECODES[code]}"
                for name, code in recoded.select("name", "new").iter_rows()
            )
        )
    result = IngestResult(
        source=path.name,
        kind=kinds.LA_CODES,
        rows_read=table.height,
        rows_stored=good.height,
        areas=areas,
        rejected=rejected.cast(REJECTED_SCHEMA),  # type: ignore[arg-type]
        notes=notes,
    )
    result.check_accounting()
    return result


KINDS: list[FileKind] = [
    FileKind(
        name=kinds.LA_CODES,
        description="DfE 3-digit LA codes with ONS codes and regions",
        suffixes=(".csv",),
        detect=_is_la_codes,
        read=read_la_codes,
    ),
]
