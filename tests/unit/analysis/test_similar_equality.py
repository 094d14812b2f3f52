"""The Similar schools page's cheaper per-rerun steps (issue 16, round 4) give exactly what
the code they replaced gave: every LA's school list and default school from one pass per
context (`similar._school_lists`), a school's row looked up once (`similar.school_row`),
the pool in one filter and the family table in one collect.

The replaced functions are kept here verbatim (commit 9c246ee) as the references. On the
embedded store always, and on a national-scale store when EQUITY_NATIONAL_STORE names one.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from components.similar import family as family_ui
from equity.analysis import destinations, similar, similar_context
from equity.metrics.families import Family, find_family
from equity.schema import GREATER_MANCHESTER
from equity.store import EMBEDDED_STORE, Store

NATIONAL_ENV = "EQUITY_NATIONAL_STORE"


def _stores() -> list[object]:
    national = os.environ.get(NATIONAL_ENV)
    return [
        pytest.param(EMBEDDED_STORE, id="embedded"),
        pytest.param(
            Path(national) if national else None,
            id="national",
            marks=pytest.mark.skipif(not national, reason=f"{NATIONAL_ENV} not set"),
        ),
    ]


@pytest.fixture(scope="module", params=_stores())
def store(request: pytest.FixtureRequest) -> Store:
    opened = Store.open(request.param)
    assert opened.layers, f"no store at {request.param}"
    return opened


@pytest.fixture(scope="module", params=["secondary", "primary"])
def context(store: Store, request: pytest.FixtureRequest) -> similar.Context:
    years = similar.census_year_options(store)
    return similar.context_table(store, request.param, "2018/19", years[0] if years else None)


# ---------------------------------------------------------------------- the references


def _school_options_before(context: similar.Context, la_codes: tuple[str, ...]) -> pl.DataFrame:
    return (
        context.frame.filter(
            pl.col("la_code").is_in(list(la_codes))
            & pl.any_horizontal(pl.col(f).is_not_null() for f in similar.DEFAULT_FEATURES)
        )
        .select("urn", "name", "la_code", "la_name")
        .sort(pl.col("name").str.to_lowercase(), "urn")
    )


def _default_school_before(context: similar.Context, la_codes: tuple[str, ...]) -> str | None:
    options = _school_options_before(context, la_codes)
    if options.is_empty():
        return None
    frame = context.frame.join(options.select("urn"), on="urn", how="semi")
    outcomes = similar.OUTCOMES[context.phase]
    split = [c for o in outcomes if "disadvantaged" in o.columns for c in o.columns.values()]
    every = [c for o in outcomes for c in o.columns.values()]
    for columns in (split, every):
        with_results = frame.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in columns))
        if with_results.height:
            largest = with_results.sort(
                ["pupils", "urn"], descending=[True, False], nulls_last=True
            )
            return str(largest["urn"][0])
    return str(options["urn"][0])


def _available_features_before(context: similar.Context, urn: str) -> tuple[str, ...]:
    row = context.frame.filter(pl.col("urn") == urn)
    if row.is_empty():
        return ()
    return tuple(f for f in similar.FEATURES if f in row.columns and row[f][0] is not None)


def _pool_frame_before(
    context: similar.Context, urn: str, pool: str, mix_kinds: bool = False
) -> tuple[pl.DataFrame, str]:
    frame = context.frame
    mine = frame.filter(pl.col("urn") == urn)
    if mine.is_empty():
        raise KeyError(urn)
    if "primary_kind" in frame.columns and not mix_kinds:
        kind = mine["primary_kind"][0]
        frame = frame.filter((pl.col("primary_kind") == kind) | (pl.col("urn") == urn))
    la_code, la_name = mine["la_code"][0], mine["la_name"][0]
    if pool == "la":
        return frame.filter(pl.col("la_code") == la_code), f"{la_name} ({la_code})"
    if pool == "gm":
        in_gm = pl.col("la_code").is_in(list(GREATER_MANCHESTER)) | (pl.col("urn") == urn)
        return frame.filter(in_gm), similar.POOLS["gm"]
    return frame, similar.POOLS["england"]


def _family_table_before(
    context: similar.Context, urn: str, pool: str, features: tuple[str, ...], mix: bool
) -> tuple[pl.DataFrame, str, int]:
    candidates, _ = _pool_frame_before(context, urn, pool, mix)
    chosen = {f: float(similar.DEFAULT_WEIGHTS.get(f, 1.0)) for f in features}
    family = find_family(candidates, urn, features, 20, weights=chosen)
    scored = pl.concat(
        [
            family.chosen.with_columns(
                pl.lit("chosen").alias("role"), pl.lit(0, dtype=pl.Int64).alias("rank")
            ),
            family.members.with_columns(pl.lit("family").alias("role")),
        ],
        how="diagonal",
    )
    outcome_columns = [
        c for c in context.frame.columns if c not in scored.columns and c not in similar.FEATURES
    ]
    table = scored.join(context.frame.select([*outcome_columns, "urn"]), on="urn", how="left")
    front = ["role", "rank", "urn", "name", "la_code", "la_name", "distance"]
    table = table.select(front + [c for c in table.columns if c not in front]).sort("rank")
    kinds = candidates.filter(pl.col("urn") == urn)
    kind = str(kinds["primary_kind"][0]) if "primary_kind" in candidates.columns and not mix else ""
    return table, kind, candidates.height


def _exclusion_counts_before(family: Family) -> dict[str, int]:
    if family.excluded.is_empty():
        return {}
    counts = family.excluded.explode("missing").group_by("missing").len()
    found = dict(counts.iter_rows())
    return {f: int(found[f]) for f in family.features if f in found}


def _cells_before(
    store: Store, wanted: list[tuple[similar.Column, str, str]], urns: pl.Series
) -> pl.DataFrame:
    """urn, then <key> and <key>_status per wanted (column, file kind, year): each school of
    `urns` with the cell of that kind, year, measure and group (null where none).

    Where two files give a cohort, the latest release wins: a release is ordered by the
    newest year it holds. Only the files that hold one of the years are opened, and only
    the rows of these schools, years, measures and groups are read (pushed into the parquet
    scan); the inner join then picks the exact (kind, year, measure, group) cells. Reading
    every census and performance file of the phase, for every school, was some 0.5 s."""
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
    # Each kind's files of its own years only (a 2018/19 KS4 provisional column must not
    # open the 2018/19 census beside the 2023/24 one the family is built on).
    years_of: dict[str, set[str]] = {}
    for _, kind, year in wanted:
        years_of.setdefault(kind, set()).add(year)
    asked = pl.all_horizontal(
        pl.col(column).is_in(sorted(set(values)))
        for column, values in (
            ("measure", [c.measure for c, _, _ in wanted]),
            ("pupil_group", [c.group for c, _, _ in wanted]),
        )
    )
    scans = [
        store.results_of([kind], years).filter(
            (pl.col("entity_kind") == "school")
            & pl.col("academic_year").is_in(sorted(years))
            & asked
            & pl.col("entity").is_in(urns.implode())
        )
        for kind, years in sorted(years_of.items())
    ]
    long = (
        pl.concat(scans, how="diagonal_relaxed")
        .join(keys, on=["kind", "academic_year", "measure", "pupil_group"], how="inner")
        .join(release.lazy(), on="source", how="left")
        .sort("__release", descending=True, nulls_last=True, maintain_order=True)
        .select(pl.col("entity").alias("urn"), "field", "value", "status")
        .unique(["urn", "field"], keep="first", maintain_order=True)
        .collect()
    )
    schema: dict[str, pl.DataType] = {"urn": pl.String()}
    for column, _, _ in wanted:
        schema |= {column.key: pl.Float64(), f"{column.key}_status": pl.String()}
    if long.is_empty():
        return pl.DataFrame(schema=schema)
    # One row per school, two columns per cell (one pivot, not a join per column).
    wide = long.pivot(on="field", index="urn", values=["value", "status"], separator="|")
    out = [pl.col("urn")]
    for column, _, _ in wanted:
        if f"value|{column.key}" in wide.columns:
            value, status = pl.col(f"value|{column.key}"), pl.col(f"status|{column.key}")
        else:  # no school has this cell: a column of nulls, as a join would give
            value, status = pl.lit(None), pl.lit(None)
        out += [value.alias(column.key), status.alias(f"{column.key}_status")]
    return wide.select(out).cast(pl.Schema(schema))


def _pooled_destinations_before(store: Store) -> tuple[pl.DataFrame, str]:
    """Per school, disadvantaged and other pupils' sustained destinations pooled over the
    latest POOLED_COHORTS cohorts (destinations.pooled_disadvantaged: the cohort-weighted
    mean of the published percentages, suppressed cohorts left out, never read as 0) and
    the pooled cohort size; the status is "value" when at least one cohort was published,
    else "suppressed" when every cohort of the group was withheld, else "missing". Returns
    the frame and the span ("2019/20 to 2021/22")."""
    pooled = destinations.pooled_disadvantaged(store, similar_context.POOLED_COHORTS)
    schema = {
        "urn": pl.String,
        **{c: pl.Float64 for c in similar_context.POOLED_COLUMNS},
        **{f"{c}_status": pl.String for c in similar_context.POOLED_COLUMNS},
    }
    if pooled.is_empty():
        return pl.DataFrame(schema=schema), ""
    cohorts = pooled["cohorts_asked"][0].split(", ")
    span = f"{cohorts[0]} to {cohorts[-1]}" if len(cohorts) > 1 else cohorts[0]
    rows = destinations.latest_of(
        store, (destinations.SUSTAINED,), ("disadvantaged", "other"), tuple(cohorts)
    ).filter(
        (pl.col("entity_kind") == "school")
        & (pl.col("measure") == destinations.SUSTAINED)
        & pl.col("academic_year").is_in(cohorts)
        & pl.col("pupil_group").is_in(["disadvantaged", "other"])
    )
    withheld = (
        rows.group_by(pl.col("entity").alias("urn"), pl.col("pupil_group").alias("group"))
        .agg((pl.col("status") == "suppressed").all().alias("all_suppressed"))
        .filter(pl.col("all_suppressed"))
    )
    out = None
    for group, tag in (("disadvantaged", "dis"), ("other", "other")):
        part = pooled.filter(pl.col("group") == group).select(
            "urn",
            pl.col("pooled_pct").alias(f"dest_{tag}"),
            pl.col("pooled_pupils").cast(pl.Float64).alias(f"dest_n_{tag}"),
            pl.col("cohorts_used").cast(pl.Float64).alias(f"dest_cohorts_{tag}"),
        )
        hidden = withheld.filter(pl.col("group") == group).select("urn")
        keyed = part.join(hidden, on="urn", how="full", coalesce=True).with_columns(
            pl.when(pl.col(f"dest_{tag}").is_not_null())
            .then(pl.lit("value"))
            .otherwise(pl.lit("suppressed"))
            .alias(f"dest_{tag}_status")
        )
        keyed = keyed.with_columns(
            pl.col(f"dest_{tag}_status").alias(f"dest_n_{tag}_status"),
            pl.col(f"dest_{tag}_status").alias(f"dest_cohorts_{tag}_status"),
        )
        out = keyed if out is None else out.join(keyed, on="urn", how="full", coalesce=True)
    assert out is not None
    return out.drop("dest_cohorts_other", "dest_cohorts_other_status").select(list(schema)), span


def _family_display_before(result: similar.FamilyResult) -> pl.DataFrame:
    """The family (chosen school excluded) with the reason each is similar."""
    fam = result.family
    chosen = fam.chosen.row(0, named=True)
    diffs = pl.concat_list(
        [(pl.col(f"z_{f}") - chosen[f"z_{f}"]).abs() for f in fam.features]
    ).list.arg_max()
    members = result.table.filter(pl.col("role") == "family").with_columns(diffs.alias("__far"))
    far = []
    for index, row in zip(members["__far"].to_list(), members.iter_rows(named=True), strict=True):
        key = fam.features[index]
        far.append(
            f"{similar.FEATURES[key].short}: {family_ui._number(row[key], key)} "
            f"vs {family_ui._number(chosen[key], key)}"
        )
    return members.select(
        pl.col("rank").alias("Rank"),
        pl.col("name").alias("School"),
        pl.col("la_name").alias("LA"),
        pl.col("distance").round(2).alias("Distance"),
        pl.Series("Least alike on", far),
        *(pl.col(f).alias(family_ui._heading(f, chosen[f])) for f in fam.features),
        pl.col("urn").alias("URN"),
    )


# ---------------------------------------------------------------------- the comparisons


def _areas(context: similar.Context) -> list[tuple[str, ...]]:
    codes = sorted(set(context.frame["la_code"].drop_nulls().to_list()))
    return [(c,) for c in codes] + [tuple(GREATER_MANCHESTER), tuple(codes), ("999",), ()]


def test_school_lists_and_defaults_are_unchanged(context: similar.Context) -> None:
    for la_codes in _areas(context):
        assert_frame_equal(
            similar.school_options(context, la_codes), _school_options_before(context, la_codes)
        )
        assert similar.default_school(context, la_codes) == _default_school_before(
            context, la_codes
        ), la_codes


def test_a_school_row_and_its_features_are_unchanged(context: similar.Context) -> None:
    urns = context.frame["urn"].to_list()
    for urn in [*urns[:: max(1, len(urns) // 150)], "no-such-urn"]:
        assert similar.available_features(context, urn) == _available_features_before(context, urn)
        row = similar.school_row(context, urn)
        found = context.frame.filter(pl.col("urn") == urn)
        assert row == (found.row(0, named=True) if found.height else None)


def test_pools_and_family_tables_are_unchanged(context: similar.Context) -> None:
    defaults = [similar.default_school(context, (c,)) for c in sorted(GREATER_MANCHESTER)]
    urns = [u for u in defaults if u is not None]
    urns += context.frame["urn"].to_list()[:: max(1, context.frame.height // 12)]
    features = similar.DEFAULT_FEATURES
    checked = 0
    for urn in urns:
        if not set(features) <= set(similar.available_features(context, urn)):
            continue
        for pool in similar.POOLS:
            for mix in (False, True):
                frame, label = similar.pool_frame(context, urn, pool, mix)
                old_frame, old_label = _pool_frame_before(context, urn, pool, mix)
                assert label == old_label
                assert_frame_equal(frame, old_frame)
                result = similar.family_for(context, urn, pool, features, 20, None, mix)
                table, kind, height = _family_table_before(context, urn, pool, features, mix)
                assert_frame_equal(result.table, table)
                # The family display takes the members as the rows after the first.
                roles = result.table["role"].to_list()
                assert roles == ["chosen"] + ["family"] * (len(roles) - 1)
                assert result.family.exclusion_counts() == _exclusion_counts_before(result.family)
                assert_frame_equal(
                    family_ui._family_display(result), _family_display_before(result)
                )
                assert (result.kind, result.candidates) == (kind, height)
                checked += 1
    assert checked >= 12
    with pytest.raises(KeyError):
        similar.pool_frame(context, "no-such-urn", "la")


@pytest.mark.parametrize("phase", ["secondary", "primary"])
def test_context_tables_are_unchanged(
    store: Store, phase: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """context_table with the new cell reader and pooled destinations against the same
    function with the old ones, for several of the page's years and census years."""
    censuses = similar.census_year_options(store)
    asked = [("2018/19", None)] + [("2024/25", c) for c in censuses[:2]] + [("2016/17", None)]
    for year, census in asked:
        new = similar.context_table(store, phase, year, census)
        with monkeypatch.context() as patched:
            patched.setattr(similar_context, "_cells", _cells_before)
            patched.setattr(similar_context, "_pooled_destinations", _pooled_destinations_before)
            old = similar.context_table(store, phase, year, census)
        assert new.years == old.years
        assert_frame_equal(new.frame, old.frame)


def test_pooled_destinations_are_unchanged(store: Store) -> None:
    new, span = similar_context._pooled_destinations(store)
    old, old_span = _pooled_destinations_before(store)
    assert span == old_span
    assert_frame_equal(new.sort("urn"), old.sort("urn"))
