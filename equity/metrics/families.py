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
        if self.excluded.is_empty():
            return {}
        counts = self.excluded.explode("missing").group_by("missing").len()
        found = dict(counts.iter_rows())
        return {f: int(found[f]) for f in self.features if f in found}


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
