"""The school census over the years: which schools count for a phase, ever-FSM counts on the
census basis, segregation per LA per census year, and one school's census series.

Census basis (the contract the CLI and the pages share): for each school, F_i = NUMFSMEVER
(``pupils``/fsm6) and T_i = the ever-FSM denominator stored as the ``pupils`` of its
``pct_ever_fsm`` row (NORFSMEVER where the file has it, else NUMFSMEVER x 100 / PNUMFSMEVER,
NOR where PNUMFSMEVER is 0: `equity.ingest.census`); the schools are the state-funded schools
of the phase (SCHOOLTYPE "State-funded primary" / "State-funded secondary") with F_i and T_i
published and T_i > 0. The January 2018 census has no SCHOOLTYPE: a school there takes its
type from the nearest later census that lists its URN, then from GIAS, then (state-funded
primary or secondary only) from its establishment number.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import polars as pl

from equity import census_types, kinds, school_merge
from equity.ingest import aggregates
from equity.metrics import segregation, trends
from equity.schema import RESULTS_SCHEMA, SCHOOLS_SCHEMA, year_start
from equity.store import Store

CENSUS_KIND: Final = census_types.CENSUS_KIND
CENSUS_TYPES: Final = census_types.CENSUS_TYPES
_COUNT_SCHEMA: Final = {"urn": pl.String, "la_code": pl.String, "f": pl.Float64, "n": pl.Float64}
_CENSUS_ROWS_SCHEMA: Final = {**RESULTS_SCHEMA, "kind": pl.String()}


@functools.lru_cache(maxsize=8)
def census_years(store: Store) -> pl.DataFrame:
    """source, academic_year of every census file in the store (one year per file); worked
    out once per store (a page asks several times a rerun, ~1 ms each)."""
    return census_types.census_files(store.manifest())


_own_phase_type = census_types.own_phase_type
_gias_types = census_types.gias_types


@functools.lru_cache(maxsize=4)
def _typing_rows(store: Store) -> pl.DataFrame:
    """The `schools` rows of the census and GIAS files (what `school_types` places schools
    from), read once per store; only those sources' files are opened, in the store's
    (source, file) order."""
    wanted = census_types.typing_sources(store.manifest())
    files = [path for path, source in store._file_sources("schools") if source in wanted]
    if not files:
        return census_types.empty_rows()
    return (
        pl.scan_parquet(files, schema=SCHOOLS_SCHEMA, missing_columns="insert")
        .select(census_types.TYPING_COLUMNS)
        .collect()
    )


@functools.lru_cache(maxsize=16)
def school_types(store: Store, year: str) -> pl.DataFrame:
    """urn, la_code, school_type, placed_from for every school of that year's census.

    `placed_from` is "census <year>" (its own file), "census <later year>" (the nearest
    later census listing the URN, for a file without SCHOOLTYPE), "gias", "estab number"
    (the file's establishment number in a state-funded primary or secondary range), or
    null: not placed.
    """
    return (
        _types_all(store)
        .filter(pl.col("academic_year") == year)
        .select("urn", "la_code", "school_type", "placed_from")
    )


@functools.lru_cache(maxsize=4)
def _types_all(store: Store) -> pl.DataFrame:
    """`school_types` of every census year at once (academic_year first;
    `equity.census_types.place`): a one-folder store reads the copy its last commit wrote
    (equity/school_merge.py), others place the schools from one read of their rows."""
    if len(store.layers) == 1 and store.keys and store.keys[0].startswith("v"):
        written = school_merge.read_types(store.layers[0], store.keys[0])
        if written is not None:
            return written
    gias = store.manifest().filter(pl.col("kind") == kinds.GIAS)["source"].to_list()
    return census_types.place(_typing_rows(store), census_years(store), gias)


def all_school_types(store: Store) -> pl.DataFrame:
    """academic_year, urn, la_code, school_type, placed_from of every census year at once
    (`school_types` of each year, stacked): for a page that needs the area's schools over
    every census, one filter instead of one per year."""
    return _types_all(store)


def ever_fsm_bases(store: Store, year: str) -> pl.DataFrame:
    """urn, base: each school's ever-FSM denominator (the `pupils` of its pct_ever_fsm row)
    in that year's census, from that year's census figures read once per store
    (`_wide_of_year`: the School trends default school reads only the latest census's,
    on a first visit that needs no other), not a scan of the census results; null where
    the file gives none."""
    return _wide_of_year(store, year).select(pl.col("entity").alias("urn"), pl.col("ever_fsm_base"))


def placement_notes(store: Store) -> list[str]:
    """One line per census year whose file lacks SCHOOLTYPE: how its schools were placed."""
    notes = []
    for year in census_years(store)["academic_year"].unique().sort().to_list():
        types = school_types(store, year)
        own = types.filter(pl.col("placed_from") == f"census {year}").height
        if own == types.height:
            continue
        counts = dict(
            types.group_by(pl.col("placed_from").fill_null("not placed")).len().iter_rows()
        )
        later = sum(
            v for k, v in counts.items() if k.startswith("census ") and k != f"census {year}"
        )
        notes.append(
            f"census {year}: {types.height} schools without a school type in the file; "
            f"{later} placed by URN from a later census, {counts.get('gias', 0)} from GIAS, "
            f"{counts.get('estab number', 0)} as state-funded primary or secondary by their "
            f"establishment number, {counts.get('not placed', 0)} could not be placed (left "
            "out of phase figures)."
        )
    return notes


_WIDE_COLUMNS: Final = (
    "entity",
    "la_code",
    "ever_fsm",
    "ever_fsm_base",
    "nor",
    "pct_ever_fsm",
    "pct_ever_fsm_status",
    "pct_fsm",
    "pct_fsm_status",
)


def _written_wide(store: Store) -> dict[str, list[Path]]:
    """source -> its `census_wide` files (written at ingest)."""
    written: dict[str, list[Path]] = {}
    for path, source in store._file_sources(aggregates.CENSUS_TABLE):
        written.setdefault(source, []).append(path)
    return written


def _read_wide(paths: list[Path], year: str) -> pl.DataFrame:
    return (
        pl.read_parquet(paths)
        .filter(pl.col("academic_year") == year)
        .select(list(aggregates.CENSUS_WIDE_SCHEMA))
    )


@functools.lru_cache(maxsize=4)
def _wide_all(store: Store) -> pl.DataFrame:
    """`aggregates.census_wide` of every census year (one row per year and school): read
    from the `census_wide` table written at ingest where the year's only census file has
    one, else computed from that year's census results (a store written before the table
    existed, or two files for one year), in one scan for all such years."""
    files = census_years(store)
    written = _written_wide(store)
    frames = [aggregates.census_wide(pl.LazyFrame(schema=_CENSUS_ROWS_SCHEMA))]
    stale: list[str] = []
    for year, sources in files.group_by("academic_year").agg("source").sort("academic_year").rows():
        if len(sources) == 1 and sources[0] in written:
            frames.append(_read_wide(written[sources[0]], year))
        else:
            stale.extend(f"{source}\x00{year}" for source in sources)
    if stale:
        years = sorted({pair.split("\x00")[1] for pair in stale})
        rows = store.results_of([CENSUS_KIND], years).filter(
            (pl.col("source") + "\x00" + pl.col("academic_year")).is_in(stale)
        )
        frames.append(aggregates.census_wide(rows))
    return pl.concat(frames)


@functools.lru_cache(maxsize=8)
def _wide_of_year(store: Store, year: str) -> pl.DataFrame:
    """`_wide_all`'s rows of one census year, read on their own: the year's written table
    where its only census file has one (one file of some 25,000 rows, not every year's),
    else `_wide_all` itself (the same rows, computed as it computes them)."""
    sources = census_years(store).filter(pl.col("academic_year") == year)["source"].to_list()
    written = _written_wide(store)
    if len(sources) == 1 and sources[0] in written:
        return _read_wide(written[sources[0]], year)
    return _wide_all(store).filter(pl.col("academic_year") == year)


@functools.lru_cache(maxsize=8)
def _wide(store: Store, year: str) -> pl.DataFrame:
    """One row per school of the year's census: la_code, ever-FSM count, its denominator,
    NOR, % ever-FSM, % FSM and their statuses."""
    return _wide_all(store).filter(pl.col("academic_year") == year).select(_WIDE_COLUMNS)


#: (measure, value, status, pupils columns of `_wide_all`) of `school_rates`.
_RATES: Final = (
    ("pct_ever_fsm", "pct_ever_fsm", "pct_ever_fsm_status", "ever_fsm_base"),
    ("pct_fsm", "pct_fsm", "pct_fsm_status", "pct_fsm_pupils"),
)


def school_rates(store: Store, urn: str) -> pl.DataFrame:
    """One school's census % ever-FSM and % FSM rows (pupil group "all") in every census
    year that has them, as the results hold them: la_code, academic_year, measure, value,
    status, pupils (the share's denominator). From the per-year figures read once per store
    (`_wide_all`), not a scan of every census file; a withheld cell keeps its status."""
    wide = _wide_all(store).filter(pl.col("entity") == urn)
    return pl.concat(
        [
            wide.select(
                "la_code",
                "academic_year",
                pl.lit(measure).alias("measure"),
                pl.col(value).alias("value"),
                pl.col(status).alias("status"),
                pl.col(pupils).cast(pl.Int64).alias("pupils"),
            ).filter(pl.col("status").is_not_null())
            for measure, value, status, pupils in _RATES
        ]
    )


def fsm_rows(store: Store, year: str) -> pl.DataFrame:
    """urn, value, pupils of each school whose % FSM is published in that year's census with
    pupils on roll (> 0): the rows a pupil-weighted % FSM is taken over."""
    return (
        _wide_all(store)
        .filter(
            (pl.col("academic_year") == year)
            & (pl.col("pct_fsm_status") == "value")
            & (pl.col("pct_fsm_pupils") > 0)
        )
        .select(
            pl.col("entity").alias("urn"),
            pl.col("pct_fsm").alias("value"),
            pl.col("pct_fsm_pupils").alias("pupils"),
        )
    )


@functools.lru_cache(maxsize=16)
def _phase_counts(store: Store, year: str, phase: str) -> pl.DataFrame:
    """Census-basis counts (urn, la_code, f, n) of every LA's state-funded schools of the
    phase in that census year: the rows the contract keeps, n = T_i - F_i."""
    types = school_types(store, year).filter(pl.col("school_type") == CENSUS_TYPES[phase])
    wide = _wide(store, year).join(types.select(pl.col("urn").alias("entity")), on="entity")
    usable = wide.filter(
        pl.col("ever_fsm").is_not_null()
        & pl.col("ever_fsm_base").is_not_null()
        & (pl.col("ever_fsm_base") > 0)
    )
    return usable.select(
        pl.col("entity").alias("urn"),
        "la_code",
        pl.col("ever_fsm").alias("f"),
        pl.max_horizontal(pl.col("ever_fsm_base") - pl.col("ever_fsm"), pl.lit(0.0)).alias("n"),
    ).cast(_COUNT_SCHEMA)  # type: ignore[arg-type]


def census_counts(store: Store, la_codes: list[str], year: str, phase: str) -> pl.DataFrame:
    """Census-basis counts (urn, la_code, f, n) for these LAs (see the module docstring)."""
    return _phase_counts(store, year, phase).filter(pl.col("la_code").is_in(la_codes))


def census_counts_all(store: Store, year: str, phase: str) -> pl.DataFrame:
    """`census_counts` of every LA at once (the rows each LA's counts are filtered from)."""
    return _phase_counts(store, year, phase)


@functools.lru_cache(maxsize=32)
def segregation_by_la(store: Store, year: str, phase: str) -> pl.DataFrame:
    """Census-basis Gorard, dissimilarity and isolation for EVERY LA in one census year:
    la_code, schools, pupils (T), ever_fsm (F), gorard, dissimilarity, isolation and
    pct_ever_fsm (F / T of the LA's schools), academic_year (one group_by over the year's
    counts, cached per store, year and phase)."""
    counts = _phase_counts(store, year, phase)
    t = pl.col("f") + pl.col("n")
    return (
        counts.group_by("la_code")
        .agg(
            pl.len().alias("schools"),
            t.sum().alias("pupils"),
            pl.col("f").sum().alias("ever_fsm"),
            segregation.gorard(),
            segregation.dissimilarity(),
            segregation.isolation(),
        )
        .with_columns(
            (pl.col("ever_fsm") * 100 / pl.col("pupils")).alias("pct_ever_fsm"),
            pl.lit(year).alias("academic_year"),
        )
        .sort("la_code")
    )


def segregation_series(store: Store, phase: str) -> pl.DataFrame:
    """`segregation_by_la` for every census year in the store, stacked (academic_year)."""
    years = census_years(store)["academic_year"].unique().sort().to_list()
    parts = [segregation_by_la(store, y, phase) for y in years]
    return pl.concat(parts) if parts else pl.DataFrame()


def school_census_series(store: Store, urn: str) -> pl.DataFrame:
    """One school's census by year: academic_year, la_code, nor, ever_fsm, ever_fsm_base,
    pct_ever_fsm (+status), pct_fsm (+status), school_type, placed_from."""
    out = []
    for year in census_years(store)["academic_year"].unique().sort().to_list():
        row = _wide(store, year).filter(pl.col("entity") == urn)
        if row.is_empty():
            continue
        types = school_types(store, year).filter(pl.col("urn") == urn)
        out.append(
            row.drop("entity")
            .with_columns(pl.lit(year).alias("academic_year"))
            .join(types.select("la_code", "school_type", "placed_from"), on="la_code", how="left")
        )
    if not out:
        return pl.DataFrame()
    return pl.concat(out, how="diagonal_relaxed").select(
        "academic_year", pl.exclude("academic_year")
    )


def england_rates(store: Store, phase: str) -> pl.DataFrame:
    """England's census-basis ever-FSM rate per census year (the sum over every LA's state-
    funded schools of the phase) and the median LA's indices: academic_year, schools, pupils,
    ever_fsm, pct_ever_fsm, gorard_median, dissimilarity_median, isolation_median."""
    series = segregation_series(store, phase)
    if series.is_empty():
        return series
    return (
        series.group_by("academic_year")
        .agg(
            pl.col("schools").sum(),
            pl.col("pupils").sum(),
            pl.col("ever_fsm").sum(),
            pl.col("gorard").median().alias("gorard_median"),
            pl.col("dissimilarity").median().alias("dissimilarity_median"),
            pl.col("isolation").median().alias("isolation_median"),
        )
        .with_columns((pl.col("ever_fsm") * 100 / pl.col("pupils")).alias("pct_ever_fsm"))
        .sort("academic_year")
    )


def comparable_years(years: list[str]) -> list[str]:
    """The census years whose ever-FSM shares can be compared with each other: all but
    those on the January 2021 basis (equity.metrics.trends, census breaks)."""
    flagged = {
        e.year
        for e in trends.SERIES_BREAKS
        if e.key_stage == "census" and e.kind == "break" and "pct_ever_fsm" in e.measures
    }
    # Each break year starts a basis; a break year followed by another break is a basis of
    # its own (January 2021, closed by January 2023's return to the 2018 basis).
    closed = {y for y in flagged if any(z > y for z in flagged)}
    return [y for y in sorted(years) if y not in closed]


def school_share_changes(store: Store, la_codes: list[str], phase: str) -> pl.DataFrame:
    """Each state-funded school of the phase in these LAs: its share of its LA's ever-FSM
    pupils (F_i / sum F) and its own % ever-FSM, in the first and last comparable census
    year it appears in both, and the change: urn, la_code, first_year, last_year,
    share_first, share_last, share_change, pct_first, pct_last, pct_change, and the counts
    behind them (ever_fsm_first/last = F_i, pupils_first/last = T_i). Sorted by the
    size of the share's change, largest first (the movers)."""
    years = comparable_years(census_years(store)["academic_year"].unique().to_list())
    parts = []
    for year in years:
        counts = _phase_counts(store, year, phase).filter(pl.col("la_code").is_in(la_codes))
        parts.append(
            counts.with_columns(
                (pl.col("f") / pl.col("f").sum().over("la_code")).alias("share"),
                (pl.col("f") * 100 / (pl.col("f") + pl.col("n"))).alias("pct"),
                pl.lit(year).alias("academic_year"),
            )
        )
    if not parts:
        return pl.DataFrame()
    long = pl.concat(parts).sort("academic_year")
    return (
        long.group_by("urn", "la_code")
        .agg(
            pl.col("academic_year").first().alias("first_year"),
            pl.col("academic_year").last().alias("last_year"),
            pl.col("share").first().alias("share_first"),
            pl.col("share").last().alias("share_last"),
            pl.col("pct").first().alias("pct_first"),
            pl.col("pct").last().alias("pct_last"),
            pl.col("f").first().alias("ever_fsm_first"),
            pl.col("f").last().alias("ever_fsm_last"),
            (pl.col("f") + pl.col("n")).first().alias("pupils_first"),
            (pl.col("f") + pl.col("n")).last().alias("pupils_last"),
        )
        .filter(pl.col("first_year") != pl.col("last_year"))
        .with_columns(
            (pl.col("share_last") - pl.col("share_first")).alias("share_change"),
            (pl.col("pct_last") - pl.col("pct_first")).alias("pct_change"),
        )
        .sort(pl.col("share_change").abs(), "urn", descending=[True, False])
    )


# --------------------------------------------------------------------------- over time


def census_label(year: str) -> str:
    """How a census year is named next to its figures: 2023/24 -> "January 2024 census"
    (the census is taken in January of the academic year)."""
    return f"January {year_start(year) + 1} census"


def nearest_census_year(census: Sequence[str], year: str) -> str | None:
    """The census year nearest to `year` (itself when it is one); between two equally near,
    the later (the more recent census). None when no census is loaded."""
    if not census:
        return None
    if year in census:
        return year
    target = year_start(year)
    return min(census, key=lambda y: (abs(year_start(y) - target), -year_start(y)))


def area_series(store: Store, la_codes: Sequence[str], phase: str) -> pl.DataFrame:
    """The census-basis indices of one area per census year, its LAs' schools pooled (for
    one LA, the same figures as `segregation_by_la`): academic_year, schools, pupils,
    ever_fsm, pct_ever_fsm, gorard, dissimilarity, isolation.

    One filter of every year's counts stacked once per store (`_phase_counts_all`) and one
    group_by over them (oldest year first), not a filter and a select a year: the same
    figures (tests/unit/test_analysis_census.py compares with the per-year route), paid on
    Concentration's first view of each LA."""
    counts = _phase_counts_all(store, phase).filter(pl.col("la_code").is_in(list(la_codes)))
    if counts.is_empty():
        return pl.DataFrame(schema=_AREA_SCHEMA)
    return (
        counts.group_by("academic_year", maintain_order=True)
        .agg(segregation.index_exprs())
        .rename({"disadvantaged": "ever_fsm"})
        .with_columns((pl.col("ever_fsm") * 100 / pl.col("pupils")).alias("pct_ever_fsm"))
        .select(list(_AREA_SCHEMA))
        .cast(_AREA_SCHEMA)  # type: ignore[arg-type]
    )


@functools.lru_cache(maxsize=4)
def _phase_counts_all(store: Store, phase: str) -> pl.DataFrame:
    """`_phase_counts` of every census year, oldest first, stacked with academic_year
    (urn, la_code, f, n, academic_year): one frame per store and phase that an area's
    series filters once."""
    parts = [
        _phase_counts(store, year, phase).with_columns(pl.lit(year).alias("academic_year"))
        for year in census_years(store)["academic_year"].unique().sort().to_list()
    ]
    if not parts:
        return pl.DataFrame(schema={**_COUNT_SCHEMA, "academic_year": pl.String})
    return pl.concat(parts).rechunk()


AREA_SCHEMA: Final[dict[str, pl.DataType]] = {
    "academic_year": pl.String(),
    "schools": pl.UInt32(),
    "pupils": pl.Float64(),
    "ever_fsm": pl.Float64(),
    "pct_ever_fsm": pl.Float64(),
    "gorard": pl.Float64(),
    "dissimilarity": pl.Float64(),
    "isolation": pl.Float64(),
}
_AREA_SCHEMA: Final = AREA_SCHEMA  # the columns of `area_series`


def change_span(years: Sequence[str]) -> tuple[str, str] | None:
    """The first and last comparable census years (the span a change is measured over):
    both on one ever-FSM basis, so the change never crosses a basis (years on another
    basis between them, January 2021, are left out, and a chart says so)."""
    comparable = comparable_years(list(years))
    return (comparable[0], comparable[-1]) if len(comparable) >= 2 else None


def one_year_pairs(years: Sequence[str]) -> list[tuple[str, str]]:
    """Consecutive census years one year apart with no series break between them: the pairs
    whose change is the year-to-year noise (2017/18-2018/19 and 2022/23-2023/24 here)."""
    comparable = comparable_years(list(years))
    return [
        (a, b)
        for a, b in itertools.pairwise(comparable)
        if year_start(b) - year_start(a) == 1
        and trends.comparable("census", "census_segregation", a, b)
    ]


def index_changes(series: pl.DataFrame, index: str, first: str, last: str) -> pl.DataFrame:
    """Each area's change of `index` from `first` to `last`: la_code, first_value,
    last_value, change, rank (1 = the largest rise; ties share the lower rank). Areas
    without a value in both years are left out (new or merged LA codes)."""
    wide = (
        series.filter(pl.col("academic_year").is_in([first, last]))
        .select("la_code", "academic_year", pl.col(index).alias("value"))
        .pivot(on="academic_year", index="la_code", values="value", aggregate_function="first")
    )
    if first not in wide.columns or last not in wide.columns:
        return pl.DataFrame(
            schema={
                "la_code": pl.String,
                "first_value": pl.Float64,
                "last_value": pl.Float64,
                "change": pl.Float64,
                "rank": pl.Int64,
            }
        )
    return (
        wide.select(
            "la_code",
            pl.col(first).cast(pl.Float64).alias("first_value"),
            pl.col(last).cast(pl.Float64).alias("last_value"),
        )
        .drop_nulls()
        .with_columns((pl.col("last_value") - pl.col("first_value")).alias("change"))
        .with_columns(pl.col("change").rank("min", descending=True).cast(pl.Int64).alias("rank"))
        .sort("change", "la_code", descending=[True, False])
    )


def typical_change(
    series: pl.DataFrame, index: str, pairs: Sequence[tuple[str, str]]
) -> float | None:
    """The year-to-year noise of `index`: the median absolute change from one census to the
    next over every area and every pair in `pairs` (one year apart, one basis). None
    when no area has both years of any pair."""
    changes = [index_changes(series, index, a, b)["change"].abs() for a, b in pairs]
    pooled = pl.concat(changes) if changes else pl.Series("change", [], dtype=pl.Float64)
    if pooled.is_empty():
        return None
    return float(pooled.median())  # type: ignore[arg-type]


def school_series(store: Store, la_codes: Sequence[str], phase: str) -> pl.DataFrame:
    """Every state-funded school of the phase in these LAs, per census year it is counted
    in: urn, la_code, academic_year, ever_fsm (F_i), pupils (T_i), pct_ever_fsm. A year a
    school is not counted (closed, not open yet, T_i = 0 or unpublished) has no row: it is
    missing, never 0."""
    parts = []
    for year in census_years(store)["academic_year"].unique().sort().to_list():
        counts = census_counts(store, list(la_codes), year, phase)
        parts.append(
            counts.select(
                "urn",
                "la_code",
                pl.lit(year).alias("academic_year"),
                pl.col("f").alias("ever_fsm"),
                (pl.col("f") + pl.col("n")).alias("pupils"),
                (pl.col("f") * 100 / (pl.col("f") + pl.col("n"))).alias("pct_ever_fsm"),
            )
        )
    schema = {
        "urn": pl.String,
        "la_code": pl.String,
        "academic_year": pl.String,
        "ever_fsm": pl.Float64,
        "pupils": pl.Float64,
        "pct_ever_fsm": pl.Float64,
    }
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts).cast(schema).sort("urn", "academic_year")  # type: ignore[arg-type]
