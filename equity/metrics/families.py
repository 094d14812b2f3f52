"""Families of similar schools: nearest neighbours on standardised context.

Headteachers learn most from schools that serve a similar intake (the London and Greater
Manchester Challenge "Families of Schools", DfE's similar schools, the EEF families), not
from the LA average. The method is deliberately the plainest one that can be explained on
a page and checked by hand:

1. The candidate pool is every school given (the caller has already chosen LA, GM or
   England). A school missing any chosen feature cannot be placed, so it leaves the pool
   for that feature set; the reasons are reported, never filled in.
2. Each feature is standardised over that pool: z = (x - mean) / sd, with the population
   standard deviation (ddof = 0), so a feature measured in pupils weighs the same as one
   measured in percent. A feature every school shares (sd = 0) cannot separate schools and
   gets z = 0.
3. Distance is Euclidean in z-space, each feature's squared difference multiplied by its
   weight (1 unless the caller says otherwise): d = sqrt(sum_f w_f (z_f - z_f*)^2). A
   weight says how much a feature matters for "similar", in the same units for every
   feature because each is standardised first; weight 0 keeps the feature's requirement
   (a school lacking it still leaves the pool) but ignores it in the distance. The family
   is the `size` nearest schools, ties broken by URN so the same question always gets the
   same answer. The school itself is never in its own family.

The pool is sorted by URN before any arithmetic, so the answer (to the last bit) does not
depend on the order rows arrive in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

DEFAULT_SIZE = 20


class FamilyError(ValueError):
    """The family cannot be formed (unknown school, or it lacks a chosen feature)."""


@dataclass(frozen=True)
class Family:
    school: str
    features: tuple[str, ...]
    #: The chosen school's values and z-scores (one row, distance 0).
    chosen: pl.DataFrame
    #: id, rank, distance, each feature and its z-score (z_<feature>), nearest first.
    members: pl.DataFrame
    #: Schools in the pool with every feature (the chosen school included).
    pool_size: int
    #: id, missing (list of the chosen features the school lacks).
    excluded: pl.DataFrame
    means: dict[str, float] = field(default_factory=dict)
    sds: dict[str, float] = field(default_factory=dict)
    #: The weight each feature's squared z difference carries in the distance.
    weights: dict[str, float] = field(default_factory=dict)

    def exclusion_counts(self) -> dict[str, int]:
        """Schools left out per missing feature (a school lacking two counts under both)."""
        found = Counter(f for missing in self.excluded["missing"].to_list() for f in missing)
        return {f: found[f] for f in self.features if f in found}


def find_family(
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
    # One read of the ids and features, then plain numpy: the pool is at most a few
    # thousand rows and every polars step on it cost a trip through polars' thread pool
    # (some 18 of them a family, the bulk of a Similar schools rerun on a busy machine).
    ids = schools[id_column].cast(pl.String).to_list()
    if len(set(ids)) != len(ids):
        raise FamilyError(f"each school must appear once ({id_column} repeats)")
    if str(school) not in ids:
        raise FamilyError(f"school {school} is not in the candidate pool")
    # Null and NaN alike are missing (to_numpy gives a null as NaN). Column by column from
    # the Series (no query); the layout is set below, where it matters.
    every: np.ndarray = np.column_stack(
        [schools[f].cast(pl.Float64).to_numpy().astype(np.float64) for f in chosen_features]
    )
    absent: np.ndarray = np.isnan(every)
    mine_at = ids.index(str(school))
    lacking = [f for i, f in enumerate(chosen_features) if absent[mine_at, i]]
    if lacking:
        raise FamilyError(f"school {school} has no value for: {', '.join(lacking)}")

    # Rows in URN order (ids are unique strings, so the order is total), as the pool and the
    # excluded list have always been sorted.
    by_id = sorted(range(len(ids)), key=ids.__getitem__)
    lacks = np.asarray(absent.any(axis=1), dtype=bool)
    out_rows = [i for i in by_id if lacks[i]]
    in_rows = [i for i in by_id if not lacks[i]]
    excluded = pl.DataFrame(
        {
            id_column: [ids[i] for i in out_rows],
            "missing": [
                [f for j, f in enumerate(chosen_features) if absent[i, j]] for i in out_rows
            ],
        },
        schema={id_column: pl.String, "missing": pl.List(pl.String)},
    )

    # Column-major, as polars' to_numpy of the pool gave it: numpy's mean and sd then sum
    # each column in the same order, to the last bit.
    values = np.asfortranarray(every[in_rows])
    means = values.mean(axis=0)
    sds = values.std(axis=0, ddof=0)
    safe = np.where(sds > 0, sds, 1.0)
    z = np.where(sds > 0, (values - means) / safe, 0.0)
    pool_ids = [ids[i] for i in in_rows]
    row = pool_ids.index(str(school))
    distance = np.sqrt((weight * (z - z[row]) ** 2).sum(axis=1))

    # Nearest first, ties by URN: pool_ids are already in URN order, so a stable sort on
    # distance alone keeps that order among equal distances.
    others = np.array([i for i in range(len(pool_ids)) if i != row], dtype=np.int64)
    nearest = others[np.argsort(distance[others], kind="stable")][:size]

    def rows_of(picked: Sequence[int] | np.ndarray) -> dict[str, pl.Series]:
        """The picked pool rows: id, distance, each feature and its z-score."""
        # As Python floats (exact for float64): a family is a few dozen rows, and polars'
        # numpy route cost its first caller in a process some 10-20 ms.
        return {
            id_column: pl.Series(id_column, [pool_ids[i] for i in picked], dtype=pl.String),
            "distance": pl.Series("distance", distance[picked].tolist(), dtype=pl.Float64),
            **{
                f: pl.Series(f, values[picked, i].tolist(), dtype=pl.Float64)
                for i, f in enumerate(chosen_features)
            },
            **{
                f"z_{f}": pl.Series(f"z_{f}", z[picked, i].tolist(), dtype=pl.Float64)
                for i, f in enumerate(chosen_features)
            },
        }

    chosen = pl.DataFrame(rows_of([row]))
    picked = rows_of(nearest)
    rank = pl.Series("rank", range(1, len(nearest) + 1), dtype=pl.Int64)
    order = [id_column, "rank", "distance", *chosen_features, *(f"z_{f}" for f in chosen_features)]
    members = pl.DataFrame([picked[c] if c != "rank" else rank for c in order])
    pool_height = len(pool_ids)
    return Family(
        school=str(school),
        features=chosen_features,
        chosen=chosen,
        members=members,
        pool_size=pool_height,
        excluded=excluded,
        means={f: float(means[i]) for i, f in enumerate(chosen_features)},
        sds={f: float(sds[i]) for i, f in enumerate(chosen_features)},
        weights={f: float(weight[i]) for i, f in enumerate(chosen_features)},
    )
