"""The headline gaps table: the chosen area's published disadvantaged and other figures and
both gaps beside its comparators, and the one rule that labels each row's role.

Apart from equity/queries.py, whose published rows it reshapes, because the Overview, the
Attainment gaps page and School trends' LA view all read their headline figures here.
"""

from __future__ import annotations

import functools
from typing import Final

import polars as pl

from equity import queries
from equity.schema import (
    ENGLAND_CODE,
    GM_GROUP_CODE,
    GREATER_MANCHESTER,
    HEADLINE_MEASURES,
    is_gm,
)
from equity.store import Store

GM_MEAN_LABEL: Final = "GM (mean of 10 LAs)"


@functools.lru_cache(maxsize=1024)
def region_code_of(store: Store, la_code: str) -> str | None:
    """The code of the LA's region (None when the store does not place it), kept per store
    and LA: two filters of the areas table, asked on every rerun."""
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
    from equity.metrics.gaps import group_mean

    members = queries.member_las(la_code)
    in_gm = is_gm(la_code)
    entities = sorted({*members, *(GREATER_MANCHESTER if in_gm else ()), ENGLAND_CODE})
    region = region_code_of(store, la_code) if la_code != GM_GROUP_CODE else None
    if region:
        entities.append(region)
    table = _headline_gap_table(store, phase).filter(pl.col("entity").is_in(entities))
    if years is not None:
        table = table.filter(pl.col("academic_year").is_in(years))
    if in_gm:
        table = pl.concat([table, group_mean(table, list(GREATER_MANCHESTER), GM_MEAN_LABEL)])
    # The names of this table's entities only: a mapping of every area (some 170) made the
    # replacement several times slower, for the same names.
    every_name = _area_names(store)
    names = {entity: every_name[entity] for entity in entities if entity in every_name}
    names[GM_MEAN_LABEL] = GM_MEAN_LABEL
    return table.with_columns(
        pl.col("entity").replace_strict(names, default=pl.col("entity")).alias("area"),
        area_role(la_code, region, gm_comparators=in_gm).alias("role"),
    )


@functools.lru_cache(maxsize=8)
def _area_names(store: Store) -> dict[str, str]:
    """Every area's name by code (LAs, regions, England), once per store. Read only."""
    return dict(store.areas().select("la_code", "name").iter_rows())


@functools.lru_cache(maxsize=8)
def _headline_gap_table(store: Store, phase: str) -> pl.DataFrame:
    """`gap_table` of every area's best published headline figures for the phase, once per
    store (like `queries.best_published`, which it reshapes): an area's gaps depend only on its own
    figures and England's, so `headline_gaps` takes its areas' rows from here rather than
    pivoting and joining a few dozen rows on every new selection. Same rows, same order."""
    from equity.metrics.gaps import gap_table

    measures = tuple(sorted(set(HEADLINE_MEASURES[phase])))
    rows = queries.best_published(store, measures, queries.GROUPS)
    return gap_table(rows.select("entity", "academic_year", "measure", "pupil_group", "value"))


def area_role(
    la_code: str,
    region: str | None,
    *,
    group_members: str = "selected",
    gm_comparators: bool = True,
) -> pl.Expr:
    """The one rule that labels each row's `entity` beside the chosen area (`la_code`):
    "selected" for its LAs, then "england", "region" (`region`, its region's code),
    "gm_mean" (the GM mean row), "gm_la" for another GM LA and "other_la" for the rest.

    When the chosen area is the GM group its ten LAs take `group_members`: the comparison
    tables show them as the selection, the LA ranking (which draws the group as its mean)
    as "gm_la". Comparators follow the area: outside Greater Manchester
    (`gm_comparators=False`) a GM LA is just another LA ("other_la"). Charts colour and
    order rows by these words (components/theme.py)."""
    chosen = group_members if la_code == GM_GROUP_CODE else "selected"
    gm_role = "gm_la" if gm_comparators else "other_la"
    return (
        pl.when(pl.col("entity").is_in(queries.member_las(la_code)))
        .then(pl.lit(chosen))
        .when(pl.col("entity") == ENGLAND_CODE)
        .then(pl.lit("england"))
        .when(pl.col("entity") == (region or ""))
        .then(pl.lit("region"))
        .when(pl.col("entity") == GM_MEAN_LABEL)
        .then(pl.lit("gm_mean"))
        .when(pl.col("entity").is_in(list(GREATER_MANCHESTER)))
        .then(pl.lit(gm_role))
        .otherwise(pl.lit("other_la"))
    )
