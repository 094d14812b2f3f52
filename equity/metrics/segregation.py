"""How unevenly disadvantaged pupils are spread across an area's schools.

Each index is a polars expression over per-school counts, so one `group_by(area, year)`
computes every area at once. Notation as in Gorard & Taylor (2002) and the foundation
issue: F_i disadvantaged pupils in school i, N_i other pupils, T_i = F_i + N_i, and F, N, T
the area totals.

- Gorard's segregation index GS = 0.5 * sum |F_i/F - T_i/T|: the share of disadvantaged
  pupils who would have to change school for every school to have the area's rate.
- Dissimilarity D = 0.5 * sum |F_i/F - N_i/N|: the same idea measured against other
  pupils; GS = (1 - F/T) * D, so GS falls when the FSM rate rises even if D does not.
- Isolation = sum (F_i/F) * (F_i/T_i): the share of disadvantaged pupils in the school
  of the average disadvantaged pupil.

An index is null when it is undefined (no disadvantaged pupils, or no other pupils for D).
"""

from __future__ import annotations

import polars as pl


def _share(column: str) -> pl.Expr:
    total = pl.col(column).sum()
    return pl.when(total > 0).then(pl.col(column) / total).otherwise(None)


def gorard(f: str = "f", n: str = "n") -> pl.Expr:
    t = pl.col(f) + pl.col(n)
    total_f, total_t = pl.col(f).sum(), t.sum()
    index = 0.5 * (pl.col(f) / total_f - t / total_t).abs().sum()
    return pl.when((total_f > 0) & (total_t > 0)).then(index).otherwise(None).alias("gorard")


def dissimilarity(f: str = "f", n: str = "n") -> pl.Expr:
    total_f, total_n = pl.col(f).sum(), pl.col(n).sum()
    index = 0.5 * (pl.col(f) / total_f - pl.col(n) / total_n).abs().sum()
    return pl.when((total_f > 0) & (total_n > 0)).then(index).otherwise(None).alias("dissimilarity")


def isolation(f: str = "f", n: str = "n") -> pl.Expr:
    t = pl.col(f) + pl.col(n)
    total_f = pl.col(f).sum()
    index = (pl.col(f) / total_f * pl.col(f) / t).filter(t > 0).sum()
    return pl.when(total_f > 0).then(index).otherwise(None).alias("isolation")


def index_exprs(f: str = "f", n: str = "n") -> list[pl.Expr]:
    """All three indices plus the counts they rest on, for one `agg` call."""
    return [
        pl.len().alias("schools"),
        (pl.col(f) + pl.col(n)).sum().alias("pupils"),
        pl.col(f).sum().alias("disadvantaged"),
        gorard(f, n),
        dissimilarity(f, n),
        isolation(f, n),
    ]


def usable_rows(f: str = "f", n: str = "n") -> pl.Expr:
    """Schools whose two counts are published and which have pupils."""
    return pl.col(f).is_not_null() & pl.col(n).is_not_null() & ((pl.col(f) + pl.col(n)) > 0)


def indices(counts: pl.DataFrame, f: str = "f", n: str = "n") -> dict[str, float | None]:
    """The three indices for one area's schools (rows with unusable counts are dropped)."""
    usable = counts.filter(usable_rows(f, n))
    if usable.is_empty():
        return {"gorard": None, "dissimilarity": None, "isolation": None}
    row = usable.select(gorard(f, n), dissimilarity(f, n), isolation(f, n)).row(0, named=True)
    return {k: (float(v) if v is not None else None) for k, v in row.items()}


def segregation_curve(counts: pl.DataFrame, f: str = "f", n: str = "n") -> pl.DataFrame:
    """Cumulative share of pupils (x) against cumulative share of disadvantaged pupils (y).

    Schools are ordered from the lowest to the highest disadvantaged rate, so an even spread
    is the diagonal and the curve sags below it as disadvantage concentrates. Starts at (0, 0).
    """
    usable = counts.filter(usable_rows(f, n))
    t = pl.col(f) + pl.col(n)
    ordered = usable.with_columns((pl.col(f) / t).alias("rate")).sort("rate", maintain_order=True)
    curve = ordered.select(
        (t.cum_sum() / t.sum()).alias("cum_pupils"),
        (pl.col(f).cum_sum() / pl.col(f).sum()).alias("cum_disadvantaged"),
        pl.col("rate"),
    )
    origin = pl.DataFrame(
        {"cum_pupils": [0.0], "cum_disadvantaged": [0.0], "rate": [None]},
        schema=curve.schema,
    )
    return pl.concat([origin, curve])
