"""Data for the School trends page: one school's results over time, and which schools in
an LA moved most for disadvantaged pupils.

School rows come from the performance tables only (Hampshire and Surrey, 2016/17-2018/19
as shipped); LA and England rows are DfE's published figures. A school's change is only
reported when both years meet a stated cohort rule, because a handful of pupils can move a
school's average by more than any real change in teaching.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Final

import polars as pl

from equity import headline, kinds, queries
from equity.analysis.gaps import HAS_RESULT, performance_kind
from equity.analysis.positions import Positions, positions, rows_of
from equity.schema import ENGLAND_CODE, GM_GROUP_CODE, HEADLINE_MEASURES, PHASE_KEY_STAGE
from equity.store import Store

#: Disadvantaged pupils a school needs in both years for its change to be ranked.
MIN_COHORT: Final = 10
SCHOOL: Final = "This school"


def _school_rows(store: Store, la_codes: list[str] | None, phase: str) -> pl.LazyFrame:
    scan = store.results_of([performance_kind(phase)]).filter(pl.col("entity_kind") == "school")
    return scan if la_codes is None else scan.filter(pl.col("la_code").is_in(la_codes))


def school_options(store: Store, la_codes: tuple[str, ...], phase: str) -> pl.DataFrame:
    """Schools with at least one published headline result: urn, name, la_code, years."""
    return rows_of(_all_options(store, phase), _options_of_la(store, phase), la_codes)


@functools.lru_cache(maxsize=2)
def _options_of_la(store: Store, phase: str) -> Positions:
    """Each LA's rows of `_all_options` (equity/analysis/positions.py)."""
    return positions(_all_options(store, phase)["la_code"])


@functools.lru_cache(maxsize=2)
def _all_options(store: Store, phase: str) -> pl.DataFrame:
    """`school_options` of every LA at once, in its order (name, then URN), once per store
    and phase. Its rows are one per (school, LA), so an area's are these rows filtered to
    its LAs; on each new Authority that filter replaces a group_by and a names join
    (some 4 ms)."""
    # A (school, LA, year) is listed once (`_headline_years` is unique), so sorting the
    # years once before grouping gives each group's years unique and in order without a
    # unique and sort per group (some 25,000 groups at national scale).
    found = (
        _headline_years(store, phase)
        .sort("academic_year")
        .group_by("entity", "la_code")
        .agg(pl.col("academic_year").str.join(", ").alias("years"))
    )
    names = store.schools().select("urn", "name")
    return (
        found.rename({"entity": "urn"})
        .join(names, on="urn", how="left")
        .with_columns(pl.col("name").fill_null("(unnamed school)"))
        .select("urn", "name", "la_code", "years")
        .sort("name", "urn")
    )


def _headline_years(store: Store, phase: str) -> pl.DataFrame:
    """Every school of every LA with a published headline result, once per (school, LA,
    year): read once per store and phase, so choosing another LA is a filter in memory."""
    return _phase_rows(store, phase)[0]


#: The pupil groups whose rows `_phase_rows` holds (school_series and movers read no other).
_PANEL_GROUPS: Final = ("disadvantaged", "other")
_PANEL_COLUMNS: Final = (
    "entity",
    "entity_kind",
    "la_code",
    "academic_year",
    "measure",
    "pupil_group",
    "value",
    "pupils",
    "status",
)


@functools.lru_cache(maxsize=2)
def _phase_rows(store: Store, phase: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(headline years, panel) of the phase's performance tables, in one parallel read per
    store and phase: `_headline_years`, and the panel, every row (any entity) of the
    headline measures and "pupils" for disadvantaged and other pupils, in file order.

    Why: `school_series` and `movers` used to scan every performance file of the phase
    (ten at national scale, 2.7 million rows) on each new school or LA, some 35 ms per
    rerun after an Authority change; now that is a filter of this panel (about 330,000
    rows, 22 MB for KS4; 650,000, 43 MB for KS2), and the first visit reads the files
    once, not three times. Filtering the panel gives the rows the scans gave for any
    headline measure (the only measures the page offers), in file order (the scans' order
    came out of a hash join and was never defined, so a school listed under two LAs now
    takes its LA from its first file, where it took an arbitrary one)."""
    scan = store.results_of([performance_kind(phase)])
    headline = list(HEADLINE_MEASURES[phase])
    years = (
        scan.filter(
            (pl.col("entity_kind") == "school")
            & pl.col("measure").is_in(headline)
            & (pl.col("status") == "value")
        )
        .select("entity", "la_code", "academic_year")
        .unique()
    )
    panel = scan.filter(
        pl.col("measure").is_in([*headline, "pupils"])
        & pl.col("pupil_group").is_in(list(_PANEL_GROUPS))
    ).select(_PANEL_COLUMNS)
    found, rows = pl.collect_all([years, panel])
    return found, rows


@functools.lru_cache(maxsize=2)
def _panel_index(store: Store, phase: str) -> tuple[dict[str, int], pl.Series]:
    """Where each school's rows sit in the phase's panel: URN -> its position in the
    second item, a list of its row numbers (ascending, so in file order). Once per store
    and phase (~0.1 s at national scale), so that one school's rows are a gather of a few
    dozen rows, not a comparison of every one of the panel's 330,000 (~1.2 ms on each
    rerun for a new school)."""
    grouped = (
        _phase_rows(store, phase)[1]
        .select("entity")
        .with_row_index("row")
        .group_by("entity")
        .agg(pl.col("row").sort())
    )
    where = {entity: at for at, entity in enumerate(grouped["entity"].to_list())}
    return where, grouped["row"]


def school_panel_rows(store: Store, phase: str, urn: str) -> pl.DataFrame:
    """The panel's rows of one school, in file order: `panel.filter(entity == urn)`."""
    panel = _phase_rows(store, phase)[1]
    where, rows = _panel_index(store, phase)
    at = where.get(urn)
    return panel.head(0) if at is None else panel[rows[at]]


def _in_panel(phase: str, measure: str) -> bool:
    return measure in HEADLINE_MEASURES[phase]


@functools.lru_cache(maxsize=8)
def _disadvantaged_rows(
    store: Store, phase: str, measure: str, first: str, last: str
) -> pl.DataFrame:
    """Every school's disadvantaged `measure` and cohort rows in two years (all LAs), read
    once per store and span (from the phase's panel for a headline measure)."""
    wanted = (
        pl.col("academic_year").is_in([first, last])
        & (pl.col("pupil_group") == "disadvantaged")
        & pl.col("measure").is_in([measure, "pupils"])
    )
    columns = ("entity", "la_code", "academic_year", "measure", "value", "pupils", "status")
    if _in_panel(phase, measure):
        return (
            _phase_rows(store, phase)[1]
            .filter((pl.col("entity_kind") == "school") & wanted)
            .select(columns)
        )
    return _school_rows(store, None, phase).filter(wanted).select(columns).collect()


def find_school(store: Store, urn: str) -> dict[str, Any] | None:
    """Where a URN is known: name, LA and the key stages with loaded results (for notices)."""
    school = store.schools().filter(pl.col("urn") == urn)
    stages = (
        store.results_of(kinds.PERFORMANCE)
        .filter((pl.col("entity") == urn) & (pl.col("entity_kind") == "school"))
        .select(pl.col("key_stage").unique().sort())
        .collect()["key_stage"]
        .to_list()
    )
    if school.is_empty() and not stages:
        return None
    row = school.row(0, named=True) if school.height else {"name": None, "la_code": None}
    la_code = row["la_code"]
    return {
        "urn": urn,
        "name": row["name"] or f"URN {urn}",
        "la_code": la_code,
        "la_name": queries.la_name(store, la_code) if la_code else "an unknown LA",
        "key_stages": stages,
    }


def school_series(store: Store, urn: str, phase: str, measure: str) -> pl.DataFrame:
    """The school's disadvantaged and other results by year, beside its LA's and England's.

    Columns: academic_year, series, level (school|la|england), group, value, status, pupils.
    Only the school's own years are returned (its files), so comparators cover the same span.
    """
    wanted = (
        (pl.col("entity") == urn)
        & pl.col("measure").is_in([measure, "pupils"])
        & pl.col("pupil_group").is_in(["disadvantaged", "other"])
    )
    columns = ("la_code", "academic_year", "measure", "pupil_group", "value", "pupils", "status")
    if _in_panel(phase, measure):  # a filter in memory, not a scan of every file
        # The school's rows only (one comparison per panel row): the measure is told
        # apart below, on those few rows (the three tests over the whole panel took some
        # 5 ms, and a second filter and a select here another 0.3 ms). The panel holds
        # only disadvantaged and other pupils' rows, so the groups need no test.
        rows = school_panel_rows(store, phase, urn)
    else:
        rows = store.results_of([performance_kind(phase)]).filter(wanted).select(columns).collect()
    found = rows.select(columns).rows()
    values = [row for row in found if row[2] == measure]
    if not values:
        return _empty_series()
    la_code = str(values[0][0])
    years = sorted({row[1] for row in values})
    published = queries.published_rows(
        store, [la_code, ENGLAND_CODE], [measure], years, ("disadvantaged", "other")
    ).filter((pl.col("entity") == la_code) | (pl.col("pupil_group") == "other"))
    la_name = queries.la_name(store, la_code)
    counts = [row for row in found if row[2] == "pupils"]
    built = _series_of_rows(values, counts, published, la_name)
    return built if built is not None else _series_frame(rows, measure, published, la_name)


#: The legend's words for each pupil group (`group_label`).
_GROUP_WORDS: Final = {"disadvantaged": "disadvantaged pupils", "other": "other pupils"}
_SERIES_SCHEMA: Final = pl.Schema(
    {
        "academic_year": pl.String,
        "series": pl.String,
        "level": pl.String,
        "group": pl.String,
        "value": pl.Float64,
        "status": pl.String,
        "pupils": pl.Int64,
    }
)
_INT64_BOUND: Final = 2.0**63


def _series_of_rows(
    values: list[tuple[Any, ...]],
    counts: list[tuple[Any, ...]],
    published: pl.DataFrame,
    la_name: str,
) -> pl.DataFrame | None:
    """`_series_frame`'s answer worked out on the few rows in Python, or None when they
    hold what only the frame route decides (a (year, group) given twice, so the join
    repeats rows and ties in the sort; a missing key; a cohort count that is not a whole
    number in Int64's range, which the frame route refuses).

    Why: the frame route is a dozen polars steps on a few dozen rows, each costing more in
    overhead than in work, some 3-5 ms of every new Authority's rerun (the page's school
    changes with the Authority)."""
    count_of: dict[tuple[Any, Any], int | None] = {}
    for _la, year, _measure, group, value, _pupils, _status in counts:
        if (year, group) in count_of:
            return None
        if value is None:
            count_of[(year, group)] = None
        elif math.isfinite(value) and abs(value) < _INT64_BOUND:
            count_of[(year, group)] = int(value)  # a cast to Int64 truncates, as int()
        else:
            return None
    out: list[tuple[Any, ...]] = []
    for _la, year, _measure, group, value, pupils, status in values:
        words = _GROUP_WORDS.get(group)
        if words is None:
            return None
        own = pupils if pupils is not None else count_of.get((year, group))
        out.append((year, f"{SCHOOL}: {words}", "school", group, value, status, own))
    for year, entity, group, value, status in published.select(
        "academic_year", "entity", "pupil_group", "value", "status"
    ).rows():
        words = _GROUP_WORDS.get(group)
        if words is None:
            return None
        england = entity == ENGLAND_CODE
        where = "England" if england else la_name
        level = "england" if england else "la"
        out.append((year, f"{where}: {words}", level, group, value, status, None))
    keys = [(row[2], row[1], row[0]) for row in out]
    if any(None in key for key in keys) or len(set(keys)) != len(keys):
        return None
    out.sort(key=lambda row: (row[2], row[1], row[0]))
    return pl.DataFrame(out, schema=_SERIES_SCHEMA, orient="row")


def _series_frame(
    rows: pl.DataFrame, measure: str, published: pl.DataFrame, la_name: str
) -> pl.DataFrame:
    """`school_series` from the school's rows and the comparators' published rows, as
    polars steps (every case; `_series_of_rows` gives the same frame faster for most)."""
    values = rows.filter(pl.col("measure") == measure)
    counts = rows.filter(pl.col("measure") == "pupils").select(
        "academic_year", "pupil_group", pl.col("value").cast(pl.Int64).alias("__count")
    )
    school = values.join(counts, on=["academic_year", "pupil_group"], how="left").select(
        "academic_year",
        pl.concat_str(pl.lit(f"{SCHOOL}: "), group_label("pupil_group")).alias("series"),
        pl.lit("school").alias("level"),
        pl.col("pupil_group").alias("group"),
        "value",
        "status",
        pl.coalesce("pupils", "__count").alias("pupils"),
    )
    comparators = published.select(
        "academic_year",
        *area_series(la_name),
        pl.col("pupil_group").alias("group"),
        "value",
        "status",
        pl.lit(None, dtype=pl.Int64).alias("pupils"),
    )
    return pl.concat([school, comparators], how="vertical_relaxed").sort(
        "level", "series", "academic_year"
    )


def area_series(la_name: str) -> tuple[pl.Expr, pl.Expr]:
    """(series, level) of an LA or England comparator row: "Manchester: other pupils" and
    "la" / "england", the words every school trend chart's legend and line style read."""
    is_england = pl.col("entity") == ENGLAND_CODE
    series = pl.concat_str(
        pl.when(is_england).then(pl.lit("England")).otherwise(pl.lit(la_name)),
        pl.lit(": "),
        group_label("pupil_group"),
    ).alias("series")
    level = pl.when(is_england).then(pl.lit("england")).otherwise(pl.lit("la")).alias("level")
    return series, level


def group_label(column: str) -> pl.Expr:
    return pl.col(column).replace_strict(_GROUP_WORDS, return_dtype=pl.String)


def _empty_series() -> pl.DataFrame:
    return pl.DataFrame(schema=_SERIES_SCHEMA)


def movers(
    store: Store,
    la_codes: tuple[str, ...],
    phase: str,
    measure: str,
    first: str,
    last: str,
    min_cohort: int = MIN_COHORT,
) -> pl.DataFrame:
    """Each school's disadvantaged result in the first and last year, and the change.

    `eligible` is True when both results are published and at least `min_cohort`
    disadvantaged pupils stand behind each; `reason` says why not otherwise.

    The area's rows of England's table (`_england_movers`, once per store and span), unless
    a school listed under more than one LA (or none) in the span touches the area: then
    the area's own rows are joined, as they always were.
    """
    table, mixed_las = _england_movers(store, phase, measure, first, last, min_cohort)
    if mixed_las.isdisjoint(la_codes):
        found = table.filter(pl.col("la_code").is_in(list(la_codes))).drop("la_code")
        return found if found.height else _empty_movers()
    rows = _disadvantaged_rows(store, phase, measure, first, last).filter(
        pl.col("la_code").is_in(list(la_codes))
    )
    return _movers_of(store, rows, measure, first, last, min_cohort)


@functools.lru_cache(maxsize=8)
def _england_movers(
    store: Store, phase: str, measure: str, first: str, last: str, min_cohort: int
) -> tuple[pl.DataFrame, frozenset[str]]:
    """(`movers` of every school whose rows in the span all name one LA, with that
    `la_code`; the LAs of the other schools' rows), once per store and span.

    Why: a school's row in `movers` comes only from its own rows (every join is on the
    school), so for a school under one LA the area's answer holds its row exactly when the
    LA is in the area; filtering this table replaces some twenty steps on each new
    Authority. A school under two LAs (or none) would join differently per area, so an area
    with one goes the old way (`movers`)."""
    rows = _disadvantaged_rows(store, phase, measure, first, last)
    spread = rows.group_by("entity").agg(
        ((pl.col("la_code").n_unique() > 1) | pl.col("la_code").is_null().any()).alias("mixed")
    )
    mixed = spread.filter(pl.col("mixed"))["entity"]
    mixed_las = frozenset(
        rows.filter(pl.col("entity").is_in(mixed.implode()))["la_code"].drop_nulls().to_list()
    )
    single = rows.filter(~pl.col("entity").is_in(mixed.implode()))
    la_of = single.select(pl.col("entity").alias("urn"), "la_code").unique("urn")
    table = _movers_of(store, single, measure, first, last, min_cohort).join(
        la_of, on="urn", how="left", maintain_order="left"
    )
    return table, mixed_las


def _movers_of(
    store: Store, rows: pl.DataFrame, measure: str, first: str, last: str, min_cohort: int
) -> pl.DataFrame:
    """`movers` over these disadvantaged rows (`_disadvantaged_rows`' columns)."""
    rows = rows.select("entity", "academic_year", "measure", "value", "pupils", "status")
    out = None
    for year, tag in ((first, "first"), (last, "last")):
        value = rows.filter((pl.col("academic_year") == year) & (pl.col("measure") == measure))
        count = rows.filter((pl.col("academic_year") == year) & (pl.col("measure") == "pupils"))
        part = value.join(
            count.select("entity", pl.col("value").cast(pl.Int64).alias("__c")),
            on="entity",
            how="left",
        ).select(
            "entity",
            pl.col("value").alias(f"value_{tag}"),
            pl.col("status").alias(f"status_{tag}"),
            pl.coalesce("pupils", "__c").alias(f"pupils_{tag}"),
        )
        out = part if out is None else out.join(part, on="entity", how="full", coalesce=True)
    if out is None or out.is_empty():
        return _empty_movers()
    names = store.schools().select("urn", "name")
    enough = (pl.col("pupils_first") >= min_cohort) & (pl.col("pupils_last") >= min_cohort)
    both = pl.col("value_first").is_not_null() & pl.col("value_last").is_not_null()
    reason = (
        pl.when(
            ~pl.col("status_first").is_in(HAS_RESULT) | ~pl.col("status_last").is_in(HAS_RESULT)
        )
        .then(pl.lit("no result in one or both years"))
        .when(~both)
        .then(pl.lit("result suppressed in a year"))
        .when(~enough.fill_null(value=False))
        .then(pl.lit(f"fewer than {min_cohort} disadvantaged pupils in a year"))
        .otherwise(pl.lit(""))
    )
    return (
        out.rename({"entity": "urn"})
        .join(names, on="urn", how="left")
        .with_columns(
            pl.col("name").fill_null("(unnamed school)"),
            pl.col("status_first").fill_null("missing"),
            pl.col("status_last").fill_null("missing"),
        )
        .with_columns(
            (pl.col("value_last") - pl.col("value_first")).alias("change"),
            (both & enough).fill_null(value=False).alias("eligible"),
            reason.alias("reason"),
        )
        .select(
            "urn",
            "name",
            "value_first",
            "status_first",
            "pupils_first",
            "value_last",
            "status_last",
            "pupils_last",
            "change",
            "eligible",
            "reason",
        )
        .sort("change", "name", descending=[True, False], nulls_last=True)
    )


def _empty_movers() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "urn": pl.String,
            "name": pl.String,
            "value_first": pl.Float64,
            "status_first": pl.String,
            "pupils_first": pl.Int64,
            "value_last": pl.Float64,
            "status_last": pl.String,
            "pupils_last": pl.Int64,
            "change": pl.Float64,
            "eligible": pl.Boolean,
            "reason": pl.String,
        }
    )


def area_group_trend(store: Store, la_code: str, phase: str, measure: str) -> pl.DataFrame:
    """The area's published disadvantaged and other figures over every year, beside
    England's (for LAs with no school files): academic_year, series, level, group, value."""
    table = headline.headline_gaps(store, la_code, phase).filter(pl.col("measure") == measure)
    area_role = "gm_mean" if la_code == GM_GROUP_CODE else "selected"
    part = table.filter(pl.col("role").is_in([area_role, "england"]))
    long = part.unpivot(
        index=["academic_year", "area", "role"],
        on=["disadvantaged", "other"],
        variable_name="group",
        value_name="value",
    )
    return long.select(
        "academic_year",
        pl.concat_str(pl.col("area"), pl.lit(": "), group_label("group")).alias("series"),
        pl.when(pl.col("role") == "england")
        .then(pl.lit("england"))
        .otherwise(pl.lit("la"))
        .alias("level"),
        "group",
        "value",
    ).sort("level", "series", "academic_year")


def key_stage_label(phase: str) -> str:
    return PHASE_KEY_STAGE[phase].upper()
