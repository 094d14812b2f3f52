"""trend_chart and marker_notes work out a frame's drawn rows once (components.trend_chart
`_drawn`): the same answers as before, computed once for one frame object, never handed to
another frame, equal or not."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from components import trend_chart as tc

FRAME = pl.DataFrame(
    {
        "academic_year": ["2017/18", "2018/19", "2019/20", "2020/21", "2021/22"],
        "series": ["Bolton"] * 5,
        "value": [36.0, None, 41.0, 42.1, None],
        "status": ["value", "suppressed", "value", "value", "not_published"],
    }
)
SPAN = tc.span_years(FRAME["academic_year"].to_list())


def test_drawn_is_prepare_break_marks_and_withheld() -> None:
    found = tc._drawn(FRAME, "ks4", "ks4_attainment8", SPAN)
    rows = tc.prepare(FRAME, key_stage="ks4", measure="ks4_attainment8", years=SPAN)
    marks = tc.break_marks("ks4", "ks4_attainment8", SPAN)
    assert_frame_equal(found.rows, rows)
    assert_frame_equal(found.marks, marks)
    assert_frame_equal(found.withheld, tc._withheld(rows, marks))
    assert found.withheld.height  # the suppressed 2018/19 is marked (the test has teeth)


def test_one_frame_is_worked_out_once_and_no_other_frame_gets_its_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[pl.DataFrame] = []
    prepare = tc.prepare

    def counting(frame: pl.DataFrame, **kwargs: object) -> pl.DataFrame:
        calls.append(frame)
        return prepare(frame, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tc, "prepare", counting)
    frame = FRAME.clone()
    first = tc._drawn(frame, "ks4", "ks4_attainment8", SPAN)
    notes = tc.marker_notes(frame, "ks4", "ks4_attainment8", SPAN)
    tc.trend_chart(
        frame,
        title="A8",
        value_title="A8",
        key_stage="ks4",
        measure="ks4_attainment8",
        colours={"Bolton": "#000000"},
        years=SPAN,
    )
    assert len(calls) == 1 and tc._drawn(frame, "ks4", "ks4_attainment8", SPAN) is first
    assert any("Bolton 2018/19 (suppressed)" in note for note in notes)
    # An equal frame that is another object, other years, or another measure: worked out.
    tc._drawn(FRAME.clone(), "ks4", "ks4_attainment8", SPAN)
    tc._drawn(frame, "ks4", "ks4_attainment8", SPAN[1:])
    tc._drawn(frame, "ks4", "ks4_progress8", SPAN)
    assert len(calls) == 4
    # A changed frame (a new object) never gets the old answer.
    changed = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias("value"))
    assert tc._drawn(changed, "ks4", "ks4_attainment8", SPAN).withheld.height == 2


@pytest.mark.parametrize(
    ("key_stage", "measure", "years"),
    [
        ("ks4", "ks4_attainment8", ["2017/18", "2018/19", "2019/20", "2020/21", "2021/22"]),
        # No KS2 tests in 2019/20 and 2020/21: those years are shaded, not marked.
        ("ks2", "ks2_rwm_expected_pct", ["2018/19", "2019/20", "2020/21", "2021/22", "2022/23"]),
    ],
)
@pytest.mark.parametrize(
    "statuses",
    [
        ["value", "value", "value", "value", "value"],
        [None, None, None, None, None],
        ["value", "suppressed", "value", "value", "not_published"],
        ["value", "low_coverage", None, "value", "not_entered"],
    ],
)
def test_withheld_cells_are_the_query_s(
    statuses: list[str | None], key_stage: str, measure: str, years: list[str]
) -> None:
    """The withheld cells worked out on plain rows are the ones (and the columns and types)
    the polars query gave, shaded years left out, whether or not any cell is withheld."""
    frame = FRAME.with_columns(
        pl.Series("status", statuses, dtype=pl.String), pl.Series("academic_year", years)
    )
    span = tc.span_years(years)
    rows = tc.prepare(frame, key_stage=key_stage, measure=measure, years=span)
    marks = tc.break_marks(key_stage, measure, span)
    shaded = pl.lit(value=False)
    for x0, x1 in (
        marks.filter(pl.col("kind").is_in(["no_data", "stops"])).select("x0", "x1").rows()
    ):
        shaded = shaded | pl.col("year").is_between(x0, x1)
    expected = rows.filter(
        pl.col("value").is_null() & ~shaded & pl.col("status").is_in(sorted(tc.WITHHELD_STATUSES))
    ).select(
        "academic_year", "year", "series", pl.col("status").str.replace("_", " ").alias("shown")
    )
    assert_frame_equal(tc._withheld(rows, marks), expected)


def _reference_prepare(
    frame: pl.DataFrame, key_stage: str, measure: str, years: list[str]
) -> pl.DataFrame:
    """tc.prepare as it was: the year filter and the flag lookup always run."""
    from equity.metrics.trends import entries_for, segments

    flags = {e.year: e.label for e in entries_for(key_stage, measure, years) if e.kind == "flag"}
    if "status" not in frame.columns:
        frame = frame.with_columns(status=pl.lit(None, dtype=pl.String))
    seg = segments(
        frame.filter(pl.col("academic_year").is_in(list(years))),
        key_stage=key_stage,
        measure=measure,
        by=["series"],
    )
    return seg.with_columns(
        pl.col("academic_year").str.slice(0, 4).cast(pl.Int32).alias("year"),
        (pl.col("series") + " #" + pl.col("segment").cast(pl.String)).alias("line"),
        pl.col("academic_year")
        .replace_strict(flags, default=None, return_dtype=pl.String)
        .alias("flag"),
    )


@pytest.mark.parametrize(
    ("key_stage", "measure"),
    [("ks4", "ks4_attainment8"), ("census", "census_segregation"), ("ks2", "ks2_rwm_expected_pct")],
)
@pytest.mark.parametrize(
    "years",
    [
        list(SPAN),  # every row's year in the span: no filter
        SPAN[1:4],  # rows outside the span are dropped
    ],
)
def test_prepare_is_the_query_it_replaced(key_stage: str, measure: str, years: list[str]) -> None:
    with_null_year = pl.concat(
        [
            FRAME,
            pl.DataFrame(
                {
                    "academic_year": [None],
                    "series": ["Bolton"],
                    "value": [1.0],
                    "status": ["value"],
                },
                schema=FRAME.schema,
            ),
        ]
    )
    for frame in (FRAME, FRAME.drop("status"), with_null_year):
        found = tc.prepare(frame, key_stage=key_stage, measure=measure, years=years)
        assert_frame_equal(found, _reference_prepare(frame, key_stage, measure, years))


def test_kept_layers_compile_to_the_json_a_fresh_walk_gives() -> None:
    """Two charts over one span share the break layers (`_annotations`), whose JSON the
    walk keeps after the first: the second chart's spec is the one a walk without kept
    JSON gives (same layers, same datasets), and the frames kept are named in it."""
    from components import vega
    from components.charts import COMPILED

    def chart(frame: pl.DataFrame, area: str) -> Any:
        return tc.trend_chart(
            frame,
            title=area,
            value_title="Attainment 8",
            key_stage="ks4",
            measure="ks4_attainment8",
            colours={area: "#000000"},
            years=SPAN,
        )

    first = chart(FRAME, "Bolton")
    second = chart(FRAME.with_columns(pl.col("value") * 2, pl.lit("Bury").alias("series")), "Bury")
    vega.spec(first)
    kept = [layer for layer in second.layer if COMPILED in layer.__dict__]
    assert kept  # the break layers were kept by the first walk (the test has teeth)
    from_kept = vega.spec(second)
    for layer in kept:
        del layer.__dict__[COMPILED]
    fresh = vega.spec(second)
    assert json.dumps(from_kept, default=repr) == json.dumps(fresh, default=repr)
