"""The faster first-visit paths (issue 16) give exactly what the code they replaced gave.

Each test keeps the replaced computation here as the reference (read the whole of every
file, resolve, then filter) and compares it with the narrowed or vectorised one on the real
embedded store, whose destinations releases overlap (five releases, seven cohorts) and whose
census and performance files span several years, so pruning files by year and narrowing the
scan have something to get wrong.
"""

from __future__ import annotations

import polars as pl
import pytest

from equity import kinds as file_kinds
from equity import queries
from equity.analysis import coverage, destinations, gaps, similar_context
from equity.schema import ENGLAND_CODE, GREATER_MANCHESTER
from equity.store import Store

_KEY = ["entity", "academic_year", "measure", "pupil_group"]


def _reference_latest_release(store: Store) -> pl.DataFrame:
    """destinations.latest_release as it was: every row, sorted by release, first kept."""
    files = destinations.releases(store)
    return (
        store.results_of([destinations.DEST_KIND])
        .select(*_KEY, "entity_kind", "la_code", "value", "pupils", "status", "published", "source")
        .join(files.lazy(), on="source")
        .sort("release", descending=True)
        .unique(_KEY, keep="first", maintain_order=True)
        .collect()
    )


def _canonical(frame: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    return frame.sort(key)


def test_latest_release_is_unchanged(embedded_store: Store) -> None:
    new = destinations.latest_release(embedded_store)
    old = _reference_latest_release(embedded_store)
    assert new.height > 10_000
    assert _canonical(new, _KEY).equals(_canonical(old, _KEY))
    # Newest release first, as callers that keep a school's first row rely on.
    assert new["release"].to_list() == sorted(new["release"].to_list(), reverse=True)


@pytest.mark.parametrize(
    ("measures", "groups", "years"),
    [
        ((destinations.SUSTAINED,), None, None),
        ((destinations.SUSTAINED,), ("disadvantaged", "other"), ("2019/20", "2020/21", "2021/22")),
        ((destinations.SUSTAINED,), ("disadvantaged",), ("2018/19",)),
        (None, None, ("2015/16",)),
        (("pupils", destinations.SUSTAINED), ("all",), None),
    ],
)
def test_latest_of_equals_latest_release_filtered(
    embedded_store: Store,
    measures: tuple[str, ...] | None,
    groups: tuple[str, ...] | None,
    years: tuple[str, ...] | None,
) -> None:
    narrowed = destinations.latest_of(embedded_store, measures, groups, years)
    keep = pl.lit(True)
    asked = (("measure", measures), ("pupil_group", groups), ("academic_year", years))
    for column, values in asked:
        if values is not None:
            keep = keep & pl.col(column).is_in(list(values))
    full = destinations.latest_release(embedded_store).filter(keep)
    assert narrowed.height > 0
    assert narrowed.columns == full.columns
    assert _canonical(narrowed, _KEY).equals(_canonical(full, _KEY))
    assert narrowed["release"].to_list() == sorted(narrowed["release"].to_list(), reverse=True)


def test_cohort_years_are_the_latest_release_cohorts(embedded_store: Store) -> None:
    rows = destinations.latest_release(embedded_store)
    assert destinations.cohort_years(embedded_store) == sorted(
        rows["academic_year"].unique().to_list()
    )


def test_pooled_disadvantaged_is_unchanged(embedded_store: Store) -> None:
    rows = _reference_latest_release(embedded_store)
    years = sorted(rows["academic_year"].unique().to_list())[-3:]
    usable = rows.filter(
        (pl.col("entity_kind") == "school")
        & (pl.col("measure") == destinations.SUSTAINED)
        & pl.col("pupil_group").is_in(["disadvantaged", "other"])
        & pl.col("academic_year").is_in(years)
        & pl.col("value").is_not_null()
        & pl.col("pupils").is_not_null()
        & (pl.col("pupils") > 0)
    )
    old = (
        usable.group_by(pl.col("entity").alias("urn"), pl.col("pupil_group").alias("group"))
        .agg(
            pl.len().alias("cohorts_used"),
            pl.col("pupils").sum().alias("pooled_pupils"),
            ((pl.col("value") * pl.col("pupils")).sum() / pl.col("pupils").sum()).alias(
                "pooled_pct"
            ),
            pl.col("academic_year").min().alias("first_cohort"),
            pl.col("academic_year").max().alias("last_cohort"),
        )
        .with_columns(pl.lit(", ".join(years)).alias("cohorts_asked"))
        .sort("urn", "group")
    )
    new = destinations.pooled_disadvantaged(embedded_store, 3)
    assert new.height > 100
    assert new.drop("pooled_pct").equals(old.drop("pooled_pct"))
    # Sums of at most three products: equal up to the order of addition.
    assert (new["pooled_pct"] - old["pooled_pct"]).abs().max() < 1e-9  # type: ignore[operator]


def _reference_cells(
    store: Store, wanted: list[tuple[similar_context.Column, str, str]], frame: pl.DataFrame
) -> pl.DataFrame:
    """context_table's cells as they were: every file of the kinds, one join per column."""
    keys = pl.DataFrame(
        {
            "kind": [k for _, k, _ in wanted],
            "academic_year": [y for _, _, y in wanted],
            "measure": [c.measure for c, _, _ in wanted],
            "pupil_group": [c.group for c, _, _ in wanted],
            "field": [c.key for c, _, _ in wanted],
        }
    ).lazy()
    release = store.manifest().select(
        "source", pl.col("academic_years").list.max().alias("__release")
    )
    long = (
        store.results_of({k for _, k, _ in wanted})
        .filter(pl.col("entity_kind") == "school")
        .join(keys, on=["kind", "academic_year", "measure", "pupil_group"], how="inner")
        .join(release.lazy(), on="source", how="left")
        .sort("__release", descending=True, nulls_last=True, maintain_order=True)
        .select(pl.col("entity").alias("urn"), "field", "value", "status")
        .unique(["urn", "field"], keep="first", maintain_order=True)
        .collect()
    )
    for column, _, _ in wanted:
        part = long.filter(pl.col("field") == column.key).select(
            "urn",
            pl.col("value").alias(column.key),
            pl.col("status").alias(f"{column.key}_status"),
        )
        frame = frame.join(part, on="urn", how="left")
    return frame


def _wanted(store: Store, phase: str, year: str) -> list[tuple[similar_context.Column, str, str]]:
    kinds = {c.kind for c in similar_context.COLUMNS[phase]}
    years = {k: y for k, y in similar_context._kind_years(store, phase, year).items() if k in kinds}
    stage = "ks4" if phase == "secondary" else "ks2"
    out = []
    for column in similar_context.COLUMNS[phase]:
        kind = (
            file_kinds.PERFORMANCE_BY_STAGE[stage] if column.kind == "performance" else column.kind
        )
        if column.kind in years:
            out.append((column, kind, years[column.kind]))
    return out


@pytest.mark.parametrize(
    ("phase", "year"),
    [
        ("secondary", "2018/19"),
        ("primary", "2018/19"),
        ("secondary", "2023/24"),
        ("primary", "2023/24"),
    ],
)
def test_context_cells_are_unchanged(embedded_store: Store, phase: str, year: str) -> None:
    wanted = _wanted(embedded_store, phase, year)
    assert wanted
    census_year = dict((k, y) for _, k, y in wanted).get(file_kinds.SCHOOL_CENSUS)
    universe = similar_context._universe(embedded_store, phase, census_year)
    new = universe.join(
        similar_context._cells(embedded_store, wanted, universe["urn"]), on="urn", how="left"
    )
    old = _reference_cells(embedded_store, wanted, universe)
    assert new.height == universe.height > 100
    assert new.columns == old.columns
    assert new.sort("urn").equals(old.sort("urn"))
    assert new.select(pl.col(f"{c.key}_status").is_not_null().sum() for c, _, _ in wanted).row(
        0
    ) == old.select(pl.col(f"{c.key}_status").is_not_null().sum() for c, _, _ in wanted).row(0)


def test_context_cells_of_no_schools(embedded_store: Store) -> None:
    wanted = _wanted(embedded_store, "secondary", "2018/19")
    empty = similar_context._cells(embedded_store, wanted, pl.Series("urn", [], dtype=pl.String))
    assert empty.is_empty()
    assert empty.columns == ["urn", *[n for c, _, _ in wanted for n in (c.key, f"{c.key}_status")]]


# --------------------------------------------------------------------------- Data page


def _reference_school_counts(store: Store) -> pl.DataFrame:
    """coverage's school counts as they were: distinct URNs per LA, year and kind."""
    return (
        store.school_years()
        .filter(pl.col("la_code").is_not_null())
        .group_by("la_code", "academic_year", "kind")
        .agg(pl.col("entity").n_unique().alias("schools"))
    )


def test_school_counts_are_unchanged(embedded_store: Store) -> None:
    keys = ["la_code", "academic_year", "kind"]
    new = coverage._school_counts(embedded_store.school_years()).filter(
        pl.col("la_code").is_not_null()
    )
    old = _reference_school_counts(embedded_store)
    assert new.height == old.height > 50
    assert new.sort(keys).equals(old.sort(keys))
    # The overlapping destinations releases are the case where files share a cohort.
    dest = new.filter(pl.col("kind") == destinations.DEST_KIND)
    assert dest.height > 0


def test_school_counts_of_overlapping_files() -> None:
    """Hand-checked: two files of one kind share LA 1's 2020/21 schools b and c (3 distinct),
    one file alone gives LA 1's 2019/20 (2) and a null LA row is counted apart."""
    school_years = pl.DataFrame(
        {
            "source": ["f1", "f1", "f1", "f1", "f2", "f2", "f1"],
            "la_code": ["1", "1", "1", "1", "1", "1", None],
            "academic_year": ["2019/20"] * 2 + ["2020/21"] * 4 + ["x"],
            "entity": ["a", "b", "b", "c", "c", "d", "e"],
            "kind": ["k"] * 7,
        }
    )
    counts = coverage._school_counts(school_years).sort("academic_year", nulls_last=True)
    assert counts.select("la_code", "academic_year", "schools").rows() == [
        ("1", "2019/20", 2),
        ("1", "2020/21", 3),
        (None, "x", 1),
    ]


def _reference_la_status(cov: pl.DataFrame, la_codes: list[str]) -> pl.DataFrame:
    """coverage.la_status as it was: a loop of filters per LA and kind."""
    school = cov.filter((pl.col("level") == coverage.SCHOOL) & pl.col("la_code").is_in(la_codes))
    key = file_kinds.key_school_kinds()
    rows = []
    for la_code in la_codes:
        mine = school.filter(pl.col("la_code") == la_code)
        name = mine["la_name"][0] if mine.height else None
        for kind in (*key, *sorted(set(mine["kind"]) - set(key))):
            part = mine.filter(pl.col("kind") == kind).sort("academic_year")
            latest = part.tail(1)
            rows.append(
                {
                    "la_code": la_code,
                    "la_name": name,
                    "kind": kind,
                    "what": file_kinds.kind(kind).label,
                    "years": ", ".join(part["academic_year"].to_list()) or None,
                    "latest_year": latest["academic_year"][0] if latest.height else None,
                    "schools_latest": int(latest["schools"][0]) if latest.height else None,
                    "files": "; ".join(
                        sorted({f for files in part["files"] for f in files.split("; ")})
                    )
                    or None,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "la_code": pl.String,
            "la_name": pl.String,
            "kind": pl.String,
            "what": pl.String,
            "years": pl.String,
            "latest_year": pl.String,
            "schools_latest": pl.Int64,
            "files": pl.String,
        },
    )


def _reference_by_la_text(cov: pl.DataFrame) -> list[str]:
    per_kind = (
        cov.sort("academic_year")
        .group_by("la_code", "la_name", "level", "kind", maintain_order=True)
        .agg(pl.col("academic_year").alias("years"))
        .sort("la_code", "kind")
    )
    return [
        f"{kind.replace('_', ' ')} {coverage.year_runs(years)}"
        for kind, years in per_kind.select("kind", "years").iter_rows()
    ]


@pytest.mark.parametrize(
    "la_codes", [["352"], list(GREATER_MANCHESTER), ["999", "352", "352"], [], ["998"]]
)
def test_la_status_is_unchanged(embedded_store: Store, la_codes: list[str]) -> None:
    cov = coverage.coverage(embedded_store)
    new = coverage.la_status(cov, la_codes)
    old = _reference_la_status(cov, la_codes)
    assert new.equals(old)


def test_la_status_on_the_tiny_store(tiny: Store) -> None:
    cov = coverage.coverage(tiny)
    for la_codes in (["999"], ["998", "999"], ["123"]):
        assert coverage.la_status(cov, la_codes).equals(_reference_la_status(cov, la_codes))


def test_coverage_by_la_text_is_unchanged(embedded_store: Store) -> None:
    cov = coverage.coverage(embedded_store)
    texts = set(_reference_by_la_text(cov))
    by_la = coverage.coverage_by_la(cov)
    shown = {
        part
        for column in ("school_level", "la_level")
        for cell in by_la[column].drop_nulls().to_list()
        for part in cell.split("; ")
    }
    assert shown == texts


# --------------------------------------------------------------------------- Gaps page


def test_las_in_year_is_unchanged(embedded_store: Store) -> None:
    published = embedded_store.published()
    years = sorted(published["academic_year"].drop_nulls().unique().to_list())
    assert years
    for year in years:
        old = (
            published.filter(
                (pl.col("entity_kind") == "la")
                & (pl.col("academic_year") == year)
                & (pl.col("status") == "value")
            )
            .select(pl.col("entity").unique().sort())["entity"]
            .to_list()
        )
        assert gaps.las_in_year(embedded_store, year) == old


def test_england_other_is_unchanged(embedded_store: Store) -> None:
    checked = 0
    for measure in ("ks4_attainment8", "ks4_progress8", "ks2_rwm_expected_pct"):
        for year in ("2016/17", "2018/19", "2022/23", "2023/24"):
            rows = queries.published_rows(
                embedded_store, [ENGLAND_CODE], [measure], [year], ("other",)
            )
            values = rows["value"].drop_nulls()
            old = float(values[0]) if values.len() else None
            assert gaps.england_other(embedded_store, measure, year) == old
            checked += old is not None
    assert checked > 3


def test_figures_and_files_are_unchanged(embedded_store: Store) -> None:
    """Against the group_by it replaced, on the embedded store's summaries and on a
    hand-made case: a group with one source twice, sources out of order, a null LA."""
    keys = ["la_code", "academic_year", "kind", "entity_kind"]

    def reference(summary: pl.DataFrame) -> pl.DataFrame:
        return summary.group_by(keys).agg(
            pl.col("figures").sum().cast(pl.Int64).alias("figures"),
            pl.col("source").unique().sort().str.join("; ").alias("files"),
        )

    hand = pl.DataFrame(
        {
            "source": ["b.csv", "a.csv", "b.csv", "c.csv", "c.csv", "d.csv"],
            "la_code": ["1", "1", "1", "2", "2", None],
            "academic_year": ["2019/20"] * 6,
            "kind": ["k"] * 6,
            "entity_kind": ["school"] * 6,
            "figures": [1, 2, 3, 4, 5, 6],
        }
    )
    got = coverage.figures_and_files(hand, keys).sort("la_code", nulls_last=True)
    assert got.select("la_code", "figures", "files").rows() == [
        ("1", 6, "a.csv; b.csv"),
        ("2", 9, "c.csv"),
        (None, 6, "d.csv"),
    ]
    summary = embedded_store.summary()
    assert summary.height > 100
    new = coverage.figures_and_files(summary, keys)
    assert new.sort(keys, nulls_last=True).equals(reference(summary).sort(keys, nulls_last=True))


def _reference_status_sentences(status: pl.DataFrame, names: dict[str, str]) -> list[str]:
    """coverage.status_sentences as it was: a filter, relabel and group_by per kind."""
    sentences = []
    for kind in file_kinds.key_school_kinds():
        part = status.filter(pl.col("kind") == kind)
        if part.is_empty():
            continue
        info = file_kinds.KINDS[kind]
        short = info.short
        label = part.with_columns(
            pl.col("la_code")
            .replace_strict(names, default=None, return_dtype=pl.String)
            .fill_null(pl.col("la_name"))
            .fill_null(pl.lit("LA ") + pl.col("la_code"))
            .alias("name")
        )
        loaded = label.filter(pl.col("years").is_not_null())
        for _, rows in loaded.group_by("years", maintain_order=True):
            years = str(rows["years"][0])
            who = _reference_names_and_codes(rows)
            schools = int(rows["schools_latest"].sum())
            latest = str(rows["latest_year"].max())
            files = sorted({f for fs in rows["files"].drop_nulls() for f in fs.split("; ")})
            sentences.append(
                f"{short[0].upper()}{short[1:]} loaded for {who}: {years} "
                f"({schools:,} schools in {latest}; {coverage._file_count(files)})."
            )
        lacking = label.filter(pl.col("years").is_null())
        if lacking.height:
            who = _reference_names_and_codes(lacking)
            sentence = f"No {short} for {who}"
            if info.how_to_get:
                single = lacking.height == 1
                target = str(lacking["name"][0]) if single else "each LA"
                sentence += ": " + info.how_to_get.format(
                    who=target,
                    page=info.page,
                    performance=coverage.PERFORMANCE_PAGE,
                    where=coverage.LOAD_WITH_CLI,
                )
            sentences.append(sentence + ".")
    return sentences


def _reference_names_and_codes(rows: pl.DataFrame) -> str:
    parts = [f"{name} ({code})" for name, code in rows.select("name", "la_code").iter_rows()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@pytest.mark.parametrize(
    "la_codes",
    [["352"], ["936"], ["850"], list(GREATER_MANCHESTER), ["352", "936", "999", "000"]],
)
def test_status_sentences_are_unchanged(embedded_store: Store, la_codes: list[str]) -> None:
    cov = coverage.coverage(embedded_store)
    status = coverage.la_status(cov, la_codes)
    names = dict(queries.la_catalogue(embedded_store).select("la_code", "name").iter_rows())
    for given in (names, {}, {"352": "Renamed"}):
        new = coverage.status_sentences(status, given)
        assert new == _reference_status_sentences(status, given)
        assert new
