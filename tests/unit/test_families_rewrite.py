"""find_family's numpy rewrite (one polars read, then numpy) gives exactly what the polars
version gave: the same members, chosen row, excluded list, means, sds and weights, to the
last bit, and the same errors. `_find_family_before` is the function as it was (commit
9c246ee), kept verbatim as the oracle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equity.metrics.families import DEFAULT_SIZE, Family, FamilyError, find_family


def _find_family_before(
    schools: pl.DataFrame,
    school: str,
    features: Sequence[str],
    size: int = DEFAULT_SIZE,
    id_column: str = "urn",
    weights: Mapping[str, float] | None = None,
) -> Family:
    """The `size` schools nearest to `school` on the standardised `features`, each weighted
    by `weights[feature]` (1 where not given; see the module docstring)."""
    chosen_features = tuple(dict.fromkeys(features))
    if not chosen_features:
        raise FamilyError("choose at least one feature to compare schools on")
    given = dict(weights or {})
    weight = np.array([float(given.get(f, 1.0)) for f in chosen_features], dtype=np.float64)
    if not np.all(np.isfinite(weight)) or np.any(weight < 0):
        raise FamilyError("a feature's weight must be a number of 0 or more")
    if not np.any(weight > 0):
        raise FamilyError("give at least one feature a weight above 0")
    if size < 1:
        raise FamilyError("a family needs at least one member")
    ids = schools[id_column].cast(pl.String)
    if ids.n_unique() != schools.height:
        raise FamilyError(f"each school must appear once ({id_column} repeats)")
    frame = schools.with_columns(ids.alias(id_column)).select(
        id_column, *(pl.col(f).cast(pl.Float64) for f in chosen_features)
    )
    mine = frame.filter(pl.col(id_column) == str(school))
    if mine.is_empty():
        raise FamilyError(f"school {school} is not in the candidate pool")
    lacking = [f for f in chosen_features if mine[f][0] is None or np.isnan(mine[f][0])]
    if lacking:
        raise FamilyError(f"school {school} has no value for: {', '.join(lacking)}")

    missing = pl.concat_list(
        [pl.when(pl.col(f).is_null() | pl.col(f).is_nan()).then(pl.lit(f)) for f in chosen_features]
    ).list.drop_nulls()
    flagged = frame.with_columns(missing.alias("missing"))
    lacks = pl.col("missing").list.len() > 0
    excluded = flagged.filter(lacks).select(id_column, "missing").sort(id_column)
    pool = flagged.filter(~lacks).drop("missing").sort(id_column)

    values = pool.select(chosen_features).to_numpy().astype(np.float64)
    means = values.mean(axis=0)
    sds = values.std(axis=0, ddof=0)
    safe = np.where(sds > 0, sds, 1.0)
    z = np.where(sds > 0, (values - means) / safe, 0.0)
    pool_ids = pool[id_column].to_list()
    row = pool_ids.index(str(school))
    distance = np.sqrt((weight * (z - z[row]) ** 2).sum(axis=1))

    scored = pool.with_columns(
        *(pl.Series(f"z_{f}", z[:, i]) for i, f in enumerate(chosen_features)),
        pl.Series("distance", distance),
    )
    chosen = scored.filter(pl.col(id_column) == str(school))
    members = (
        scored.filter(pl.col(id_column) != str(school))
        .sort(["distance", id_column])
        .head(size)
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int64))
    )
    order = [id_column, "rank", "distance", *chosen_features, *(f"z_{f}" for f in chosen_features)]
    return Family(
        school=str(school),
        features=chosen_features,
        chosen=chosen.select(id_column, "distance", *order[3:]),
        members=members.select(order),
        pool_size=pool.height,
        excluded=excluded,
        means={f: float(means[i]) for i, f in enumerate(chosen_features)},
        sds={f: float(sds[i]) for i, f in enumerate(chosen_features)},
        weights={f: float(weight[i]) for i, f in enumerate(chosen_features)},
    )


_values = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.integers(-50, 50).map(float),
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[pl.DataFrame, str, list[str], int, dict[str, float]]:
    """Pools of 1 to 300 schools (past numpy's pairwise-summation block of 128, where the
    layout of the values would change the last bit of a mean), with gaps, NaN, ties and
    repeated features, in any row order."""
    n = draw(st.integers(1, 300))
    urns = draw(st.lists(st.integers(1, 999999).map(str), min_size=n, max_size=n, unique=True))
    features = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=5))
    names = list(dict.fromkeys(features))
    small = draw(st.booleans())  # few distinct values: many tied distances
    pick = st.integers(0, 3).map(float) if small else _values
    columns = {f: draw(st.lists(st.one_of(st.none(), pick), min_size=n, max_size=n)) for f in names}
    chosen = draw(st.integers(0, n - 1))
    for f in names:
        value = columns[f][chosen]
        if value is None or value != value:
            columns[f][chosen] = 1.0
    frame = pl.DataFrame(
        {"urn": urns, **columns}, schema={"urn": pl.String, **dict.fromkeys(names, pl.Float64)}
    )
    weights = {f: draw(st.sampled_from([0.0, 0.5, 1.0, 2.25])) for f in names}
    if not any(weights.values()):
        weights[names[0]] = 1.0
    return frame, urns[chosen], features, draw(st.integers(1, 60)), weights


def _same(new: Family, old: Family) -> None:
    assert new.school == old.school and new.features == old.features
    assert new.pool_size == old.pool_size
    for part in ("chosen", "members", "excluded"):
        a, b = getattr(new, part), getattr(old, part)
        assert a.schema == b.schema, part
        assert a.equals(b, null_equal=True), part
    # Bit for bit (NaN never occurs: a mean over at least the chosen school).
    assert new.means == old.means and new.sds == old.sds and new.weights == old.weights


@settings(max_examples=300, deadline=None)
@given(cases())
def test_rewrite_gives_what_the_polars_version_gave(
    case: tuple[pl.DataFrame, str, list[str], int, dict[str, float]],
) -> None:
    frame, urn, features, size, weights = case
    _same(
        find_family(frame, urn, features, size, weights=weights),
        _find_family_before(frame, urn, features, size, weights=weights),
    )


def test_rewrite_on_integer_ids_and_features_and_a_lone_school() -> None:
    frame = pl.DataFrame({"id": [30, 10, 20, 40], "x": [1, 5, 3, None], "y": [2, 2, 2, 2]})
    for school in ("10", "20", "30"):
        _same(
            find_family(frame, school, ["x", "y"], 2, id_column="id"),
            _find_family_before(frame, school, ["x", "y"], 2, id_column="id"),
        )
    lone = pl.DataFrame({"urn": ["1", "2"], "x": [1.0, None]})
    _same(find_family(lone, "1", ["x"], 5), _find_family_before(lone, "1", ["x"], 5))


@pytest.mark.parametrize(
    ("school", "features", "weights"),
    [("9", ["x"], None), ("1", ["y"], None), ("1", [], None), ("1", ["x"], {"x": -1.0})],
)
def test_rewrite_raises_as_before(
    school: str, features: list[str], weights: dict[str, float] | None
) -> None:
    frame = pl.DataFrame({"urn": ["1", "2"], "x": [1.0, 2.0], "y": [None, 3.0]})
    messages = []
    for function in (find_family, _find_family_before):
        with pytest.raises(FamilyError) as raised:
            function(frame, school, features, 3, weights=weights)
        messages.append(str(raised.value))
    assert messages[0] == messages[1]
    twice = pl.concat([frame, frame.head(1)])
    with pytest.raises(FamilyError, match="appear once"):
        find_family(twice, "2", ["x"])
