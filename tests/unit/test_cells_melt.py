"""`melt_measures` (one unpivot, each distinct text parsed once) against the plain reading of
its contract: for each measure column in turn, every row's cell parsed on its own."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from equity.ingest.cells import MeasureColumn, count_expr, melt_measures, status_expr, value_expr
from equity.schema import RESULTS_SCHEMA

_TEXTS = [
    "47%",
    " 1,234 ",
    "-0.25",
    "12.5",
    "0",
    "SUPP",
    "c",
    "x",
    "NE",
    "LOWCOV",
    "",
    "DNS",
    "1e3",
]
_COLUMNS = ["A", "B", "C", "N1", "N2"]


def _one_spec_at_a_time(frame: pl.DataFrame, specs: list[MeasureColumn]) -> pl.DataFrame:
    """The slow, obvious melt: one select per spec, cells parsed where they stand."""
    parts = [
        frame.select(
            pl.col("URN").alias("entity"),
            pl.lit("school").alias("entity_kind"),
            pl.col("LEA").alias("la_code"),
            pl.lit("2018/19").alias("academic_year"),
            pl.lit(spec.key_stage).alias("key_stage"),
            pl.lit(spec.measure).alias("measure"),
            pl.lit(spec.pupil_group).alias("pupil_group"),
            value_expr(spec.column).alias("value"),
            (
                count_expr(spec.pupils_column)
                if spec.pupils_column in frame.columns
                else pl.lit(None, dtype=pl.Int64)
            ).alias("pupils"),
            status_expr(spec.column).alias("status"),
            pl.col(spec.column).fill_null("").alias("original"),
            pl.lit("file.csv").alias("source"),
            pl.lit(False).alias("published"),
        )
        for spec in specs
        if spec.column in frame.columns
    ]
    if not parts:
        return pl.DataFrame(schema=RESULTS_SCHEMA)
    return pl.concat(parts).cast(RESULTS_SCHEMA)  # type: ignore[arg-type]


def _melted(frame: pl.DataFrame, specs: list[MeasureColumn]) -> pl.DataFrame:
    return melt_measures(
        frame,
        specs,
        entity=pl.col("URN"),
        entity_kind=pl.lit("school"),
        la_code=pl.col("LEA"),
        academic_year="2018/19",
        source="file.csv",
        published=pl.lit(False),
    )


_cell = st.one_of(st.none(), st.sampled_from(_TEXTS), st.text(max_size=6))
_spec = st.builds(
    MeasureColumn,
    column=st.sampled_from([*_COLUMNS, "MISSING"]),
    measure=st.sampled_from(["att8", "p8"]),
    pupil_group=st.sampled_from(["all", "disadvantaged"]),
    key_stage=st.just("ks4"),
    pupils_column=st.one_of(st.none(), st.sampled_from(["N1", "N2", "MISSING"])),
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(_cell, min_size=len(_COLUMNS), max_size=len(_COLUMNS)), max_size=8),
    specs=st.lists(_spec, max_size=6),
)
def test_same_rows_as_one_spec_at_a_time(
    rows: list[list[str | None]], specs: list[MeasureColumn]
) -> None:
    frame = pl.DataFrame(
        {
            "URN": [str(100000 + i) for i in range(len(rows))],
            "LEA": ["352"] * len(rows),
            **{name: [row[i] for row in rows] for i, name in enumerate(_COLUMNS)},
        },
        schema={"URN": pl.String, "LEA": pl.String, **dict.fromkeys(_COLUMNS, pl.String)},
    )
    expected = _one_spec_at_a_time(frame, specs)
    actual = _melted(frame, specs)
    assert actual.schema == expected.schema
    assert actual.to_dicts() == expected.to_dicts()


def test_a_hand_checked_file() -> None:
    frame = pl.DataFrame(
        {"URN": ["1", "2"], "LEA": ["352", "350"], "A": ["47%", "SUPP"], "N1": ["30", "x"]}
    )
    spec = MeasureColumn("A", "att8", "all", "ks4", pupils_column="N1")
    rows = _melted(frame, [spec, MeasureColumn("A", "att8", "boys", "ks4")]).select(
        "entity", "pupil_group", "value", "pupils", "status", "original"
    )
    assert rows.rows() == [
        ("1", "all", 47.0, 30, "value", "47%"),
        ("2", "all", None, None, "suppressed", "SUPP"),
        ("1", "boys", 47.0, None, "value", "47%"),
        ("2", "boys", None, None, "suppressed", "SUPP"),
    ]
