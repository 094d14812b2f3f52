"""Beating the odds: how far a school's result sits from what its context would predict.

The expectation is an ordinary least-squares line across every school with the outcome
(numpy `lstsq`, with an intercept): for example disadvantaged pupils' Attainment 8 on the
school's % disadvantaged, its cohort's KS2 prior attainment and % EAL. A school's residual
is its published result minus that expectation. It describes; it does not explain: a
positive residual can come from the school's work, from what the context measures miss,
or from chance, and this module cannot tell them apart.

Why the band is scaled by cohort size rather than a plain prediction interval: the
question a head asks is "could a result this far from expectation be luck with a cohort
this small?". A prediction interval gives every school the same width, so a school with
six disadvantaged pupils would look as certain as one with 120. Instead the residual
variance is modelled as sigma^2 / n_i (pupils vary around their school's expectation
independently; n_i = the school's cohort of the outcome's pupil group), sigma^2 is
estimated as sum(n_i * r_i^2) / (N - p) over the fitted schools, and each school's band is
residual +- z * sigma / sqrt(n_i), z = 1.96. This is the convention of DfE's Progress 8
confidence intervals (a school is "above" when the whole band is above 0), with sigma
taken from these data because no pupil-level spread is published. Roughly 1 in 20 schools
would sit outside the band by chance alone, so a single "above" is a reason to look, not
a verdict.

Rows whose outcome is suppressed or otherwise not published are left out of the fit and
of the table: an outcome is never inferred.

When is the line too weak to rank schools on? `OddsFit.weak_reasons()` says so when the
context explains less than a tenth of the differences between schools (R^2 < 0.10), when
fewer than 30 schools were fitted, or when no slope can be told apart from zero (every
slope's 95% interval, slope +- 1.96 x its ordinary least-squares standard error, spans 0).
Then a residual is mostly the raw result minus a near-constant, and a list of schools
"above expectation" would restate the raw results under a more flattering name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

Z_95 = 1.96
#: Below this share of the differences explained, the line is too weak to rank schools on.
WEAK_R_SQUARED = 0.10
#: Fewer schools than this and the line's slopes are too uncertain to rank schools on.
MIN_SCHOOLS = 30


class OddsError(ValueError):
    """Too few schools with the outcome and every predictor to fit the line."""


@dataclass(frozen=True)
class OddsFit:
    outcome: str
    predictors: tuple[str, ...]
    #: "intercept" and one slope per predictor, in outcome units per predictor unit.
    coefficients: dict[str, float]
    #: sigma in the docstring: the spread of results per pupil around the expectation.
    pupil_sigma: float
    r_squared: float
    n_schools: int
    #: id, outcome, predictors, cohort, expected, residual, band, lower, upper, above, below.
    table: pl.DataFrame
    #: Schools left out, by reason.
    excluded: dict[str, int]
    #: Ordinary least-squares standard error of each coefficient (same keys as coefficients).
    std_errors: dict[str, float] = field(default_factory=dict)
    z: float = Z_95

    def slope_interval(self, name: str) -> tuple[float, float]:
        """The slope's 95% interval: coefficient +- z x its standard error."""
        coef, se = self.coefficients[name], self.std_errors.get(name, float("nan"))
        return coef - self.z * se, coef + self.z * se

    def unclear_slopes(self) -> tuple[str, ...]:
        """Predictors whose slope's interval spans 0 (its sign is not settled by the data)."""
        return tuple(
            name
            for name in self.predictors
            if not (self.slope_interval(name)[0] > 0 or self.slope_interval(name)[1] < 0)
        )

    def weak_reasons(self) -> tuple[str, ...]:
        """Why the line is too weak to rank schools on (empty when it is not)."""
        reasons = []
        if self.r_squared < WEAK_R_SQUARED:
            reasons.append(
                f"the context measures explain {self.r_squared:.0%} of the differences between "
                f"schools (R² {self.r_squared:.2f})"
            )
        if self.n_schools < MIN_SCHOOLS:
            reasons.append(f"only {self.n_schools} schools were fitted (fewer than {MIN_SCHOOLS})")
        if self.predictors and len(self.unclear_slopes()) == len(self.predictors):
            reasons.append("no context measure's slope can be told apart from zero")
        return tuple(reasons)

    def above(self) -> pl.DataFrame:
        """Schools whose whole band is above their expected result, furthest above first."""
        return self.table.filter(pl.col("above")).sort("residual", descending=True)


def _exclusions(
    frame: pl.DataFrame, outcome: str, predictors: Sequence[str], cohort: str, status: str | None
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Keep usable rows; count the rest under the first reason that applies.

    Reasons read "<outcome> <status>" (a published non-value: suppressed, missing, ...),
    then "no <column>" for a blank outcome, predictor or cohort (cohort <= 0 too)."""
    counts: dict[str, int] = {}
    kept = frame
    if status is not None:
        hidden = kept.filter(pl.col(status).is_not_null() & (pl.col(status) != "value"))
        for value, n in hidden.group_by(status).len().sort(status).iter_rows():
            counts[f"{outcome} {value}"] = int(n)
        kept = kept.filter(pl.col(status).is_null() | (pl.col(status) == "value"))
    checks = [
        (name, pl.col(name).is_null() | pl.col(name).is_nan()) for name in (outcome, *predictors)
    ]
    checks.append((cohort, pl.col(cohort).is_null() | (pl.col(cohort) <= 0)))
    for name, bad in checks:
        drop = kept.filter(bad.fill_null(True))
        if drop.height:
            counts[f"no {name}"] = counts.get(f"no {name}", 0) + drop.height
        kept = kept.filter(~bad.fill_null(True))
    return kept, counts


def beating_the_odds(
    frame: pl.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    cohort: str,
    *,
    id_column: str = "urn",
    status: str | None = None,
    z: float = Z_95,
) -> OddsFit:
    """Fit the expectation across `frame` and score every school in it."""
    names = tuple(dict.fromkeys(predictors))
    columns = [id_column, outcome, *names, cohort, *([status] if status else [])]
    typed = frame.select(columns).with_columns(
        pl.col(id_column).cast(pl.String),
        *(pl.col(c).cast(pl.Float64) for c in (outcome, *names, cohort)),
    )
    kept, excluded = _exclusions(typed, outcome, names, cohort, status)
    kept = kept.sort(id_column)
    parameters = len(names) + 1
    if kept.height <= parameters:
        raise OddsError(
            f"{kept.height} schools have {outcome} and every predictor; "
            f"at least {parameters + 1} are needed for a line with {len(names)} predictors"
        )
    x = np.column_stack([np.ones(kept.height), kept.select(names).to_numpy()])
    y = kept[outcome].to_numpy().astype(np.float64)
    n = kept[cohort].to_numpy().astype(np.float64)
    beta, _, rank, _ = np.linalg.lstsq(x, y, rcond=None)
    expected = x @ beta
    residual = y - expected
    dof = max(kept.height - int(rank), 1)
    sigma = float(np.sqrt((n * residual**2).sum() / dof))
    band = z * sigma / np.sqrt(n)
    # Classical OLS standard errors: s^2 (X'X)^-1, s^2 = RSS / (N - p); pinv copes with a
    # predictor that is constant or duplicated (its slope then has no settled sign).
    s2 = float((residual**2).sum()) / dof
    se = np.sqrt(np.clip(np.diag(s2 * np.linalg.pinv(x.T @ x)), 0.0, None))
    if int(rank) < x.shape[1]:
        se = np.full(x.shape[1], np.inf)
    total = float(((y - y.mean()) ** 2).sum())
    r_squared = 1.0 - float((residual**2).sum()) / total if total > 0 else 0.0
    table = kept.drop(*([status] if status else [])).with_columns(
        pl.Series("expected", expected),
        pl.Series("residual", residual),
        pl.Series("band", band),
        pl.Series("lower", residual - band),
        pl.Series("upper", residual + band),
    )
    # Float noise on an exact fit must not read as "above": compare with a tolerance.
    tolerance = 1e-9 * max(1.0, float(np.abs(y).max()))
    table = table.with_columns(
        (pl.col("lower") > tolerance).alias("above"), (pl.col("upper") < -tolerance).alias("below")
    )
    return OddsFit(
        outcome=outcome,
        predictors=names,
        coefficients={"intercept": float(beta[0])}
        | {name: float(beta[i + 1]) for i, name in enumerate(names)},
        pupil_sigma=sigma,
        r_squared=r_squared,
        n_schools=kept.height,
        table=table,
        excluded=excluded,
        std_errors={"intercept": float(se[0])}
        | {name: float(se[i + 1]) for i, name in enumerate(names)},
        z=z,
    )
