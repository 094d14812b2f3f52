"""Who an area is compared with, how a group of LAs gets one figure, and which year to open.

Three questions every page asks before it draws a comparison:

- *Compared with whom?* A Greater Manchester LA (or GM itself) is compared with the rest of
  Greater Manchester and England; any other LA with the other LAs of its own region, the
  region's published figure and England. Pages take their wording from `Comparators`, so
  "the rest of Greater Manchester" never appears on Hampshire's page.
- *One figure for a group of LAs.* Where each LA's figure comes with its pupil count
  (destinations, performance-table LA rows, school census counts) the group's figure is
  pupil-weighted: sum(value x pupils) / sum(pupils). Where only LA figures exist (DfE's LAIT
  panel publishes no cohort sizes) it is the plain mean of the LA figures. The two are
  labelled differently (`method_label`) because they answer different questions: the
  weighted figure is "the average pupil in GM", the mean is "the average GM LA".
- *Which year first?* The latest year with published LA figures for the phase's headline
  measures (`latest_published_year`), and, for a page whose data stop earlier, the nearest
  year it has (`nearest_year`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from equity.schema import (
    ENGLAND_CODE,
    GM_GROUP_CODE,
    GREATER_MANCHESTER,
    HEADLINE_MEASURES,
    PHASE_KEY_STAGE,
    Status,
)
from equity.store import Store

PUPIL_WEIGHTED: Final = "pupil-weighted"
MEAN_OF_LAS: Final = "mean of LA figures"


# --------------------------------------------------------------------------- who with


@dataclass(frozen=True)
class Comparators:
    """The areas a selection is compared with, and the words for them.

    `peers` are the LAs shown beside the selection (GM's ten, or the region's LAs);
    `group_name` names them as a whole ("Greater Manchester", "South East");
    `region_code` is the published regional figure to show, when there is one (a GM LA
    also has the North West's); `england_code` is always England.
    """

    la_code: str
    la_name: str
    group_name: str
    peers: tuple[str, ...]
    is_gm: bool
    region_code: str | None
    region_name: str | None
    england_code: str = ENGLAND_CODE

    @property
    def rest_phrase(self) -> str:
        """'the rest of Greater Manchester' or 'the other South East LAs'."""
        if self.is_gm:
            return "the rest of Greater Manchester"
        return f"the other {self.group_name} LAs"

    @property
    def compared_with(self) -> str:
        """'Greater Manchester and England' or 'the South East and England'."""
        if self.is_gm:
            return "Greater Manchester and England"
        return f"{_with_article(self.group_name)} and England"

    @property
    def group_label(self) -> str:
        """The peers' short name for a legend: 'Greater Manchester' or 'South East LAs'
        (callers add `method_label` for the group's own figure)."""
        return "Greater Manchester" if self.is_gm else f"{self.group_name} LAs"


#: Regions DfE names with "the" in running text.
_THE_REGIONS: Final = frozenset(
    {
        "North East",
        "North West",
        "East Midlands",
        "West Midlands",
        "East of England",
        "South East",
        "South West",
    }
)


def _with_article(region: str) -> str:
    return f"the {region}" if region in _THE_REGIONS else region


def comparators(store: Store, la_code: str) -> Comparators:
    """Who `la_code` is compared with, from a per-store index of the store's areas (a page
    asks on every new LA; the areas table is the same for every LA, so three filters and a
    dict of every name each time became dict look-ups).

    Greater Manchester (the group) and its ten LAs -> the ten GM LAs, the North West's
    published figure for a member LA, England. Any other LA -> the LAs of its region (as
    the areas table records it), the region's published figure, England. An LA with no
    region recorded is compared with England alone (peers: itself).
    tests/unit/test_comparators.py checks the index against that rule written as filters
    of the areas table, for every LA and for generated tables."""
    return _area_index(store).comparators(la_code)


@dataclass(frozen=True)
class _AreaIndex:
    """What the comparators rule (`comparators`) reads from the areas table, as dicts."""

    names: dict[str, str]
    la_regions: dict[str, str | None]  # an LA's first `la` row's region
    region_codes: dict[str, str]  # a region's name -> its first `region` row's code
    peers: dict[str, tuple[str, ...]]  # a region -> its LAs, sorted

    def comparators(self, la_code: str) -> Comparators:
        if la_code == GM_GROUP_CODE:
            return Comparators(
                la_code=la_code,
                la_name="Greater Manchester",
                group_name="Greater Manchester",
                peers=tuple(GREATER_MANCHESTER),
                is_gm=True,
                region_code=None,
                region_name=None,
            )
        region = self.la_regions.get(la_code)
        region_code = self.region_codes.get(region or "")
        la_name = str(self.names.get(la_code, f"LA {la_code}"))
        if la_code in GREATER_MANCHESTER:
            return Comparators(
                la_code=la_code,
                la_name=la_name,
                group_name="Greater Manchester",
                peers=tuple(GREATER_MANCHESTER),
                is_gm=True,
                region_code=region_code,
                region_name=region,
            )
        if region is None:
            return Comparators(la_code, la_name, "England", (la_code,), False, None, None)
        return Comparators(
            la_code=la_code,
            la_name=la_name,
            group_name=region,
            peers=self.peers.get(region, ()),
            is_gm=False,
            region_code=region_code,
            region_name=region,
        )


@functools.lru_cache(maxsize=8)
def _area_index(store: Store) -> _AreaIndex:
    return area_index(store.areas())


def area_index(areas: pl.DataFrame) -> _AreaIndex:
    """The index `comparators` answers from (la_code, name, kind, region rows)."""
    names = dict(areas.select("la_code", "name").iter_rows())
    la_regions: dict[str, str | None] = {}
    peers: dict[str, list[str]] = {}
    for code, region in areas.filter(pl.col("kind") == "la").select("la_code", "region").rows():
        la_regions.setdefault(code, None if region is None else str(region))
        if region is not None:
            peers.setdefault(region, []).append(code)
    region_codes: dict[str, str] = {}
    for code, name in areas.filter(pl.col("kind") == "region").select("la_code", "name").rows():
        region_codes.setdefault(name, str(code))
    return _AreaIndex(
        names=names,
        la_regions=la_regions,
        region_codes=region_codes,
        peers={region: tuple(sorted(codes)) for region, codes in peers.items()},
    )


# --------------------------------------------------------------------------- one figure


def method_label(method: str, members: int) -> str:
    """'pupil-weighted' or 'mean of 10 LA figures': the words that go beside the figure."""
    if method == PUPIL_WEIGHTED:
        return PUPIL_WEIGHTED
    return f"mean of {members} LA figures"


def combine(
    rows: pl.DataFrame, members: Sequence[str], keys: Sequence[str] = ("academic_year",)
) -> pl.DataFrame:
    """One figure per `keys` for the group of LAs `members`, from per-LA rows.

    `rows`: entity, value, pupils (pupils may be null), plus `keys`. Per key:
    - every member has a value and a pupil count -> pupil-weighted mean, method
      "pupil-weighted", pupils = their sum;
    - every member has a value but some count is missing -> plain mean of the LA figures,
      method "mean of LA figures", pupils null;
    - any member's value missing (suppressed, not published, absent) -> no row: a group
      figure never silently covers fewer LAs than it names.
    Output columns: *keys, value, pupils, members, method.
    """
    wanted = list(dict.fromkeys(members))
    key_list = list(keys)
    part = rows.filter(pl.col("entity").is_in(wanted)).unique(
        [*key_list, "entity"], keep="first", maintain_order=True
    )
    schema: dict[str, pl.DataType] = {
        **{k: rows.schema[k] for k in key_list},
        "value": pl.Float64(),
        "pupils": pl.Int64(),
        "members": pl.Int64(),
        "method": pl.String(),
    }
    if part.is_empty():
        return pl.DataFrame(schema=schema)
    weighted = (pl.col("value") * pl.col("pupils")).sum() / pl.col("pupils").sum()
    has_counts = (pl.col("pupils").null_count() == 0) & (pl.col("pupils").sum() > 0)
    out = (
        part.group_by(key_list, maintain_order=True)
        .agg(
            pl.when(has_counts).then(weighted).otherwise(pl.col("value").mean()).alias("value"),
            pl.when(has_counts).then(pl.col("pupils").sum()).otherwise(None).alias("pupils"),
            pl.len().alias("members"),
            pl.col("value").null_count().alias("__missing"),
            pl.when(has_counts)
            .then(pl.lit(PUPIL_WEIGHTED))
            .otherwise(pl.lit(MEAN_OF_LAS))
            .alias("method"),
        )
        .filter((pl.col("members") == len(wanted)) & (pl.col("__missing") == 0))
        .drop("__missing")
        .sort(key_list)
    )
    return out.select(
        *key_list,
        pl.col("value").cast(pl.Float64),
        pl.col("pupils").cast(pl.Int64),
        pl.col("members").cast(pl.Int64),
        pl.col("method").cast(pl.String),
    )


def group_published(
    store: Store,
    members: Sequence[str],
    measure: str,
    pupil_group: str,
    years: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The group's figure per year for one published measure and pupil group, pupil-weighted
    where the LA rows carry cohort counts, otherwise the mean of the LA figures (`combine`).

    Rows come from every published source of LA figures; where two sources publish the
    same LA and year, a source whose rows carry pupil counts is preferred (the figure is
    the same, the count is what makes the weighting possible)."""
    rows = (
        store.published()
        .filter(
            (pl.col("entity_kind") == "la")
            & pl.col("entity").is_in(list(members))
            & (pl.col("measure") == measure)
            & (pl.col("pupil_group") == pupil_group)
        )
        .with_columns(
            pl.when(pl.col("status") == Status.VALUE).then(pl.col("value")).alias("value")
        )
        .sort(pl.col("pupils").is_null(), "kind")
    )
    if years is not None:
        rows = rows.filter(pl.col("academic_year").is_in(list(years)))
    return combine(rows.select("entity", "academic_year", "value", "pupils"), members)


def census_share(counts: pl.DataFrame) -> tuple[float | None, int]:
    """Pupil-weighted % of the group (f) among all pupils (f + n) across schools' counts
    (`queries.census_counts` or `cohort_counts`): sum(f) / sum(f + n) x 100, and the pupils
    it covers. Schools with a missing count are left out of both sums."""
    usable = counts.filter(pl.col("f").is_not_null() & pl.col("n").is_not_null())
    pupils = float(usable.select((pl.col("f") + pl.col("n")).sum()).item() or 0.0)
    if pupils <= 0:
        return None, 0
    share = float(usable["f"].sum()) / pupils * 100
    return share, round(pupils)


# --------------------------------------------------------------------------- which year


def latest_published_year(store: Store, phase: str) -> str | None:
    """The latest academic year in which any LA has a published headline figure (a value,
    not a suppressed or missing cell) for the phase: 2024/25 for both phases in the
    embedded data."""
    key_stage = PHASE_KEY_STAGE[phase]
    years = (
        store.published()
        .filter(
            (pl.col("entity_kind") == "la")
            & (pl.col("key_stage") == key_stage)
            & pl.col("measure").is_in(list(HEADLINE_MEASURES[phase]))
            & (pl.col("status") == Status.VALUE)
        )["academic_year"]
        .drop_nulls()
        .unique()
        .to_list()
    )
    return max(years) if years else None


def latest_published_years(store: Store) -> dict[str, str]:
    """`latest_published_year` for every phase that has one."""
    out = {phase: latest_published_year(store, phase) for phase in PHASE_KEY_STAGE}
    return {phase: year for phase, year in out.items() if year is not None}


def nearest_year(available: Sequence[str], wanted: str) -> str | None:
    """The year in `available` closest to `wanted` ("YYYY/YY" strings): `wanted` itself when
    present; otherwise the closest by start year, the later one on a tie (the more recent
    figure is the more useful). None when nothing is available."""
    years = sorted({y for y in available if y})
    if not years:
        return None
    if wanted in years:
        return wanted
    target = _start(wanted)
    return min(years, key=lambda y: (abs(_start(y) - target), -_start(y)))


def _start(year: str) -> int:
    return int(year[:4])
